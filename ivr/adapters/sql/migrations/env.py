"""Alembic environment: runs on the connection ivr.adapters.sql.database.upgrade hands it, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import ivr.adapters.sql.console_tables  # noqa: F401 - registers the operator console's tables on Base.metadata
from ivr.adapters.sql.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        context.configure(connection=own_connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
