"""The framework in time: as of a date or milestone, and its history from git."""
