"""`axonml rename CHECKPOINT --map OLD=NEW...`: rename state-dict keys by regular expression or glob pattern.

Each ``--map`` applies in order to every key (a regular expression with ``re.sub`` by default;
with ``--glob``, a pattern that must match the whole key, each ``*`` in OLD filling the next ``*``
in NEW). Two keys that would end up with one name are refused before anything is written, and
the file is replaced atomically (or written to ``--out``), so a failed rename leaves it intact.
"""
from __future__ import annotations

import argparse
import json
import os
import re

from .errors import CommandError

__all__ = ["register", "run", "rename_keys"]

SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")

EXAMPLES = """examples:
  axonml rename model.safetensors --map '^module\\.=' --dry-run        # strip DataParallel's prefix
  axonml rename model.pth --map 'fc\\.(\\d+)=classifier.\\1' --out renamed.pth
  axonml rename model.safetensors --glob --map 'encoder.*.attn.*=blocks.*.attention.*'
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rename", help="rename the keys of a state dict by pattern", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Rename the tensors of a .safetensors or PyTorch state dict: each --map OLD=NEW is applied "
                    "in order to every key. Collisions are refused; the file is replaced atomically.")
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="a .safetensors, .pth, .pt or .bin state dict")
    parser.add_argument("--map", dest="maps", metavar="OLD=NEW", action="append", required=True, type=_mapping,
                        help="a regular expression and its replacement (\\1 for groups); repeatable")
    parser.add_argument("--glob", action="store_true", help="OLD is a glob pattern for the whole key; each * in "
                                                            "NEW takes what the matching * in OLD matched")
    parser.add_argument("--out", metavar="FILE", help="write here instead of replacing CHECKPOINT "
                                                      "(.safetensors or .pth, by its suffix)")
    parser.add_argument("--dry-run", action="store_true", help="print the renames, write nothing")
    parser.add_argument("--json", action="store_true", help="print the renames as JSON")
    parser.set_defaults(handler=run)


def _mapping(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected OLD=NEW, got {text!r}")
    old, new = text.split("=", 1)
    if not old:
        raise argparse.ArgumentTypeError(f"empty pattern in {text!r}")
    return old, new


def _glob_rule(old: str, new: str):
    regex = re.compile("".join("(.*)" if part == "*" else re.escape(part) for part in re.split(r"(\*)", old)))
    stars = old.count("*")
    if new.count("*") > stars:
        raise CommandError(f"--map {old}={new}: NEW has more * than OLD")

    def apply(key: str) -> str:
        match = regex.fullmatch(key)
        if match is None:
            return key
        parts, groups = new.split("*"), iter(match.groups())
        return parts[0] + "".join(next(groups) + part for part in parts[1:])
    return apply


def _regex_rule(old: str, new: str):
    try:
        regex = re.compile(old)
    except re.error as error:
        raise CommandError(f"--map {old}={new}: bad regular expression: {error}") from None

    def apply(key: str) -> str:
        try:
            return regex.sub(new, key)
        except (re.error, IndexError) as error:
            raise CommandError(f"--map {old}={new}: bad replacement: {error}") from None
    return apply


def rename_keys(keys, maps, glob: bool = False) -> dict[str, str]:
    """``{old key: new key}`` for every key, after applying the maps in order. Raises CommandError on a collision."""
    rules = [(_glob_rule if glob else _regex_rule)(old, new) for old, new in maps]
    renamed = {}
    for key in keys:
        name = key
        for rule in rules:
            name = rule(name)
        if not name:
            raise CommandError(f"'{key}' would be renamed to an empty name")
        renamed[key] = name
    owners: dict[str, list[str]] = {}
    for key, name in renamed.items():
        owners.setdefault(name, []).append(key)
    clashes = {name: sources for name, sources in owners.items() if len(sources) > 1}
    if clashes:
        name, sources = next(iter(clashes.items()))
        raise CommandError(f"collision: {', '.join(sources)} would all be named '{name}'"
                           + (f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else "") + "; nothing written")
    return renamed


def _write(state_dict: dict, path: str) -> None:
    from ..serialize import save_state_dict
    from ..serialize.pytorch_writer import save_pytorch
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SUFFIXES:
        raise CommandError(f"{path}: can write {', '.join(SUFFIXES)}")
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.tmp{os.getpid()}{suffix}")
    try:
        (save_state_dict if suffix == ".safetensors" else save_pytorch)(state_dict, temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error}") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def run(args: argparse.Namespace) -> int:
    import axonml
    path = args.checkpoint
    if not os.path.isfile(path):
        raise CommandError(f"no such file: {path}")
    try:
        state = axonml.load(path)
    except (ValueError, RuntimeError, OSError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None
    if not (isinstance(state, dict) and state and all(isinstance(v, axonml.Tensor) for v in state.values())):
        raise CommandError(f"{path} holds a {type(state).__name__}, not a state dict of tensors by name")
    renamed = rename_keys(state, args.maps, args.glob)
    changed = {old: new for old, new in renamed.items() if old != new}
    if not changed:
        raise CommandError(f"no key of {path} matches {', '.join(f'{o}={n}' for o, n in args.maps)}")
    out = args.out or path
    if not args.dry_run:
        _write({renamed[key]: tensor for key, tensor in state.items()}, out)
    if args.json:
        print(json.dumps({"file": out, "written": not args.dry_run, "renamed": changed}, indent=2))
    else:
        for old, new in changed.items():
            print(f"{old} -> {new}")
        verb = "would rename" if args.dry_run else "renamed"
        print(f"{verb} {len(changed)} of {len(renamed)} keys" + ("" if args.dry_run else f" in {out}"))
    return 0
