"""A third language from YAML and prompt files alone (issue: languages as data): Vietnamese, spoken with
num2words's words, and Armenian, which num2words does not cover, spoken from Babel's figures. No Python
changes; the call goes through the shipped flow with the demo accounts."""

from __future__ import annotations

from pathlib import Path

from ivr.channels.spoken import libraries
from ivr.service.call_scripts import run_scripts
from ivr.service.flow import load_service_flow
from tests.conftest import edit

ES_BLOCK = "    offer: offer_spanish\n"


def add_language(flow_dir: Path, code: str, spec: str, prompts: dict[str, str]) -> None:
    """Add ``code`` to menu_tree.yaml's languages, with prompts/<code>.yaml (the English texts, with
    ``prompts`` translated) and its TTY variants."""
    edit(flow_dir / "menu_tree.yaml", ES_BLOCK, ES_BLOCK + f"  {code}:\n{spec}")
    english = (flow_dir / "prompts" / "en.yaml").read_text(encoding="utf-8")
    translated = "".join(f"{prompt_id}: {text!r}\n" for prompt_id, text in prompts.items())
    kept = "\n".join(
        line for line in english.splitlines() if line.split(":", 1)[0] not in prompts or line.startswith(" ")
    )
    (flow_dir / "prompts" / f"{code}.yaml").write_text(kept + "\n" + translated, encoding="utf-8")
    tty = flow_dir / "prompts" / "tty"
    (tty / f"{code}.yaml").write_text((tty / "en.yaml").read_text(encoding="utf-8"), encoding="utf-8")


def balance_call(flow_dir: Path, code: str) -> str:
    """A payer calls in ``code``, signs in with keys and asks for payments: what he hears then."""
    script = flow_dir / "call.yaml"
    script.write_text(
        f"name: a call in {code}\nlanguage: {code}\nsteps:\n  - hear: [welcome, offer_english, offer_spanish, caller_type]\n"
        "  - press: '1'\n  - press: '1000000002#'\n  - press: '1357#'\n  - press: '1'\n",
        encoding="utf-8",
    )
    flow = load_service_flow(flow_dir)
    [result], _ = run_scripts(flow, [script])
    assert result.ok, [step.problems for step in result.steps]
    return result.steps[-1].heard_text


VIETNAMESE = """\
    name: Tiếng Việt
    voice: Google.vi-VN-Standard-A
    recognizer: vi-VN
    locale: vi_VN
    names: [tiếng việt, vietnamese]
"""
VIETNAMESE_WORDS = {
    "balance_due": "Số tiền bạn còn nợ hiện nay là {balance}.",
    "value_USD_one": "đô la",
    "value_USD_other": "đô la",
    "value_USD_cents_one": "xu",
    "value_USD_cents_other": "xu",
    "value_money": "{units} và {cents}",
}


def test_a_vietnamese_caller_hears_the_balance_in_vietnamese(flow_dir: Path) -> None:
    add_language(flow_dir, "vi", VIETNAMESE, VIETNAMESE_WORDS)
    heard = balance_call(flow_dir, "vi")
    assert "Số tiền bạn còn nợ hiện nay là một nghìn hai trăm ba mươi bốn đô la và năm mươi sáu xu." in heard


ARMENIAN = """\
    name: Հայերեն
    voice: Polly.Joanna
    recognizer: hy-AM
    locale: hy_AM
"""


def test_a_language_num2words_lacks_is_said_from_babel_figures(flow_dir: Path) -> None:
    """The voice reads the figures itself ("1 234,56 $" as Armenian writes an amount), never English words."""
    assert libraries().number_words("hy", "hy_AM") is None  # the case this test is about
    add_language(flow_dir, "hy", ARMENIAN, {"balance_due": "Ձեր պարտքը {balance} է\u0589"})
    heard = balance_call(flow_dir, "hy")
    said = " ".join(heard.replace("\u202f", " ").replace("\xa0", " ").split())
    assert "Ձեր պարտքը 1 234,56 $ է\u0589" in said
