"""The operator console: the flow drawn, edited with checks as you type and published with a history, a
browser phone on demo data, call scripts, and where callers give up (docs/operator-console.md).

The app factory is ``ivr.console.app.create_console_app``; importing this package loads nothing else, so
that `ivr --help` stays fast.
"""
