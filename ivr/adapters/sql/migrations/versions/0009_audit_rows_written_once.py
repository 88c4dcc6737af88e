"""An audit row is written once, even when its INSERT is sent again.

A row's INSERT is sent once more when the connection drops before its answer arrives
(``retry_if_dropped``); if the server had committed the first, the retry wrote a second row of the same
check. Now every row carries a key drawn once for it, before its first try (``record_key``), unique, and the
INSERT does nothing when a row with its key is already there. Rows recorded before this revision have none,
as do rows written by servers of the release before while it runs (any number of rows may lack a key).

The column is nullable without a default: PostgreSQL adds it without rewriting or scanning the table. The
unique index is built CONCURRENTLY on PostgreSQL, outside the migration's transaction, so the release
before keeps writing audit rows while it is built; if the build fails it leaves an invalid index behind,
which this migration drops when it runs again (the column, added in a transaction committed before the
build, is then there already).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KEY_CHARS = 32  # RECORD_KEY_CHARS as of this revision, written out
INDEX = "ix_audit_events_record_key"


def upgrade() -> None:
    if "record_key" not in {
        column["name"] for column in sa.inspect(op.get_bind()).get_columns("audit_events")
    }:
        with op.batch_alter_table("audit_events") as table:
            table.add_column(sa.Column("record_key", sa.String(KEY_CHARS)))
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(INDEX, "audit_events", ["record_key"], unique=True)
        return
    with op.get_context().autocommit_block():
        op.drop_index(INDEX, "audit_events", if_exists=True, postgresql_concurrently=True)
        op.create_index(INDEX, "audit_events", ["record_key"], unique=True, postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index(INDEX, "audit_events")
    with op.batch_alter_table("audit_events") as table:
        table.drop_column("record_key")
