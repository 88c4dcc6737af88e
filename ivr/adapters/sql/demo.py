"""The demo data that `ivr seed-demo` loads and the tests sign in with.

Participant IDs, SSNs, PINs, addresses and phone numbers here are published demo values (README),
never real people's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ivr.adapters.sql.models import Case, CourtEvent, CourtEventText, Participant, Payment, PinMailRequest
from ivr.adapters.sql.secrets import PinHasher, SsnDigester

PACIFIC = dt.timezone(dt.timedelta(hours=-8), "PST")


@dataclass(frozen=True)
class DemoParticipant:
    number: str
    ssn: str | None
    pin: str | None
    temporary: bool
    language: str
    address: str | None = None  # the street line; the rest of the demo address is fixed
    address_valid: bool = True


DEMO_PARTICIPANTS = (
    DemoParticipant("1000000001", "123-45-6789", "2468", False, "es", "12 Elm Street"),
    DemoParticipant("1000000002", "987-65-4321", "1357", False, "en", "400 Oak Avenue"),
    DemoParticipant("1000000003", "111-22-3333", "9999", True, "en", "9 Pine Court"),
    # Edge cases for operators' call scripts: a new case with no payment yet on either side, and no case.
    DemoParticipant("1000000004", "222-33-4444", "3579", False, "en", "77 Cedar Road"),
    DemoParticipant("1000000005", "333-44-5555", "8642", False, "es", "5 Birch Lane", address_valid=False),
    DemoParticipant("1000000006", "444-55-6666", "1122", False, "en"),
    # Pays support on one case and receives it on another, with enough payments to page through.
    DemoParticipant("1000000007", "555-66-7777", "2580", False, "en", "31 Maple Drive"),
    # The other parents on the demo cases: on file, but without a PIN they cannot sign in.
    DemoParticipant("1000000011", None, None, False, "en"),
    DemoParticipant("1000000012", None, None, False, "en"),
    DemoParticipant("1000000013", None, None, False, "es"),
    DemoParticipant("1000000014", None, None, False, "en"),
    DemoParticipant("1000000015", None, None, False, "en"),
    DemoParticipant("1000000016", None, None, False, "en"),
)


def _participant(demo: DemoParticipant, pins: PinHasher, ssns: SsnDigester, now: dt.datetime) -> Participant:
    return Participant(
        participant_number=demo.number,
        ssn_digest=ssns.digest(demo.ssn) if demo.ssn else None,
        ssn_last4_digest=ssns.digest_last4(demo.ssn) if demo.ssn else None,
        pin_hash=pins.hash(demo.pin) if demo.pin else None,
        pin_is_temporary=demo.temporary,
        pin_changed_at=now if demo.pin else None,
        preferred_language=demo.language,
        address_line1=demo.address,
        city="Sacramento" if demo.address else None,
        state="CA" if demo.address else None,
        postal_code="95814" if demo.address else None,
        address_valid=demo.address is not None and demo.address_valid,
    )


def _case(
    number: str, county: str, payer: Participant, receiver: Participant, monthly: str, balance: str
) -> Case:
    return Case(
        case_number=number,
        county=county,
        status="open",
        office_phone="18005550100",
        payer=payer,
        receiver=receiver,
        monthly_support=Decimal(monthly),
        balance=Decimal(balance),
    )


def _event(case: Case, kind: str, when: dt.datetime, **texts: tuple[str, str]) -> CourtEvent:
    """``texts``: by language code, the place and the description callers hear in that language."""
    return CourtEvent(
        case=case,
        kind=kind,
        starts_at=when,
        texts=[
            CourtEventText(language=language, place=place, description=description)
            for language, (place, description) in texts.items()
        ],
    )


def reset_demo(
    sessions: sessionmaker[Session], pins: PinHasher, ssns: SsnDigester, now: dt.datetime | None = None
) -> int:
    """Give the demo participants back their published PINs (the temporary one unused again), forget their
    pending PINs, phone numbers and mail requests. Returns how many participants were reset."""
    moment = now or dt.datetime.now(dt.UTC)
    by_number = {demo.number: demo for demo in DEMO_PARTICIPANTS}
    with sessions.begin() as session:
        rows = session.scalars(select(Participant).where(Participant.participant_number.in_(by_number))).all()
        for row in rows:
            fresh = _participant(by_number[row.participant_number], pins, ssns, moment)
            row.pin_hash, row.pin_is_temporary = fresh.pin_hash, fresh.pin_is_temporary
            row.pin_changed_at = fresh.pin_changed_at
            row.temporary_pin_used_at, row.temporary_pin_used_by = None, None
            row.pending_pin_hash, row.pending_pin_expires_at, row.phone = None, None, None
        session.execute(delete(PinMailRequest).where(PinMailRequest.participant_id.in_([r.id for r in rows])))
        return len(rows)


def seed_demo(
    sessions: sessionmaker[Session], pins: PinHasher, ssns: SsnDigester, now: dt.datetime | None = None
) -> bool:
    """Load the demo data into an empty database. Returns False, changing nothing, if it is already there.
    ``now``: when the demo PINs were issued (a temporary PIN expires some days later)."""
    moment = now or dt.datetime.now(dt.UTC)
    with sessions.begin() as session:
        if session.scalar(select(Participant.id).where(Participant.participant_number == "1000000001")):
            return False
        people = {demo.number: _participant(demo, pins, ssns, moment) for demo in DEMO_PARTICIPANTS}
        session.add_all(people.values())
        received = _case(
            "2026000101", "Sacramento", people["1000000011"], people["1000000001"], "350.00", "1024.75"
        )
        paid = _case("2026000202", "Alameda", people["1000000002"], people["1000000012"], "400.00", "1234.56")
        temporary = _case(
            "2026000303", "Fresno", people["1000000013"], people["1000000003"], "250.00", "0.00"
        )
        new_case = _case("2026000404", "Kern", people["1000000004"], people["1000000005"], "300.00", "0.00")
        both_pays = _case(
            "2026000505", "Placer", people["1000000007"], people["1000000015"], "275.00", "550.00"
        )
        both_gets = _case("2026000606", "Yolo", people["1000000016"], people["1000000007"], "180.00", "90.00")
        closed = _case("2019000707", "Yolo", people["1000000016"], people["1000000007"], "120.00", "0.00")
        closed.status = "closed"
        session.add_all([received, paid, temporary, new_case, both_pays, both_gets, closed])
        session.add_all(
            [
                Payment(case=received, paid_on=dt.date(2026, 9, 1), amount=Decimal("350.00")),
                Payment(case=received, paid_on=dt.date(2026, 10, 1), amount=Decimal("350.00")),
                Payment(case=received, paid_on=dt.date(2026, 11, 3), amount=Decimal("175.25")),
                Payment(case=paid, paid_on=dt.date(2026, 10, 3), amount=Decimal("400.00")),
                Payment(case=paid, paid_on=dt.date(2026, 11, 2), amount=Decimal("400.00")),
                *(
                    Payment(case=both_pays, paid_on=dt.date(2026, month, 15), amount=Decimal("275.00"))
                    for month in range(5, 12)
                ),
                Payment(case=both_gets, paid_on=dt.date(2026, 10, 20), amount=Decimal("180.00")),
                Payment(case=both_gets, paid_on=dt.date(2026, 11, 20), amount=Decimal("90.00")),
                *(  # three pages of payments received, so that older pages can offer more still
                    Payment(case=closed, paid_on=paid_on, amount=Decimal("120.00"))
                    for paid_on in (dt.date(2019, 10, 1), dt.date(2019, 11, 1), dt.date(2019, 12, 1))
                ),
                Payment(case=closed, paid_on=dt.date(2020, 1, 1), amount=Decimal("120.00")),
                Payment(case=closed, paid_on=dt.date(2020, 2, 1), amount=Decimal("120.00")),
                Payment(case=closed, paid_on=dt.date(2020, 3, 1), amount=Decimal("120.00")),
            ]
        )
        session.add_all(
            [
                _event(
                    received,
                    "hearing",
                    dt.datetime(2026, 12, 15, 9, 30, tzinfo=PACIFIC),
                    en=("Sacramento County Superior Court, Department 12", "a review of the support order"),
                    es=(
                        "el Tribunal Superior del Condado de Sacramento, Departamento 12",
                        "una revisión de la orden de manutención",
                    ),
                ),
                _event(
                    received,
                    "appointment",
                    dt.datetime(2027, 1, 7, 14, 0, tzinfo=PACIFIC),
                    en=(
                        "the Customer Connect office, 100 Main Street, Sacramento",
                        "a meeting with your caseworker",
                    ),
                    es=(
                        "la oficina de Cliente Conectado, 100 Main Street, Sacramento",
                        "una reunión con su trabajador social",
                    ),
                ),
                _event(
                    received,
                    "hearing",
                    dt.datetime(2026, 6, 2, 9, 0, tzinfo=PACIFIC),
                    en=(
                        "Sacramento County Superior Court, Department 12",
                        "a hearing that already took place",
                    ),
                    es=(
                        "el Tribunal Superior del Condado de Sacramento, Departamento 12",
                        "una audiencia que ya pasó",
                    ),
                ),
                _event(
                    paid,
                    "appointment",
                    dt.datetime(2027, 1, 12, 14, 0, tzinfo=PACIFIC),
                    en=(
                        "the Customer Connect office, 200 Broadway, Oakland",
                        "a meeting with your caseworker",
                    ),
                    es=(
                        "la oficina de Cliente Conectado, 200 Broadway, Oakland",
                        "una reunión con su trabajador social",
                    ),
                ),
                _event(
                    both_pays,
                    "hearing",
                    dt.datetime(2027, 2, 3, 10, 15, tzinfo=PACIFIC),
                    en=("Placer County Superior Court, Department 3", "a hearing on the support amount"),
                    es=(
                        "el Tribunal Superior del Condado de Placer, Departamento 3",
                        "una audiencia sobre el monto de la manutención",
                    ),
                ),
            ]
        )
    return True
