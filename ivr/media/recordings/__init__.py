"""Recorded prompts: build operators' recordings into telephone audio, check them, draft them, look them up.

``lookup.PromptAudio`` is all the running service needs (stdlib only); building, checking and drafting
use pydub, ffmpeg and espeak-ng and are imported by the ``ivr prompts`` commands alone. See
docs/prompts-audio.md.
"""
