"""WSGI entry point: ``gunicorn app:app`` or ``flask --app app run``. Settings come from the environment."""

from ivr.web import create_app

app = create_app()
