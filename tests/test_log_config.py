"""Every log line passes the redaction filter; production logs are JSON lines with the call id."""

from __future__ import annotations

import json
import logging

import pytest

from ivr.service.log_config import JsonFormatter, RedactingFilter, redact


def _format(record: logging.LogRecord) -> dict[str, object]:
    assert RedactingFilter().filter(record)
    return dict(json.loads(JsonFormatter().format(record)))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("SSN 123-45-6789 typed", "SSN [redacted] typed"),
        ("id 1000000002 pin 2468", "id [redacted] pin [redacted]"),
        ("ssn 987654321.", "ssn [redacted]."),
        ("flow 5313756569b9 on port 5000", "flow 5313756569b9 on port [redacted]"),
        ("turn 12 at node ask_pin", "turn 12 at node ask_pin"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_messages_arguments_and_input_fields_are_redacted() -> None:
    record = logging.makeLogRecord(
        {"name": "ivr.test", "levelno": logging.INFO, "levelname": "INFO", "msg": "saw %s", "args": ("1357",)}
    )
    record.call_id = "CAabc"
    record.digits = "2468"
    record.SpeechResult = "my pin is two four six eight"
    record.note = "ssn 123-45-6789"
    entry = _format(record)
    assert entry["message"] == "saw [redacted]"
    assert entry["call_id"] == "CAabc" and entry["digits"] == "[redacted]"
    assert entry["SpeechResult"] == "[redacted]" and entry["note"] == "ssn [redacted]"
    assert entry["level"] == "info" and entry["logger"] == "ivr.test"


def test_exception_text_is_redacted() -> None:
    try:
        raise ValueError("participant 1000000002 not found")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "levelname": "ERROR", "levelno": logging.ERROR})
        import sys

        record.exc_info = sys.exc_info()
    entry = _format(record)
    assert "1000000002" not in str(entry["exception"]) and "[redacted]" in str(entry["exception"])
