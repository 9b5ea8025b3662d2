"""Running extremes and logcumsumexp against PyTorch: values, indices, ties, NaN, gradients."""
import numpy as np
import pytest

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises, distinct, namespace

SHAPE = (2, 3, 4)
INT = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
BOOL = np.array([[True, False, True], [False, False, True]])

# --- cummax, cummin, logcumsumexp -------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin(op, dim, device):
    check(lambda x: getattr(namespace(x), op)(x, dim), [distinct(SHAPE)], device=device)
    check(lambda x: getattr(x, op)(dim), [(4, 17)], device=device)


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin_ties_nan_integers(op, device):
    ties = np.array([[1.0, 1.0, 0.5, 1.0, 2.0, 2.0], [3.0, np.nan, 1.0, np.nan, 4.0, -1.0]])
    check(lambda x: getattr(x, op)(1), [ties], device=device)
    check(lambda i: getattr(i, op)(1), [INT], device=device)
    check(lambda b: getattr(b, op)(1), [BOOL], device=device)
    check(lambda x: getattr(x, op)(0), [np.array(2.5)], device=device)
    check(lambda x: getattr(x, op)(1), [np.zeros((2, 0))], device=device)


def test_cummax_returns_named_tuple(device):
    values, indices = axonml.tensor([1.0, 3.0, 2.0], device=device).cummax(0)
    result = axonml.cummax(axonml.tensor([1.0, 3.0, 2.0], device=device), dim=0)
    assert type(result).__name__ == "cummax" and result.indices.tolist() == indices.tolist() == [0, 1, 1]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp(dim, device):
    check(lambda x: namespace(x).logcumsumexp(x, dim), [SHAPE], device=device)
    check(lambda x: x.logcumsumexp(dim), [(5, 33)], device=device)


def test_logcumsumexp_extremes(device):
    wide = np.array([[-1000.0, 0.0, 1000.0, -np.inf, 3.0], [-np.inf, -np.inf, 2.0, 2.0, 80.0]])
    check(lambda x: x.logcumsumexp(1), [wide], dtypes=("float64",), device=device, grad=False)
    check(lambda x: x.logcumsumexp(1), [np.array([[-50.0, 0.0, 50.0, 1.0], [3.0, 3.0, 3.0, 3.0]])], device=device)
    check(lambda x: x.logcumsumexp(0), [np.array(1.5)], device=device)


def test_logcumsumexp_rejects_integers(device):
    check_raises(lambda i: i.long().logcumsumexp(0), [INT], device=device)


def test_scans_gradcheck():
    x = axonml.tensor(distinct((3, 5)), dtype=axonml.float64, requires_grad=True)
    assert gradcheck(lambda t: t.logcumsumexp(1), (x,))
    assert gradcheck(lambda t: t.cummax(1).values, (x,))
    assert gradcheck(lambda t: t.cummin(0).values, (x,))
