"""Drafts are checked exactly as `ivr validate` checks files; only a valid draft is published, through the
running service's hot reload; every publication keeps who, when, a diff and the files, and rolls back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.flow import FlowError
from ivr.service.flow import load_service_flow
from ivr.web.app import create_app
from tests.conftest import close_app
from tests.console.conftest import Operator, console

BROKEN = ("    next: main_menu\n\n  payments_end:", "    next: main_menux\n\n  payments_end:")
CHANGED = ("    next: main_menu\n\n  payments_end:", "    next: payments_end\n\n  payments_end:")


def _draft(flow_dir: Path, change: tuple[str, str]) -> dict[str, str]:
    text = (flow_dir / "menus" / "payments.yaml").read_text()
    assert change[0] in text
    return {"menus/payments.yaml": text.replace(change[0], change[1], 1)}


def test_a_draft_gets_the_problems_ivr_validate_reports_at_their_line_and_column(
    signed_in: Callable[[str], Operator], flow_dir: Path, tmp_path: Path
) -> None:
    draft = _draft(flow_dir, BROKEN)
    checked = signed_in("editor").post("/api/validate", {"files": draft}).json
    copy = tmp_path / "copy"
    for name in ("menu_tree.yaml", "menus", "prompts"):
        source = flow_dir / name
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            import shutil

            shutil.copytree(source, copy / name)
        else:
            (copy / name).write_text(source.read_text())
    (copy / "menus" / "payments.yaml").write_text(draft["menus/payments.yaml"])
    with pytest.raises(FlowError) as validate:
        load_service_flow(copy)
    assert not checked["valid"]
    assert [p["text"] for p in checked["problems"]] == [str(p) for p in validate.value.problems]
    problem = checked["problems"][0]
    line = draft["menus/payments.yaml"].splitlines()[problem["line"] - 1]
    assert problem["file"] == "menus/payments.yaml" and "main_menux" in line
    assert line[problem["column"] - 1 :].startswith("next")
    assert "did you mean 'main_menu'" in problem["message"]


def test_publishing_a_valid_draft_writes_it_and_the_running_service_reloads_it(
    signed_in: Callable[[str], Operator], console_app: Flask, console_config: dict[str, str], flow_dir: Path
) -> None:
    webhook = create_app(console_config)
    services = webhook.extensions["ivr"]
    before = services.flows.current.version
    services.watch_flow()  # the service's hot reload, watching the files
    publisher = signed_in("publisher")
    files = publisher.get("/api/files").json
    draft = _draft(flow_dir, CHANGED)
    done = publisher.post("/api/publish", {"files": draft, "digest": files["digest"]})
    assert done.status_code == 201, done.json
    assert (flow_dir / "menus" / "payments.yaml").read_text() == draft["menus/payments.yaml"]
    assert console(console_app).flows.current.version == done.json["version"] != before
    services.watcher.check()  # what the watcher's thread does every 2 s
    assert services.flows.current.version == done.json["version"]
    assert services.flows.current.nodes["payments_received_none"].next == "payments_end"
    services.watcher.stop()
    close_app(webhook)
    history = publisher.get("/api/publications").json["publications"]
    assert [(p["kind"], p["published_by"]) for p in history] == [("publish", "publisher"), ("baseline", None)]
    shown = publisher.get(f"/api/publications/{done.json['publication']}").json
    assert "-    next: main_menu\n+    next: payments_end\n" in shown["diff"]
    assert (
        "--- a/menus/payments.yaml" in shown["diff"] and shown["lines_added"] == shown["lines_removed"] == 1
    )


def test_an_invalid_draft_or_a_stale_one_is_not_published(
    signed_in: Callable[[str], Operator], flow_dir: Path
) -> None:
    publisher = signed_in("publisher")
    digest = publisher.get("/api/files").json["digest"]
    before = (flow_dir / "menus" / "payments.yaml").read_text()
    refused = publisher.post("/api/publish", {"files": _draft(flow_dir, BROKEN), "digest": digest})
    assert refused.status_code == 422 and refused.json["problems"]
    assert (flow_dir / "menus" / "payments.yaml").read_text() == before
    stale = publisher.post("/api/publish", {"files": _draft(flow_dir, CHANGED), "digest": "0" * 16})
    assert stale.status_code == 409 and "changed since you opened them" in stale.json["error"]
    assert publisher.get("/api/publications").json["publications"] == []


def test_a_rollback_restores_an_earlier_version_and_is_kept_too(
    signed_in: Callable[[str], Operator], console_app: Flask, flow_dir: Path
) -> None:
    publisher = signed_in("publisher")
    original = (flow_dir / "menus" / "payments.yaml").read_text()
    first_version = console(console_app).flows.current.version
    digest = publisher.get("/api/files").json["digest"]
    assert (
        publisher.post("/api/publish", {"files": _draft(flow_dir, CHANGED), "digest": digest}).status_code
        == 201
    )
    baseline = publisher.get("/api/publications").json["publications"][-1]
    rolled = publisher.post(f"/api/publications/{baseline['id']}/rollback")
    assert rolled.status_code == 201, rolled.json
    assert (flow_dir / "menus" / "payments.yaml").read_text() == original
    assert rolled.json["version"] == first_version == console(console_app).flows.current.version
    newest = publisher.get("/api/publications").json["publications"][0]
    assert newest["kind"] == "rollback" and newest["rollback_of"] == baseline["id"]
    assert signed_in("editor").post(f"/api/publications/{baseline['id']}/rollback").status_code == 403


def test_only_the_flows_own_files_can_be_checked_or_written(signed_in: Callable[[str], Operator]) -> None:
    publisher = signed_in("publisher")
    digest = publisher.get("/api/files").json["digest"]
    for name in ("../app.py", "menus/../../etc/passwd.yaml", "instance/dev-secrets.json", "menus/x.py"):
        assert publisher.post("/api/validate", {"files": {name: "x"}}).status_code == 400
        assert publisher.post("/api/publish", {"files": {name: "x"}, "digest": digest}).status_code == 400
    assert publisher.post("/api/validate", {"files": "menu_tree.yaml"}).status_code == 400


def test_the_flow_view_has_each_nodes_prompts_options_targets_and_place(
    signed_in: Callable[[str], Operator],
) -> None:
    flow = signed_in("viewer").get("/api/flow").json
    node = flow["nodes"]["caller_type"]
    assert node["kind"] == "menu" and node["defined"] == {
        "file": "menus/welcome.yaml",
        "line": 11,
        "column": 3,
    }
    assert node["prompts"][0]["text"]["es"].startswith("Si usted es padre o tutor legal")
    assert {"key": "9", "next": "caller_type", "language": "next"}.items() <= node["options"][3].items()
    assert {"via": "options.1.next", "target": "general_information"} in node["targets"]
    assert flow["nodes"]["payments_received"]["goal"] is True
    drawing = signed_in("viewer").get("/api/flow/drawing.svg")
    assert (
        drawing.status_code == 200
        and drawing.text.startswith("<svg")
        and "<title>caller_type</title>" in drawing.text
    )


def test_the_call_scripts_run_on_the_live_flow_and_show_what_an_edit_broke(
    signed_in: Callable[[str], Operator], flow_dir: Path
) -> None:
    publisher = signed_in("publisher")
    digest = publisher.get("/api/files").json["digest"]
    assert (
        publisher.post("/api/publish", {"files": _draft(flow_dir, CHANGED), "digest": digest}).status_code
        == 201
    )
    report = publisher.post("/api/scripts/run").json
    failed = [result for result in report["results"] if not result["ok"]]
    assert report["failed"] == len(failed) >= 1
    assert any("payments_end" in problem for result in failed for problem in result["problems"]), failed
