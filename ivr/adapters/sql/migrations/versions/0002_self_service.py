"""Self-service: PIN lifecycle, contact details, bilingual court descriptions, audit log, PIN mail outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as table:
        table.add_column(sa.Column("ssn_last4_digest", sa.String(64)))
        table.add_column(sa.Column("pin_changed_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("pending_pin_hash", sa.String(200)))
        table.add_column(sa.Column("pending_pin_expires_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("phone", sa.String(20)))
        table.add_column(sa.Column("address_line1", sa.String(100)))
        table.add_column(sa.Column("address_line2", sa.String(100)))
        table.add_column(sa.Column("city", sa.String(60)))
        table.add_column(sa.Column("state", sa.String(2)))
        table.add_column(sa.Column("postal_code", sa.String(10)))
        table.add_column(sa.Column("address_valid", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("court_events") as table:
        table.alter_column("description", new_column_name="description_en", existing_type=sa.String(200))
        table.add_column(sa.Column("description_es", sa.String(200), nullable=False, server_default=""))
    op.execute("UPDATE court_events SET description_es = description_en")
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participants.id")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("calling_number", sa.String(32)),
    )
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"])
    op.create_index("ix_audit_events_event", "audit_events", ["event"])
    op.create_index("ix_audit_events_participant_id", "audit_events", ["participant_id"])
    op.create_table(
        "pin_mail_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_pin_mail_requests_participant_id", "pin_mail_requests", ["participant_id"])
    op.create_index("ix_pin_mail_requests_requested_at", "pin_mail_requests", ["requested_at"])


def downgrade() -> None:
    op.drop_table("pin_mail_requests")
    op.drop_table("audit_events")
    with op.batch_alter_table("court_events") as table:
        table.drop_column("description_es")
        table.alter_column("description_en", new_column_name="description", existing_type=sa.String(200))
    with op.batch_alter_table("participants") as table:
        for column in (
            "address_valid",
            "postal_code",
            "state",
            "city",
            "address_line2",
            "address_line1",
            "phone",
            "pending_pin_expires_at",
            "pending_pin_hash",
            "pin_changed_at",
            "ssn_last4_digest",
        ):
            table.drop_column(column)
