"""Optimizer benchmarks: one step over the parameters of a 784-256-128-10 MLP, axonml vs torch.optim.

    pytest benchmarks/test_bench_optim.py --benchmark-columns=median,iqr,rounds -s

Each element-wise optimizer runs one fused pass per parameter; torch runs its default implementation
(on the CPU, the single-tensor loop) and, where it has one, the multi-tensor foreach path.
"""
import numpy as np
import pytest
import torch

import axonml
from axonml import optim

MLP_SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]

# name -> (options, whether torch has a foreach implementation)
OPTIMIZERS = {
    "SGD": (dict(lr=1e-2, momentum=0.9), True),
    "Adam": (dict(lr=1e-3), True),
    "AdamW": (dict(lr=1e-3), True),
    "RMSprop": (dict(lr=1e-3, momentum=0.9), True),
    "Adadelta": (dict(), True),
    "Adagrad": (dict(lr=1e-2), True),
    "Adamax": (dict(), True),
    "NAdam": (dict(), True),
    "RAdam": (dict(), True),
    "ASGD": (dict(), True),
    "Rprop": (dict(), True),
}


def _pair(name, options, **torch_options):
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(shape).astype(np.float32) for shape in MLP_SHAPES]
    grads = [rng.standard_normal(shape).astype(np.float32) for shape in MLP_SHAPES]
    ours = [axonml.from_numpy(v.copy()).requires_grad_() for v in values]
    theirs = [torch.from_numpy(v.copy()).requires_grad_() for v in values]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = axonml.from_numpy(g.copy()), torch.from_numpy(g.copy())
    return getattr(optim, name)(ours, **options), getattr(torch.optim, name)(theirs, **options, **torch_options)


CASES = [(name, variant) for name, (_, has_foreach) in OPTIMIZERS.items()
         for variant in (["foreach=False", "foreach=True"] if has_foreach else ["default"])]


@pytest.mark.parametrize("name, variant", CASES, ids=[f"{n}-torch-{v}" for n, v in CASES])
def test_optimizer_step_mlp(compare, name, variant):
    """One fused step per parameter against the torch optimizer on the same 235k parameters."""
    options, _ = OPTIMIZERS[name]
    torch_options = {} if variant == "default" else dict(foreach=variant == "foreach=True")
    ours, theirs = _pair(name, options, **torch_options)
    compare(ours.step, theirs.step, rounds=100, name="torch", warmup=10)


def test_lamb_step_mlp(compare):
    """LAMB (no torch counterpart) against torch's foreach Adam, the update it extends by a trust ratio."""
    ours, _ = _pair("Adam", dict(lr=1e-3))
    ours = optim.LAMB([p for group in ours.param_groups for p in group["params"]], lr=1e-3, weight_decay=0.01)
    _, theirs = _pair("Adam", dict(lr=1e-3), foreach=True)
    compare(ours.step, theirs.step, rounds=100, name="torch_adam", warmup=10)
