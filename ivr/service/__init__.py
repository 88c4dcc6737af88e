"""The composition root: settings, logging, the flow as the service runs it, and the wiring of adapters, runtime and channels that the web app and the `ivr` command share."""
