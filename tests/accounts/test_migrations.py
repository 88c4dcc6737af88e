"""Alembic migrations on SQLite and PostgreSQL: they build the models' schema, go down and up again,
and adopt a database the first release created without them."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

import ivr.adapters.sql.console_tables  # noqa: F401 - the operator console's tables are part of the schema
from ivr.adapters.sql.audit import SqlAuditLog
from ivr.adapters.sql.database import alembic_config, create_schema, downgrade, make_engine, upgrade
from ivr.adapters.sql.directory import SqlAccountDirectory
from ivr.adapters.sql.models import Base, call_mark
from ivr.adapters.sql.secrets import PinHasher, SsnDigester
from ivr.core.records import AuditEvent, EventSource, PinCheck
from tests.conftest import PEPPER, SSN_KEY

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
MIGRATED_AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def test_the_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    assert differences == []
    assert revision == HEAD == "0009"


def test_down_to_the_first_revision_and_up_again_keeps_the_data(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO participants (id, participant_number, pin_is_temporary, preferred_language) "
                "VALUES (1, '1000000099', false, 'en')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO cases (id, case_number, county, status, office_phone, payer_id, receiver_id, "
                "monthly_support, balance) VALUES (1, '9', 'Kern', 'open', '1', 1, 1, 1, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO court_events (case_id, kind, starts_at, place, description) "
                "VALUES (1, 'hearing', '2027-01-01 10:00:00', 'Court', 'a hearing')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT language, place, description FROM court_event_texts ORDER BY language")
        ).all()
        kept = connection.execute(text("SELECT participant_number, address_valid FROM participants")).one()
    assert [tuple(row) for row in rows] == [("en", "Court", "a hearing"), ("es", "Court", "a hearing")]
    assert kept[0] == "1000000099" and not kept[1]
    downgrade(engine, "0001")
    columns = {column["name"] for column in inspect(engine).get_columns("participants")}
    assert "pending_pin_hash" not in columns and "audit_events" not in inspect(engine).get_table_names()
    upgrade(engine)
    engine.dispose()


def test_a_database_made_without_migrations_is_adopted(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as the first release's create_all left it
    create_schema(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == HEAD
    engine.dispose()


def test_temporary_pins_issued_before_they_expired_get_a_lifetime_from_the_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO participants (id, participant_number, pin_hash, pin_is_temporary, "
                "preferred_language, address_valid) VALUES (1, '1000000099', 'x', true, 'en', false), "
                "(2, '1000000098', 'y', false, 'en', false)"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        rows: dict[int, object] = dict(
            connection.execute(text("SELECT id, pin_changed_at FROM participants")).all()
        )
    engine.dispose()
    assert rows[1] is not None and rows[2] is None


def _case_with_an_event(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO participants (id, participant_number, pin_is_temporary, preferred_language, "
            "address_valid) VALUES (1, '1000000099', false, 'es', false)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO cases (id, case_number, county, status, office_phone, payer_id, receiver_id, "
            "monthly_support, balance) VALUES (1, '9', 'Kern', 'open', '1', 1, 1, 1, 0)"
        )
    )


def test_court_event_texts_move_to_a_row_per_language_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        _case_with_an_event(connection)
        connection.execute(
            text(
                "INSERT INTO court_events (id, case_id, kind, starts_at, place, description_en, description_es) "
                "VALUES (7, 1, 'hearing', '2027-01-01 10:00:00', 'Kern County Superior Court', "
                "'a review of the support order', 'una revisión de la orden de manutención')"
            )
        )
    upgrade(engine, "0006")
    with engine.begin() as connection:
        texts = connection.execute(
            text(
                "SELECT court_event_id, language, place, description FROM court_event_texts ORDER BY language"
            )
        ).all()
        # After the upgrade a place can be said in Spanish, and an event can have a third language.
        connection.execute(
            text(
                "UPDATE court_event_texts SET place = 'el Tribunal Superior del Condado de Kern' "
                "WHERE language = 'es'"
            )
        )
        connection.execute(
            text(
                "INSERT INTO court_event_texts (court_event_id, language, place, description) "
                "VALUES (7, 'vi', 'Tòa Thượng thẩm Quận Kern', 'xem xét lệnh cấp dưỡng')"
            )
        )
    columns = {column["name"] for column in inspect(engine).get_columns("court_events")}
    assert [tuple(row) for row in texts] == [
        (7, "en", "Kern County Superior Court", "a review of the support order"),
        (7, "es", "Kern County Superior Court", "una revisión de la orden de manutención"),
    ]
    assert columns == {"id", "case_id", "kind", "starts_at"}
    downgrade(engine, "0005")
    with engine.connect() as connection:
        row = connection.execute(text("SELECT place, description_en, description_es FROM court_events")).one()
    assert tuple(row) == (
        "Kern County Superior Court",
        "a review of the support order",
        "una revisión de la orden de manutención",
    )
    assert "court_event_texts" not in inspect(engine).get_table_names()
    upgrade(engine)
    engine.dispose()


def test_a_downgrade_fills_both_descriptions_from_an_event_with_one_language(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0006")
    with engine.begin() as connection:
        _case_with_an_event(connection)
        connection.execute(
            text(
                "INSERT INTO court_events (id, case_id, kind, starts_at) "
                "VALUES (7, 1, 'appointment', '2027-01-01 10:00:00'), (8, 1, 'hearing', '2027-02-01 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO court_event_texts (court_event_id, language, place, description) "
                "VALUES (7, 'es', 'la oficina', 'una reunión')"
            )
        )
    downgrade(engine, "0005")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, place, description_en, description_es FROM court_events ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (7, "la oficina", "una reunión", "una reunión"),
        (8, "", "", ""),
    ]


def test_a_temporary_pin_used_before_calls_were_kept_signs_nobody_in_after_the_upgrade(
    database_url: str,
) -> None:
    """0007 keeps which call used a temporary PIN; one used before it has no call, so no call may take it
    again (the directory's own rule: tests/accounts/test_pin_lifecycle.py)."""
    engine = make_engine(database_url)
    upgrade(engine, "0006")
    pins = PinHasher(PEPPER.encode())
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO participants (id, participant_number, pin_hash, pin_is_temporary, pin_changed_at, "
                "temporary_pin_used_at, preferred_language, address_valid) "
                "VALUES (1, '1000000099', :hash, true, :issued, :used, 'en', false)"
            ),
            {"hash": pins.hash("9999"), "issued": MIGRATED_AT, "used": MIGRATED_AT},
        )
    upgrade(engine)
    directory = SqlAccountDirectory(engine, pins, SsnDigester(SSN_KEY.encode()))
    on_file = directory.pin_on_file(1, None)
    assert on_file.used is not None and on_file.used_by is None
    assert directory.verify_pin(on_file, "9999", MIGRATED_AT, "CA-any") is PinCheck.WRONG
    downgrade(engine, "0006")
    assert "temporary_pin_used_by" not in {
        column["name"] for column in inspect(engine).get_columns("participants")
    }
    engine.dispose()


