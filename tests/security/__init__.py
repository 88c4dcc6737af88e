"""Attacks on the running service, replayed: each test does what a stranger did (signed requests only, as
Twilio would send them) against the real service with a real Redis and real databases, and checks that it
no longer works. docs/security.md's threat model names the test for each attack."""
