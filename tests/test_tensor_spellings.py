"""Tensor methods that are other spellings of existing ops: in-place comparisons, logical and bitwise ops,
size and layout queries, H/mH/adjoint, sum_to_size, apply_/map_/map2_ — each against torch."""
import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import assert_close, check

A = np.array([[1.0, -2.0, 3.0], [0.5, 2.0, -1.0]], dtype=np.float32)
B = np.array([[1.0, 2.0, 0.0], [0.5, -2.0, -1.0]], dtype=np.float32)


@pytest.mark.parametrize("name", ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_",
                                  "less_equal_", "not_equal_", "logical_and_", "logical_or_", "logical_xor_"])
def test_inplace_comparisons_and_logical_ops(name, device):
    ours, theirs = axonml.from_numpy(A.copy()).to(device), torch.from_numpy(A.copy())
    assert getattr(ours, name)(axonml.from_numpy(B).to(device)) is ours
    getattr(theirs, name)(torch.from_numpy(B))
    assert_close(ours, theirs)


@pytest.mark.parametrize("name", ["bitwise_and_", "bitwise_or_", "bitwise_xor_"])
def test_inplace_bitwise_ops(name, device):
    a, b = np.array([5, 12, -3], dtype=np.int64), np.array([3, 10, 7], dtype=np.int64)
    ours, theirs = axonml.from_numpy(a.copy()).to(device), torch.from_numpy(a.copy())
    getattr(ours, name)(axonml.from_numpy(b).to(device))
    getattr(theirs, name)(torch.from_numpy(b))
    assert_close(ours, theirs)
    ours.bitwise_not_(), theirs.bitwise_not_()
    assert_close(ours, theirs)
    flags = axonml.tensor([True, False]).to(device)
    flags.logical_not_()
    assert flags.tolist() == [False, True]


def test_inplace_comparison_of_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError):
        axonml.ones(3, requires_grad=True).eq_(axonml.ones(3))


def test_size_and_layout_queries_match_torch():
    ours, theirs = axonml.zeros(3, 4, dtype=axonml.float64), torch.zeros(3, 4, dtype=torch.float64)
    for name in ("itemsize", "nbytes", "is_cpu", "output_nr"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.ndimension() == theirs.ndimension()
    assert ours.is_signed() == theirs.is_signed()
    assert axonml.zeros(2, dtype=axonml.uint8).is_signed() is False
    assert ours.is_same_size(axonml.ones(3, 4)) and not ours.is_same_size(axonml.ones(4, 3))
    assert axonml.tensor([2.0]).is_nonzero() and not axonml.tensor(0).is_nonzero()
    for bad in (axonml.tensor([]), axonml.ones(2)):
        with pytest.raises(RuntimeError):
            bad.is_nonzero()
    assert axonml.ones(2).char().dtype == axonml.int8


def test_conjugate_transposes(device):
    check(lambda x: x.H, [(3, 4)], torch_fn=lambda x: x.H, device=device)
    check(lambda x: x.mH, [(2, 3, 4)], torch_fn=lambda x: x.mH, device=device)
    check(lambda x: x.adjoint(), [(2, 3, 4)], torch_fn=lambda x: x.adjoint(), device=device)
    with pytest.raises(RuntimeError):
        axonml.ones(2, 3, 4).H


@pytest.mark.parametrize("shape, size", [((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 4)), ((2, 3, 4), (2, 3, 4)),
                                         ((5, 1, 2), (1, 2)), ((4, 3), (1,))])
def test_sum_to_size(shape, size, device):
    check(lambda x: x.sum_to_size(size), [shape], torch_fn=lambda x: x.sum_to_size(size), device=device)
    check(lambda x: x.sum_to_size(*size), [shape], torch_fn=lambda x: x.sum_to_size(*size), device=device)


def test_sum_to_size_of_a_size_that_does_not_expand_raises():
    with pytest.raises(RuntimeError, match="not expandable"):
        axonml.ones(2, 3).sum_to_size(2, 2)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3).sum_to_size(2, 2)


def test_apply_and_map_match_torch():
    ours, theirs = axonml.from_numpy(A.copy()), torch.from_numpy(A.copy())
    ours.apply_(lambda v: v * v + 1), theirs.apply_(lambda v: v * v + 1)
    assert_close(ours, theirs)
    other = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    ours.map_(axonml.from_numpy(other), lambda a, b: a - b), theirs.map_(torch.from_numpy(other), lambda a, b: a - b)
    assert_close(ours, theirs)
    ours.map2_(axonml.from_numpy(B), axonml.from_numpy(other), lambda a, b, c: a * b + c)
    theirs.map2_(torch.from_numpy(B), torch.from_numpy(other), lambda a, b, c: a * b + c)
    assert_close(ours, theirs)


def test_apply_is_cpu_only(device):
    x = axonml.ones(3).to(device)
    if device == "cpu":
        assert x.apply_(lambda v: v + 1).tolist() == [2.0, 2.0, 2.0]
        return
    with pytest.raises(TypeError, match="only implemented on CPU"):
        x.apply_(lambda v: v)


def test_numpy_array_copies_and_asarray_shares_as_with_torch():
    ours, theirs = axonml.zeros(3), torch.zeros(3)
    np.array(ours)[0], np.array(theirs)[0] = 5.0, 5.0
    assert ours.tolist() == theirs.tolist() == [0.0, 0.0, 0.0]
    np.asarray(ours)[1], np.asarray(theirs)[1] = 7.0, 7.0
    assert ours.tolist() == theirs.tolist() == [0.0, 7.0, 0.0]
