"""WSGI entry point: ``gunicorn app:app`` (see gunicorn.conf.py). Settings come from the environment; logs are
JSON lines that pass the redaction filter (ivr.log_config)."""

import os

from ivr.log_config import configure_logging
from ivr.web import create_app

configure_logging(as_json=os.environ.get("IVR_LOG_FORMAT", "json") == "json")
app = create_app()
