"""Reductions against PyTorch: dims (int, tuple, list, negative, empty), keepdim, dtypes, gradients, errors."""
import math

import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import assert_close, check, check_raises, distinct, namespace

SHAPE = (2, 3, 4)
DIMS = [None, 0, -1, (0, 2), [1], (-1, 0, 1)]
INT = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
BOOL = np.array([[True, False, True], [False, False, True]])


# --- sum and mean ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_mean(op, dim, keepdim, device):
    if dim is None:
        check(lambda x: getattr(x, op)(), [SHAPE], device=device)
    check(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim), [SHAPE], device=device)
    check(lambda x: getattr(namespace(x), op)(x, dim, keepdim), [SHAPE], device=device)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_mean_empty_dim_list_reduces_everything(op, device):
    check(lambda x: getattr(x, op)(dim=[]), [SHAPE], device=device)
    check(lambda x: getattr(x, op)(dim=()), [SHAPE], device=device)


def test_sum_integer_and_bool(device):
    check(lambda i: i.sum(), [INT], device=device)
    check(lambda i: i.sum(1, keepdim=True), [INT], device=device)
    check(lambda b: b.sum(0), [BOOL], device=device)
    check(lambda i: i.sum(dtype=torch.float64 if isinstance(i, torch.Tensor) else axonml.float64), [INT],
          device=device)


def test_mean_dtype(device):
    check(lambda i: i.mean(dtype=torch.float64 if isinstance(i, torch.Tensor) else axonml.float64), [INT],
          device=device)
    check(lambda x: x.mean(1, dtype=torch.float64 if isinstance(x, torch.Tensor) else axonml.float64), [SHAPE],
          dtypes=("float32",), device=device)


def test_mean_of_integers_raises(device):
    check_raises(lambda i: i.mean(), [INT], device=device)
    check_raises(lambda i: i.mean(dtype=torch.int64 if isinstance(i, torch.Tensor) else axonml.int64), [INT],
                 device=device)


def test_reductions_of_empty_tensors(device):
    check(lambda x: x.sum(), [np.zeros((0, 3))], device=device)
    check(lambda x: x.mean(), [np.zeros((0, 3))], device=device, grad=False)
    check(lambda x: x.sum(0), [np.zeros((0, 3))], device=device)
    check(lambda x: x.amax(1), [np.zeros((0, 3))], device=device)
    check(lambda x: x.prod(), [np.zeros((0, 3))], device=device)


def test_zero_dim_input(device):
    for fn in (lambda x: x.sum(0), lambda x: x.mean(-1), lambda x: x.max(0), lambda x: x.cumsum(0),
               lambda x: x.amax(0), lambda x: x.argmax(0), lambda x: x.prod(0), lambda x: x.norm(dim=0),
               lambda x: x.logsumexp(0), lambda x: x.cumprod(0)):
        check(fn, [np.array(1.5)], device=device)


# --- variance and standard deviation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std(op, dim, keepdim, device):
    check(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim), [SHAPE], device=device)
    check(lambda x: getattr(x, op)(dim, unbiased=False, keepdim=keepdim), [SHAPE], device=device)
    check(lambda x: getattr(namespace(x), op)(x, dim=dim, correction=0, keepdim=keepdim), [SHAPE], device=device)
    check(lambda x: getattr(x, op)(dim=dim, correction=2, keepdim=keepdim), [SHAPE], device=device)


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_overloads(op, device):
    check(lambda x: getattr(x, op)(), [SHAPE], device=device)
    check(lambda x: getattr(x, op)(False), [SHAPE], device=device)
    check(lambda x: getattr(x, op)(1, True, True), [SHAPE], device=device)
    # forward only: PyTorch's backward for dim=() divides by the wrong count (its gradient is inf)
    check(lambda x: getattr(x, op)(dim=()), [SHAPE], device=device, grad=False)


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
def test_var_mean_std_mean(op, device):
    check(lambda x: getattr(namespace(x), op)(x, 1), [SHAPE], device=device)
    check(lambda x: getattr(namespace(x), op)(x, (0, 2), correction=0, keepdim=True), [SHAPE], device=device)


