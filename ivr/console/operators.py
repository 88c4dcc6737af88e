"""Operator accounts: argon2id password hashes, three roles, and a lockout after repeated failures.

Passwords are hashed with argon2-cffi's default (RFC 9106 low-memory) parameters: unlike a caller's
4-digit PIN, an operator's password is a long-lived secret that the hash's cost does protect. A sign-in with
an unknown name verifies against a decoy hash, so that the time taken does not tell which names exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from ivr.adapters.sql.console_tables import OPERATOR_NAME_CHARS, Operator
from ivr.adapters.sql.database import make_session_factory
from ivr.console.roles import ROLES
from ivr.core.clock import Clock, SystemClock
from ivr.core.errors import IvrError

MAX_FAILURES = 5  # consecutive wrong passwords that lock an account
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256


class OperatorError(IvrError, ValueError):
    """A request about operator accounts that cannot be done, in words for the operator."""


@dataclass(frozen=True)
class OperatorInfo:
    id: int
    name: str
    role: str
    locked_until: dt.datetime | None = None

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class SignIn(Enum):
    OK = "ok"
    REFUSED = "refused"  # wrong name or password, or a locked account: callers are told the same
    LOCKED_NOW = "locked_now"  # this failure locked the account


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise OperatorError(f"the role must be one of {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise OperatorError(f"a password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    return password


def _check_name(name: str) -> str:
    if not name or len(name) > OPERATOR_NAME_CHARS or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise OperatorError("a name is 1 to 64 letters, digits, '.', '_', '-' or '@'")
    return name


def _info(row: Operator) -> OperatorInfo:
    return OperatorInfo(row.id, row.name, row.role, row.locked_until)


class OperatorDirectory:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._sessions = make_session_factory(engine)
        self._clock = clock or SystemClock()
        self._hasher = PasswordHasher()
        self._decoy: str | None = None  # made at the first sign-in with an unknown name

    def add(self, name: str, password: str, role: str) -> OperatorInfo:
        row = Operator(
            name=_check_name(name),
            password_hash=self._hasher.hash(_check_password(password)),
            role=_check_role(role),
            created_at=self._clock.now(),
            failed_sign_ins=0,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise OperatorError(f"an operator named '{name}' already exists") from None
        return _info(row)

    def all(self) -> list[OperatorInfo]:
        with self._sessions() as session:
            return [_info(row) for row in session.scalars(select(Operator).order_by(Operator.name))]

    def get(self, operator_id: int) -> OperatorInfo | None:
        with self._sessions() as session:
            row = session.get(Operator, operator_id)
            return None if row is None else _info(row)

    def _change(self, name: str, **fields: object) -> None:
        with self._sessions.begin() as session:
            row = session.scalars(select(Operator).where(Operator.name == name)).first()
            if row is None:
                raise OperatorError(f"there is no operator named '{name}'")
            for field, value in fields.items():
                setattr(row, field, value)

    def set_role(self, name: str, role: str) -> None:
        self._change(name, role=_check_role(role))

    def set_password(self, name: str, password: str) -> None:
        self._change(name, password_hash=self._hasher.hash(_check_password(password)))

    def unlock(self, name: str) -> None:
        self._change(name, failed_sign_ins=0, locked_until=None)

    def remove(self, name: str) -> None:
        with self._sessions.begin() as session:
            row = session.scalars(select(Operator).where(Operator.name == name)).first()
            if row is None:
                raise OperatorError(f"there is no operator named '{name}'")
            session.delete(row)

    def sign_in(self, name: str, password: str) -> tuple[SignIn, OperatorInfo | None]:
        """Check a name and password. A locked account refuses even the right password until its lock
        ends; the lock starts at the MAX_FAILURES-th consecutive failure."""
        now = self._clock.now()
        password = password[:MAX_PASSWORD_CHARS]
        with self._sessions.begin() as session:
            row = session.scalars(
                select(Operator).where(Operator.name == name[:OPERATOR_NAME_CHARS]).with_for_update()
            ).first()
            good = self._verify(row.password_hash if row else None, password)
            if row is None:
                return SignIn.REFUSED, None
            locked_until = row.locked_until
            if locked_until is not None and locked_until > now:
                return SignIn.REFUSED, None
            if good:
                row.failed_sign_ins, row.locked_until = 0, None
                if self._hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = self._hasher.hash(password)
                return SignIn.OK, _info(row)
            row.failed_sign_ins = (row.failed_sign_ins if locked_until is None else 0) + 1
            if row.failed_sign_ins >= MAX_FAILURES:
                row.failed_sign_ins, row.locked_until = 0, now + dt.timedelta(minutes=LOCK_MINUTES)
                return SignIn.LOCKED_NOW, None
            row.locked_until = None
            return SignIn.REFUSED, None

    def _verify(self, stored: str | None, password: str) -> bool:
        if stored is None and self._decoy is None:
            self._decoy = self._hasher.hash("decoy, never a password")
        try:
            return self._hasher.verify(stored or self._decoy or "", password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False
