"""Alembic environment: runs on the connection ivr.adapters.sql.database.upgrade hands it, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

import ivr.adapters.sql.console_tables  # noqa: F401 - registers the operator console's tables on Base.metadata
from ivr.adapters.sql.models import Base

config = context.config
target_metadata = Base.metadata


def _run_on(connection: Connection) -> None:
    # Within a transaction the caller began (SQLite: ivr.adapters.sql.database) every migration runs in it;
    # otherwise each runs in one of its own, which it may leave (autocommit_block: CREATE INDEX CONCURRENTLY).
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as own_connection:
        _run_on(own_connection)
        own_connection.commit()
    engine.dispose()


run_migrations()