def test_var_errors(device):
    check_raises(lambda i: i.var(), [INT], device=device)
    check_raises(lambda x: x.std(0, True, correction=1), [SHAPE], device=device)
    check_raises(lambda x: x.var(3), [SHAPE], device=device)


def test_var_of_one_element_is_nan_like_torch(device):
    check(lambda x: x.var(), [np.array([2.0])], device=device, grad=False)
    check(lambda x: x.var(correction=0), [np.array([2.0])], device=device)


# --- product --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod(dim, keepdim, device):
    values = np.random.default_rng(0).uniform(0.5, 1.5, SHAPE) * np.sign(np.random.default_rng(1).standard_normal(SHAPE))
    if dim is None:
        check(lambda x: x.prod(), [values], device=device)
    else:
        check(lambda x: x.prod(dim, keepdim=keepdim), [values], device=device)
        check(lambda x: namespace(x).prod(x, dim, keepdim), [values], device=device)


def test_prod_gradient_with_zeros(device):
    # rows with no zero, one zero, two zeros: the gradient is the product of the other elements
    values = np.array([[1.5, 2.0, -3.0, 0.5], [0.0, 2.0, 3.0, -1.0], [0.0, 2.0, 0.0, 4.0]])
    check(lambda x: x.prod(1), [values], device=device)
    check(lambda x: x.prod(0), [values], device=device)
    check(lambda x: x.prod(), [np.array([0.0, 2.0, 3.0])], device=device)
    check(lambda x: x.prod(), [np.array([0.0, 2.0, 0.0])], device=device)


def test_prod_integer_and_dtype(device):
    check(lambda i: i.prod(), [INT], device=device)
    check(lambda b: b.prod(1), [BOOL], device=device)
    check(lambda i: i.prod(dtype=torch.float64 if isinstance(i, torch.Tensor) else axonml.float64), [INT],
          device=device)


def test_prod_takes_one_dim(device):
    check_raises(lambda x: x.prod((0, 1)), [SHAPE], device=device)


# --- max, min, amax, amin, argmax, argmin ----------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_over_everything(op, device):
    check(lambda x: getattr(x, op)(), [distinct(SHAPE)], device=device)
    check(lambda x: getattr(namespace(x), op)(x), [distinct((5,))], device=device)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_over_everything_shares_ties(op, device):
    check(lambda x: getattr(x, op)(), [np.array([[3.0, 1.0, 3.0], [-1.0, 2.0, -1.0]])], device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_along_dim(op, dim, keepdim, device):
    values = distinct(SHAPE)
    check(lambda x: tuple(getattr(x, op)(dim, keepdim)), [values], device=device)
    check(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim).values, [values], device=device)
    check(lambda x: getattr(namespace(x), op)(x, dim).indices, [values], device=device)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_along_dim_with_ties_pick_one_index(op, device):
    values = np.array([[3.0, 1.0, 3.0], [-1.0, 2.0, -1.0], [5.0, 5.0, 5.0]])
    check(lambda x: tuple(getattr(x, op)(1)), [values], device=device)


def test_max_returns_named_tuple():
    result = axonml.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices and result[0] is values
    assert type(result).__name__ == "max"
    assert indices.tolist() == [1, 0] and values.tolist() == [5.0, 7.0]
    assert type(axonml.min(axonml.tensor([1.0]), 0)).__name__ == "min"


def test_max_binary_form_is_maximum(device):
    check(lambda x, y: namespace(x).max(x, y), [(3, 4), (4,)], device=device)
    check(lambda x, y: x.min(y), [(3, 4), (3, 1)], device=device)


