"""Bilinear and F.bilinear against PyTorch."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shapes", [[(6, 4), (6, 5)], [(2, 3, 4), (2, 3, 5)], [(4,), (5,)]])
def test_bilinear_matches_torch(dtype, bias, shapes, device):
    ours, theirs = nn.Bilinear(4, 5, 3, bias=bias), torch.nn.Bilinear(4, 5, 3, bias=bias)
    check_module(ours, theirs, shapes, dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


def test_bilinear_gradcheck():
    rng = np.random.default_rng(0)
    x1, x2, w, b = (axonml.from_numpy(rng.standard_normal(s)).requires_grad_()
                    for s in ((3, 2), (3, 4), (2, 2, 4), (2,)))
    assert axonml.autograd.gradcheck(lambda *t: axonml.nn.functional.bilinear(*t), (x1, x2, w, b))


def test_bilinear_init_bounds():
    layer = nn.Bilinear(16, 5, 8)
    bound = 1 / math.sqrt(16)
    for p in (layer.weight, layer.bias):
        values = np.asarray(p.detach())
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.8 * bound


@pytest.mark.parametrize("shapes", [((2, 4), (2, 2, 5), None), ((2, 4), (3, 5), None), ((2, 3), (2, 5), None),
                                    ((2, 4), (2, 6), None), ((2, 4), (2, 5), (4,))],
                         ids=["dims", "batch", "input1", "input2", "bias"])
def test_bilinear_errors_match_torch(shapes):
    messages = []
    for lib in (torch, axonml):
        a, b = lib.ones(*shapes[0]), lib.ones(*shapes[1])
        bias = None if shapes[2] is None else lib.ones(*shapes[2])
        with pytest.raises(RuntimeError) as error:
            lib.nn.functional.bilinear(a, b, lib.ones(3, 4, 5), bias)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
