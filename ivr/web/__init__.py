"""The Flask webhook: an app factory, one blueprint per channel, signature checks in one decorator."""

from ivr.web.app import create_app

__all__ = ["create_app"]
