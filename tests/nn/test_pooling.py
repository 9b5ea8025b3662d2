"""Pooling layers against PyTorch."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPool2d", (3,), dict(stride=2), (2, 3, 9, 8)),
    ("MaxPool2d", (2,), dict(padding=1, ceil_mode=True), (2, 3, 7, 7)),
    ("MaxPool2d", ((2, 3),), dict(dilation=2), (1, 2, 9, 9)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9, 8)),
    ("AvgPool2d", (2,), dict(ceil_mode=True, divisor_override=3), (2, 3, 7, 7)),
    ("AvgPool1d", (3,), dict(stride=1, padding=1), (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((5, 7),), {}, (1, 3, 8, 9)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveMaxPool2d", ((3, None),), {}, (1, 2, 7, 6)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 10)),
])
def test_pooling_matches_torch(dtype, name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    check_module(ours, theirs, [shape], dtype=dtype)
    assert repr(ours) == repr(theirs)


def test_max_pool_return_indices():
    ours, theirs = nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True)
    check_module(ours, theirs, [(1, 2, 6, 6)], dtype="float64")
