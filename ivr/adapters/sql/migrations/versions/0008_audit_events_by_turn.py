"""The audit trail says which call, and which turn of it, caused each event.

A turn that ends past its time budget is not kept, and the caller answers its question again: the same
turn, run twice, and each run checks and records. Two rows alike could not be told from two attempts. Now
every row carries a digest of its call's id (``call_mark``, to gather a call's events) and of the call's
id and the turn's name (``turn_mark``): a turn run again shows as the same turn. Rows recorded before this
revision have neither, and are kept as they are.

Two nullable columns without a default: PostgreSQL adds them without rewriting or scanning the table, so
servers of the release before keep writing audit rows while it runs. No index: building one would hold
those writes for as long as the table is large; an officer's search by call narrows by ``occurred_at``
(indexed) first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MARK_CHARS = 32  # CALL_MARK_CHARS as of this revision, written out


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as table:
        table.add_column(sa.Column("call_mark", sa.String(MARK_CHARS)))
        table.add_column(sa.Column("turn_mark", sa.String(MARK_CHARS)))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as table:
        table.drop_column("turn_mark")
        table.drop_column("call_mark")
