"""NumPy's axis=/keepdims= spellings on reductions and scans, and the NaN-ignoring reductions, against PyTorch."""
import numpy as np
import pytest

from tests.oracle.oracle import check, check_raises, distinct, namespace

SHAPE = (2, 3, 4)
INT = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
BOOL = np.array([[True, False, True], [False, False, True]])

# --- NumPy's axis= / keepdims= spellings ------------------------------------------------------------------------

AXIS_KEEPDIMS_OPS = ["sum", "mean", "std", "var", "prod", "amax", "amin", "argmax", "argmin", "logsumexp", "all",
                     "any", "nansum", "nanmean", "median", "mode"]


@pytest.mark.parametrize("op", AXIS_KEEPDIMS_OPS + ["max", "min"])
def test_axis_and_keepdims_aliases(op, device):
    data = distinct(SHAPE)
    check(lambda x: getattr(namespace(x), op)(x, axis=1), [data], device=device)
    check(lambda x: getattr(x, op)(axis=-1, keepdims=True), [data], device=device)
    check(lambda x: getattr(x, op)(dim=0, keepdims=True), [data], device=device)


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "logsumexp", "nansum"])
def test_axis_tuple(op, device):
    check(lambda x: getattr(namespace(x), op)(x, axis=(0, 2), keepdims=True), [SHAPE], device=device)


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "count_nonzero"])
def test_axis_alias_of_scans(op, device):
    data = distinct(SHAPE)
    check(lambda x: getattr(namespace(x), op)(x, axis=1), [data], device=device)
    check(lambda x: getattr(x, op)(axis=-1), [data], device=device)


@pytest.mark.parametrize("call", [
    lambda m, x: m.sum(x, 1, axis=1),
    lambda m, x: x.mean(dim=0, axis=0),
    lambda m, x: m.amax(x, 1, axis=0),
    lambda m, x: x.cumsum(0, axis=0),
    lambda m, x: m.sum(x, 1, keepdim=True, keepdims=True),
    lambda m, x: x.cumsum(),
    lambda m, x: m.logsumexp(x),
])
def test_dim_and_axis_together_raise(call, device):
    check_raises(lambda x: call(namespace(x), x), [SHAPE], device=device)


# --- nansum, nanmean, count_nonzero -----------------------------------------------------------------------------

WITH_NANS = np.array([[1.0, np.nan, -2.0, 3.0], [np.nan, np.nan, np.nan, np.nan], [0.5, 0.0, -1.5, np.nan]])


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("op", ["nansum", "nanmean"])
def test_nansum_nanmean(op, dim, device):
    check(lambda x: getattr(namespace(x), op)(x, dim), [WITH_NANS], device=device)
    check(lambda x: getattr(x, op)(dim, keepdim=True), [WITH_NANS], device=device)


def test_nansum_integers_and_nanmean_errors(device):
    check(lambda i: namespace(i).nansum(i, 1), [INT], device=device)
    check_raises(lambda i: namespace(i).nanmean(i.long()), [INT], device=device)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_count_nonzero(dim, device):
    data = np.array([[1.0, 0.0, -2.0], [0.0, 0.0, 3.0]])
    check(lambda x: namespace(x).count_nonzero(x, dim), [data], device=device)
    check(lambda b: b.count_nonzero(dim), [BOOL], device=device)


@pytest.mark.parametrize("op", ["squeeze", "unsqueeze"])
def test_axis_alias_of_squeeze_unsqueeze(op, device):
    check(lambda x: getattr(namespace(x), op)(x, axis=1), [(2, 1, 3)], device=device)
    check(lambda x: getattr(x, op)(axis=-1), [(2, 3, 1)], device=device)
    check_raises(lambda x: getattr(x, op)(1, axis=1), [(2, 1, 3)], device=device)


@pytest.mark.parametrize("op", ["var_mean", "std_mean", "nanmedian"])
def test_axis_and_keepdims_on_function_only_reductions(op, device):
    data = distinct(SHAPE)
    check(lambda x: getattr(namespace(x), op)(x, axis=1), [data], device=device)
    check(lambda x: getattr(namespace(x), op)(x, axis=-1, keepdims=True), [data], device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_aminmax(dim, keepdim, device):
    data = distinct(SHAPE)
    check(lambda x: namespace(x).aminmax(x, dim=dim, keepdim=keepdim), [data], device=device)
    check(lambda x: x.aminmax(axis=dim, keepdims=keepdim), [data], device=device)


def test_aminmax_ties_integers_and_errors(device):
    check(lambda x: x.aminmax(dim=1), [np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 0.0]])], device=device)
    check(lambda i: i.aminmax(), [INT], device=device)
    check(lambda b: b.aminmax(dim=0), [BOOL], device=device)
    check_raises(lambda x: x.aminmax(), [np.zeros((0,))], device=device)
    check_raises(lambda x: x.aminmax(dim=1), [np.zeros((2, 0))], device=device)
    check_raises(lambda x: x.aminmax(dim=(0, 1)), [SHAPE], device=device)
    check_raises(lambda x: namespace(x).aminmax(x, 1), [SHAPE], device=device)
