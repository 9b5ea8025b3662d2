"""axonml.linalg against torch.linalg on the CPU: batches of small matrices and single large ones.

    pytest benchmarks/test_bench_linalg.py --benchmark-columns=median,iqr,rounds -s

Each case records ``ratio`` (axonml time / torch time, lower is better) in the benchmark's
extra_info and prints it. Inputs are float32, symmetric positive-definite where the op needs it.
"""
import numpy as np
import pytest
import torch

import axonml

# (name, batch shape, n): many small matrices (per-call overhead) and one large one (LAPACK itself)
SIZES = [("batch", (1024,), 8), ("single", (), 256)]


def _spd(batch, n):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(batch + (n, n)).astype(np.float32)
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n, dtype=np.float32)).astype(np.float32)


def _pair(array, requires_grad=False):
    return (axonml.from_numpy(array.copy()).requires_grad_(requires_grad),
            torch.from_numpy(array.copy()).requires_grad_(requires_grad))


def _rounds(batch, n) -> int:
    return 20 if n >= 256 else 100


FORWARD = {
    "inv": (lambda lib, a: lib.inv(a)),
    "det": (lambda lib, a: lib.det(a)),
    "cholesky": (lambda lib, a: lib.cholesky(a)),
    "solve": (lambda lib, a: lib.solve(a, a[..., :1])),
    "qr": (lambda lib, a: lib.qr(a)),
    "eigh": (lambda lib, a: lib.eigh(a)),
    "svd": (lambda lib, a: lib.svd(a, full_matrices=False)),
}


@pytest.mark.parametrize("op", list(FORWARD))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: s[0])
def test_linalg_forward(compare, benchmark, op, size):
    _, batch, n = size
    a_ax, a_th = _pair(_spd(batch, n))
    fn = FORWARD[op]
    benchmark.extra_info["ratio"] = compare(lambda: fn(axonml.linalg, a_ax), lambda: fn(torch.linalg, a_th),
                                            rounds=_rounds(batch, n), name="torch", warmup=3)


BACKWARD = {
    "inv": (lambda lib, a: lib.inv(a).sum()),
    "cholesky": (lambda lib, a: lib.cholesky(a).sum()),
    "eigh": (lambda lib, a: lib.eigh(a)[1].abs().sum()),
}


@pytest.mark.parametrize("op", list(BACKWARD))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: s[0])
def test_linalg_forward_backward(compare, benchmark, op, size):
    _, batch, n = size
    a_ax, a_th = _pair(_spd(batch, n), requires_grad=True)
    fn = BACKWARD[op]
    benchmark.extra_info["ratio"] = compare(lambda: fn(axonml.linalg, a_ax).backward(),
                                            lambda: fn(torch.linalg, a_th).backward(),
                                            rounds=_rounds(batch, n), name="torch", warmup=3)
