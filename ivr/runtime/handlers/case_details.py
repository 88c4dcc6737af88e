"""Court dates and appointments, and case information, for the signed-in participant."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.core.values import DigitString, PhoneNumber, PromptRef, Scalar
from ivr.engine.events import HandlerFinished
from ivr.runtime.handlers.ports import HandlerPorts
from ivr.runtime.handlers.request import HandlerRequest

UPCOMING = 5
# Words that come from data are said through prompts, in the caller's language.
KIND_PROMPTS = {"hearing": "court_kind_hearing", "appointment": "court_kind_appointment"}
STATUS_PROMPTS = {"open": "case_status_open", "closed": "case_status_closed"}


def read_court_dates(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    dates = ports.accounts.court_dates(request.account_holder(), after=request.now, limit=UPCOMING)
    languages = (request.state.language, request.default_language)
    items: tuple[Mapping[str, Scalar], ...] = tuple(
        {
            "what": PromptRef(KIND_PROMPTS.get(date.kind, "court_kind_appointment")),
            "when": date.starts_at.astimezone(ports.zone).replace(tzinfo=None),
            "place": in_language(date.place, *languages),
            "about": in_language(date.description, *languages),
        }
        for date in dates
    )
    return HandlerFinished("upcoming" if items else "none", values={"court_dates": items})


def in_language(texts: Mapping[str, str], language: str, default_language: str) -> str:
    """The text in the caller's language; else in the flow's default language; else in any language it
    was written in (the first by language code, so that every call says the same), rather than nothing."""
    for wanted in (language, default_language, *sorted(texts)):
        if texts.get(wanted):
            return texts[wanted]
    return ""


def read_case_info(ports: HandlerPorts, request: HandlerRequest) -> HandlerFinished:
    cases: tuple[Mapping[str, Scalar], ...] = tuple(
        {
            "case_number": DigitString(case.case_number),
            "county": case.county,
            "status": PromptRef(STATUS_PROMPTS.get(case.status, "case_status_open")),
            "office_phone": PhoneNumber(case.office_phone),
        }
        for case in ports.accounts.cases(request.account_holder())
    )
    return HandlerFinished("found" if cases else "none", values={"cases": cases})
