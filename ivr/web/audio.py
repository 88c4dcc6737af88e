"""GET /prompts/audio/<lang>/<file>: the built prompt recordings that <Play> points Twilio at.

Only files the manifest names as playable are served, so nothing else under the build folder (or beside
it) can be reached. Their names carry a hash of their content, so a URL always means the same bytes:
callers' carriers and Twilio may cache them for a year. Prompts are public words; no signature is needed.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from ivr.media.recordings.lookup import URL_PREFIX
from ivr.web.services import services

audio = Blueprint("audio", __name__, url_prefix=URL_PREFIX)

ONE_YEAR = 365 * 24 * 3600


@audio.get("/<language>/<name>")
def recording(language: str, name: str) -> Response:
    path = services().audio.path_for(language, name)
    if path is None or not path.is_file():
        abort(404)
    etag = path.stem.rpartition("-")[2]  # the content hash in the name
    response = send_file(path, mimetype="audio/wav", etag=etag, max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
