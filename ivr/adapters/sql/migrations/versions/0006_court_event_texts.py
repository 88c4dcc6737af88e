"""Court events' places and descriptions by language, in rows of their own (court_event_texts).

A place was kept in English only and a description in a column per language: a Spanish caller heard "en the
Customer Connect office", and a third language needed a migration. Each event now has one row per language
with its place and description; the upgrade gives every event an 'en' and an 'es' row from its columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The tables as this revision knows them (the models may change later).
EVENTS = sa.table(
    "court_events",
    sa.column("id", sa.Integer()),
    sa.column("place", sa.String(200)),
    sa.column("description_en", sa.String(200)),
    sa.column("description_es", sa.String(200)),
)
TEXTS = sa.table(
    "court_event_texts",
    sa.column("court_event_id", sa.Integer()),
    sa.column("language", sa.String(8)),
    sa.column("place", sa.String(200)),
    sa.column("description", sa.String(200)),
)


def upgrade() -> None:
    op.create_table(
        "court_event_texts",
        sa.Column("court_event_id", sa.Integer(), sa.ForeignKey("court_events.id"), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("court_event_id", "language"),
    )
    for language, description in (("en", EVENTS.c.description_en), ("es", EVENTS.c.description_es)):
        rows = sa.select(EVENTS.c.id, sa.literal(language, sa.String(8)), EVENTS.c.place, description)
        op.execute(sa.insert(TEXTS).from_select(["court_event_id", "language", "place", "description"], rows))
    with op.batch_alter_table("court_events") as table:
        table.drop_column("description_es")
        table.drop_column("description_en")
        table.drop_column("place")


def downgrade() -> None:
    with op.batch_alter_table("court_events") as table:
        table.add_column(sa.Column("place", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("description_en", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("description_es", sa.String(200), nullable=False, server_default=""))

    def text_of(field: str, language: str) -> sa.ScalarSelect[str]:
        wanted = (TEXTS.c.court_event_id == EVENTS.c.id) & (TEXTS.c.language == language)
        return sa.select(TEXTS.c[field]).where(wanted).scalar_subquery()

    # An event with a text in only one of the two languages has it in both columns, as 0002 left them.
    op.execute(
        sa.update(EVENTS).values(
            place=sa.func.coalesce(text_of("place", "en"), text_of("place", "es"), ""),
            description_en=sa.func.coalesce(text_of("description", "en"), text_of("description", "es"), ""),
            description_es=sa.func.coalesce(text_of("description", "es"), text_of("description", "en"), ""),
        )
    )
    with op.batch_alter_table("court_events") as table:  # no default, as 0001 and 0002 made them
        table.alter_column(
            "place", server_default=None, existing_type=sa.String(200), existing_nullable=False
        )
        table.alter_column(
            "description_en", server_default=None, existing_type=sa.String(200), existing_nullable=False
        )
    op.drop_table("court_event_texts")
