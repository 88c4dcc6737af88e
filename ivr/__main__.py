"""`python -m ivr` is the `ivr` command."""

from ivr.cli.main import main

main()
