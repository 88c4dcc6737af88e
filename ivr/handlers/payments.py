"""Payments: the balance and the latest payments of the signed-in participant."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.engine.events import HandlerFinished
from ivr.handlers.request import HandlerRequest
from ivr.ports import AccountDirectory
from ivr.values import Scalar

LATEST_PAYMENTS = 3


class NotSignedIn(RuntimeError):
    """An account handler ran for a call that has not signed in; the flow is wired wrongly."""


def read_payments(accounts: AccountDirectory, request: HandlerRequest) -> HandlerFinished:
    participant = request.state.participant
    if participant is None:
        raise NotSignedIn(request.state.node)
    summary = accounts.payment_summary(participant, latest=LATEST_PAYMENTS)
    if summary is None:
        return HandlerFinished("no_case")
    payments: tuple[Mapping[str, Scalar], ...] = tuple(
        {"amount": payment.amount, "date": payment.paid_on} for payment in summary.latest
    )
    outcome = summary.role.value if payments else f"{summary.role.value}_no_payments"
    return HandlerFinished(outcome, values={"balance": summary.balance, "payments": payments})
