"""WSGI entry point: ``gunicorn app:app`` (see gunicorn.conf.py). Settings come from the environment; logs are
JSON lines that pass the redaction filter (ivr.service.log_config)."""

import os

from ivr.service.log_config import configure_logging
from ivr.web.app import create_app

configure_logging(as_json=os.environ.get("IVR_LOG_FORMAT", "json") == "json")
app = create_app()
