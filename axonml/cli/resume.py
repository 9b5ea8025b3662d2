"""`axonml resume RUN_DIR`: continue a run from its latest checkpoint and its settings.

The same as ``axonml train --resume RUN_DIR``: the model, optimizer, scheduler and RNG state come
back from the latest committed checkpoint, so the continued run is bit-identical to one that was
never interrupted; the metrics log is appended to.
"""
from __future__ import annotations

import argparse

__all__ = ["register", "run"]

EXAMPLES = """examples:
  axonml resume runs/train                   # finish the epochs the run was started with
  axonml resume runs/train --epochs 10       # train longer than first planned
  axonml resume runs/train --out runs/longer --epochs 8
"""


def register(subparsers) -> None:
    from .train import _non_negative_int, _positive_int
    parser = subparsers.add_parser(
        "resume", help="continue a training run from its latest checkpoint",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Continue the run in RUN_DIR from its latest checkpoint, with its settings; the result is "
                    "bit-identical to an uninterrupted run, and metrics.jsonl is appended to.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by axonml train")
    parser.add_argument("--epochs", type=_positive_int, help="epochs in total (default: the run's own)")
    parser.add_argument("--out", metavar="DIR", help="write the continued run here (default: RUN_DIR)")
    parser.add_argument("--device", help="cpu or opencl[:N] (default: the run's own)")
    parser.add_argument("--workers", type=_non_negative_int, help="DataLoader worker processes")
    parser.add_argument("--data-dir", metavar="DIR", help="where the dataset files are now")
    parser.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                        help="no progress bar, one line per epoch")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from . import train
    args.resume = args.run_dir
    args.distributed = False
    return train.run(args)
