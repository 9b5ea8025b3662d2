"""`axonml load model|data|status|clear`: load a model or dataset, print its summary, remember it.

What was loaded is kept in the workspace file ``.axonml/workspace.json`` of the current directory
(paths, architecture, sizes, when), so ``load status`` shows it later and scripts can read it;
``load clear`` forgets it.
"""
from __future__ import annotations

import argparse
import json
import os
import time

from .errors import CommandError

__all__ = ["register", "WORKSPACE", "read_workspace"]

WORKSPACE = os.path.join(".axonml", "workspace.json")

EXAMPLES = """examples:
  axonml load model runs/train
  axonml load model resnet18
  axonml load data digits
  axonml load data mnist --data-dir data
  axonml load status --json
  axonml load clear
"""


def register(subparsers) -> None:
    from .train import DATASETS
    parser = subparsers.add_parser(
        "load", help="load a model or dataset, print its summary and keep it in the workspace",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description=f"Load a model or a dataset and print a summary; the workspace ({WORKSPACE} in the current "
                    "directory) remembers what was loaded.")
    commands = parser.add_subparsers(dest="what", metavar="WHAT")
    commands.required = True
    model = commands.add_parser("model", help="load a checkpoint or a model by name", epilog=EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    model.add_argument("target", metavar="MODEL", help="run directory, checkpoint, or model name")
    model.add_argument("--dataset", choices=DATASETS, help="input shape and classes of a bare state dict or a "
                                                           "small model by name")
    model.add_argument("--json", action="store_true", help="print the summary as JSON")
    model.set_defaults(handler=run_model)
    data = commands.add_parser("data", help="load a dataset by name or an image folder", epilog=EXAMPLES,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    data.add_argument("target", metavar="DATASET", help=f"{', '.join(DATASETS)}, or an image folder")
    data.add_argument("--data-dir", metavar="DIR", default="data", help="root of the dataset files (default: data)")
    data.add_argument("--json", action="store_true", help="print the summary as JSON")
    data.set_defaults(handler=run_data)
    status = commands.add_parser("status", help="what the workspace holds", epilog=EXAMPLES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    status.add_argument("--json", action="store_true", help="print the workspace as JSON")
    status.set_defaults(handler=run_status)
    clear = commands.add_parser("clear", help="forget what was loaded", epilog=EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    clear.set_defaults(handler=run_clear)


def read_workspace() -> dict:
    if not os.path.isfile(WORKSPACE):
        return {}
    try:
        with open(WORKSPACE, encoding="utf-8") as f:
            workspace = json.load(f)
    except (OSError, ValueError) as error:
        raise CommandError(f"{WORKSPACE} is unreadable ({error}); 'axonml load clear' resets it") from None
    if not isinstance(workspace, dict):
        raise CommandError(f"{WORKSPACE} is not a JSON object; 'axonml load clear' resets it")
    return workspace


def _remember(key: str, entry: dict) -> None:
    from ..utils.metrics import write_config
    workspace = read_workspace()
    workspace[key] = {**entry, "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    try:
        write_config(WORKSPACE, workspace)
    except OSError as error:
        raise CommandError(f"cannot write {WORKSPACE}: {error}") from None


def run_model(args: argparse.Namespace) -> int:
    from . import analyze, train
    if os.path.exists(args.target):
        model, settings = train.load_trained(args.target, dataset=args.dataset)
        shape, source = train.INPUT_SHAPES[settings["dataset"]], os.path.abspath(args.target)
        dataset = settings["dataset"]
    else:
        model, shape = analyze.model_by_name(args.target, args.dataset, None)
        source, dataset = args.target, args.dataset
    summary = analyze.summarize_model(model, shape)
    entry = {"source": source, "architecture": summary["model"], "dataset": dataset,
             "input_shape": list(shape), "parameters": summary["parameters"], "flops": summary["flops"],
             "layers": len(summary["layers"]), "memory_bytes": summary["memory"]["inference"]}
    _remember("model", entry)
    if args.json:
        print(json.dumps(entry, indent=2))
    else:
        print(f"loaded {entry['architecture']} from {args.target}: {entry['parameters']:,} parameters in "
              f"{entry['layers']} layers, input {'x'.join(map(str, shape))}, "
              f"{analyze._size(entry['flops'])} FLOPs per sample")
    return 0


def run_data(args: argparse.Namespace) -> int:
    from . import analyze
    splits, classes = analyze._raw_splits(args.target, args.data_dir)
    sizes = {split: len(dataset) for split, dataset in splits.items()}
    shape = list(next(iter(splits.values()))[0][0].shape) if all(sizes.values()) else None
    source = os.path.abspath(args.target) if os.path.isdir(args.target) else args.target
    entry = {"source": source, "classes": classes, "splits": sizes, "sample_shape": shape}
    if args.target not in ("digits",) and not os.path.isdir(args.target):
        entry["data_dir"] = os.path.abspath(args.data_dir)
    _remember("data", entry)
    if args.json:
        print(json.dumps(entry, indent=2))
    else:
        parts = ", ".join(f"{count} {split}" for split, count in sizes.items())
        print(f"loaded {args.target}: {parts} samples of {'x'.join(map(str, shape or []))}, {len(classes)} classes")
    return 0


def run_status(args: argparse.Namespace) -> int:
    workspace = read_workspace()
    if args.json:
        print(json.dumps(workspace, indent=2))
        return 0
    if not workspace:
        print("workspace is empty (axonml load model|data ...)")
        return 0
    if "model" in workspace:
        m = workspace["model"]
        print(f"model: {m['architecture']} from {m['source']} ({m['parameters']:,} parameters, "
              f"input {'x'.join(map(str, m['input_shape']))}), loaded {m['loaded_at']}")
    if "data" in workspace:
        d = workspace["data"]
        parts = ", ".join(f"{count} {split}" for split, count in d["splits"].items())
        print(f"data: {d['source']} ({parts} samples, {len(d['classes'])} classes), loaded {d['loaded_at']}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    if os.path.isfile(WORKSPACE):
        os.remove(WORKSPACE)
        print(f"cleared {WORKSPACE}")
    else:
        print("workspace is already empty")
    return 0
