"""The time budget against a real PostgreSQL: a locked table costs a sign-in its error path within the
budget, never the call, and every pooled connection carries the statement and lock timeouts."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import text as sql

from ivr.adapters.sql.database import make_engine
from ivr.web.app import create_app
from tests.conftest import close_app
from tests.web.phone import phone, text

BUDGET_SECONDS = 2.0  # statement and lock timeouts of 0.5 s


def _postgresql(app_config: dict[str, str]) -> None:
    if not app_config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no statement or lock timeouts")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_pooled_connections_carry_the_timeouts_and_keep_the_urls_options(app_config: dict[str, str]) -> None:
    _postgresql(app_config)
    app = create_app({**app_config, "IVR_TURN_BUDGET_SECONDS": str(BUDGET_SECONDS)})
    try:
        with app.extensions["ivr"].database.connect() as connection:
            assert connection.execute(sql("SHOW statement_timeout")).scalar() == "500ms"
            assert connection.execute(sql("SHOW lock_timeout")).scalar() == "500ms"
            assert connection.execute(sql("SHOW search_path")).scalar().startswith("test_")
    finally:
        close_app(app)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_locked_table_costs_the_sign_in_its_error_path_within_the_budget(
    app_config: dict[str, str],
) -> None:
    _postgresql(app_config)
    app = create_app({**app_config, "IVR_TURN_BUDGET_SECONDS": str(BUDGET_SECONDS)})
    locker = make_engine(app_config["DATABASE_URL"])
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with locker.begin() as connection:
            connection.execute(sql("LOCK TABLE participants IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(20)

    holder = threading.Thread(target=hold_lock)
    try:
        call = phone(app.test_client())
        call.dial()
        call.press("1")
        holder.start()
        assert locked.wait(10)
        started = time.monotonic()
        heard = text(call.press("1000000002#"))
        assert time.monotonic() - started < BUDGET_SECONDS
        assert heard.startswith("Sorry, we cannot check accounts right now.")
        assert not call.ended
        assert "Monday through Friday" in text(call.press("2"))  # menus still work while the table is locked
    finally:
        release.set()
        holder.join(30)
        locker.dispose()
        close_app(app)
