"""``python -m kb``: the same program as ``kb``."""

from kb.cli import program

if __name__ == "__main__":  # not when a spawned child process (kb.site.citations) imports it
    program()
