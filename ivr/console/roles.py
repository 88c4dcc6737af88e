"""The console's roles, each allowed what the ones before it are: viewer (reads, tries calls and scripts),
editor (also edits and checks drafts), publisher (also publishes and rolls back)."""

ROLES = ("viewer", "editor", "publisher")
