"""The audit trail says which call and which turn of it caused an event, and keeps an event once a turn.

A turn that ends past its time budget is not kept, and the caller answers its question again: the same
turn, run twice. Each run recorded its event, so one sign-in read as two. Now every row carries a digest of
its call's id (``call_mark``, to gather a call's events) and of the call's id and the turn's name
(``turn_mark``), and a unique index on (turn_mark, event) keeps the second row out. Rows recorded before
this revision have neither, and are kept as they are.

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
    op.create_index("ix_audit_events_call_mark", "audit_events", ["call_mark"])
    op.create_index("ux_audit_events_turn_event", "audit_events", ["turn_mark", "event"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_audit_events_turn_event", table_name="audit_events")
    op.drop_index("ix_audit_events_call_mark", table_name="audit_events")
    with op.batch_alter_table("audit_events") as table:
        table.drop_column("turn_mark")
        table.drop_column("call_mark")
