"""The flow in the console: its nodes, its drawing, its files, checking a draft, publishing, history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request

from ivr.console.auth import json_body, requires
from ivr.console.drawing import DrawingUnavailable
from ivr.console.flow_view import flow_view
from ivr.console.publishing import FileRefused, PublishRefused, problem_dict
from ivr.console.wiring import console_services
from ivr.flow import FlowError
from ivr.service.flow import load_service_flow

api_flow = Blueprint("api_flow", __name__, url_prefix="/api")


def _drafts(body: dict[str, object]) -> dict[str, str]:
    files = body.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(text, str) for name, text in files.items()
    ):
        abort(400, "'files' must map file names to their text")
    return dict(files)


@api_flow.get("/flow")
@requires("viewer")
def flow() -> Response:
    """The live flow, node by node, with the problems of the files on disk if they do not load (a rejected
    edit: callers keep the live version)."""
    ivr = console_services()
    ivr.watcher.check()
    live = ivr.flows.current
    files = ivr.publisher.files
    problems = []
    try:
        load_service_flow(files.root)
    except FlowError as exc:
        problems = exc.problems
    view = flow_view(live, files.read_all(), files.root, problems)
    view["problems"] = [problem_dict(problem) for problem in problems]
    return jsonify(view)


@api_flow.get("/flow/version")
@requires("viewer")
def version() -> Response:
    ivr = console_services()
    ivr.watcher.check()
    return jsonify({"version": ivr.flows.current.version})


@api_flow.get("/flow/drawing.svg")
@requires("viewer")
def drawing() -> Response:
    ivr = console_services()
    live = ivr.flows.current
    language = request.args.get("language") or live.default_language
    if language not in live.languages:
        abort(400, f"'{language}' is not one of the flow's languages")
    try:
        svg = ivr.drawings.svg(live, language)
    except DrawingUnavailable as exc:
        abort(503, str(exc))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["X-Flow-Version"] = live.version
    return response


@api_flow.get("/files")
@requires("viewer")
def files() -> Response:
    ivr = console_services()
    content = ivr.publisher.files.read_all()
    return jsonify({"files": content, "digest": ivr.publisher.files.digest(content)})


@api_flow.post("/validate")
@requires("editor")
def validate() -> tuple[Response, int]:
    drafts = _drafts(json_body())
    try:
        checked, problems = console_services().publisher.files.validate(drafts)
    except FileRefused as exc:
        abort(400, str(exc))
    return jsonify(
        {
            "valid": checked is not None,
            "version": checked.version if checked else None,
            "problems": [problem_dict(problem) for problem in problems],
        }
    ), 200


@api_flow.post("/publish")
@requires("publisher")
def publish() -> tuple[Response, int]:
    body = json_body()
    drafts = _drafts(body)
    digest = body.get("digest")
    if not isinstance(digest, str):
        abort(400, "'digest' must be the files' digest from /api/files")
    ivr = console_services()
    try:
        done = ivr.publisher.publish(drafts, digest, g.operator.name)
    except FileRefused as exc:
        abort(400, str(exc))
    except PublishRefused as exc:
        return _refused(exc)
    ivr.refresh_flow()
    return jsonify({"publication": done.id, "version": done.version}), 201


@api_flow.get("/publications")
@requires("viewer")
def publications() -> Response:
    return jsonify({"publications": console_services().publisher.history()})


@api_flow.get("/publications/<int:publication_id>")
@requires("viewer")
def publication(publication_id: int) -> Response:
    found = console_services().publisher.get(publication_id)
    if found is None:
        abort(404, f"there is no publication {publication_id}")
    return jsonify(found)


@api_flow.post("/publications/<int:publication_id>/rollback")
@requires("publisher")
def rollback(publication_id: int) -> tuple[Response, int]:
    ivr = console_services()
    try:
        done = ivr.publisher.rollback(publication_id, g.operator.name)
    except PublishRefused as exc:
        return _refused(exc)
    ivr.refresh_flow()
    return jsonify({"publication": done.id, "version": done.version}), 201


def _refused(exc: PublishRefused) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": exc.reason, "problems": [problem_dict(p) for p in exc.problems]}
    return jsonify(body), 422 if exc.problems else 409
