"""quantile, nanquantile, bucketize, histogram, cov and corrcoef (axonml/ops/statistics.py) against torch."""
import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import assert_close, check, check_raises, distinct


def ns(x):
    return axonml if isinstance(x, axonml.Tensor) else torch


def _with_nans(shape, seed=0):
    values = distinct(shape, seed)
    values[0, 1] = np.nan
    values[-1, :] = np.nan
    return values


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(device, interpolation):
    x = distinct((4, 7))
    check(lambda x: ns(x).quantile(x, 0.3, interpolation=interpolation), [x], device=device)
    check(lambda x: ns(x).quantile(x, 0.625, dim=1, interpolation=interpolation), [x], device=device)
    check(lambda x: x.quantile(0.5, dim=0, keepdim=True, interpolation=interpolation), [x], device=device)
    check(lambda x, q: ns(x).quantile(x, q, dim=-1, interpolation=interpolation), [x, np.array([0.0, 0.25, 1.0])],
          device=device, grad_inputs=[0])
    check(lambda x, q: ns(x).quantile(x, q, keepdim=True, interpolation=interpolation),
          [distinct((2, 3, 4)), np.array([0.1, 0.9])], device=device, grad_inputs=[0])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_nanquantile(device, interpolation):
    x = _with_nans((4, 6))
    check(lambda x: ns(x).nanquantile(x, 0.4, dim=1, interpolation=interpolation), [x], device=device)
    check(lambda x: x.nanquantile(0.75, interpolation=interpolation), [x], device=device)
    check(lambda x, q: ns(x).nanquantile(x, q, dim=0, keepdim=True, interpolation=interpolation),
          [x, np.array([0.2, 0.5])], device=device, grad_inputs=[0])
    # quantile: a NaN in a line gives NaN
    check(lambda x: ns(x).quantile(x, 0.4, dim=1, interpolation=interpolation), [x], device=device)


def test_quantile_0d_q_and_0d_input(device):
    check(lambda x, q: ns(x).quantile(x, q), [distinct((5,)), np.array(0.3)], device=device, grad_inputs=[0])
    check(lambda x: ns(x).quantile(x, 0.3, dim=0), [np.array(2.0)], device=device)


def test_quantile_errors():
    for fn in (lambda x: ns(x).quantile(x, 1.5), lambda x: ns(x).quantile(x.long(), 0.5),
               lambda x: ns(x).quantile(x, 0.5, interpolation="cubic"), lambda x: ns(x).quantile(x[:0], 0.5),
               lambda x: ns(x).quantile(x, ns(x).ones(1, 1) * 0.5), lambda x: ns(x).quantile(x, x[:2].double()),
               lambda x: ns(x).nanquantile(x, -0.1), lambda x: ns(x).quantile(x, 0.5, dim=3)):
        check_raises(fn, [(4, 3)])


def test_bucketize(device):
    boundaries = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    values = np.array([[3.0, 6.0, 9.0], [0.5, 1.0, 10.0]])
    for right in (False, True):
        check(lambda x, b: ns(x).bucketize(x, b, right=right), [values, boundaries], device=device, grad=False)
    check(lambda x, b: ns(x).bucketize(x, b, out_int32=True), [values, boundaries], device=device, grad=False)
    check(lambda b: ns(b).bucketize(4.0, b), [boundaries], device=device, grad=False)
    check_raises(lambda x, b: ns(x).bucketize(x, b.reshape(1, -1)), [(3,), (4,)])


@pytest.mark.parametrize("kwargs", [{}, {"range": (-1.0, 2.0)}, {"density": True},
                                    {"range": (0.0, 1.0), "density": True}])
def test_histogram(device, kwargs):
    x = np.random.default_rng(0).standard_normal((6, 5))
    for dtype in ("float32", "float64"):
        ours = axonml.histogram(axonml.tensor(x, dtype=getattr(axonml, dtype), device=device), 7, **kwargs)
        theirs = torch.histogram(torch.tensor(x, dtype=getattr(torch, dtype)), 7, **kwargs)
        assert_close(ours.hist, theirs.hist, dtype, "hist")
        assert_close(ours.bin_edges, theirs.bin_edges, dtype, "bin_edges")
        assert type(ours).__name__ == "histogram" and ours.hist.dtype == getattr(axonml, dtype)


def test_histogram_edges_and_weights(device):
    x = np.array([0.0, 0.5, 1.0, 1.0, 2.0, 3.0, -1.0, 2.5])
    w = np.linspace(0.5, 2.0, 8)
    edges = np.array([0.0, 1.0, 1.5, 3.0])
    ours = axonml.tensor(x, device=device).histogram(axonml.tensor(edges, device=device),
                                                     weight=axonml.tensor(w, device=device), density=True)
    theirs = torch.tensor(x).histogram(torch.tensor(edges), weight=torch.tensor(w), density=True)
    assert_close(ours.hist, theirs.hist, "float64")
    assert_close(ours.bin_edges, theirs.bin_edges, "float64")
    ours = axonml.histogram(axonml.tensor([2.0, 2.0], device=device), 3)
    theirs = torch.histogram(torch.tensor([2.0, 2.0]), 3)
    assert_close(ours.hist, theirs.hist)
    assert_close(ours.bin_edges, theirs.bin_edges)


