"""`axonml bench`: time the built-in op and model benchmarks on this machine, optionally profiled.

Each case is timed over --repeat runs after a warm-up run and reported by its median. With
--profile every case also runs once under axonml.profiler, and its op table is printed (and, with
--trace DIR, written as a Chrome trace). The comparisons against PyTorch live in benchmarks/
(PyTorch is not a dependency of axonml).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from ._common import positive_int as _positive_int
from .errors import CommandError

__all__ = ["register", "run", "CASES"]


def _matmul(device, size=512):
    import axonml
    a, b = axonml.randn(size, size, device=device), axonml.randn(size, size, device=device)
    return lambda: (a @ b).sum().item(), 2 * size ** 3


def _conv2d(device):
    import axonml
    from axonml import nn
    conv = nn.Conv2d(64, 64, 3, padding=1).to(device)
    x = axonml.randn(8, 64, 32, 32, device=device, requires_grad=True)

    def step():
        conv(x).sum().backward()
    return step, 3 * 2 * 8 * 64 * 64 * 9 * 32 * 32


def _train_step(model_name, device, batch=32):
    import axonml
    import axonml.nn.functional as F
    from axonml.vision.models import LeNet, MLP
    model = (LeNet() if model_name == "lenet" else MLP()).to(device)
    optimizer = axonml.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = axonml.randn(batch, 1, 28, 28, device=device)
    y = axonml.randint(0, 10, (batch,), device=device)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
    return step, None


def _transformer(device):
    import axonml
    from axonml import nn
    layer = nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True).to(device).eval()
    x = axonml.randn(8, 64, 256, device=device)

    def forward():
        with axonml.no_grad():
            layer(x).sum().item()
    return forward, None


CASES = {
    "matmul": ("512x512 float32 matmul", _matmul),
    "conv2d": ("Conv2d 64->64 3x3 on 8x64x32x32, forward + backward", _conv2d),
    "lenet-step": ("LeNet training step, batch 32, SGD", lambda device: _train_step("lenet", device)),
    "mlp-step": ("MLP training step, batch 32, SGD", lambda device: _train_step("mlp", device)),
    "transformer": ("TransformerEncoderLayer d256 forward, 8x64 tokens", _transformer),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="time the built-in op and model benchmarks",
        description="Time the built-in op and model benchmarks on this machine and print their median times.",
        epilog="examples:\n  axonml bench\n  axonml bench --only matmul conv2d --repeat 20 --json\n"
               "  axonml bench --only lenet-step --profile --trace traces/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), metavar="CASE",
                        help=f"run only these cases ({', '.join(sorted(CASES))})")
    parser.add_argument("--repeat", type=_positive_int, default=10, help="timed runs per case (default: 10)")
    parser.add_argument("--device", default="cpu", help="device to run on: cpu, opencl[:N] or auto (default: cpu)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--profile", action="store_true",
                        help="also run each case once under axonml.profiler and print its op table")
    parser.add_argument("--trace", metavar="DIR", help="with --profile, write each case's Chrome trace into DIR")
    parser.set_defaults(handler=run)


def run(args) -> int:
    import axonml
    if args.trace and not args.profile:
        raise CommandError("--trace needs --profile")
    from .gpu import resolve_device
    args.device = resolve_device(args.device)
    try:
        device = axonml.device(args.device)
        axonml.zeros(1, device=device)
    except (RuntimeError, ValueError) as error:
        raise CommandError(f"device {args.device!r} is not available: {error}") from None
    results = []
    for name in args.only or list(CASES):
        what, build = CASES[name]
        fn, flops = build(device)
        fn()  # warm-up: kernel compilation, caches
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        result = {"case": name, "what": what, "device": str(device), "runs": args.repeat,
                  "median_ms": median * 1e3, "min_ms": min(times) * 1e3}
        if flops:
            result["gflops"] = flops / median / 1e9
        if args.profile:
            result["profile"] = _profile(name, fn, args.trace, quiet=args.json)
        results.append(result)
    if args.json:
        print(json.dumps({"axonml": axonml.__version__, "threads": axonml.get_num_threads(), "results": results},
                         indent=2))
    else:
        _print_table(results)
    return 0


def _profile(name, fn, trace_dir, quiet) -> dict:
    from .. import profiler
    with profiler.profile(record_shapes=True) as prof:
        fn()
    averages = prof.key_averages()
    if not quiet:
        print(f"\n{name}: profiled run")
        print(averages.table(sort_by="self_cpu_time_total", row_limit=12), end="")
    summary = {"ops": len(prof.events()),
               "top": [{"op": row.key, "self_ms": row.self_cpu_time_total / 1e3, "calls": row.count}
                       for row in sorted(averages, key=lambda r: -r.self_cpu_time_total)[:5]]}
    if trace_dir:
        path = os.path.join(trace_dir, f"{name}.trace.json")
        try:
            prof.export_chrome_trace(path)
        except OSError as error:
            raise CommandError(f"cannot write the trace {path}: {error.strerror}") from None
        summary["trace"] = path
        if not quiet:
            print(f"trace written to {path}")
    return summary


def _print_table(results) -> None:
    rows = [(r["case"], f"{r['median_ms']:.3f}", f"{r['min_ms']:.3f}",
             f"{r['gflops']:.1f}" if "gflops" in r else "", r["what"]) for r in results]
    header = ("case", "median ms", "min ms", "GFLOP/s", "what")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print()
    for row in (header,) + tuple(rows):
        print("  ".join(cell.ljust(w) if i in (0, 4) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    sys.stdout.flush()
