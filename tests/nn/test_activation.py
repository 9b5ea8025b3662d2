"""Activation modules against PyTorch."""
import pytest
import torch

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
def test_activation_matches_torch(dtype, name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    check_module(ours, theirs, [(2, 3, 4, 5)], dtype=dtype)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "SiLU", "ReLU6", "Hardtanh", "SELU"])
def test_inplace_repr(name):
    assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))
