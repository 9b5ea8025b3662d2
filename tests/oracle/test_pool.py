"""Pooling against PyTorch: max (indices, dilation, ceil_mode), average (padding rules), lp, adaptive,
fractional, unpool."""
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


MAX_POOL3D_CASES = [
    ((2, 2, 4, 6, 6), dict(kernel_size=2)),
    ((1, 2, 5, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 5, 7, 6), dict(kernel_size=(3, 2, 1), stride=(1, 2, 1), padding=(1, 1, 0))),
    ((1, 2, 7, 7, 7), dict(kernel_size=3, stride=2, dilation=(2, 1, 2), padding=1)),
    ((1, 2, 5, 5, 7), dict(kernel_size=2, stride=2, ceil_mode=True)),
    ((2, 5, 6, 4), dict(kernel_size=(2, 3, 2), stride=1)),
]


@pytest.mark.parametrize("shape, options", MAX_POOL3D_CASES, ids=str)
def test_max_pool3d(shape, options, device):
    check(lambda x: _F(x).max_pool3d(x, **options), [shape], device=device)
    check(lambda x: _F(x).max_pool3d(x, return_indices=True, **options), [shape], device=device)


def test_max_pool_ties_and_nan():
    """Ties pick the first maximum, as PyTorch; a NaN wins its window."""
    values = np.array([[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [0.0, np.nan, 3.0, 3.0], [0.0, 0.0, 3.0, 1.0]]]])
    check(lambda x: _F(x).max_pool2d(x, 2, return_indices=True), [values], grad=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=1),
                                     dict(kernel_size=(2, 4), stride=(1, 3), padding=(1, 2)),
                                     dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)], ids=str)
def test_max_pool2d_ties_nan_and_inf_on_wide_rows(options, dtype):
    """Rows wide enough for the vectorized inner columns: ties (small integers) keep the first
    maximum, the first NaN of a window wins, -inf windows return their first element."""
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (2, 3, 13, 37)).astype(dtype)
    x[rng.random(x.shape) < 0.03] = np.nan
    x[rng.random(x.shape) < 0.03] = -np.inf
    x[0, 0, :3, :] = -np.inf
    values, indices = axonml.nn.functional.max_pool2d(axonml.from_numpy(x), return_indices=True, **options)
    expected, expected_indices = torch.nn.functional.max_pool2d(torch.from_numpy(x), return_indices=True, **options)
    np.testing.assert_array_equal(values.numpy(), expected.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


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


AVG_POOL3D_CASES = [
    ((2, 2, 4, 6, 6), dict(kernel_size=2)),
    ((1, 2, 5, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 5, 7, 6), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 5, 5, 7), dict(kernel_size=(2, 3, 2), stride=2, padding=(1, 0, 1), ceil_mode=True,
                           count_include_pad=False)),
    ((1, 2, 6, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 5, 7, 6), dict(kernel_size=(3, 2, 2), stride=(1, 2, 1), padding=(1, 1, 0), divisor_override=5)),
    ((2, 5, 6, 4), dict(kernel_size=2, stride=1)),
]


@pytest.mark.parametrize("shape, options", AVG_POOL3D_CASES, ids=str)
def test_avg_pool3d(shape, options, device):
    check(lambda x: _F(x).avg_pool3d(x, **options), [shape], device=device)


@pytest.mark.parametrize("ndim, shape, options", [
    (1, (2, 3, 10), dict(norm_type=2, kernel_size=3)),
    (1, (3, 11), dict(norm_type=3, kernel_size=3, stride=2, ceil_mode=True)),
    (2, (2, 3, 7, 8), dict(norm_type=2, kernel_size=2)),
    (2, (2, 3, 7, 8), dict(norm_type=1.5, kernel_size=(3, 2), stride=(2, 1), ceil_mode=True)),
    (2, (2, 3, 6, 6), dict(norm_type=float("inf"), kernel_size=2)),
    (3, (1, 2, 4, 6, 6), dict(norm_type=2, kernel_size=2)),
    (3, (2, 5, 6, 7), dict(norm_type=4, kernel_size=(2, 3, 2), stride=1)),
], ids=str)
def test_lp_pool(ndim, shape, options, device):
    # fractional powers of negative numbers are NaN in both; keep the inputs positive where p is not an integer
    positive = np.abs(np.random.default_rng(1).standard_normal(shape)) + 0.1
    check(lambda x: getattr(_F(x), f"lp_pool{ndim}d")(x, **options), [positive], device=device)


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


