"""The `axonml` command line: one module per subcommand family, each with a ``register(subparsers)``.

Bad flags and missing data end with a one-line error and a non-zero exit status, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from . import bench, convert, export, inspect, quant, train
from .errors import CommandError

__all__ = ["build_parser", "main", "CommandError"]

FAMILIES = (train, inspect, convert, quant, bench, export)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; also the source of the man page (man/axonml.1)."""
    parser = _Parser(prog="axonml", description="Train, evaluate and ship models with axonml.")
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for family in FAMILIES:
        family.register(subparsers)
    return parser


def _version() -> str:
    from .. import __version__
    return f"axonml {__version__}"


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CommandError as error:
        print(f"axonml {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"axonml {args.command}: interrupted", file=sys.stderr)
        return 130
