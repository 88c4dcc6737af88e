"""The handlers do what their registered sign-in rules say, on the real database and Redis: the rules that
`ivr validate` checks flows with and the engine runs handlers by must be true of the handlers themselves."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr.engine import CallStarted, CallState, HandlerFinished, step
from ivr.engine.sign_in import Anonymous, Claimed, SignedIn, SignIn, apply, level
from ivr.flow import Flow
from ivr.flow.handler_rules import Level
from ivr.runtime.handlers import HANDLER_RULES, HandlerPorts, HandlerRequest, account_handlers
from ivr.runtime.handlers.request import NotSignedIn
from ivr.runtime.handlers.sign_in import AccountsNotByText
from tests.conftest import HANDLER_TIME

NOW = HANDLER_TIME


def run(
    ports: HandlerPorts, flow: Flow, name: str, sign_in: SignIn, digits: str | None, channel: str = "voice"
) -> tuple[HandlerFinished, Level]:
    """Run one handler at ``sign_in``; its outcome and the level it leaves the call at."""
    state: CallState = replace(step(flow, None, CallStarted("CA1")).state, sign_in=sign_in)
    finished = account_handlers(ports)[name](HandlerRequest(state, digits, channel, "+15555550123", NOW))
    after = apply(sign_in, finished.sign_in) if finished.sign_in else sign_in
    return finished, level(after)


def check(ports: HandlerPorts, flow: Flow, name: str, sign_in: SignIn, digits: str | None) -> HandlerFinished:
    finished, reached = run(ports, flow, name, sign_in, digits)
    assert reached == HANDLER_RULES[name].after(finished.outcome, level(sign_in)), (name, finished.outcome)
    return finished


def test_sign_in_outcomes_leave_the_call_where_the_rules_say(ports: HandlerPorts, flow: Flow) -> None:
    who = ports.accounts.identify(participant_number="1000000002")
    temporary = ports.accounts.identify(participant_number="1000000003")
    assert who is not None and temporary is not None
    assert check(ports, flow, "identify_caller", SignedIn(who), "1000000002").outcome == "ok"
    assert check(ports, flow, "identify_caller", SignedIn(who), "12").outcome == "not_valid"
    assert check(ports, flow, "authenticate", Claimed(who), "0000").outcome == "failed"
    assert check(ports, flow, "authenticate", Claimed(who), "1357").outcome == "ok"
    assert check(ports, flow, "authenticate", Claimed(temporary), "9999").outcome == "temporary_pin"
    assert check(ports, flow, "authenticate", Claimed(None), "1357").outcome == "failed"
    assert check(ports, flow, "request_pin_by_mail", SignedIn(who), "1000000002").outcome == "accepted"
    changer = SignedIn(temporary, must_change_pin=True)
    assert check(ports, flow, "check_new_pin", changer, "4826").outcome == "ok"
    assert check(ports, flow, "confirm_new_pin", changer, "4826").outcome == "changed"


@pytest.mark.parametrize(
    "name",
    sorted(name for name, rules in HANDLER_RULES.items() if rules.needs > Level.NONE),
)
def test_handlers_that_need_a_sign_in_refuse_to_act_without_it(
    ports: HandlerPorts, flow: Flow, name: str
) -> None:
    """The engine never runs them then; if it did, they would still not act for anyone."""
    for sign_in in (Anonymous(), Claimed(1)):
        with pytest.raises(NotSignedIn):
            run(ports, flow, name, sign_in, "4826")


def test_account_access_by_text_message_is_off_unless_the_agency_allows_it(
    ports: HandlerPorts, flow: Flow
) -> None:
    assert run(ports, flow, "account_access", Anonymous(), None, "sms")[0].outcome == "by_phone_only"
    assert run(ports, flow, "account_access", Anonymous(), None, "tty")[0].outcome == "available"
    for name in ("identify_caller", "authenticate", "request_pin_by_mail"):
        with pytest.raises(AccountsNotByText):
            run(ports, flow, name, Anonymous(), "1000000002", "sms")
    allowed = replace(ports, accounts_by_text=True)
    assert run(allowed, flow, "account_access", Anonymous(), None, "sms")[0].outcome == "available"


@pytest.mark.parametrize(
    ("name", "participant", "digits"),
    [
        ("read_payments", "1000000002", None),  # a payer with payments
        ("read_payments", "1000000004", None),  # a payer with none yet
        ("read_payments_received", "1000000001", None),
        ("read_payments_made", "1000000007", None),
        ("read_court_dates", "1000000002", None),
        ("read_court_dates", "1000000004", None),
        ("read_case_info", "1000000002", None),
        ("read_case_info", "1000000006", None),  # no case
        ("check_new_pin", "1000000002", "1111"),  # refused, with its reason
        ("check_new_pin", "1000000002", "4826"),
        ("offer_phone_update", "1000000002", None),
    ],
)
def test_handlers_give_exactly_the_values_their_rules_declare(
    ports: HandlerPorts, flow: Flow, name: str, participant: str, digits: str | None
) -> None:
    """`ivr validate` checks every {placeholder} against the declared values; they must be what the handler
    really gives, item fields included."""
    who = ports.accounts.identify(participant_number=participant)
    assert who is not None
    finished, _ = run(ports, flow, name, SignedIn(who), digits)
    rules = HANDLER_RULES[name]
    assert set(finished.values) == rules.values_of(finished.outcome), (name, finished.outcome)
    for list_name, items in finished.values.items():
        if isinstance(items, tuple):
            for item in items:
                assert set(item) == rules.items[list_name], (name, list_name)
