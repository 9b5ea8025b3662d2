"""How a command fails: the one exception type for user-facing failures, and the one-line report.

Exit statuses: 0 success, 1 an error (a :class:`CommandError` or any other exception), 2 a usage
error (argparse), 130 interrupted. An error is one line on stderr; ``--debug`` adds the traceback.
"""
from __future__ import annotations

import sys
import traceback

__all__ = ["CommandError", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_INTERRUPTED", "report"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CommandError(Exception):
    """Missing data, a bad config value, an unreadable checkpoint: printed as one line, exit status 1."""


# Exceptions whose message already says what went wrong to a user; others also name their type.
_PLAIN = (CommandError, FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def report(command: str | None, error: BaseException, debug: bool) -> int:
    """Print ``error`` for the user of ``axonml COMMAND`` and return the exit status."""
    prefix = f"axonml {command}" if command else "axonml"
    if isinstance(error, KeyboardInterrupt):
        print(f"{prefix}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    message = _one_line(error) or type(error).__name__
    if isinstance(error, OSError) and error.filename is not None and not isinstance(error, _PLAIN[1:]):
        message = _one_line(f"{error.strerror or message}: {error.filename}")
    if not isinstance(error, _PLAIN):
        message = f"{type(error).__name__}: {message}"
        if not debug:
            message += " (run with --debug for the traceback)"
    print(f"{prefix}: error: {message}", file=sys.stderr)
    return EXIT_ERROR
