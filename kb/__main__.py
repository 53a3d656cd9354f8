"""``python -m kb``: the same program as ``kb``."""

from .cli import program

program()
