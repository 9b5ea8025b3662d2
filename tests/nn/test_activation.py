"""Activation modules against PyTorch."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module

CASES = [("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (0.2,), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
         ("Softmax", (), dict(dim=1)), ("LogSoftmax", (), dict(dim=-1)), ("Softmin", (), dict(dim=0)),
         ("Softmax2d", (), {}), ("GELU", (), {}), ("GELU", (), dict(approximate="tanh")), ("SiLU", (), {}),
         ("Mish", (), {}), ("ELU", (), dict(alpha=0.7)), ("CELU", (), dict(alpha=1.3)), ("SELU", (), {}),
         ("Softplus", (), dict(beta=2.0, threshold=3.0)), ("Hardtanh", (-0.5, 0.8), {}), ("Hardsigmoid", (), {}),
         ("Hardswish", (), {}), ("LogSigmoid", (), {})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_activation_matches_torch(dtype, name, args, kwargs, device):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    check_module(ours, theirs, [(2, 3, 4, 5)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "SiLU", "ReLU6", "Hardtanh", "SELU"])
def test_inplace_repr(name):
    assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))


SHRINK_CASES = [("Threshold", (0.1, 20.0), {}), ("Threshold", (-0.3, -1.0), {}),
                ("GLU", (), {}), ("GLU", (), dict(dim=1)), ("Hardshrink", (), {}), ("Hardshrink", (), dict(lambd=0.3)),
                ("Softshrink", (), {}), ("Softshrink", (0.7,), {}), ("Tanhshrink", (), {}), ("Softsign", (), {})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs", SHRINK_CASES)
def test_shrink_activation_matches_torch(dtype, name, args, kwargs, device):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    check_module(ours, theirs, [(2, 4, 3, 6)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args,kwargs", [((), {}), ((3,), {}), ((3,), dict(init=-0.1))])
def test_prelu_matches_torch(dtype, args, kwargs, device):
    ours, theirs = nn.PReLU(*args, **kwargs), torch.nn.PReLU(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == ["weight"]
    np.testing.assert_array_equal(np.asarray(ours.weight.detach()), theirs.weight.detach().numpy())
    with torch.no_grad():
        theirs.weight.copy_(torch.linspace(-0.5, 0.8, theirs.num_parameters))
    check_module(ours, theirs, [(2, 3, 4, 5)], dtype=dtype, device=device)


def test_threshold_inplace_repr():
    assert repr(nn.Threshold(0.1, 20, inplace=True)) == repr(torch.nn.Threshold(0.1, 20, inplace=True))


def test_prelu_dtype_and_parameters():
    layer = nn.PReLU(4, dtype=axonml.float64)
    assert layer.weight.dtype == axonml.float64 and tuple(layer.weight.shape) == (4,)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    layer.weight.data.fill_(1.0)
    layer.reset_parameters()
    assert layer.weight.detach().tolist() == [0.25] * 4
