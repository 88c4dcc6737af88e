"""Baudot (TTY/TDD, TIA-825-A) text telephone modem for deaf callers: the code table and encoder
(baudot), the streaming decoder (demodulator), the two shift conventions (shifts), echo measurement (echo),
mu-law arrays (ulaw). docs/tty.md describes it."""
