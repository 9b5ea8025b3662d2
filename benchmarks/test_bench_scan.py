"""Scans, scatter_reduce, mode and unique(dim) against PyTorch CPU in the same process.

    pytest benchmarks/test_bench_scan.py -s

Each case records ``ratio_vs_torch`` (axonml time / torch time, lower is better).
"""
import numpy as np
import pytest
import torch

import axonml

RNG = np.random.default_rng(0)
VALUES = RNG.standard_normal((512, 512)).astype(np.float32)
INDEX = RNG.integers(0, 512, size=(512, 512))


@pytest.mark.parametrize("op", ["cummax", "cummin", "logcumsumexp", "cumsum"])
def test_scan_512x512(op, compare):
    x, t = axonml.from_numpy(VALUES), torch.from_numpy(VALUES)
    compare(lambda: getattr(x, op)(1), lambda: getattr(t, op)(1), rounds=20, name="torch")


@pytest.mark.parametrize("reduce", ["sum", "amax", "mean"])
def test_scatter_reduce_512x512(reduce, compare):
    x, t = axonml.from_numpy(VALUES), torch.from_numpy(VALUES)
    index, index_t = axonml.from_numpy(INDEX), torch.from_numpy(INDEX)
    compare(lambda: x.scatter_reduce(0, index, x, reduce), lambda: t.scatter_reduce(0, index_t, t, reduce),
            rounds=10, name="torch")


def test_mode_512x512(compare):
    small = np.round(VALUES * 2)
    x, t = axonml.from_numpy(small), torch.from_numpy(small)
    compare(lambda: x.mode(1), lambda: t.mode(1), rounds=10, name="torch")


def test_unique_rows_4096x4(compare):
    rows = RNG.integers(0, 4, size=(4096, 4))
    x, t = axonml.from_numpy(rows), torch.from_numpy(rows)
    compare(lambda: axonml.unique(x, dim=0, return_counts=True), lambda: torch.unique(t, dim=0, return_counts=True),
            rounds=10, name="torch")
