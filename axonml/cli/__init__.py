"""The `axonml` command line: one module per subcommand family, each with a ``register(subparsers)``.

Every module of this package that defines ``register`` is a command family; adding a command is
adding its module. Family modules import what their handlers need inside the handlers, so that
building the parser (and ``--help``) stays fast. Bad flags and missing data end with a one-line
error and a non-zero exit status, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from .errors import CommandError

__all__ = ["build_parser", "main", "CommandError", "families"]


def families():
    """The command-family modules, in name order."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f".{info.name}", __name__)
        if callable(getattr(module, "register", None)):
            modules.append(module)
    return modules


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; also the source of the man page (man/axonml.1)."""
    parser = _Parser(prog="axonml", description="Train, evaluate and ship models with axonml.")
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for family in families():
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
