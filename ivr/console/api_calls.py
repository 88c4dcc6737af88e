"""The browser phone and the call scripts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify

from ivr.console.auth import json_body, requires
from ivr.console.phone import Answer, PhoneError
from ivr.console.wiring import console_services
from ivr.flow import FlowError
from ivr.service.call_scripts import run_scripts
from ivr.service.log_config import quiet

api_calls = Blueprint("api_calls", __name__, url_prefix="/api")


def _text(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        abort(400, f"'{name}' must be text")
    return value


@api_calls.post("/phone/calls")
@requires("viewer")
def start_call() -> tuple[Response, int]:
    language = _text(json_body(), "language")
    return jsonify(console_services().phone.start(g.operator.id, language)), 201


@api_calls.post("/phone/calls/<call_id>")
@requires("viewer")
def answer(call_id: str) -> Response:
    body = json_body()
    try:
        return jsonify(
            console_services().phone.answer(
                g.operator.id,
                call_id,
                Answer(_text(body, "keys"), _text(body, "speech"), _text(body, "transfer")),
            )
        )
    except PhoneError as exc:
        abort(400 if "keys" in str(exc) or "transfer" in str(exc) else 404, str(exc))


@api_calls.delete("/phone/calls/<call_id>")
@requires("viewer")
def hang_up(call_id: str) -> Response:
    try:
        console_services().phone.hang_up(g.operator.id, call_id)
    except PhoneError as exc:
        abort(404, str(exc))
    return jsonify({"ended": True})


def _scripts() -> list[Path]:
    folder = console_services().settings.scripts_path
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


@api_calls.get("/scripts")
@requires("viewer")
def scripts() -> Response:
    return jsonify({"scripts": [path.name for path in _scripts()]})


@api_calls.post("/scripts/run")
@requires("viewer")
def run() -> Response:
    """Every script against the live flow with the demo data (each on its own throwaway copy), as `ivr test`."""
    ivr = console_services()
    flow = ivr.flows.current
    paths = _scripts()
    try:
        with quiet(("ivr.runtime.conversation", logging.CRITICAL), ("alembic", logging.WARNING)):
            results, covered = run_scripts(flow, paths)
    except FlowError as exc:
        abort(422, str(exc))
    report: list[dict[str, Any]] = [
        {
            "script": Path(result.path).name,
            "name": result.name,
            "ok": result.ok,
            "problems": [
                f"step {step.number}: {problem}" for step in result.steps for problem in step.problems
            ],
        }
        for result in results
    ]
    return jsonify(
        {
            "version": flow.version,
            "results": report,
            "passed": sum(1 for item in report if item["ok"]),
            "failed": sum(1 for item in report if not item["ok"]),
            "uncovered": covered.missing(flow),
            "covered_nodes": sorted(covered.nodes),
        }
    )
