"""A temporary PIN is used up by a call: which call used it (a digest of the call's id).

The call that used it may take it again for a few minutes: the turn that signed in with it may never have
been kept (it ended past its time budget), and the caller then hears the PIN question again. A temporary
PIN used before this revision has no call, and signs nobody in again, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.add_column(sa.Column("temporary_pin_used_by", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.drop_column("temporary_pin_used_by")
