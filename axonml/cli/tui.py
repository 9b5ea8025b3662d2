"""`axonml tui`: the terminal dashboard (model, data, training, graphs, files, help)."""
from __future__ import annotations

import argparse
import os
import textwrap

from ._common import add_family
from .errors import CommandError

__all__ = ["register", "run"]

EXAMPLES = (
    "axonml tui runs/train                  watch a run (live while it trains, here or over SSH)",
    "axonml tui --model resnet18            the layer tree of a model, with output shapes",
    "axonml tui --model runs/train/model.safetensors",
    "axonml tui --data digits               class balance and sample images of a dataset",
    "NO_COLOR=1 axonml tui runs             monochrome",
)

DESCRIPTION = (
    "A keyboard-driven terminal dashboard with six views: model (layer tree with output shapes and parameter "
    "counts), data (summary, class balance, samples), training (live curves and progress from a run's metrics "
    "log), graphs (several runs compared), files (runs and checkpoints) and help. It follows the metrics log as "
    "another process writes it, so it watches a run started elsewhere, and works at 80x24 over SSH, in 16 "
    "colours or in monochrome (NO_COLOR, TERM=vt100).")


def register(subparsers) -> None:
    parser = add_family(subparsers, "tui", "the terminal dashboard: watch runs, browse models, data and checkpoints",
                        textwrap.fill(DESCRIPTION, 79), EXAMPLES)
    parser.add_argument("run_dir", metavar="RUN_DIR", nargs="?",
                        help="a run directory (with metrics.jsonl) or a metrics log to watch")
    parser.add_argument("--model", metavar="MODEL", help="a model file (.safetensors, .pth, .axonml, .onnx ...) or a "
                                                         "model name (lenet, resnet18 ...)")
    parser.add_argument("--input-shape", metavar="CxHxW",
                        help="the input a model built by name is probed with (default: 1x28x28 for lenet, mlp and "
                             "simplecnn, 3x224x224 otherwise)")
    parser.add_argument("--data", metavar="DATASET", help="digits, mnist, fashion-mnist, cifar10, or a folder of "
                                                          "class folders")
    parser.add_argument("--data-dir", metavar="DIR", default="data",
                        help="where mnist, fashion-mnist and cifar10 are read from (default: data)")
    parser.add_argument("--root", metavar="DIR",
                        help="the folder the files and graphs views start in (default: RUN_DIR's parent, else .)")
    parser.add_argument("--view", choices=("model", "data", "training", "graphs", "files", "help"),
                        help="the view to start in")
    parser.add_argument("--color", choices=("auto", "16", "mono"), default="auto",
                        help="colours: auto (16, monochrome if NO_COLOR is set or TERM is vt100/dumb), 16 or mono")
    parser.add_argument("--glyphs", choices=("auto", "braille", "block", "ascii"), default="auto",
                        help="characters the curves are drawn with (default: braille; ASCII on a vt100 or a non-UTF-8 "
                             "locale)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.run_dir is not None and not os.path.exists(args.run_dir):
        raise CommandError(f"no such run directory or metrics log: {args.run_dir}")
    root = args.root or (os.path.dirname(os.path.abspath(args.run_dir)) if args.run_dir else ".")
    if not os.path.isdir(root):
        raise CommandError(f"no such folder: {root}")
    from ..tui.layers import parse_shape
    from ..tui.theme import detect_display
    try:
        input_shape = parse_shape(args.input_shape) if args.input_shape else None
        display = detect_display(color=args.color, glyphs=args.glyphs)
    except ValueError as error:
        raise CommandError(str(error)) from None
    try:
        import urwid  # noqa: F401  (checked before the screen is taken)
    except ImportError:
        raise CommandError("the dashboard needs urwid: pip install 'axonml[tui]'") from None
    from ..tui import run_dashboard
    try:
        run_dashboard(display, root, run=args.run_dir, model=args.model, input_shape=input_shape, data=args.data,
                      data_dir=args.data_dir, view=args.view)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        raise CommandError(str(error)) from None
    return 0
