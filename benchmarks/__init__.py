"""kb's benchmark: synthetic KBs at three scales, each stage timed against its libraries' floor (see README.md)."""