@pytest.mark.parametrize("shape, size", [((2, 2, 6, 6, 6), 1), ((1, 2, 5, 7, 6), (2, 3, 4)),
                                         ((2, 7, 6, 5), (3, None, 2)), ((1, 2, 3, 4, 5), (3, 4, 5)),
                                         ((1, 2, 4, 5, 3), (6, 7, 2))],
                         ids=str)
def test_adaptive_pool3d(shape, size, device):
    check(lambda x: _F(x).adaptive_avg_pool3d(x, size), [shape], device=device)
    check(lambda x: _F(x).adaptive_max_pool3d(x, size, return_indices=True), [shape], device=device)


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
    (lambda x: _F(x).max_pool3d(x, 2), (4, 4)),
    (lambda x: _F(x).max_pool3d(x, (2, 2)), (1, 2, 4, 4, 4)),
    (lambda x: _F(x).max_pool3d(x, 5), (1, 2, 4, 4, 4)),
    (lambda x: _F(x).max_pool3d(x, 3, padding=2), (1, 2, 4, 4, 4)),
    (lambda x: _F(x).avg_pool3d(x, 2, divisor_override=0), (1, 2, 4, 4, 4)),
    (lambda x: _F(x).avg_pool3d(x, 5), (1, 2, 4, 4, 4)),
    (lambda x: _F(x).adaptive_avg_pool3d(x, (2, 2)), (1, 2, 4, 4, 4)),
    (lambda x: _F(x).adaptive_max_pool3d(x, 2), (4, 4)),
    (lambda x: _F(x).adaptive_avg_pool3d(x, 2), (1, 0, 4, 4, 4)),
    (lambda x: _F(x).lp_pool2d(x, 2, 5), (1, 2, 4, 4)),
], ids=range(22))
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
    assert gradcheck(lambda x: axonml.max_pool3d(x, 2, stride=1, padding=1, dilation=(1, 2, 1)),
                     (_double(1, 2, 3, 4, 5),))
    assert gradcheck(lambda x: axonml.avg_pool3d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                     (_double(1, 2, 4, 5, 3),))
    assert gradcheck(lambda x: axonml.adaptive_avg_pool3d(x, (2, 3, 2)), (_double(1, 2, 5, 4, 3),))
    assert gradcheck(lambda x: axonml.lp_pool2d(x, 2, 2), (_double(1, 2, 4, 4),))


# --- fractional_max_pool ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ndim, shape, kernel, options", [
    (2, (2, 3, 9, 10), 2, dict(output_size=5)),
    (2, (2, 3, 9, 10), (3, 2), dict(output_size=(4, 7))),
    (2, (3, 11, 8), 3, dict(output_ratio=(0.5, 0.6))),
    (3, (1, 2, 7, 8, 9), 2, dict(output_size=(3, 4, 5))),
    (3, (2, 6, 7, 8), (2, 3, 2), dict(output_ratio=(0.5, 0.5, 0.7))),
], ids=str)
def test_fractional_max_pool(ndim, shape, kernel, options, device):
    """The windows are placed by _random_samples, given to both (width first in 2-d, (T, H, W) in 3-d)."""
    batch = shape[0] if len(shape) == ndim + 2 else 1
    samples = np.random.default_rng(1).random((batch, shape[-ndim - 1], ndim))
    check(lambda x, r: getattr(_F(x), f"fractional_max_pool{ndim}d")(x, kernel, return_indices=True,
                                                                      _random_samples=r, **options),
          [shape, samples], grad_inputs=[0], device=device)


def test_fractional_max_pool_draws_its_samples():
    x = axonml.randn(2, 3, 9, 9)
    values, indices = axonml.nn.functional.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)
    assert tuple(values.shape) == (2, 3, 4, 4)
    np.testing.assert_array_equal(np.asarray(values),
                                  np.take_along_axis(np.asarray(x).reshape(6, -1), np.asarray(indices).reshape(6, -1),
                                                     1).reshape(2, 3, 4, 4))