def test_max_with_nan_propagates(device):
    values = np.array([1.0, np.nan, 3.0])
    check(lambda x: x.max(), [values], device=device, grad=False)
    check(lambda x: tuple(x.max(0)), [values], device=device, grad=False)
    check(lambda x: x.argmax(), [values], device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 1, (0, 2), ()])
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin(op, dim, keepdim, device):
    check(lambda x: getattr(x, op)(dim, keepdim), [distinct(SHAPE)] if dim is not None else [distinct(SHAPE)],
          device=device, torch_fn=lambda x: getattr(x, op)(dim if dim is not None else (), keepdim))


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_spread_gradient_over_ties(op, device):
    values = np.array([[3.0, 1.0, 3.0], [-1.0, 2.0, -1.0], [5.0, 5.0, 5.0]])
    check(lambda x: getattr(x, op)(1), [values], device=device)
    check(lambda x: getattr(x, op)(), [values], device=device)
    check(lambda x: getattr(namespace(x), op)(x, 0, True), [values], device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin(op, dim, keepdim, device):
    check(lambda x: getattr(x, op)(dim, keepdim), [distinct(SHAPE)], device=device)
    check(lambda x: getattr(namespace(x), op)(x, dim=dim, keepdim=keepdim), [distinct((4, 3), seed=2)],
          device=device)


def test_argmax_first_of_ties(device):
    check(lambda x: x.argmax(1), [np.array([[3.0, 1.0, 3.0], [5.0, 5.0, 5.0]])], device=device)
    check(lambda i: i.argmin(), [INT], device=device)


def test_max_min_errors(device):
    check_raises(lambda x: x.max(), [np.zeros((0, 3))], device=device)
    check_raises(lambda x: x.max(0), [np.zeros((0, 3))], device=device)
    check_raises(lambda x: x.amax(0), [np.zeros((0, 3))], device=device)
    check_raises(lambda x: x.argmax(), [np.zeros((0,))], device=device)
    check_raises(lambda x: x.argmin(0), [np.zeros((0, 3))], device=device)
    check(lambda x: x.argmin(1), [np.zeros((0, 3))], device=device)
    check_raises(lambda x: x.max(3), [SHAPE], device=device)
    check_raises(lambda x: x.amin((0, 0)), [SHAPE], device=device)


# --- logsumexp and norm ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1, (0, 2), [1, 2]])
def test_logsumexp(dim, keepdim, device):
    check(lambda x: x.logsumexp(dim, keepdim), [SHAPE], device=device)
    check(lambda x: namespace(x).logsumexp(x * 100, dim=dim, keepdim=keepdim), [SHAPE], device=device)


def test_logsumexp_infinities_and_integers(device):
    check(lambda x: x.logsumexp(1), [np.array([[-np.inf, -np.inf], [np.inf, 1.0], [0.5, -np.inf]])],
          device=device, grad=False)
    check(lambda x: x.logsumexp(1), [np.array([[0.5, -np.inf], [1.0, 2.0]])], device=device)
    check(lambda i: i.logsumexp(0), [INT], device=device)


def test_logsumexp_needs_dim(device):
    check_raises(lambda x: namespace(x).logsumexp(x), [SHAPE], device=device)


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, math.inf, -math.inf, 0])
@pytest.mark.parametrize("dim", [None, 1, (0, 2)])
def test_norm(p, dim, device):
    values = distinct(SHAPE)
    check(lambda x: x.norm(p=p, dim=dim), [values], device=device)
    check(lambda x: namespace(x).norm(x, p, dim, True), [values], device=device)


def test_norm_default_and_zero_vector(device):
    check(lambda x: x.norm(), [SHAPE], device=device)
    check(lambda x: x.norm(), [np.zeros(3)], device=device)
    check(lambda x: x.norm(p=3, dim=1), [np.array([[0.0, 0.0], [0.0, 2.0]])], device=device)
    check(lambda x: x.norm(p=0.5), [np.array([0.0, -3.0, 3.0])], device=device)
    check(lambda x: x.norm(p=math.inf), [np.array([0.0, -3.0, 3.0])], device=device)


