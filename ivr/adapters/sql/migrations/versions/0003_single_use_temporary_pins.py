"""Temporary PINs are single-use and expire: when one was used, and a start date for those already issued.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.add_column(sa.Column("temporary_pin_used_at", sa.DateTime(timezone=True)))
    # A temporary PIN issued before this revision has no issue date: its lifetime starts now.
    participants = sa.table(
        "participants",
        sa.column("pin_is_temporary", sa.Boolean()),
        sa.column("pin_changed_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        participants.update()
        .where(participants.c.pin_is_temporary.is_(True), participants.c.pin_changed_at.is_(None))
        .values(pin_changed_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.drop_column("temporary_pin_used_at")