def test_histogram_errors():
    with pytest.raises(NotImplementedError):
        axonml.histogram(axonml.tensor([1, 2]), 3)
    for fn in (lambda m: m.histogram(m.ones(3), 0), lambda m: m.histogram(m.ones(3), 3, range=(2.0, 1.0)),
               lambda m: m.histogram(m.ones(3), 3, weight=m.ones(4))):
        with pytest.raises(RuntimeError):
            fn(torch)
        with pytest.raises(RuntimeError):
            fn(axonml)


def test_cov(device):
    x = np.random.default_rng(0).standard_normal((3, 6))
    check(lambda x: ns(x).cov(x), [x], device=device)
    check(lambda x: x.cov(correction=0), [x], device=device)
    check(lambda x: ns(x).cov(x), [x[0]], device=device)
    fweights = np.array([1, 2, 3, 1, 0, 2])
    aweights = np.array([0.5, 1.0, 2.0, 0.1, 1.0, 3.0])
    check(lambda x, f: ns(x).cov(x, fweights=f), [x, fweights], device=device)
    check(lambda x, a: ns(x).cov(x, aweights=a), [x, aweights], device=device)
    check(lambda x, f, a: ns(x).cov(x, correction=2, fweights=f, aweights=a), [x, fweights, aweights],
          device=device, grad_inputs=[0])
    check(lambda x: ns(x).cov(x.long()), [x * 3], device=device, grad=False)


def test_cov_errors():
    check_raises(lambda x: ns(x).cov(x), [(2, 2, 2)])
    check_raises(lambda x, f: ns(x).cov(x, fweights=f), [(2, 3), (3,)])
    check_raises(lambda x, f: ns(x).cov(x, fweights=f.long()), [(2, 3), (4,)])
    check_raises(lambda x, a: ns(x).cov(x, aweights=a.long()), [(2, 3), (3,)])
    check_raises(lambda x, a: ns(x).cov(x, aweights=-a.abs()), [(2, 3), (3,)])


def test_corrcoef(device):
    x = np.random.default_rng(1).standard_normal((4, 7))
    check(lambda x: ns(x).corrcoef(x), [x], device=device)
    check(lambda x: x.corrcoef(), [x[:1]], device=device)
    check(lambda x: ns(x).corrcoef(x), [x[0]], device=device)


@pytest.mark.parametrize("kwargs", [{"bins": 3}, {"bins": [3, 2], "range": [-1.0, 1.0, -2.0, 2.0], "density": True},
                                    {"bins": [2, 4], "density": True}])
def test_histogramdd(device, kwargs):
    points = np.random.default_rng(2).standard_normal((4, 5, 2))
    weight = np.random.default_rng(3).uniform(0.5, 2.0, (4, 5))
    for with_weight in (False, True):
        ours_weight = {"weight": axonml.tensor(weight, device=device)} if with_weight else {}
        theirs_weight = {"weight": torch.tensor(weight)} if with_weight else {}
        ours = axonml.histogramdd(axonml.tensor(points, device=device), **kwargs, **ours_weight)
        theirs = torch.histogramdd(torch.tensor(points), **kwargs, **theirs_weight)
        assert type(ours).__name__ == "histogramdd" and len(ours.bin_edges) == 2
        assert_close(ours.hist, theirs.hist, "float64", "hist")
        for mine, reference in zip(ours.bin_edges, theirs.bin_edges):
            assert_close(mine, reference, "float64", "bin_edges")


def test_histogramdd_edges_and_errors(device):
    points = np.random.default_rng(4).standard_normal((7, 2)).astype(np.float32)
    edges = [np.array([-1.0, 0.0, 1.0], np.float32), np.array([-3.0, 3.0], np.float32)]
    ours = axonml.histogramdd(axonml.tensor(points, device=device),
                              bins=[axonml.tensor(e, device=device) for e in edges])
    theirs = torch.histogramdd(torch.tensor(points), bins=[torch.tensor(e) for e in edges])
    assert_close(ours.hist, theirs.hist)
    for fn in (lambda m: m.histogramdd(m.ones(5), bins=3), lambda m: m.histogramdd(m.ones(5, 2), bins=[3]),
               lambda m: m.histogramdd(m.ones(5, 2), bins=3, weight=m.ones(4))):
        with pytest.raises(RuntimeError):
            fn(torch)
        with pytest.raises(RuntimeError):
            fn(axonml)
