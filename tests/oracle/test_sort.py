"""Sorting and order statistics against PyTorch (ops/sort.py): sort, topk, kthvalue, median, unique,
bincount, searchsorted, histc."""
import numpy as np
import pytest

import axonml
from tests.oracle.oracle import check, check_raises, distinct, namespace

SHAPE = (2, 3, 4)
INT = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
BOOL = np.array([[True, False, True], [False, False, True]])

TIES = np.array([[2.0, 1.0, 2.0, 0.5, 1.0, 2.0], [0.0, 0.0, -1.0, 3.0, 3.0, 0.0]])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_sort(dim, descending, device):
    check(lambda x: x.sort(dim, descending), [distinct(SHAPE)], device=device)
    check(lambda x: namespace(x).sort(x, dim=dim, descending=descending), [distinct(SHAPE)], device=device)
    check(lambda x: x.argsort(dim, descending), [distinct(SHAPE)], device=device)


@pytest.mark.parametrize("descending", [False, True])
def test_sort_stable_keeps_ties_in_order(descending, device):
    check(lambda x: x.sort(descending=descending, stable=True), [TIES], device=device)
    check(lambda x: namespace(x).argsort(x, descending=descending, stable=True), [TIES], device=device)
    check(lambda x: x.sort(dim=0, descending=descending, stable=True), [TIES], device=device)


def test_sort_nan_is_largest(device):
    values = np.array([2.0, np.nan, 1.0, -np.inf, np.inf, np.nan])
    check(lambda x: x.sort(stable=True), [values], device=device)
    check(lambda x: x.sort(descending=True, stable=True), [values], device=device)


def test_sort_integers_bools_and_scalars(device):
    check(lambda x: x.sort(stable=True), [INT], device=device)
    check(lambda x: x.sort(dim=0, descending=True, stable=True), [INT], device=device)
    check(lambda x: x.sort(stable=True), [BOOL], device=device)
    check(lambda x: x.sort(), [np.array(2.5)], device=device)
    check(lambda x: x.sort(), [np.zeros((2, 0))], device=device)


def test_msort(device):
    check(lambda x: namespace(x).msort(x), [distinct((4, 3))], device=device)
    check(lambda x: x.msort(), [distinct((5,))], device=device)


def test_sort_returns_named_tuple():
    result = axonml.tensor([3.0, 1.0]).sort()
    assert type(result).__name__ == "sort" and result._fields == ("values", "indices")
    assert type(axonml.tensor([3.0, 1.0]).topk(1)).__name__ == "topk"
    assert type(axonml.tensor([3.0, 1.0]).kthvalue(1)).__name__ == "kthvalue"
    assert type(axonml.tensor([3.0, 1.0]).median(0)).__name__ == "median"


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k,dim", [(1, -1), (3, -1), (4, 2), (2, 0), (0, 1)])
def test_topk(k, dim, largest, device):
    check(lambda x: x.topk(k, dim, largest), [distinct(SHAPE)], device=device)
    check(lambda x: namespace(x).topk(x, k, dim=dim, largest=largest, sorted=True), [distinct(SHAPE)],
          device=device)