def test_audit_rows_recorded_before_calls_were_marked_stay_as_they_were(database_url: str) -> None:
    """0008 marks each row with its call and turn; rows from before it have neither. Down to 0007 the
    marks go and every row stays."""
    engine = make_engine(database_url)
    upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (occurred_at, event, channel) VALUES (:at, 'sign_in_failed', 'voice')"
            ),
            {"at": MIGRATED_AT},
        )
    upgrade(engine)
    SqlAuditLog(engine).record(AuditEvent.SIGN_IN_FAILED, None, EventSource("voice", None, "CA-new", "e:3"))
    with engine.connect() as connection:
        marks = connection.execute(text("SELECT call_mark FROM audit_events ORDER BY id")).scalars().all()
    assert marks == [None, call_mark("CA-new")]
    downgrade(engine, "0007")
    assert {"call_mark", "turn_mark"}.isdisjoint(
        column["name"] for column in inspect(engine).get_columns("audit_events")
    )
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM audit_events")) == 2
    engine.dispose()


def test_audit_rows_get_a_key_of_their_own_and_rows_without_one_stay(database_url: str) -> None:
    """0009 keys each new audit row; rows from before it, and rows the release before writes while it
    runs, have none, any number of them. Down to 0008 the key goes and every row stays."""
    engine = make_engine(database_url)
    upgrade(engine, "0008")
    upgrade(engine)
    old_release = "INSERT INTO audit_events (occurred_at, event, channel) VALUES (:at, 'sign_in', 'voice')"
    with engine.begin() as connection:
        connection.execute(text(old_release), [{"at": MIGRATED_AT}, {"at": MIGRATED_AT}])
    log = SqlAuditLog(engine)
    log.record(AuditEvent.SIGN_IN, None, EventSource("voice", None, "CA-new", "e:3"))
    log.record(AuditEvent.SIGN_IN, None, EventSource("voice", None, "CA-new", "e:3"))  # a second check
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT record_key FROM audit_events ORDER BY id")).scalars().all()
    assert keys[:2] == [None, None] and len(set(keys[2:])) == 2 and all(keys[2:])
    downgrade(engine, "0008")
    assert "record_key" not in {column["name"] for column in inspect(engine).get_columns("audit_events")}
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM audit_events")) == 4
    engine.dispose()


def test_the_audit_key_index_built_concurrently_is_built_again_after_a_failed_build(
    database_url: str,
) -> None:
    """On PostgreSQL 0009 builds its unique index CONCURRENTLY, outside a transaction, after the column is
    committed: a build that failed leaves the column and an invalid index behind and the revision at 0008.
    Run again, the migration finishes: one valid unique index."""
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("PostgreSQL only: SQLite builds the index in the migration's transaction")
    upgrade(engine, "0008")
    with engine.begin() as connection:  # what a failed build leaves (its index marked invalid)
        connection.execute(text("ALTER TABLE audit_events ADD COLUMN record_key VARCHAR(32)"))
        connection.execute(text("CREATE INDEX ix_audit_events_record_key ON audit_events (record_key)"))
        connection.execute(
            text(
                "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_audit_events_record_key'::regclass"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        valid, unique = connection.execute(
            text(
                "SELECT indisvalid, indisunique FROM pg_index "
                "WHERE indexrelid = 'ix_audit_events_record_key'::regclass"
            )
        ).one()
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    assert valid and unique and revision == HEAD
