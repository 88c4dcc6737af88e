"""The phone on file is as wide as every other calling number the service keeps (CALLING_NUMBER_CHARS).

A caller may save the number they call from; a SIP caller id has up to 32 characters, which a 20-character
column refused on PostgreSQL (StringDataRightTruncation).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The width as of this revision, written out: a later change of the constant gets its own migration.
WIDTH = 32
EARLIER_WIDTH = 20


def upgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.alter_column(
            "phone", type_=sa.String(WIDTH), existing_type=sa.String(EARLIER_WIDTH), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.alter_column(
            "phone", type_=sa.String(EARLIER_WIDTH), existing_type=sa.String(WIDTH), existing_nullable=True
        )
