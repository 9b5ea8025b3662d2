"""Optimizer benchmarks: one Adam step over the parameters of a 784-256-128-10 MLP, axonml vs torch.optim.

    pytest benchmarks/test_bench_optim.py --benchmark-columns=median,iqr,rounds -s
"""
import numpy as np
import pytest
import torch

import axonml
from axonml import optim

MLP_SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]


def _adam_pair(**torch_options):
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(shape).astype(np.float32) for shape in MLP_SHAPES]
    grads = [rng.standard_normal(shape).astype(np.float32) for shape in MLP_SHAPES]
    ours = [axonml.from_numpy(v.copy()).requires_grad_() for v in values]
    theirs = [torch.from_numpy(v.copy()).requires_grad_() for v in values]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = axonml.from_numpy(g.copy()), torch.from_numpy(g.copy())
    return optim.Adam(ours, lr=1e-3), torch.optim.Adam(theirs, lr=1e-3, **torch_options)


@pytest.mark.parametrize("torch_options", [dict(foreach=False), dict()], ids=["torch-foreach=False", "torch-default"])
def test_adam_step_mlp(compare, torch_options):
    """One fused Adam step per parameter against torch.optim.Adam on the same 235k parameters."""
    ours, theirs = _adam_pair(**torch_options)
    compare(ours.step, theirs.step, rounds=200, name="torch", warmup=20)
