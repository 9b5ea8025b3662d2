"""Pooling layers against PyTorch."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module, to_axonml
from tests.oracle.oracle import assert_close


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPool2d", (3,), dict(stride=2), (2, 3, 9, 8)),
    ("MaxPool2d", (2,), dict(padding=1, ceil_mode=True), (2, 3, 7, 7)),
    ("MaxPool2d", ((2, 3),), dict(dilation=2), (1, 2, 9, 9)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("MaxPool3d", (3,), dict(stride=2, padding=1), (1, 2, 5, 7, 6)),
    ("MaxPool3d", ((2, 1, 2),), dict(dilation=(1, 1, 2), ceil_mode=True), (1, 2, 5, 4, 7)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9, 8)),
    ("AvgPool2d", (2,), dict(ceil_mode=True, divisor_override=3), (2, 3, 7, 7)),
    ("AvgPool1d", (3,), dict(stride=1, padding=1), (2, 3, 10)),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, count_include_pad=False), (1, 2, 5, 7, 6)),
    ("AvgPool3d", ((2, 3, 2),), dict(stride=1, divisor_override=4), (2, 5, 4, 6)),
    ("LPPool1d", (2, 3), dict(stride=2), (2, 3, 10)),
    ("LPPool2d", (2, (2, 3)), dict(stride=1, ceil_mode=True), (2, 3, 7, 7)),
    ("LPPool3d", (float("inf"), 2), {}, (1, 2, 4, 6, 6)),
    ("AdaptiveAvgPool2d", ((5, 7),), {}, (1, 3, 8, 9)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (1, 3, 5, 4, 7)),
    ("AdaptiveMaxPool2d", ((3, None),), {}, (1, 2, 7, 6)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveMaxPool3d", (2,), {}, (2, 3, 5, 4)),
], ids=str)
def test_pooling_matches_torch(dtype, name, args, kwargs, shape, device):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["MaxPool2d", "MaxPool3d", "AdaptiveMaxPool3d"])
def test_max_pool_return_indices(name, device):
    ours, theirs = getattr(nn, name)(2, return_indices=True), getattr(torch.nn, name)(2, return_indices=True)
    check_module(ours, theirs, [(1, 2, 6, 6, 6)[:4 if name == "MaxPool2d" else 5]], dtype="float64", device=device)


@pytest.mark.parametrize("ndim,args,kwargs,shape,output_size", [
    (1, (2,), {}, (2, 3, 9), (9,)),
    (2, ((2, 3),), dict(stride=1, padding=1), (2, 3, 6, 7), None),
    (2, (2,), {}, (1, 2, 5, 5), (1, 2, 5, 5)),
    (3, (2,), dict(stride=2), (1, 2, 4, 6, 7), (4, 6, 7)),
], ids=str)
def test_max_unpool_matches_torch(ndim, args, kwargs, shape, output_size):
    th_pool = getattr(torch.nn, f"MaxPool{ndim}d")(*args, return_indices=True, **kwargs)
    th_unpool = getattr(torch.nn, f"MaxUnpool{ndim}d")(*args, **kwargs)
    ours = getattr(nn, f"MaxUnpool{ndim}d")(*args, **kwargs)
    assert repr(ours) == repr(th_unpool)
    values, indices = th_pool(torch.randn(shape, dtype=torch.float64))
    values = values.detach().requires_grad_()
    ax_values = to_axonml(values).requires_grad_()
    expected = th_unpool(values, indices, output_size=output_size)
    actual = ours(ax_values, to_axonml(indices), output_size=output_size)
    assert_close(actual, expected, "float64")
    weight = torch.randn(expected.shape, dtype=torch.float64)
    (expected * weight).sum().backward()
    (actual * to_axonml(weight)).sum().backward()
    assert_close(ax_values.grad, values.grad, "float64", "grad")


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("FractionalMaxPool2d", (3,), dict(output_ratio=(0.5, 0.6)), (2, 3, 11, 9)),
    ("FractionalMaxPool2d", ((2, 3),), dict(output_size=4, return_indices=True), (3, 9, 8)),
    ("FractionalMaxPool3d", (2,), dict(output_size=(3, 4, 2)), (1, 2, 7, 6, 5)),
], ids=str)
def test_fractional_max_pool_matches_torch(name, args, kwargs, shape, device):
    """Both modules get the same _random_samples (a buffer, as in torch), so they place the same windows."""
    ndim = int(name[-2])
    batch = shape[0] if len(shape) == ndim + 2 else 1
    samples = torch.rand(batch, shape[-ndim - 1], ndim, dtype=torch.float64)
    theirs = getattr(torch.nn, name)(*args, _random_samples=samples, **kwargs)
    ours = getattr(nn, name)(*args, _random_samples=to_axonml(samples), **kwargs)
    check_module(ours, theirs, [shape], dtype="float64", device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kwargs", [dict(), dict(output_size=2, output_ratio=0.5), dict(output_ratio=1.5)])
def test_fractional_max_pool_argument_errors(kwargs):
    for lib in (nn, torch.nn):
        with pytest.raises(ValueError):
            lib.FractionalMaxPool2d(2, **kwargs)
