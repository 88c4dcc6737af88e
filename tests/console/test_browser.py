"""End to end, in headless Chromium (Debian's chromium, driven by Playwright) against the console served over
HTTP: an operator signs in, opens a node, breaks an edit and sees the problem at its line, fixes it,
publishes, places a Spanish call that reaches the balance, and reads the funnel that call added. The console
is also used by keyboard alone, and passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ivr.console.app import create_console_app
from tests.conftest import ROOT
from tests.console.conftest import PASSWORD, console

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "console-ui" / "node_modules" / "axe-core" / "axe.min.js"
# This machine runs the tests as root, in a container: the flags Chromium needs there, and no network of its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (scripts/system-packages.sh)"
    if not (ROOT / "console-ui" / "dist" / "console.js").exists() or not AXE.exists():
        return "the console's page is not built (scripts/build-console.sh)"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture
def served(console_config: dict[str, str], database_url: str) -> Iterator[tuple[str, Flask]]:
    if not database_url.startswith("sqlite"):
        pytest.skip("the browser tests run once, on SQLite; the API tests cover PostgreSQL")
    _require_browser()
    app = create_console_app({**console_config, "IVR_CONSOLE_ASSETS": str(ROOT / "console-ui" / "dist")})
    for role in ("viewer", "publisher"):
        console(app).operators.add(role, PASSWORD, role)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)
    console(app).close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh profile for every test
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
            bypass_csp=True,  # lets the test inject axe-core; the console's own policy is tested elsewhere
        )
        context.set_default_timeout(30_000)  # generous: the machine may be busy with other work
        tab = context.pages[0] if context.pages else context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        yield tab
        context.close()
        assert errors == []
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _sign_in(page: Any, base: str, name: str = "publisher") -> None:
    page.goto(f"{base}/")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#drawing svg g.node")


def _press(page: Any, keys: str) -> None:
    for key in keys:
        page.click(f'.keypad .key[data-key="{key}"]')


def test_sign_in_edit_publish_call_in_spanish_and_read_the_funnel(
    served: tuple[str, Flask], page: Any
) -> None:
    base, app = served
    _sign_in(page, base)
    page.click('#drawing g.node[data-node="payments_received_none"]')  # open a node in the drawing
    page.wait_for_selector('#node-title:text-is("payments_received_none")')
    assert "balance_owed_to_you" in page.inner_text("#node-details")
    _break_fix_and_publish(page)
    flow = console(app).flows.current
    assert flow.nodes["payments_received_none"].next == "payments_end"  # type: ignore[union-attr]
    _call_in_spanish_to_the_balance(page)
    _read_the_funnel(page)
    page.click('nav a[data-section="history"]')  # the publication, with its diff
    page.click('#history-table button:has-text("Diff of #2")')
    page.wait_for_selector('#diff .added:has-text("next: payments_end")')
    assert "+    next: payments_end" in page.inner_text("#diff")


def test_a_new_flow_version_keeps_the_language_chosen_for_the_next_call(
    served: tuple[str, Flask], page: Any
) -> None:
    """The page reloads the flow whenever a new version goes live (its poll of /api/flow/version) and lists
    the flow's languages again: an operator who had chosen Spanish for the call must keep it. Until the
    list kept the choice, a publish just before "Call" started the call in English (the full suite once
    timed out waiting for the Spanish welcome). The poll is answered with another version here (a route
    in the browser), as when another operator publishes, so the reload comes at a known moment."""
    base, _ = served
    _sign_in(page, base)
    page.click('nav a[data-section="phone"]')
    page.select_option("#call-language", "es")
    page.route("**/api/flow/version", lambda route: route.fulfill(json={"version": "published-elsewhere"}))
    page.wait_for_selector('#status:has-text("The flow changed")')
    assert page.input_value("#call-language") == "es"
    page.unroute("**/api/flow/version")
    page.uncheck("#read-aloud")
    page.click("#call-start")
    page.wait_for_selector('#transcript li:has-text("Si usted es padre o tutor legal")')


def _break_fix_and_publish(page: Any) -> None:
    """From the node's "Edit" button: break its target, see the problem at its line, fix it, publish."""
    page.click('#node-details button:has-text("Edit in menus/payments.yaml")')
    page.wait_for_selector(".cm-editor.cm-focused")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.keyboard.type("x")
    lines = (ROOT / "menus" / "payments.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("  payments_received_none:") + 5  # its `next:`, four lines below the name
    assert lines[line - 1] == "    next: main_menu"
    page.wait_for_selector(f'#problems li:has-text("menus/payments.yaml:{line}:5")')
    assert "did you mean 'main_menu'" in page.inner_text("#problems")
    marked = page.locator(".cm-lintRange-error").first
    assert marked.inner_text() == "next"
    assert marked.evaluate("range => range.closest('.cm-line').textContent") == "    next: main_menux"
    assert page.is_disabled("#publish")
    # the fix: callers with no payments now hear the payments menu's choices
    page.keyboard.press("Escape")
    for _ in range(len("main_menux")):
        page.keyboard.press("Backspace")
    page.keyboard.type("payments_end")
    page.keyboard.press("Escape")
    page.wait_for_selector('#check-status:has-text("No problems")')
    page.wait_for_selector("#publish:enabled")
    page.click("#publish")
    page.wait_for_selector('#publish-note:has-text("Published as #")')
    _complete_from_the_schema(page)


def _complete_from_the_schema(page: Any) -> None:
    """A new node at the end of the file: its fields, and then its kinds, come from docs/menu-schema.json."""
    page.click(".cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("\n  thanks:\n    ")
    page.keyboard.type("ki")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="kind")
    option.wait_for()
    page.wait_for_timeout(300)  # CodeMirror ignores Enter for 75 ms after the list opens (interactionDelay)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.cm-content').innerText.endsWith('thanks:\\n    kind: ')")
    page.keyboard.type("me")
    page.wait_for_selector('.cm-tooltip-autocomplete li:has-text("message")')
    labels = page.locator(".cm-tooltip-autocomplete li").all_inner_texts()
    assert {"menu", "message"} <= {label.strip() for label in labels}, labels
    page.keyboard.press("Escape")
    assert (
        page.evaluate("document.querySelector('.cm-content').innerText")
        .rstrip()
        .endswith("thanks:\n    kind: me")
    )
    page.click("#discard")


def _call_in_spanish_to_the_balance(page: Any) -> None:
    page.click('nav a[data-section="phone"]')
    page.select_option("#call-language", "es")
    page.uncheck("#read-aloud")
    page.click("#call-start")
    page.wait_for_selector('#transcript li:has-text("Si usted es padre o tutor legal")')
    _press(page, "1")
    page.wait_for_selector('#transcript li:has-text("número de identificación")')
    _press(page, "1000000001#")
    page.wait_for_selector('#transcript li:has-text("Marque su PIN")')
    _press(page, "2468#")
    page.wait_for_selector('#transcript li:has-text("Menú principal")')
    assert "2468" not in page.inner_text("#transcript")  # the PIN shows as dots
    page.fill("#say-words", "pagos")
    page.click("#say-send")
    page.wait_for_selector('#transcript li:has-text("mil veinticuatro dólares con setenta y cinco centavos")')
    page.wait_for_selector('#phone-drawing g.node.visited[data-node="payments_received"]')
    page.wait_for_selector('#phone-drawing g.node.current[data-node="main_menu"]')  # three: no older ones
    page.click("#call-end")
    page.wait_for_selector('#transcript li:has-text("(you hung up)")')


def _read_the_funnel(page: Any) -> None:
    page.click('nav a[data-section="funnel"]')
    row = page.locator("#segments-table tbody tr", has_text="browser")
    row.wait_for()
    assert row.inner_text().split("\t") == ["es", "browser", "1", "1", "100%"]
    hangups = page.locator("#nodes-table tbody tr", has_text="main_menu").first.inner_text().split("\t")
    assert hangups[0] == "main_menu" and hangups[5] == "1"


def _tab_to(page: Any, selector: str, most: int = 120) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_console_is_usable_by_keyboard_alone(served: tuple[str, Flask], page: Any) -> None:
    base, _ = served
    page.goto(f"{base}/")
    _tab_to(page, "#name")
    page.keyboard.type("viewer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#drawing svg g.node")
    _tab_to(page, "#node-search")
    page.keyboard.type("payments_end")
    _tab_to(page, "#search-results button")
    assert page.evaluate("document.activeElement.textContent") == "payments_end (menu)"
    page.keyboard.press("Enter")
    page.wait_for_selector('#node-title:text-is("payments_end")')
    assert page.evaluate("document.activeElement.id") == "node-title"
    _tab_to(page, "#drawing g.node")
    chosen = page.evaluate("document.activeElement.dataset.node")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#node-title:text-is("{chosen}")')
    # the editor never keeps the keyboard: Tab leaves it
    _tab_to(page, 'nav a[data-section="edit"]')
    page.keyboard.press("Enter")
    _tab_to(page, ".cm-content")
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.closest('.cm-editor')")
    # a call by keys
    _tab_to(page, 'nav a[data-section="phone"]')
    page.keyboard.press("Enter")
    _tab_to(page, "#call-start")
    page.keyboard.press("Enter")
    page.wait_for_selector('#transcript li:has-text("If you are a parent")')
    _tab_to(page, '.keypad .key[data-key="2"]')
    page.keyboard.press("Enter")
    page.wait_for_selector('#transcript li:has-text("You pressed 2")')
    page.wait_for_selector('#phone-drawing g.node.visited[data-node="general_information"]')


def _axe(page: Any, where: str) -> None:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        WCAG_21_AA,
    )
    assert result == [], f"{where}: {result}"


