"""The one exception type a subcommand raises for a user-facing failure."""


class CommandError(Exception):
    """Missing data, a bad config value, an unreadable checkpoint: printed as one line, exit status 1."""
