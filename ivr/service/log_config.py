"""Structured JSON logs with the call id, and a redaction filter that every log line passes.

The service never logs digits, speech or PINs on purpose; the filter is the second line of defence. It
masks SSN-like numbers (nine digits, dashed or not), runs of 4 to 10 digits that could be a PIN or a
participant ID, and fields whose name says they hold input (digits, speech, pin, ssn, body).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_DIGIT_RUN = re.compile(r"(?<![\w.:])\d{4,10}(?![\w:]|\.\d)")
_SECRET_FIELDS = frozenset({"digits", "speech", "speechresult", "pin", "ssn", "body", "password"})
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
MASK = "[redacted]"


def redact(text: str) -> str:
    return _DIGIT_RUN.sub(MASK, _SSN.sub(MASK, text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key in _STANDARD:
                continue
            if key.lower() in _SECRET_FIELDS:
                setattr(record, key, MASK)
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, as_json: bool = True) -> None:
    """Every handler on the root logger redacts; JSON lines for production, plain text for a terminal."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@contextmanager
def quiet(*levels: tuple[str, int]) -> Iterator[None]:
    """Scripts may take the database down on purpose, and each script's copy of the demo data is migrated:
    those logs are noise while scripts run. The levels are put back afterwards."""
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name, _ in levels]
    for name, level in levels:
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)
