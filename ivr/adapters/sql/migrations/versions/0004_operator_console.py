"""The operator console: operators, published flow versions, and the funnel's call events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "flow_publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(64)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rollback_of", sa.Integer()),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
    )
    op.create_index("ix_flow_publications_published_at", "flow_publications", ["published_at"])
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("call_key", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_call_events_call_key", "call_events", ["call_key"])
    op.create_index("ix_call_events_day_node", "call_events", ["day", "node"])


def downgrade() -> None:
    op.drop_table("call_events")
    op.drop_table("flow_publications")
    op.drop_table("operators")
