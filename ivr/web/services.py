"""The running service's objects (ivr.service.wiring), reached from a request through Flask's app."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app

from ivr.service.wiring import Services


def init_app(app: Flask, built: Services) -> None:
    app.extensions["ivr"] = built


def services() -> Services:
    return cast(Services, current_app.extensions["ivr"])
