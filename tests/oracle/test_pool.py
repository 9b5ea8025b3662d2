"""Pooling against PyTorch: max (indices, dilation, ceil_mode), average (padding rules), adaptive."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def _F(x):
    return torch.nn.functional if isinstance(x, torch.Tensor) else axonml


MAX_POOL2D_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 7, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))),
    ((2, 3, 9, 9), dict(kernel_size=3, stride=2, dilation=2, padding=1)),
    ((2, 3, 7, 7), dict(kernel_size=2, stride=2, ceil_mode=True)),
    ((1, 2, 6, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((3, 7, 7), dict(kernel_size=3, stride=1)),
    ((2, 3, 8, 8), dict(kernel_size=2, stride=[])),
]


@pytest.mark.parametrize("shape, options", MAX_POOL2D_CASES, ids=str)
def test_max_pool2d(shape, options, device):
    check(lambda x: _F(x).max_pool2d(x, **options), [shape], device=device)


@pytest.mark.parametrize("shape, options", MAX_POOL2D_CASES[:6], ids=str)
def test_max_pool2d_indices(shape, options, device):
    check(lambda x: _F(x).max_pool2d(x, return_indices=True, **options), [shape], device=device)


@pytest.mark.parametrize("shape, options", [
    ((2, 3, 10), dict(kernel_size=2)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, dilation=2, ceil_mode=True, return_indices=True)),
    ((3, 9), dict(kernel_size=4, stride=3, padding=2)),
], ids=str)
def test_max_pool1d(shape, options, device):
    check(lambda x: _F(x).max_pool1d(x, **options), [shape], device=device)


def test_max_pool_ties_and_nan():
    """Ties pick the first maximum, as PyTorch; a NaN wins its window."""
    values = np.array([[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [0.0, np.nan, 3.0, 3.0], [0.0, 0.0, 3.0, 1.0]]]])
    check(lambda x: _F(x).max_pool2d(x, 2, return_indices=True), [values], grad=False)


def test_max_pool_integers():
    check(lambda x: _F(x).max_pool2d(x, 2), [np.arange(32).reshape(1, 2, 4, 4) % 7], grad=False)


AVG_POOL2D_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 3, 7, 7), dict(kernel_size=2, stride=2, ceil_mode=True)),
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((2, 3, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 7, 9), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), divisor_override=5)),
    ((3, 6, 6), dict(kernel_size=2)),
]


@pytest.mark.parametrize("shape, options", AVG_POOL2D_CASES, ids=str)
def test_avg_pool2d(shape, options, device):
    check(lambda x: _F(x).avg_pool2d(x, **options), [shape], device=device)


@pytest.mark.parametrize("shape, options", [
    ((2, 3, 10), dict(kernel_size=2)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    ((3, 9), dict(kernel_size=4, stride=3, padding=2)),
], ids=str)
def test_avg_pool1d(shape, options, device):
    check(lambda x: _F(x).avg_pool1d(x, **options), [shape], device=device)


@pytest.mark.parametrize("shape, size", [((2, 3, 8, 8), 1), ((2, 3, 8, 8), (3, 5)), ((2, 3, 7, 10), (4, 3)),
                                         ((3, 5, 7), (5, None)), ((2, 3, 6, 6), (6, 6))],
                         ids=str)
def test_adaptive_pool2d(shape, size, device):
    check(lambda x: _F(x).adaptive_avg_pool2d(x, size), [shape], device=device)
    check(lambda x: _F(x).adaptive_max_pool2d(x, size), [shape], device=device)
    check(lambda x: _F(x).adaptive_max_pool2d(x, size, return_indices=True), [shape], device=device)


def test_adaptive_pool2d_empty_output():
    check(lambda x: _F(x).adaptive_avg_pool2d(x, (0, 2)), [(1, 2, 5, 5)], grad=False)
    check(lambda x: _F(x).adaptive_max_pool2d(x, (0, 2)), [(1, 2, 5, 5)], grad=False)


@pytest.mark.parametrize("shape, size", [((2, 3, 10), 3), ((2, 3, 7), 7), ((3, 9), 4)], ids=str)
def test_adaptive_pool1d(shape, size, device):
    check(lambda x: _F(x).adaptive_avg_pool1d(x, size), [shape], device=device)
    check(lambda x: _F(x).adaptive_max_pool1d(x, size, return_indices=True), [shape], device=device)


@pytest.mark.parametrize("call, shape", [
    (lambda x: _F(x).max_pool2d(x, 3, padding=2), (1, 3, 8, 8)),
    (lambda x: _F(x).max_pool2d(x, 3), (1, 3, 2, 2)),
    (lambda x: _F(x).max_pool2d(x, 0), (1, 3, 8, 8)),
    (lambda x: _F(x).max_pool2d(x, 2), (3, 8)),
    (lambda x: _F(x).max_pool2d(x, 2, stride=0), (1, 3, 8, 8)),
    (lambda x: _F(x).max_pool2d(x, 2, dilation=0), (1, 3, 8, 8)),
    (lambda x: _F(x).max_pool2d(x, 2), (1, 0, 8, 8)),
    (lambda x: _F(x).max_pool1d(x, 2), (2, 3, 8, 8)),
    (lambda x: _F(x).avg_pool2d(x, 3, padding=2), (1, 3, 8, 8)),
    (lambda x: _F(x).avg_pool2d(x, 2, divisor_override=0), (1, 3, 8, 8)),
    (lambda x: _F(x).adaptive_avg_pool2d(x, 2), (8, 8)),
    (lambda x: _F(x).adaptive_max_pool2d(x, (2, 2, 2)), (1, 3, 8, 8)),
], ids=range(12))
def test_pool_errors(call, shape):
    check_raises(call, [shape])


def _double(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return axonml.tensor(rng.standard_normal(shape), dtype=axonml.float64, requires_grad=True)


def test_gradcheck():
    assert gradcheck(lambda x: axonml.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), (_double(1, 2, 5, 6),))
    assert gradcheck(lambda x: axonml.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                     (_double(1, 2, 5, 6),))
    assert gradcheck(lambda x: axonml.avg_pool1d(x, 2, ceil_mode=True), (_double(2, 2, 5),))
    assert gradcheck(lambda x: axonml.adaptive_avg_pool2d(x, (2, 3)), (_double(1, 2, 5, 7),))
    assert gradcheck(lambda x: axonml.adaptive_max_pool2d(x, 3), (_double(1, 2, 5, 7),))