def test_topk_integers_and_scalar(device):
    check(lambda x: x.topk(2), [np.array([[5, 1, 9, 3], [0, 7, 2, 8]])], device=device)
    check(lambda x: x.topk(1), [np.array(4.0)], device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("k,dim", [(1, -1), (3, -1), (4, 2), (2, 0), (3, 1)])
def test_kthvalue(k, dim, keepdim, device):
    check(lambda x: x.kthvalue(k, dim, keepdim), [distinct(SHAPE)], device=device)
    check(lambda x: namespace(x).kthvalue(x, k, dim=dim, keepdim=keepdim), [distinct(SHAPE)], device=device)


def test_topk_kthvalue_errors(device):
    check_raises(lambda x: x.topk(5), [SHAPE], device=device)
    check_raises(lambda x: x.topk(-1), [SHAPE], device=device)
    check_raises(lambda x: x.topk(1, dim=3), [SHAPE], device=device)
    check_raises(lambda x: x.kthvalue(0), [SHAPE], device=device)
    check_raises(lambda x: x.kthvalue(5), [SHAPE], device=device)
    check_raises(lambda x: x.sort(dim=3), [SHAPE], device=device)
    check_raises(lambda x: namespace(x).sort([1, 2]), [SHAPE], device=device)


@pytest.mark.parametrize("shape", [(5,), (6,), (2, 3, 4), (3, 5)])
def test_median_of_everything(shape, device):
    check(lambda x: x.median(), [distinct(shape)], device=device)
    check(lambda x: namespace(x).median(x), [distinct(shape)], device=device)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_median_along_dim(dim, keepdim, device):
    check(lambda x: x.median(dim, keepdim), [distinct(SHAPE)], device=device)
    check(lambda x: namespace(x).median(x, dim=dim, keepdim=keepdim), [distinct((4, 5, 6))], device=device)


def test_median_nan_integers_and_edges(device):
    with_nan = np.array([[1.0, np.nan, 3.0, np.nan], [4.0, 2.0, 3.0, 1.0], [np.nan, 0.0, 1.0, 2.0]])
    check(lambda x: x.median(1), [with_nan], device=device)
    check(lambda x: x.median(), [TIES], device=device)
    check(lambda x: x.median(), [with_nan], device=device)
    check(lambda x: x.median(0), [INT], device=device)
    check(lambda x: x.median(), [INT], device=device)
    check(lambda x: x.median(), [np.array(3.5)], device=device)
    check(lambda x: x.median(0), [np.array(3.5)], device=device)
    check(lambda x: x.median(), [np.zeros((0,))], device=device, grad=False)
    check_raises(lambda x: x.median(1), [np.zeros((2, 0))], device=device)


def test_sort_family_gradcheck():
    from axonml.autograd import gradcheck
    x = axonml.tensor(distinct((3, 4)), dtype=axonml.float64, requires_grad=True)
    assert gradcheck(lambda a: a.sort(1, descending=True).values * a.topk(2, 0).values.sum(), (x,))
    assert gradcheck(lambda a: a.kthvalue(2, 1).values + a.median(1).values + a.median(), (x,))


@pytest.mark.parametrize("values", [
    np.array([3, 1, 3, 2, 1, 7], dtype=np.int64),
    np.array([[2.5, -1.0, 2.5], [0.0, -1.0, 9.0]]),
    np.array([1.0, np.nan, np.nan, 1.0]),
    np.array([True, False, True]),
    np.array(4, dtype=np.int64),
    np.zeros((0, 3)),
], ids=["int", "float", "nan", "bool", "scalar", "empty"])
@pytest.mark.parametrize("inverse,counts", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(values, inverse, counts, device):
    check(lambda x: namespace(x).unique(x, return_inverse=inverse, return_counts=counts), [values],
          device=device, grad=False)
    check(lambda x: x.unique(sorted=True, return_inverse=inverse, return_counts=counts), [values],
          device=device, grad=False)


def test_unique_output_is_not_differentiable():
    x = axonml.tensor([1.0, 2.0, 1.0], requires_grad=True)
    assert not axonml.unique(x).requires_grad


ROWS = np.array([[1, 2, 0], [3, 4, 1], [1, 2, 0], [0, 9, 1], [3, 4, 0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("inverse, counts", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_along_a_dim(dim, inverse, counts, device):
    for values in (ROWS, ROWS.astype(np.float64) / 2, np.stack([ROWS, ROWS[::-1]], 2)):
        check(lambda x: namespace(x).unique(x, dim=dim, return_inverse=inverse, return_counts=counts), [values],
              device=device, grad=False)


def test_unique_along_a_dim_empty_and_errors(device):
    check(lambda x: namespace(x).unique(x, dim=0, return_inverse=True, return_counts=True), [np.zeros((0, 3))],
          device=device, grad=False)
    check_raises(lambda x: namespace(x).unique(x, dim=0), [np.zeros((2, 0))], device=device)
    check_raises(lambda x: namespace(x).unique(x, dim=2), [ROWS], device=device)


CONSECUTIVE = np.array([1, 1, 2, 2, 3, 1, 1, 2, 2, 2])


@pytest.mark.parametrize("dim", [None, 0, 1])
@pytest.mark.parametrize("inverse, counts", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_consecutive(dim, inverse, counts, device):
    values = CONSECUTIVE if dim is None else np.array([[1, 1, 2], [1, 1, 2], [3, 3, 2], [1, 1, 2]])
    check(lambda x: namespace(x).unique_consecutive(x, return_inverse=inverse, return_counts=counts, dim=dim),
          [values], device=device, grad=False)
    check(lambda x: x.unique_consecutive(return_inverse=inverse, return_counts=counts, dim=dim),
          [values.astype(np.float64)], device=device, grad=False)


MODE_CASES = [np.array([1, 2, 2, 3, 3]), np.array([3.0, 1.0, 3.0, 1.0, 2.0]),
              np.array([[5.0, 5.0, 1.0, 1.0], [2.0, 7.0, 7.0, -1.0], [4.0, 0.5, 0.25, 8.0]])]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("case", range(len(MODE_CASES)))
def test_mode(case, keepdim, device):
    values = MODE_CASES[case]
    check(lambda x: namespace(x).mode(x, keepdim=keepdim), [values], device=device)
    check(lambda x: x.mode(0, keepdim), [values], device=device)


def test_mode_of_repeats_along_a_dim(device):
    # which occurrence torch's index names is unspecified for long lines (an unstable sort): compare the values,
    # and check that each index points at its value
    values = np.random.default_rng(0).integers(0, 4, size=(3, 17, 2)).astype(np.float64)
    check(lambda x: namespace(x).mode(x, 1).values, [values], device=device, grad=False)
    check(lambda i: i.long().mode(0).values, [values], device=device)
    x = axonml.tensor(values, device=device)
    result = x.mode(1, keepdim=True)
    assert np.array_equal(np.asarray(x.gather(1, result.indices).cpu()), np.asarray(result.values.cpu()))


def test_mode_scalar_and_errors(device):
    check(lambda x: x.mode(), [np.array(2.5)], device=device)
    check_raises(lambda x: x.mode(1), [np.zeros((2, 0))], device=device)
    check_raises(lambda x: x.mode(3), [(2, 3)], device=device)


@pytest.mark.parametrize("minlength", [0, 3, 10])
def test_bincount(minlength, device):
    counts = np.array([0, 4, 1, 1, 4, 7])
    check(lambda x: namespace(x).bincount(x, minlength=minlength), [counts], device=device)
    check(lambda x, w: x.bincount(w, minlength), [counts, np.linspace(-1, 2, 6)], device=device, grad=False)
    check(lambda x, w: x.bincount(w), [counts, np.array([1, 2, 3, 4, 5, 6])], device=device)
    check(lambda x: x.bincount(minlength=minlength), [np.zeros((0,), np.int64)], device=device)


def test_bincount_errors(device):
    check_raises(lambda x: x.bincount(), [np.array([1, -1])], device=device)
    check_raises(lambda x: x.bincount(), [np.array([1.0, 2.0])], device=device)
    check_raises(lambda x: x.bincount(), [np.array([[1, 2]])], device=device)
    check_raises(lambda x: x.bincount(minlength=-1), [np.array([1, 2])], device=device)
    check_raises(lambda x, w: x.bincount(w), [np.array([1, 2]), np.array([1.0])], device=device)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted(right, device):
    boundaries = np.array([-1.0, 0.0, 0.0, 1.5, 3.0])
    queries = np.array([[-2.0, 0.0, 1.5], [3.0, 4.0, 0.5]])
    check(lambda s, v: namespace(s).searchsorted(s, v, right=right), [boundaries, queries], device=device)
    check(lambda s, v: namespace(s).searchsorted(s, v, side="right" if right else "left", out_int32=True),
          [boundaries, queries], device=device)
    rows = np.sort(distinct((2, 3, 5)), axis=-1)
    check(lambda s, v: namespace(s).searchsorted(s, v, right=right), [rows, distinct((2, 3, 4), seed=1)],
          device=device)
    check(lambda s: namespace(s).searchsorted(s, 0.0, right=right), [boundaries], device=device)


def test_searchsorted_sorter_and_errors(device):
    unsorted = np.array([3.0, -1.0, 1.5, 0.0])
    order = np.argsort(unsorted)
    check(lambda s, o, v: namespace(s).searchsorted(s, v, sorter=o), [unsorted, order, np.array([0.5, 2.0])],
          device=device)
    check(lambda s, v: namespace(s).searchsorted(s, v), [np.array([1, 3, 5]), np.array([2, 5, 9])], device=device)
    check_raises(lambda s, v: namespace(s).searchsorted(s, v), [(2, 3), (3, 3)], device=device)
    check_raises(lambda s, v: namespace(s).searchsorted(s, v, side="middle"), [(3,), (2,)], device=device)
    check_raises(lambda s, v: namespace(s).searchsorted(s, v, side="left", right=True), [(3,), (2,)], device=device)
    check_raises(lambda s: namespace(s).searchsorted(s, 1.0), [(2, 3)], device=device)


@pytest.mark.parametrize("bins,low,high", [(4, 0, 5), (3, 0, 0), (10, -1, 1), (1, -3, 3)])
def test_histc(bins, low, high, device):
    values = np.array([1.0, 2.0, 1.0, 5.0, 7.0, -1.0, 0.0, 0.99, np.nan, -3.0])
    if low == high:  # the range comes from the data, which a NaN makes non-finite
        check_raises(lambda x: namespace(x).histc(x, bins=bins, min=low, max=high), [values], device=device)
        values = values[~np.isnan(values)]
    check(lambda x: namespace(x).histc(x, bins=bins, min=low, max=high), [values], device=device)
    check(lambda x: x.histc(bins, low, high), [distinct((4, 5))], device=device)


def test_histc_edges_and_errors(device):
    check(lambda x: x.histc(3), [np.array([2.0, 2.0])], device=device)
    check(lambda x: x.histc(5), [np.zeros((0,))], device=device)
    check_raises(lambda x: x.histc(-1), [(3,)], device=device)
    check_raises(lambda x: x.histc(3, 5, 1), [(3,)], device=device)
    check_raises(lambda x: x.long().histc(3), [(3,)], device=device)


NAN_ROWS = np.array([[1.0, np.nan, 3.0, 2.0, 0.5], [np.nan, 4.0, np.nan, -1.0, 2.0], [5.0, 1.0, 2.0, 4.0, 3.0]])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_nanmedian(dim, keepdim, device):
    check(lambda x: namespace(x).nanmedian(x, dim, keepdim), [NAN_ROWS], device=device)
    check(lambda x: x.nanmedian(axis=dim, keepdims=keepdim), [distinct((3, 4))], device=device)


def test_nanmedian_of_everything_and_all_nan(device):
    check(lambda x: x.nanmedian(), [NAN_ROWS], device=device)
    check(lambda x: namespace(x).nanmedian(x), [distinct((2, 3))], device=device)
    check(lambda i: i.nanmedian(), [np.array([1, 3, 2])], device=device)
    all_nan = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 2.0]])
    check(lambda x: x.nanmedian(1).values, [all_nan], device=device, grad=False)
    check(lambda x: x.nanmedian(), [np.array([np.nan, np.nan])], device=device, grad=False)
    check_raises(lambda x: x.nanmedian(1), [np.zeros((2, 0))], device=device)
