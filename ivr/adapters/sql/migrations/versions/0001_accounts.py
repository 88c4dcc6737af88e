"""Accounts: participants, cases, payments, court dates and appointments.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("participant_number", sa.String(10), nullable=False, unique=True),
        sa.Column("ssn_digest", sa.String(64), unique=True),
        sa.Column("pin_hash", sa.String(200)),
        sa.Column("pin_is_temporary", sa.Boolean(), nullable=False),
        sa.Column("preferred_language", sa.String(2), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_number", sa.String(20), nullable=False, unique=True),
        sa.Column("county", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("office_phone", sa.String(20), nullable=False),
        sa.Column("payer_id", sa.Integer(), sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("receiver_id", sa.Integer(), sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("monthly_support", sa.Numeric(12, 2), nullable=False),
        sa.Column("balance", sa.Numeric(12, 2), nullable=False),
    )
    op.create_index("ix_cases_payer_id", "cases", ["payer_id"])
    op.create_index("ix_cases_receiver_id", "cases", ["receiver_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    )
    op.create_index("ix_payments_case_id", "payments", ["case_id"])
    op.create_table(
        "court_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
    )
    op.create_index("ix_court_events_case_id", "court_events", ["case_id"])


def downgrade() -> None:
    op.drop_table("court_events")
    op.drop_table("payments")
    op.drop_table("cases")
    op.drop_table("participants")
