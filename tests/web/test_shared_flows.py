"""Flow versions shared by a fleet through Redis: an edit validated on one server reaches the others, a
call finishes on the version it began on whichever server answers it (a restarted one too), and a
version is the digest of exactly the bytes that were parsed.

Each "server" is an app of its own with its own flow folder, on the same Redis prefix and database.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from ivr.flow import load_flow
from ivr.flow.loader import flow_version
from ivr.flow.watcher import FlowWatcher
from ivr.runtime.handlers import HANDLER_RULES
from ivr.service.flow import SERVICE_PROMPTS
from ivr.web.app import create_app
from tests.conftest import call_state, close_app, edit
from tests.flow.test_reload import _touch_later
from tests.web.phone import flask_transport, phone, text


class Fleet:
    def __init__(self, config: dict[str, str], root: Path, source: Path) -> None:
        self._config, self._root, self._source = config, root, source
        self.apps: list[Flask] = []

    def server(self, name: str) -> Flask:
        """A server with its own copy of the flow as shipped (made once per name: a restart keeps it)."""
        folder = self._root / name
        if not folder.exists():
            shutil.copytree(self._source, folder)
        app = create_app({**self._config, "IVR_FLOW": str(folder), "IVR_INSTANCE": str(folder / "instance")})
        self.apps.append(app)
        return app

    def folder(self, name: str) -> Path:
        return self._root / name


@pytest.fixture
def fleet(app_config: dict[str, str], tmp_path: Path, flow_copy: Path) -> Iterator[Fleet]:
    group = Fleet(app_config, tmp_path / "servers", flow_copy)
    yield group
    for app in group.apps:
        close_app(app)


def _watch(app: Flask, folder: Path) -> bool:
    """One look by the server's flow watcher (the thread does this every 2 s)."""
    ivr = app.extensions["ivr"]
    return FlowWatcher(ivr.flows, folder, HANDLER_RULES, SERVICE_PROMPTS).check()


def _edit_welcome(folder: Path) -> None:
    edit(
        folder / "prompts" / "en.yaml",
        "For other options, press 7 or say None.",
        "For other options, press 7 or say None. For our hours, press 3.",
    )
    edit(
        folder / "menus" / "welcome.yaml",
        '      - key: "7"',
        '      - key: "3"\n        next: general_information\n      - key: "7"',
    )


def test_an_edit_on_one_server_reaches_the_others_and_calls_keep_their_version(
    fleet: Fleet, redis_client: redis.Redis, redis_prefix: str
) -> None:
    a, b = fleet.server("a"), fleet.server("b")
    old = a.extensions["ivr"].flows.current.version
    ongoing = phone(a.test_client())
    ongoing.dial()

    watcher_a = FlowWatcher(a.extensions["ivr"].flows, fleet.folder("a"), HANDLER_RULES, SERVICE_PROMPTS)
    _edit_welcome(fleet.folder("a"))
    _touch_later(fleet.folder("a") / "menus" / "welcome.yaml")
    assert watcher_a.check()
    new = a.extensions["ivr"].flows.current.version
    assert new != old
    assert _watch(b, fleet.folder("b"))  # b's own files are unchanged: it follows the fleet
    assert b.extensions["ivr"].flows.current.version == new

    caller = phone(b.test_client())
    assert text(caller.dial()).endswith("For our hours, press 3.")
    # the call moves to a third server, restarted with the old files: it is still on the new version
    c = fleet.server("c")
    assert c.extensions["ivr"].flows.current.version == new  # the old files did not undo the edit
    caller.transport = flask_transport(c.test_client())
    assert "Monday through Friday" in text(caller.press("3"))

    # the call that began before the edit finishes on the old version, on any server
    ongoing.transport = flask_transport(c.test_client())
    assert text(ongoing.press("3")).startswith("Sorry, I didn't understand that.")
    state = call_state(redis_client, redis_prefix, ongoing.call_sid)
    assert state is not None and state.flow_version == old


def test_a_server_loads_a_version_it_never_had_from_redis_when_a_call_on_it_arrives(
    fleet: Fleet, redis_client: redis.Redis, redis_prefix: str
) -> None:
    a = fleet.server("a")
    _edit_welcome(fleet.folder("a"))
    assert a.extensions["ivr"].flows.reload(fleet.folder("a"), HANDLER_RULES, SERVICE_PROMPTS)  # published
    second = a.extensions["ivr"].flows.current.version
    caller = phone(a.test_client())
    caller.dial()
    assert "Monday through Friday" in text(caller.press("3"))  # the option only the second version has
    edit(fleet.folder("a") / "prompts" / "en.yaml", "Main menu.", "Main menu, updated.")
    assert a.extensions["ivr"].flows.reload(fleet.folder("a"), HANDLER_RULES, SERVICE_PROMPTS)
    third = a.extensions["ivr"].flows.current.version

    b = fleet.server("b")  # the shipped files; it follows the third version at start-up
    flows = b.extensions["ivr"].flows
    assert flows.current.version == third and not flows.holds(second)
    caller.transport = flask_transport(b.test_client())
    caller.press("9")  # answered on the second version, loaded from Redis for this call
    assert flows.holds(second)
    state = call_state(redis_client, redis_prefix, caller.call_sid)
    assert state is not None and state.flow_version == second and state.turn == 3


def test_a_tampered_stored_version_is_not_used(
    fleet: Fleet, redis_client: redis.Redis, redis_prefix: str
) -> None:
    a = fleet.server("a")
    version = a.extensions["ivr"].flows.current.version
    key = f"{redis_prefix}flow:{version}"
    bundle = redis_client.get(key)
    assert isinstance(bundle, bytes)
    redis_client.set(key, bundle.replace(b"Welcome to Customer Connect", b"Welcome to Somewhere Else"))
    b = fleet.server("b")
    store = b.extensions["ivr"].flows._shared
    assert store is not None
    shutil.rmtree(fleet.folder("b") / "instance" / "flows", ignore_errors=True)
    assert store.fetch(version) is None  # its bytes no longer digest to its name


def test_the_version_is_the_digest_of_the_bytes_parsed(
    flow_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    original = Path.read_bytes

    def counted(path: Path) -> bytes:
        reads.append(path.name)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    flow = load_flow(flow_dir, HANDLER_RULES)
    assert sorted(reads) == sorted(Path(name).name for name in flow.sources)  # each file read once
    assert flow.version == flow_version(flow.sources)
    assert flow.sources["prompts/en.yaml"] == original(flow_dir / "prompts" / "en.yaml")