def test_every_section_passes_an_automated_wcag_21_aa_check(served: tuple[str, Flask], page: Any) -> None:
    base, _ = served
    page.goto(f"{base}/sign-in")
    _axe(page, "sign-in")
    _sign_in(page, base)
    page.click('#drawing g.node[data-node="caller_type"]')
    page.wait_for_selector('#node-title:text-is("caller_type")')
    _axe(page, "flow")
    page.click('nav a[data-section="edit"]')
    page.wait_for_selector(".cm-editor")
    page.wait_for_selector('#check-status:has-text("No problems")')
    _axe(page, "edit")
    page.click('nav a[data-section="phone"]')
    page.uncheck("#read-aloud")
    page.click("#call-start")
    page.wait_for_selector("#transcript li")
    _axe(page, "phone")
    page.click("#call-end")
    page.click('nav a[data-section="scripts"]')
    page.click("#scripts-run")
    page.wait_for_selector("#scripts-table tbody tr", timeout=90_000)  # every call script runs first
    assert page.locator("#scripts-table tbody tr.pass").count() == len(
        list((ROOT / "tests" / "calls").glob("*.yaml"))
    )
    assert page.inner_text("#uncovered") == "Every node and option is covered."
    _axe(page, "call scripts")
    page.click('nav a[data-section="funnel"]')
    page.wait_for_selector("#days-table tbody tr")
    _axe(page, "funnel")
    page.click('nav a[data-section="history"]')
    page.wait_for_selector("#history-table tbody tr")
    _axe(page, "history")