@pytest.mark.parametrize("call, shape", [
    (lambda x: _F(x).fractional_max_pool2d(x, 3), (1, 1, 10, 10)),
    (lambda x: _F(x).fractional_max_pool2d(x, 3, output_size=9), (1, 1, 10, 10)),
    (lambda x: _F(x).fractional_max_pool3d(x, 2, output_size=(2, 2, 9)), (1, 1, 5, 5, 5)),
], ids=range(3))
def test_fractional_max_pool_errors(call, shape):
    check_raises(call, [shape])


# --- max_unpool --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ndim, shape, options, output_size", [
    (1, (2, 3, 10), dict(kernel_size=2), None),
    (1, (3, 11), dict(kernel_size=3, stride=2, padding=1), (11,)),
    (2, (2, 3, 8, 8), dict(kernel_size=2), None),
    (2, (2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 9)),
    (2, (3, 7, 7), dict(kernel_size=(2, 3), stride=(2, 1)), (7, 7)),
    (3, (1, 2, 4, 6, 6), dict(kernel_size=2), None),
    (3, (2, 5, 7, 6), dict(kernel_size=3, stride=2, padding=1), (5, 7, 6)),
], ids=str)
def test_max_unpool(ndim, shape, options, output_size, device):
    def fn(x):
        F = _F(x)
        values, indices = getattr(F, f"max_pool{ndim}d")(x, return_indices=True, **options)
        return getattr(F, f"max_unpool{ndim}d")(values, indices, output_size=output_size, **options)
    check(fn, [shape], device=device)


def test_max_unpool_values_as_input(device):
    """The pooled values as a leaf, so that the gradient of unpool's own input is compared."""
    indices = torch.nn.functional.max_pool2d(torch.randn(2, 3, 6, 6), 2, return_indices=True)[1]
    check(lambda v, i: _F(v).max_unpool2d(v, i, 2), [(2, 3, 3, 3), indices.numpy()], device=device)


@pytest.mark.parametrize("call", [
    lambda F, v, i: F.max_unpool2d(v, i.float(), 2),
    lambda F, v, i: F.max_unpool2d(v, i[..., :1], 2),
    lambda F, v, i: F.max_unpool2d(v, i + 100, 2),
    lambda F, v, i: F.max_unpool2d(v, i - 100, 2),
    lambda F, v, i: F.max_unpool2d(v[0, 0], i[0, 0], 2),
    lambda F, v, i: F.max_unpool2d(v, i, 2, output_size=(7, 7)),
    lambda F, v, i: F.max_unpool2d(v, i, 2, output_size=(5,)),
    lambda F, v, i: F.max_unpool2d(v, i, 2, padding=3),
], ids=range(8))
def test_max_unpool_errors(call):
    indices = torch.nn.functional.max_pool2d(torch.randn(1, 2, 4, 4), 2, return_indices=True)[1].numpy()
    check_raises(lambda v, i: call(_F(v), v, i), [(1, 2, 2, 2), indices])


# --- torch's *_with_indices names ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, shape, args", [
    ("max_pool1d_with_indices", (2, 3, 9), (3, 2, 1)),
    ("max_pool2d_with_indices", (2, 3, 7, 8), (3, 2, 1)),
    ("max_pool3d_with_indices", (1, 2, 5, 6, 7), (2,)),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
    ("adaptive_max_pool2d_with_indices", (2, 3, 7, 8), ((3, 5),)),
    ("adaptive_max_pool3d_with_indices", (1, 2, 5, 6, 7), (2,)),
], ids=str)
def test_with_indices_names(name, shape, args, device):
    check(lambda x: getattr(torch.nn.functional if isinstance(x, torch.Tensor) else axonml.nn.functional, name)(
        x, *args), [shape], device=device)


@pytest.mark.parametrize("ndim, shape", [(2, (2, 3, 9, 10)), (3, (1, 2, 7, 8, 9))])
def test_fractional_with_indices_names(ndim, shape, device):
    samples = np.random.default_rng(1).random((shape[0], shape[1], ndim))
    check(lambda x, r: getattr(torch.nn.functional if isinstance(x, torch.Tensor) else axonml.nn.functional,
                               f"fractional_max_pool{ndim}d_with_indices")(x, 2, output_size=3, _random_samples=r),
          [shape, samples], grad_inputs=[0], device=device)
