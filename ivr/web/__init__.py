"""The Flask web app: the app factory (ivr.web.app) and one blueprint per channel, nothing else."""