def test_norm_dtype_and_errors(device):
    check(lambda x: x.norm(dtype=torch.float64 if isinstance(x, torch.Tensor) else axonml.float64), [SHAPE],
          dtypes=("float32",), device=device)
    check_raises(lambda i: i.norm(), [INT], device=device)


# --- all, any ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), ()])
@pytest.mark.parametrize("op", ["all", "any"])
def test_all_any(op, dim, keepdim, device):
    values = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [1.0, 1.0, -1.0]])
    if dim is None:
        check(lambda x: getattr(x, op)(), [values], device=device)
        check(lambda b: getattr(b, op)(), [BOOL], device=device)
    else:
        check(lambda x: getattr(x, op)(dim, keepdim), [values], device=device)
        check(lambda b: getattr(namespace(b), op)(b, dim, keepdim), [BOOL], device=device)
        check(lambda i: getattr(i, op)(dim=dim, keepdim=keepdim), [INT], device=device)


def test_all_any_of_uint8_stay_uint8(device):
    check(lambda u: (u.all(), u.any(1)), [np.array([[1, 2, 0], [3, 4, 5]], dtype=np.uint8)], device=device)


# --- cumulative sum and product ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_cumsum_cumprod(op, dim, device):
    check(lambda x: getattr(x, op)(dim), [SHAPE], device=device)
    check(lambda x: getattr(namespace(x), op)(x, dim=dim), [SHAPE], device=device)
    check(lambda i: getattr(i, op)(dim), [np.array([[1, 2, 3], [4, 5, 6]])], device=device)
    check(lambda b: getattr(b, op)(0), [BOOL], device=device)


def test_cumsum_cumprod_dtype(device):
    f64 = lambda t: torch.float64 if isinstance(t, torch.Tensor) else axonml.float64  # noqa: E731
    check(lambda i: i.cumsum(1, dtype=f64(i)), [INT], device=device)
    check(lambda x: x.cumprod(0, dtype=f64(x)), [SHAPE], dtypes=("float32",), device=device)


def test_cumprod_gradient_with_zeros(device):
    check(lambda x: x.cumprod(0), [np.array([2.0, 0.0, 3.0, 4.0])], device=device)
    check(lambda x: x.cumprod(1), [np.array([[2.0, 0.0, 3.0, 0.0], [1.5, -2.0, 0.5, 3.0], [0.0, 1.0, 2.0, 3.0]])],
          device=device)


def test_cumulative_inplace(device):
    check(lambda x: (x * 1).cumsum_(1), [SHAPE], device=device)
    check(lambda x: (x * 1).cumprod_(0), [SHAPE], device=device)


def test_cumsum_errors(device):
    check_raises(lambda x: x.cumsum(3), [SHAPE], device=device)
    check_raises(lambda x: x.cumsum(), [SHAPE], device=device)


# --- dim argument errors shared by every reduction ------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin", "logsumexp", "norm", "all", "any"])
def test_dim_errors(op, device):
    call = (lambda x, dim: getattr(x, op)(dim)) if op != "norm" else (lambda x, dim: x.norm(dim=dim))
    check_raises(lambda x: call(x, 3), [SHAPE], device=device)
    check_raises(lambda x: call(x, -4), [SHAPE], device=device)
    if op not in ("all", "any"):
        check_raises(lambda x: call(x, (0, -3)), [SHAPE], device=device)


def test_reductions_compose_with_grad(device):
    check(lambda x: (x.exp().sum(1, keepdim=True).log() - x.amax(1, keepdim=True)).std(0), [SHAPE], device=device)


def test_named_tuple_values_are_tensors_with_grad():
    x = axonml.tensor([[1.0, 3.0], [4.0, 2.0]], requires_grad=True)
    values, indices = x.max(1)
    values.sum().backward()
    assert_close(x.grad, torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    assert not indices.requires_grad and indices.dtype == axonml.int64
