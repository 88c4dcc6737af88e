"""The operator console's WSGI app for a production server: `gunicorn console:app -b 127.0.0.1:5001`.

It is a separate app from the Twilio webhook (app:app), on its own port, behind the agency's own access
rules (docs/operator-console.md)."""

from ivr.console.app import create_console_app
from ivr.service.log_config import configure_logging

configure_logging(as_json=True)
app = create_console_app()
