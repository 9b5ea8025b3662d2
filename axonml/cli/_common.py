"""Small helpers the command families share: examples in --help, tables, sizes, JSON, workspace files."""
from __future__ import annotations

import argparse
import json
import os
import sys

__all__ = ["add_family", "add_action", "examples", "print_json", "print_table", "human_size", "workspace_path",
           "progress_wanted"]

WORKSPACE_DIR = ".axonml"


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def examples(*lines: str) -> str:
    """An --help epilog listing example invocations."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def add_family(subparsers, name: str, help: str, description: str, example_lines=()):
    """A command parser whose --help keeps the example lines as written."""
    return subparsers.add_parser(name, help=help, description=description,
                                 epilog=examples(*example_lines) if example_lines else None,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def add_action(actions, name: str, help: str, example_lines=()):
    """One action of a family (``axonml data info``), with its examples."""
    return actions.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".",
                              epilog=examples(*example_lines) if example_lines else None,
                              formatter_class=argparse.RawDescriptionHelpFormatter)


def print_json(value) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def print_table(header: list[str], rows: list[list]) -> None:
    """Columns padded to their widest cell; numbers right-aligned."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(_is_number(row[i]) for row in cells[1:]) and len(cells) > 1 for i in range(len(header))]
    for row in cells:
        parts = [cell.rjust(w) if num else cell.ljust(w) for cell, w, num in zip(row, widths, numeric)]
        print("  ".join(parts).rstrip())


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def human_size(n: int | float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def workspace_path(name: str) -> str:
    """``.axonml/<name>`` in the current directory: per-project command-line state."""
    return os.path.join(WORKSPACE_DIR, name)


def progress_wanted() -> bool:
    """Progress bars only on a terminal: piped or redirected output stays clean."""
    return sys.stderr.isatty()
