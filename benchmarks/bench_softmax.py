"""log_softmax and cross_entropy on the CPU: axonml vs torch, single-threaded and with every core.

Each case alternates one axonml call and one torch call, so that load from other processes
hits both alike, and reports the median of each and their ratio (axonml / torch).

    python benchmarks/bench_softmax.py [--rounds 7]
"""
import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml._ext import _linalg

SHAPES = [(4096, 1000), (128, 10)]


def _cases(shape):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal(shape).astype(np.float32) * 3
    labels = rng.integers(0, shape[1], shape[0])
    ax_x, th_x = axonml.from_numpy(logits), torch.from_numpy(logits)
    ax_t, th_t = axonml.from_numpy(labels), torch.from_numpy(labels)
    ax_leaf, th_leaf = axonml.from_numpy(logits).requires_grad_(), torch.from_numpy(logits).requires_grad_()

    def ax_step():
        F.cross_entropy(ax_leaf, ax_t).backward()

    def th_step():
        TF.cross_entropy(th_leaf, th_t).backward()

    return [("log_softmax fwd", lambda: F.log_softmax(ax_x, 1), lambda: TF.log_softmax(th_x, 1)),
            ("cross_entropy fwd", lambda: F.cross_entropy(ax_x, ax_t), lambda: TF.cross_entropy(th_x, th_t)),
            ("cross_entropy fwd+bwd", ax_step, th_step)]


def _interleaved_medians(ours, reference, rounds):
    for fn in (ours, reference, ours, reference):
        fn()
    times = ([], [])
    for _ in range(rounds):
        for fn, bucket in ((ours, times[0]), (reference, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    default_threads = _linalg.get_num_threads()
    for threads in sorted({1, default_threads}):
        _linalg.set_num_threads(threads)
        torch.set_num_threads(threads)
        for shape in SHAPES:
            for name, ours, reference in _cases(shape):
                ax_s, th_s = _interleaved_medians(ours, reference, args.rounds)
                print(f"{threads} thread(s) {str(shape):12} {name:22} axonml {ax_s * 1e3:8.3f} ms  "
                      f"torch {th_s * 1e3:8.3f} ms  ratio {ax_s / th_s:5.2f}")
    _linalg.set_num_threads(default_threads)


if __name__ == "__main__":
    main()
