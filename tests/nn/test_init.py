"""nn.init: fans and gains equal to PyTorch's, distributions by their statistics, seeding, errors."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from axonml.nn import init


def _values(t):
    return np.asarray(t.detach()).astype(np.float64)


@pytest.mark.parametrize("shape", [(3, 4), (8, 4, 3, 3), (2, 5, 7), (6, 1, 2, 2, 2)])
def test_fans_equal_torch(shape):
    assert init._calculate_fan_in_and_fan_out(axonml.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(axonml.empty(3))


@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                                                ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                                ("selu", None)])
def test_calculate_gain_equals_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("softmax")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_uniform_normal_constant():
    t = axonml.empty(200, 300)
    values = _values(init.uniform_(t, -2.0, 3.0))
    assert values.min() >= -2.0 and values.max() < 3.0 and abs(values.mean() - 0.5) < 0.02
    assert abs(values.std() - 5 / math.sqrt(12)) < 0.02
    values = _values(init.normal_(t, 1.5, 0.5))
    assert abs(values.mean() - 1.5) < 0.005 and abs(values.std() - 0.5) < 0.005
    assert (_values(init.constant_(t, 0.25)) == 0.25).all()
    assert (_values(init.ones_(t)) == 1).all() and (_values(init.zeros_(t)) == 0).all()
    assert init.zeros_(t) is t


def test_trunc_normal_stays_in_bounds_with_the_right_moments():
    values = _values(init.trunc_normal_(axonml.empty(300, 300), mean=0.5, std=1.0, a=-1.0, b=2.0))
    assert values.min() >= -1.0 and values.max() <= 2.0
    reference = torch.nn.init.trunc_normal_(torch.empty(300, 300), mean=0.5, std=1.0, a=-1.0, b=2.0).double()
    assert abs(values.mean() - reference.mean().item()) < 0.01
    assert abs(values.std() - reference.std().item()) < 0.01


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier_and_kaiming_statistics(shape):
    t = axonml.empty(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    std = math.sqrt(2.0 / (fan_in + fan_out))
    values = _values(init.xavier_uniform_(t, gain=2.0))
    assert np.abs(values).max() <= 2 * math.sqrt(3) * std and abs(values.std() - 2 * std) < 0.02 * 2 * std
    values = _values(init.xavier_normal_(t))
    assert abs(values.std() - std) < 0.02 * std
    gain = math.sqrt(2.0 / (1 + 5))
    bound = gain * math.sqrt(3.0 / fan_in)
    values = _values(init.kaiming_uniform_(t, a=math.sqrt(5)))
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.98 * bound
    values = _values(init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
    assert abs(values.std() - math.sqrt(2.0 / fan_out)) < 0.02 * math.sqrt(2.0 / fan_out)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(t, mode="fan_avg")


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2)])
def test_orthogonal(shape):
    t = init.orthogonal_(axonml.empty(*shape), gain=2.0)
    flat = _values(t).reshape(shape[0], -1)
    rows, cols = flat.shape
    product = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(product, 4 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError):
        init.orthogonal_(axonml.empty(3))


def test_sparse_and_eye():
    values = _values(init.sparse_(axonml.empty(10, 30), sparsity=0.3, std=0.5))
    assert ((values == 0).sum(0) == 3).all()
    assert abs(values[values != 0].std() - 0.5) < 0.1
    np.testing.assert_array_equal(_values(init.eye_(axonml.empty(3, 4))), np.eye(3, 4))
    with pytest.raises(ValueError):
        init.eye_(axonml.empty(2, 2, 2))


def test_in_place_no_grad_and_generators():
    p = nn.Parameter(axonml.empty(5, 5))
    out = init.normal_(p)
    assert out is p and p.requires_grad and p.grad_fn is None
    first = _values(init.uniform_(axonml.empty(4), generator=axonml.Generator().manual_seed(7)))
    second = _values(init.uniform_(axonml.empty(4), generator=axonml.Generator().manual_seed(7)))
    np.testing.assert_array_equal(first, second)
    axonml.manual_seed(5)
    a = _values(init.kaiming_normal_(axonml.empty(3, 3)))
    axonml.manual_seed(5)
    np.testing.assert_array_equal(a, _values(init.kaiming_normal_(axonml.empty(3, 3))))


def test_float64_tensors_keep_their_dtype():
    t = axonml.empty(3, 3, dtype=axonml.float64)
    assert init.xavier_uniform_(t).dtype == axonml.float64
