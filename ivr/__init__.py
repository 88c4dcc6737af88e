"""Customer Connect IVR: a YAML call flow, a pure dialog engine, and one renderer per channel."""
