"""The `axonml` command line: one module per subcommand family, each with a ``register(subparsers)``.

Every module of this package that defines ``register`` is a command family; adding a command is
adding its module. Family modules import what their handlers need inside the handlers, so that
building the parser (and ``--help``) stays fast.

Conventions (see :mod:`axonml.cli.errors`): exit status 0 on success, 1 on an error, 2 on a usage
error; an error is one line on stderr, whatever raised it, and ``--debug`` (before or after the
command) prints the traceback too.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from .errors import EXIT_USAGE, CommandError, report

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
    def parse_known_args(self, args=None, namespace=None):
        # A command's positionals may follow its options (`predict MODEL --top-k 3 a.png b.png`): a parser
        # without subcommands parses intermixed, as a shell user expects.
        if self._subparsers is not None or getattr(self, "_intermixing", False):
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; also the source of the man page (man/axonml.1)."""
    parser = _Parser(prog="axonml", description="Train, evaluate and ship models with axonml.")
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--debug", action="store_true", help="on an error, print the traceback too")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for family in families():
        family.register(subparsers)
    _add_debug_flag(subparsers)
    return parser


def _add_debug_flag(subparsers) -> None:
    """Accept --debug after the command too (``axonml data info X --debug``), on every subcommand."""
    for sub in set(subparsers.choices.values()):
        if "--debug" not in sub._option_string_actions:
            sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="on an error, print the traceback too")
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_debug_flag(action)


def _version() -> str:
    from .. import __version__
    return f"axonml {__version__}"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
    except Exception as error:  # noqa: BLE001 - a broken family module is still one line
        return report(None, error, debug)
    args = parser.parse_args(argv)
    from .. import _import_framework
    _import_framework()  # deferred by `python -m axonml` until the command line was valid
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # the reader went away (`axonml ... | head`): not an error of ours; keep the interpreter's
        # final flush of stdout from failing again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - every failure is one line, never a traceback
        return report(args.command, error, getattr(args, "debug", False) or debug)
