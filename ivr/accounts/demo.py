"""The demo data that `ivr seed-demo` loads and the tests sign in with.

Participant IDs, SSNs and PINs here are published demo values (README), never real people's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.accounts.models import Case, CourtEvent, Participant, Payment
from ivr.accounts.secrets import PinHasher, SsnDigester

PACIFIC = dt.timezone(dt.timedelta(hours=-8), "PST")


@dataclass(frozen=True)
class DemoParticipant:
    number: str
    ssn: str | None
    pin: str | None
    temporary: bool
    language: str


DEMO_PARTICIPANTS = (
    DemoParticipant("1000000001", "123-45-6789", "2468", False, "es"),
    DemoParticipant("1000000002", "987-65-4321", "1357", False, "en"),
    DemoParticipant("1000000003", "111-22-3333", "9999", True, "en"),
    # Edge cases for operators' call scripts: a new case with no payment yet on either side, and no case.
    DemoParticipant("1000000004", "222-33-4444", "3579", False, "en"),
    DemoParticipant("1000000005", "333-44-5555", "8642", False, "es"),
    DemoParticipant("1000000006", "444-55-6666", "1122", False, "en"),
    # The other parents on the demo cases: on file, but without a PIN they cannot sign in.
    DemoParticipant("1000000011", None, None, False, "en"),
    DemoParticipant("1000000012", None, None, False, "en"),
    DemoParticipant("1000000013", None, None, False, "es"),
    DemoParticipant("1000000014", None, None, False, "en"),
)


def seed_demo(sessions: sessionmaker[Session], pins: PinHasher, ssns: SsnDigester) -> bool:
    """Load the demo data into an empty database. Returns False, changing nothing, if it is already there."""
    with sessions.begin() as session:
        if session.scalar(select(Participant.id).where(Participant.participant_number == "1000000001")):
            return False
        people = {
            demo.number: Participant(
                participant_number=demo.number,
                ssn_digest=ssns.digest(demo.ssn) if demo.ssn else None,
                pin_hash=pins.hash(demo.pin) if demo.pin else None,
                pin_is_temporary=demo.temporary,
                preferred_language=demo.language,
            )
            for demo in DEMO_PARTICIPANTS
        }
        session.add_all(people.values())
        received = Case(
            case_number="2026000101",
            county="Sacramento",
            status="open",
            office_phone="18005550100",
            payer=people["1000000011"],
            receiver=people["1000000001"],
            monthly_support=Decimal("350.00"),
            balance=Decimal("1024.75"),
        )
        paid = Case(
            case_number="2026000202",
            county="Alameda",
            status="open",
            office_phone="18005550100",
            payer=people["1000000002"],
            receiver=people["1000000012"],
            monthly_support=Decimal("400.00"),
            balance=Decimal("1234.56"),
        )
        temporary = Case(
            case_number="2026000303",
            county="Fresno",
            status="open",
            office_phone="18005550100",
            payer=people["1000000013"],
            receiver=people["1000000003"],
            monthly_support=Decimal("250.00"),
            balance=Decimal("0.00"),
        )
        new_payer = Case(
            case_number="2026000404",
            county="Kern",
            status="open",
            office_phone="18005550100",
            payer=people["1000000004"],
            receiver=people["1000000005"],
            monthly_support=Decimal("300.00"),
            balance=Decimal("0.00"),
        )
        session.add_all([received, paid, temporary, new_payer])
        session.add_all(
            [
                Payment(case=received, paid_on=dt.date(2026, 9, 1), amount=Decimal("350.00")),
                Payment(case=received, paid_on=dt.date(2026, 10, 1), amount=Decimal("350.00")),
                Payment(case=received, paid_on=dt.date(2026, 11, 3), amount=Decimal("175.25")),
                Payment(case=paid, paid_on=dt.date(2026, 10, 3), amount=Decimal("400.00")),
                Payment(case=paid, paid_on=dt.date(2026, 11, 2), amount=Decimal("400.00")),
                CourtEvent(
                    case=received,
                    kind="hearing",
                    place="Sacramento County Superior Court, Department 12",
                    starts_at=dt.datetime(2026, 12, 15, 9, 30, tzinfo=PACIFIC),
                    description="review of the support order",
                ),
                CourtEvent(
                    case=paid,
                    kind="appointment",
                    place="Customer Connect office, 100 Main Street, Oakland",
                    starts_at=dt.datetime(2027, 1, 12, 14, 0, tzinfo=PACIFIC),
                    description="meeting with a caseworker",
                ),
            ]
        )
    return True
