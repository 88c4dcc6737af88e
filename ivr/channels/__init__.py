"""Channels: each turns its own input into engine events and renders engine actions its own way."""
