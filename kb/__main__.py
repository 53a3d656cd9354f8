"""``python -m kb``: the same program as ``kb``."""

from kb.cli import program

program()
