"""Engine and session factory for DATABASE_URL, on SQLite or PostgreSQL.

Statement parameters are hidden from every error message: they can hold a participant ID.

Connections are not pinged before use (a round trip on every checkout). A connection the server dropped
(a restart, a killed backend, an idle timeout) fails on its first statement instead; SQLAlchemy then
replaces every pooled connection older than that, and ``retry_if_dropped`` runs the unit of work once more
on a fresh one. A connection dropped while idle in the pool fails before its statement reaches the server,
so the failed attempt wrote nothing; one dropped after its statement reached the server may have
committed it, so every write sent again has the effect of one (an audit row is written once, by its key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ivr.runtime.time_budget import TimeBudget

T = TypeVar("T")
# Pooled connections are replaced after this long, before a server or proxy idle timeout closes them.
POOL_RECYCLE_SECONDS = 30 * 60


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (the driver this project installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **options: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_recycle=POOL_RECYCLE_SECONDS, hide_parameters=True, **options)


def retry_if_dropped(work: Callable[[], T]) -> T:
    """Run ``work``; if it failed because the server had dropped its connection, run it once more."""
    try:
        return work()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    return work()


def in_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """``work`` in one transaction (committed when it returns), once more if the connection was dropped."""

    def attempt() -> T:
        with sessions.begin() as session:
            return work(session)

    return retry_if_dropped(attempt)


def in_autocommit(engine: Engine, work: Callable[[Connection], T]) -> T:
    """``work`` on a connection where every statement commits by itself (one round trip for a single read
    or insert, where a transaction would add BEGIN and ROLLBACK or COMMIT), once more if it was dropped."""

    def attempt() -> T:
        with engine.connect() as connection:
            return work(connection.execution_options(isolation_level="AUTOCOMMIT"))

    return retry_if_dropped(attempt)


def open_database(url: str, instance_path: Path, budget: TimeBudget | None = None) -> Engine:
    """The engine for DATABASE_URL; the default SQLite file's folder is made when it does not exist yet.

    With a ``budget`` (the app's webhooks), every wait is bounded: the wait for a pooled connection, and on
    PostgreSQL the time to connect, each statement (``statement_timeout``) and each lock wait
    (``lock_timeout``); on SQLite the wait for a locked file. Without one (migrations, the CLI), none is.
    """
    sqlite = normalise_url(url).startswith("sqlite")
    if sqlite:
        instance_path.mkdir(parents=True, exist_ok=True)
    if budget is None:
        return make_engine(url)
    if sqlite:
        return make_engine(
            url, pool_timeout=budget.pool_timeout, connect_args={"timeout": budget.lock_timeout_ms / 1000}
        )
    engine = make_engine(url, pool_timeout=budget.pool_timeout)
    limits = f"-c statement_timeout={budget.statement_timeout_ms} -c lock_timeout={budget.lock_timeout_ms}"

    @event.listens_for(engine, "do_connect")
    def _bounded(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        # Added to the server options the URL may already carry (a search_path, for instance).
        params["options"] = f"{params.get('options', '')} {limits}".strip()
        params.setdefault("connect_timeout", budget.connect_timeout)

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# The schema the first release created without migrations is exactly revision 0001.
UNVERSIONED_SCHEMA = "0001"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the project's Alembic migrations."""
    config = alembic_config()
    with engine.connect() as connection:
        unversioned = MigrationContext.configure(connection).get_current_revision() is None
        first_release = unversioned and "participants" in inspect(connection).get_table_names()
    with _migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        if first_release:
            command.stamp(config, UNVERSIONED_SCHEMA)
        command.upgrade(config, revision)


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for migrations. On PostgreSQL each migration runs in a transaction of its own (Alembic's
    ``transaction_per_migration``, migrations/env.py), so that one may build an index without holding the
    table's writes (CREATE INDEX CONCURRENTLY, outside any transaction): a failed migration leaves the
    schema at the revision before it. On SQLite all of them run in one transaction: SQLite rebuilds a table
    to alter it, which its foreign key checks forbid while other rows refer to it, so they are off during
    the migrations and checked after."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            yield connection
            connection.commit()
            return
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # the pragma only works outside a transaction
        try:
            with connection.begin():
                yield connection
                if connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("the migration left rows that refer to missing rows")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with _migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def create_schema(engine: Engine) -> None:
    """The schema every part of the service expects: the migrations, up to the newest."""
    upgrade(engine)
