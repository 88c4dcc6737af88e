"""Payments: the balance and the latest payments, a page at a time, for the role the caller chose.

Each page is read one payment longer than it is said, so the outcome can tell the flow whether older
payments remain (``payer_more``, ``receiver_more``): "older payments" is offered only when there are some.
"""

from __future__ import annotations

from collections.abc import Mapping

from ivr.core.records import PaymentSummary, Role
from ivr.core.values import Scalar
from ivr.engine.events import HandlerFinished
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.handlers.request import HandlerRequest

PAGE = 3
ROLE, SEEN = "payments_role", "payments_seen"
_ROLE_CODES = {Role.PAYER: 1, Role.RECEIVER: 2}


def _page(ports: HandlerPorts, participant: int, role: Role | None, skip: int) -> HandlerFinished:
    return _finished(ports.accounts.payment_summary(participant, latest=PAGE + 1, role=role, skip=skip), skip)


def _finished(summary: PaymentSummary | None, skip: int) -> HandlerFinished:
    if summary is None:
        return HandlerFinished("no_case")
    payments: tuple[Mapping[str, Scalar], ...] = tuple(
        {"amount": payment.amount, "date": payment.paid_on} for payment in summary.latest[:PAGE]
    )
    if skip and not payments:
        return HandlerFinished("no_more")
    outcome = summary.role.value if payments else f"{summary.role.value}_no_payments"
    if len(summary.latest) > PAGE:
        outcome += "_more"
    counters = ((ROLE, _ROLE_CODES[summary.role]), (SEEN, skip + len(payments)))
    return HandlerFinished(
        outcome, values={"balance": summary.balance, "payments": payments}, counters=counters
    )


def read_payments(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    """The caller's only role; a caller who both pays and receives chooses first ("choose")."""
    participant = request.account_holder()
    summary = ports.accounts.payment_summary(participant, latest=PAGE + 1)
    if summary is not None and len(summary.roles) > 1:
        return HandlerFinished("choose")
    return _finished(summary, 0)


def read_payments_made(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    return _page(ports, request.account_holder(), Role.PAYER, 0)


def read_payments_received(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    return _page(ports, request.account_holder(), Role.RECEIVER, 0)


def read_more_payments(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    role = {code: role for role, code in _ROLE_CODES.items()}.get(request.state.counter(ROLE))
    return _page(ports, request.account_holder(), role, request.state.counter(SEEN))
