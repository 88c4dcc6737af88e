"""The ceiling for bench/load.py: a bare Flask app that answers every webhook with fixed TwiML.

It stands where the IVR stands (same routes, same gunicorn, same worker settings, a response of the same
shape and size as the welcome menu) but does no work: no form parsing, no signature check, no Redis, no
SQL, no TwiML building. Whatever the IVR achieves is measured against it. bench/load.py serves it with
``gunicorn -c gunicorn.conf.py bench.ceiling:app``.

Its action URLs are relative, as Twilio allows: the caller resolves them against the request's URL, so
the body is the same bytes whichever port it is served on.
"""

from __future__ import annotations

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="/voice/turn?t=1" finishOnKey="" hints="yes, yeah, yes I am, no, general information, '
    "none, other options, spanish, espa\u00f1ol, repeat, say that again, help, back, go back, main menu, "
    'representative, agent, operator" input="dtmf speech" language="en-US" method="POST" numDigits="1" '
    'speechTimeout="auto" timeout="6">'
    '<Say language="en-US" voice="Polly.Joanna">Welcome to Customer Connect, the child support information '
    "line.</Say>"
    '<Say language="es-US" voice="Polly.Lupe">Para espa\u00f1ol, marque 9.</Say>'
    '<Say language="en-US" voice="Polly.Joanna">If you are a parent or legal guardian, press 1 or say Yes. '
    "If not, press 2 or say No. For other options, press 7 or say None.</Say>"
    '</Gather><Redirect method="POST">/voice/turn?t=1</Redirect></Response>'
).encode()

app = Flask(__name__)


@app.post("/voice")
@app.post("/voice/turn")
def turn() -> Response:
    return Response(TWIML, mimetype="application/xml")


@app.post("/voice/status")
def status() -> tuple[str, int]:
    return "", 204


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
