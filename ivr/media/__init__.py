"""Sound: the G.711 codec, WAV files, the Baudot TTY modem and the recorded prompts."""
