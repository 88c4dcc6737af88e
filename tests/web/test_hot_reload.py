"""A running service picks up a saved, valid edit within seconds; a broken edit never reaches a caller."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask

from ivr.web.app import create_app
from tests.conftest import close_app, edit
from tests.web.phone import phone, text

OPS_TOKEN = "ops-token-for-the-report"


def _wait_for(app: Flask, condition: str, seconds: float = 15.0) -> dict[str, object]:
    client = app.test_client()
    deadline = time.monotonic() + seconds
    while True:
        report = client.get("/healthz", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).get_json()
        if condition in ("new version", "error") and (
            (condition == "error" and "flow_error" in report)
            or (condition == "new version" and len(report["flow_versions_kept"]) > 1)
        ):
            return dict(report)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {condition} within {seconds} s: {report}")
        time.sleep(0.25)


def test_an_operator_adds_an_option_and_the_next_call_hears_it(
    app_config: dict[str, str], flow_dir: Path
) -> None:
    app = create_app(
        {**app_config, "IVR_FLOW": str(flow_dir), "IVR_WATCH_FLOW": "1", "IVR_OPS_TOKEN": OPS_TOKEN}
    )
    try:
        client = app.test_client()
        ongoing = phone(client)
        ongoing.dial()

        edit(
            flow_dir / "prompts" / "en.yaml",
            "For other options, press 7 or say None.",
            "For other options, press 7 or say None. For our hours, press 3.",
        )
        edit(
            flow_dir / "menus" / "welcome.yaml",
            '      - key: "7"',
            '      - key: "3"\n        next: general_information\n      - key: "7"',
        )
        report = _wait_for(app, "new version")
        assert "flow_error" not in report

        new_call = phone(client)
        assert text(new_call.dial()).endswith("For our hours, press 3.")
        assert "Monday through Friday" in text(new_call.press("3"))
        # the call that was already on the line finishes on the version it started with
        assert text(ongoing.press("3")).startswith("Sorry, I didn't understand that.")

        edit(flow_dir / "menus" / "main_menu.yaml", "next: payments", "next: paymets")
        report = _wait_for(app, "error")
        assert "'paymets', which does not exist" in str(report["flow_error"])
        broken_edit_call = phone(client)
        assert "Monday through Friday" in text((broken_edit_call.dial(), broken_edit_call.press("3"))[1])
    finally:
        watcher = app.extensions["ivr"].watcher
        if watcher is not None:
            watcher.stop()
        close_app(app)
