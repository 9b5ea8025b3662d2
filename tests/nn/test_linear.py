"""Linear and Identity against PyTorch."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_matches_torch(dtype, bias, shape, device):
    check_module(nn.Linear(3, 4, bias=bias), torch.nn.Linear(3, 4, bias=bias), [shape], dtype=dtype, device=device)


def test_linear_default_init_bounds():
    layer = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    weight, bias = np.asarray(layer.weight.detach()), np.asarray(layer.bias.detach())
    assert weight.shape == (400, 50) and bias.shape == (400,)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.95 * bound
    assert np.abs(bias).max() <= bound and np.abs(bias).max() > 0.9 * bound
    # U(-b, b) has std b / sqrt(3)
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.03 * bound


def test_linear_init_is_seeded():
    axonml.manual_seed(3)
    first = np.asarray(nn.Linear(4, 4).weight.detach())
    axonml.manual_seed(3)
    assert np.array_equal(first, np.asarray(nn.Linear(4, 4).weight.detach()))


def test_linear_repr_and_dtype():
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))
    assert nn.Linear(3, 4, dtype=axonml.float64).weight.dtype == axonml.float64


def test_linear_shape_error_is_runtime_error():
    with pytest.raises(RuntimeError):
        nn.Linear(3, 4)(axonml.randn(2, 5))


def test_identity_returns_input():
    x = axonml.randn(2, 3)
    assert nn.Identity(54, unused=1)(x) is x
    assert repr(nn.Identity()) == repr(torch.nn.Identity())


@pytest.mark.parametrize("in_features, out_features", [(0, 4), (3, 0)])
def test_linear_with_zero_features_matches_torch(in_features, out_features, device):
    check_module(nn.Linear(in_features, out_features), torch.nn.Linear(in_features, out_features),
                 [(2, 5, in_features)], device=device)
