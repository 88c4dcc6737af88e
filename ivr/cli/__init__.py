"""The `ivr` command (ivr.cli.main) and its subcommands."""
