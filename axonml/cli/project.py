"""`axonml new|init|scaffold`: start a project, or add a model, dataset or experiment file to one.

``new NAME`` makes the directory NAME with an ``axonml.toml`` (the ``[train]`` settings that
``axonml train`` reads), a ``train.py`` that trains and logs a run, and a README; ``init`` writes
the same into the current directory. ``scaffold model|dataset|experiment NAME`` writes
``NAME.py``: a skeleton that compiles and runs as it is. Existing files are never overwritten
unless ``--force`` is given. The templates are in ``axonml/cli/templates/``.
"""
from __future__ import annotations

import argparse
import keyword
import os
import re
import string

from .errors import CommandError

__all__ = ["register", "render", "PROJECT_FILES"]

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
PROJECT_FILES = {"axonml.toml": "axonml.toml.tmpl", "train.py": "train.py.tmpl", "README.md": "README.md.tmpl"}
KINDS = ("model", "dataset", "experiment")

NEW_EXAMPLES = """examples:
  axonml new digits-demo && cd digits-demo && python train.py --epochs 1
"""
INIT_EXAMPLES = """examples:
  mkdir demo && cd demo && axonml init && axonml train
  axonml init --name my-project --force     # overwrite the files init writes
"""
SCAFFOLD_EXAMPLES = """examples:
  axonml scaffold model small_cnn           # small_cnn.py with class SmallCnn(nn.Module)
  axonml scaffold dataset scans --dir data  # data/scans.py with class Scans(Dataset)
  axonml scaffold experiment baseline       # baseline.py: train, evaluate, log to runs/baseline
"""


def register(subparsers) -> None:
    new = subparsers.add_parser("new", help="create a project directory", epilog=NEW_EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Create the directory NAME with axonml.toml, a train.py that trains "
                                            "and logs a run, and a README.")
    new.add_argument("name", metavar="NAME", help="the project's directory (and name)")
    new.set_defaults(handler=run_new)

    init = subparsers.add_parser("init", help="make the current directory a project", epilog=INIT_EXAMPLES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="Write axonml.toml, train.py and README.md into the current directory.")
    init.add_argument("--name", help="the project's name (default: the directory's)")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.set_defaults(handler=run_init)

    scaffold = subparsers.add_parser("scaffold", help="write a model, dataset or experiment skeleton",
                                     epilog=SCAFFOLD_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Write NAME.py: a model (an nn.Module), a dataset (a map-style "
                                                 "Dataset) or an experiment (a training script that logs its run). "
                                                 "Each runs as it is: python NAME.py.")
    scaffold.add_argument("kind", choices=KINDS, help="what to write")
    scaffold.add_argument("name", metavar="NAME", help="a Python module name (letters, digits, _)")
    scaffold.add_argument("--dir", default=".", help="where to write it (default: the current directory)")
    scaffold.add_argument("--force", action="store_true", help="overwrite NAME.py if it exists")
    scaffold.set_defaults(handler=run_scaffold)


def render(template: str, **values: str) -> str:
    """A template of axonml/cli/templates with its $placeholders filled."""
    with open(os.path.join(TEMPLATES, template), encoding="utf-8") as f:
        return string.Template(f.read()).substitute(values)


def _write(path: str, text: str, force: bool) -> None:
    if os.path.exists(path) and not force:
        raise CommandError(f"{path} exists (pass --force to overwrite it)")
    temporary = f"{path}.tmp{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error}") from None


def _project_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise CommandError(f"project name {name!r}: use letters, digits, '.', '_' and '-'")
    return name


def _write_project(directory: str, name: str, force: bool) -> list[str]:
    if not force:
        existing = [file for file in PROJECT_FILES if os.path.exists(os.path.join(directory, file))]
        if existing:
            raise CommandError(f"{', '.join(existing)} exist in {directory} (pass --force to overwrite)")
    written = []
    for file, template in PROJECT_FILES.items():
        path = os.path.join(directory, file)
        _write(path, render(template, name=name), force=True)
        written.append(path)
    return written


def run_new(args: argparse.Namespace) -> int:
    name = _project_name(os.path.basename(os.path.normpath(args.name)))
    if os.path.exists(args.name) and (not os.path.isdir(args.name) or os.listdir(args.name)):
        raise CommandError(f"{args.name} exists and is not an empty directory")
    try:
        os.makedirs(args.name, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create {args.name}: {error}") from None
    for path in _write_project(args.name, name, force=False):
        print(f"wrote {path}")
    print(f"next: cd {args.name} && python train.py")
    return 0


def run_init(args: argparse.Namespace) -> int:
    name = _project_name(args.name or os.path.basename(os.getcwd()) or "project")
    for path in _write_project(".", name, args.force):
        print(f"wrote {os.path.normpath(path)}")
    return 0


def _class_name(module: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in module.split("_") if part)


def run_scaffold(args: argparse.Namespace) -> int:
    module = args.name.removesuffix(".py")
    if not module.isidentifier() or keyword.iskeyword(module) or not _class_name(module):
        raise CommandError(f"{args.name!r} is not a Python module name (letters, digits and _, not a keyword)")
    if not os.path.isdir(args.dir):
        raise CommandError(f"no such directory: {args.dir}")
    path = os.path.join(args.dir, f"{module}.py")
    _write(path, render(f"{args.kind}.py.tmpl", name=module, module=module, class_name=_class_name(module)),
           args.force)
    print(f"wrote {os.path.normpath(path)}: python {os.path.normpath(path)}")
    return 0
