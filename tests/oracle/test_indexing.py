"""Indexing ops against PyTorch: __getitem__/__setitem__, gather/scatter, index_*, masked_*, take, nonzero."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def lib(x):
    return torch if isinstance(x, torch.Tensor) else axonml


def ints(*values):
    return np.array(values, dtype=np.int64)


MASK_ROWS = np.array([True, False, True, True, False])
MASK_FULL = np.random.default_rng(3).random((5, 4)) > 0.5

# --- x[index] ---------------------------------------------------------------------------------------------

GETITEM_CASES = {
    "int": (lambda x: x[1], [(5, 4)]),
    "negative_int": (lambda x: x[-1], [(5, 4)]),
    "two_ints": (lambda x: x[1, -2], [(5, 4)]),
    "slice": (lambda x: x[1:3], [(5, 4)]),
    "slice_step": (lambda x: x[::2], [(5, 4)]),
    "slice_negative_bounds": (lambda x: x[-4:-1, -3::2], [(5, 4)]),
    "slice_out_of_range_clips": (lambda x: x[2:10], [(5, 4)]),
    "empty_slice": (lambda x: x[3:1], [(5, 4)]),
    "none": (lambda x: x[None, 1], [(5, 4)]),
    "none_middle": (lambda x: x[:, None, 1:], [(5, 4)]),
    "ellipsis": (lambda x: x[..., 1], [(2, 3, 4)]),
    "ellipsis_middle": (lambda x: x[1, ..., 2], [(2, 3, 4)]),
    "ellipsis_none": (lambda x: x[..., None], [(2, 3)]),
    "list": (lambda x: x[[0, 2, 4]], [(5, 4)]),
    "list_repeated": (lambda x: x[[0, 2, 2, 0, 2]], [(5, 4)]),
    "tensor_index": (lambda x, i: x[i], [(5, 4), ints(4, 0, 0, -1)]),
    "tensor_index_2d": (lambda x, i: x[i], [(5, 4), np.array([[0, 1], [1, 3]])]),
    "tensor_index_0d": (lambda x, i: x[i], [(5, 4), np.array(3)]),
    "second_dim": (lambda x, i: x[:, i], [(5, 4), ints(3, 0, 3)]),
    "two_arrays": (lambda x, i, j: x[i, j], [(5, 4), ints(0, 4, 4), ints(1, 2, 2)]),
    "arrays_broadcast": (lambda x, i, j: x[i, j], [(5, 4), np.array([[0], [4]]), ints(1, 2, 3)]),
    "arrays_separated": (lambda x, i, j: x[i, :, j], [(3, 4, 5), ints(0, 2), ints(1, 4)]),
    "array_and_slice": (lambda x, i: x[1:, i], [(5, 4), ints(0, 0, 3)]),
    "array_and_int": (lambda x, i: x[i, 2], [(5, 4), ints(1, 1, 3)]),
    "array_none_ellipsis": (lambda x, i: x[None, ..., i], [(2, 3, 4), ints(3, 1)]),
    "mask_rows": (lambda x, m: x[m], [(5, 4), MASK_ROWS]),
    "mask_full": (lambda x, m: x[m], [(5, 4), MASK_FULL]),
    "mask_second_dim": (lambda x, m: x[:, m], [(4, 5), MASK_ROWS]),
    "mask_list": (lambda x: x[[True, False, True, False, True]], [(5, 4)]),
    "mask_and_int": (lambda x, m: x[m, 1], [(5, 4), MASK_ROWS]),
    "int_dtype_int32": (lambda x, i: x[i], [(5, 4), np.array([1, 3], dtype=np.int32)]),
    # integers are applied before the arrays (PyTorch), not counted as advanced indices (NumPy)
    "int_slice_array": (lambda x, i: x[1, :, i], [(3, 4, 5), ints(0, 4)]),
    "slice_array_slice_int": (lambda x, i: x[:, i, :, 1], [(3, 4, 5, 2), ints(0, 2)]),
    "int_array_int_array": (lambda x, i, j: x[i, 1, j, 0], [(3, 4, 5, 2), ints(0, 2), np.array([[1], [4]])]),
    "ellipsis_array_int": (lambda x, i: x[..., i, 2, :], [(2, 3, 4, 5), ints(2, 0)]),
    "none_array_int": (lambda x, i: x[None, 1, i, None], [(3, 4, 5), ints(1, 1, 2)]),
}


@pytest.mark.parametrize("name", list(GETITEM_CASES))
def test_getitem(name, device):
    fn, inputs = GETITEM_CASES[name]
    check(fn, inputs, device=device)


@pytest.mark.parametrize("name", list(GETITEM_CASES))
def test_getitem_gradcheck(name):
    fn, inputs = GETITEM_CASES[name]
    rng = np.random.default_rng(0)
    args = [axonml.tensor(rng.standard_normal(s), dtype=axonml.float64, requires_grad=True) if isinstance(s, tuple)
            else axonml.from_numpy(s) for s in inputs]
    assert gradcheck(fn, args)


def test_repeated_indices_accumulate_gradient():
    x = axonml.zeros(4, requires_grad=True)
    x[[1, 1, 1, 3]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 1])


def test_basic_index_is_a_view_and_advanced_is_a_copy():
    x = axonml.zeros(3, 4)
    x[1][2:].add_(5.0)
    x[[0]].add_(7.0)
    x[x.numpy() > 100].add_(1.0)
    expected = np.zeros((3, 4), np.float32)
    expected[1, 2:] = 5
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 1


# --- x[index] = value ---------------------------------------------------------------------------------------

def _setter(index, value_shape=None, scalar=2.5):
    """fn(x[, v]) writing into a non-leaf copy of x, so both x and v get gradients."""
    if value_shape is None:
        def fn(x):
            y = x * 1
            y[index] = scalar
            return y
        return fn

    def fn(x, v):
        y = x * 1
        y[index] = v * 3
        return y
    return fn


SETITEM_CASES = {
    "int_scalar": (1, None),
    "slice_scalar": ((slice(1, None, 2), slice(None, 2)), None),
    "row_tensor": (2, (4,)),
    "row_broadcast": (2, (1,)),
    "column": ((slice(None), 1), (5,)),
    "block_broadcast": ((slice(1, 3), slice(None)), (4,)),
    "leading_ones": (0, (1, 4)),
    "ellipsis": ((Ellipsis, 0), (5,)),
    "advanced": (([0, 3],), (2, 4)),
    "advanced_pairs": (([0, 3, 4], [1, 1, 0]), (3,)),
    "advanced_scalar": (([4, 0],), None),
    "advanced_and_slice": ((slice(None), [3, 0]), (5, 2)),
    "mask_scalar": ((MASK_ROWS,), None),
    "mask_rows_value": ((MASK_ROWS,), (4,)),
}


def _torch_index(index):
    return tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in
                 (index if isinstance(index, tuple) else (index,)))


def _axonml_index(index):
    return tuple(axonml.from_numpy(i) if isinstance(i, np.ndarray) else i for i in
                 (index if isinstance(index, tuple) else (index,)))


@pytest.mark.parametrize("name", list(SETITEM_CASES))
def test_setitem(name, device):
    index, value_shape = SETITEM_CASES[name]
    inputs = [(5, 4)] + ([value_shape] if value_shape else [])
    check(_setter(_axonml_index(index), value_shape), inputs, torch_fn=_setter(_torch_index(index), value_shape),
          device=device)


@pytest.mark.parametrize("name", list(SETITEM_CASES))
def test_setitem_gradcheck(name):
    index, value_shape = SETITEM_CASES[name]
    rng = np.random.default_rng(0)
    shapes = [(5, 4)] + ([value_shape] if value_shape else [])
    args = [axonml.tensor(rng.standard_normal(s), dtype=axonml.float64, requires_grad=True) for s in shapes]
    assert gradcheck(_setter(_axonml_index(index), value_shape), args)


def test_setitem_without_grad_writes_memory_and_bumps_version():
    for lib_ in (torch, axonml):
        x = lib_.zeros(3, 4)
        v = x[1]
        x[1, 2] = 5
        x[:, 0] = lib_.tensor([1.0, 2.0, 3.0])
        x[[2, 2]] = 7
        assert x._version == 3 and v._version == 3
        assert float(v[2]) == 5.0
        assert x.numpy()[2].tolist() == [7.0] * 4


def test_setitem_casts_value_to_destination_dtype():
    x = axonml.zeros(3, dtype=axonml.int64)
    x[0] = 2.7
    x[1:] = axonml.tensor([1.9, -1.9])
    t = torch.zeros(3, dtype=torch.int64)
    t[0] = 2.7
    t[1:] = torch.tensor([1.9, -1.9])
    assert x.tolist() == t.tolist()


def test_setitem_with_grad_through_value_only():
    w = axonml.tensor([1.0, 2.0], requires_grad=True)
    x = axonml.zeros(4)
    x[1:3] = w * w
    assert x.requires_grad and x.grad_fn is not None
    x.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])


def test_augmented_assignment_through_index():
    for lib_ in (torch, axonml):
        x = lib_.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y[1:] += 10
        y[[0, 0]] *= 3
        y.sum().backward()
        if lib_ is torch:
            expected = (y.detach().numpy().copy(), x.grad.numpy().copy())
        else:
            np.testing.assert_allclose(y.detach().numpy(), expected[0])
            np.testing.assert_allclose(x.grad.numpy(), expected[1])


def test_setitem_on_leaf_requiring_grad_raises():
    x = axonml.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0
    with axonml.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


# --- gather, scatter, index_*, masked_*, take ------------------------------------------------------------------

GATHER_INDEX = np.array([[0, 3, 3], [2, 1, 0], [4, 4, 1]])

OP_CASES = {
    "gather_dim0": (lambda x, i: x.gather(0, i), [(5, 4), GATHER_INDEX]),
    "gather_dim1": (lambda x, i: lib(x).gather(x, 1, i), [(3, 5), GATHER_INDEX]),
    "gather_neg_dim": (lambda x, i: x.gather(-1, i), [(3, 5), GATHER_INDEX]),
    "gather_3d": (lambda x, i: x.gather(1, i), [(2, 4, 3), np.array([[[0, 3, 1]], [[2, 2, 2]]])]),
    "scatter_src": (lambda x, i, s: x.scatter(1, i, s), [(3, 5), ints(0, 4, 2).reshape(3, 1), (3, 1)]),
    "scatter_2d": (lambda x, i, s: lib(x).scatter(x, 0, i, s), [(5, 3), np.array([[0, 1, 2], [4, 3, 1]]), (2, 3)]),
    "scatter_value": (lambda x, i: x.scatter(1, i, 1.5), [(3, 5), np.array([[0, 1], [4, 2], [3, 3]])]),
    "scatter_value_kw": (lambda x, i: x.scatter(0, i, value=-2.0), [(4, 2), np.array([[3, 0]])]),
    "scatter_add": (lambda x, i, s: x.scatter_add(1, i, s), [(3, 5), np.array([[0, 0, 1], [4, 4, 4], [2, 3, 2]]),
                                                             (3, 3)]),
    "scatter_add_fn": (lambda x, i, s: lib(x).scatter_add(x, 0, i, s), [(4, 2), np.array([[1, 1], [1, 3]]),
                                                                        (2, 2)]),
    "index_select": (lambda x, i: x.index_select(0, i), [(5, 4), ints(4, 0, 0, 2)]),
    "index_select_dim1": (lambda x, i: lib(x).index_select(x, 1, i), [(3, 4), ints(3, 1)]),
    "index_select_0d": (lambda x, i: x.index_select(1, i), [(3, 4), np.array(2)]),
    "index_add": (lambda x, i, s: x.index_add(0, i, s), [(5, 3), ints(4, 0, 4), (3, 3)]),
    "index_add_alpha": (lambda x, i, s: lib(x).index_add(x, 1, i, s, alpha=-2.0), [(3, 5), ints(1, 1), (3, 2)]),
    "index_fill": (lambda x, i: x.index_fill(1, i, -1.0), [(3, 5), ints(4, 0)]),
    "index_put": (lambda x, i, v: x.index_put((i,), v), [(5, 3), ints(4, 1), (3,)]),
    "index_put_accumulate": (lambda x, i, v: lib(x).index_put(x, (i,), v, accumulate=True),
                             [(5, 3), ints(4, 1, 4), (3, 3)]),
    "masked_fill": (lambda x, m: x.masked_fill(m, 0.5), [(5, 4), MASK_FULL]),
    "masked_fill_broadcast": (lambda x, m: x.masked_fill(m, -1.0), [(4, 5), MASK_ROWS]),
    "masked_fill_grows": (lambda x, m: lib(x).masked_fill(x, m, 2.0), [(5,), np.array([[True] * 5, [False] * 5])]),
    "masked_fill_tensor_value": (lambda x, m, v: x.masked_fill(m, v.sum()), [(5, 4), MASK_FULL, (3,)]),
    "masked_select": (lambda x, m: x.masked_select(m), [(5, 4), MASK_FULL]),
    "masked_select_broadcast": (lambda x, m: lib(x).masked_select(x, m), [(4, 5), MASK_ROWS]),
    "take": (lambda x, i: x.take(i), [(3, 4), np.array([[0, 11], [5, 5]])]),
    "take_negative": (lambda x, i: lib(x).take(x, i), [(3, 4), ints(-1, -12, 3)]),
}


@pytest.mark.parametrize("name", list(OP_CASES))
def test_ops(name, device):
    fn, inputs = OP_CASES[name]
    check(fn, inputs, device=device)


@pytest.mark.parametrize("name", list(OP_CASES))
def test_ops_gradcheck(name):
    fn, inputs = OP_CASES[name]
    rng = np.random.default_rng(0)
    args = [axonml.tensor(rng.standard_normal(s), dtype=axonml.float64, requires_grad=True) if isinstance(s, tuple)
            else axonml.from_numpy(s) for s in inputs]
    assert gradcheck(fn, args)


@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_src_larger_than_index(op):
    """src may be larger than index (only its leading block is used); torch's own backward rejects this case,
    so the forward is compared with torch and the gradients are checked numerically."""
    index = np.array([[0, 1, 2], [4, 3, 1]])
    fn = lambda x, i, s: getattr(x, op)(0, i, s)  # noqa: E731
    check(fn, [(5, 3), index, (3, 4)], grad=False)
    rng = np.random.default_rng(0)
    args = (axonml.tensor(rng.standard_normal((5, 3)), dtype=axonml.float64, requires_grad=True),
            axonml.from_numpy(index),
            axonml.tensor(rng.standard_normal((3, 4)), dtype=axonml.float64, requires_grad=True))
    assert gradcheck(fn, args)


INPLACE_CASES = {
    "scatter_": (lambda x, i, s: (x * 1).scatter_(1, i, s), [(3, 5), ints(0, 4, 2).reshape(3, 1), (3, 1)]),
    "scatter_value_": (lambda x, i: (x * 1).scatter_(1, i, 3.0), [(3, 5), ints(0, 4, 2).reshape(3, 1)]),
    "scatter_add_": (lambda x, i, s: (x * 1).scatter_add_(0, i, s), [(3, 2), np.array([[2, 2], [0, 2]]), (2, 2)]),
    "index_add_": (lambda x, i, s: (x * 1).index_add_(0, i, s), [(5, 3), ints(4, 0, 4), (3, 3)]),
    "index_fill_": (lambda x, i: (x * 1).index_fill_(0, i, 0.0), [(5, 3), ints(4, 0)]),
    "index_put_": (lambda x, i, v: (x * 1).index_put_((i,), v, accumulate=True), [(5, 3), ints(4, 4), (3,)]),
    "masked_fill_": (lambda x, m: (x * 1).masked_fill_(m, 9.0), [(5, 4), MASK_FULL]),
    "tril_": (lambda x: (x * 1).tril_(), [(4, 4)]),
    "triu_": (lambda x: (x * 1).triu_(1), [(4, 4)]),
}


@pytest.mark.parametrize("name", list(INPLACE_CASES))
def test_inplace_ops(name, device):
    fn, inputs = INPLACE_CASES[name]
    check(fn, inputs, device=device)


def test_inplace_ops_bump_version_and_write_memory():
    x = axonml.zeros(3, 4)
    row = x[1]
    x.masked_fill_(axonml.from_numpy(np.eye(3, 4, dtype=bool)), 1.0)
    x.index_fill_(1, axonml.tensor([3]), 2.0)
    x.scatter_(0, axonml.tensor([[2, 2, 2, 2]]), 3.0)
    assert x._version == 3 and row._version == 3
    assert row.tolist() == [0.0, 1.0, 0.0, 2.0]


def test_nonzero_and_argwhere():
    data = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    for make in (lambda lib_, x: lib_.nonzero(x), lambda lib_, x: x.nonzero(), lambda lib_, x: lib_.argwhere(x)):
        a, t = make(axonml, axonml.from_numpy(data)), make(torch, torch.from_numpy(data))
        assert a.dtype == axonml.int64
        np.testing.assert_array_equal(a.numpy(), t.numpy())
    a = axonml.from_numpy(data).nonzero(as_tuple=True)
    t = torch.from_numpy(data).nonzero(as_tuple=True)
    assert len(a) == len(t)
    for ai, ti in zip(a, t):
        np.testing.assert_array_equal(ai.numpy(), ti.numpy())
    assert tuple(axonml.tensor(5.0).nonzero().shape) == tuple(torch.tensor(5.0).nonzero().shape)
    assert tuple(axonml.zeros(2, 3).nonzero().shape) == (0, 2)


# --- errors ----------------------------------------------------------------------------------------------------

ERROR_CASES = {
    "int_out_of_range": (lambda x: x[5], [(3, 4)]),
    "negative_out_of_range": (lambda x: x[-4], [(3, 4)]),
    "second_dim_out_of_range": (lambda x: x[:, 7], [(3, 4)]),
    "negative_step": (lambda x: x[::-1], [(3, 4)]),
    "too_many_indices": (lambda x: x[0, 0, 0], [(3, 4)]),
    "array_out_of_range": (lambda x, i: x[i], [(3, 4), ints(0, 5)]),
    "array_negative_out_of_range": (lambda x, i: x[:, i], [(3, 4), ints(-5)]),
    "float_index": (lambda x, i: x[i], [(3, 4), np.array([0.0])]),
    "mask_shape": (lambda x, m: x[m], [(3, 4), np.array([True, False])]),
    "setitem_shape": (lambda x, v: x.__setitem__(0, v), [(3, 4), (3,)]),
    "gather_out_of_range": (lambda x, i: x.gather(1, i), [(3, 4), np.array([[0], [5], [1]])]),
    "gather_rank": (lambda x, i: x.gather(1, i), [(3, 4), ints(0, 1)]),
    "gather_extent": (lambda x, i: x.gather(0, i), [(3, 2), np.zeros((2, 3), np.int64)]),
    "scatter_out_of_range": (lambda x, i: x.scatter(1, i, 1.0), [(3, 4), np.array([[0], [5], [1]])]),
    "scatter_dtype": (lambda x, i, s: x.scatter(1, i, s.double()), [(3, 4), np.zeros((3, 1), np.int64), (3, 1)]),
    "index_select_matrix": (lambda x, i: x.index_select(1, i), [(3, 4), np.array([[0, 1]])]),
    "index_select_float": (lambda x, i: x.index_select(1, i), [(3, 4), np.array([0.0])]),
    "masked_fill_long_mask": (lambda x, m: x.masked_fill(m, 0.0), [(3, 4), ints(1, 0, 1, 0)]),
    "masked_fill_vector_value": (lambda x, m, v: x.masked_fill(m, v), [(3, 4), np.array([True] * 4), (2,)]),
    "masked_fill_broadcast": (lambda x, m: x.masked_fill(m, 0.0), [(3, 4), np.array([True] * 3)]),
    "masked_select_broadcast": (lambda x, m: x.masked_select(m), [(3, 4), np.array([True] * 3)]),
    "take_out_of_range": (lambda x, i: x.take(i), [(3, 4), ints(12)]),
    "index_add_source_shape": (lambda x, i, s: x.index_add(0, i, s), [(5, 3), ints(0, 1), (3, 3)]),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match_torch(name, device):
    fn, inputs = ERROR_CASES[name]
    check_raises(fn, inputs, device=device)


def test_index_error_message_matches_torch():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        axonml.zeros(3, 4)[5]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        axonml.zeros(3, 4)[:, [0, 7]]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        axonml.zeros(3)[::-1]


SPLIT_INDICES = {
    "int_slice_array": lambda i, j: (1, slice(None), i),
    "slice_array_slice_int": lambda i, j: (slice(None), i, slice(None), 1),
    "int_array_int_array": lambda i, j: (i, 1, j),
}


@pytest.mark.parametrize("name", list(SPLIT_INDICES))
def test_setitem_integers_apply_before_arrays(name, device):
    def setter(index_of, tensor_of):
        def fn(x, value):
            out = x * 1
            out[index_of(tensor_of(ints(0, 2)), tensor_of(np.array([[1], [3]])))] = value
            return out
        return fn

    shape = tuple(torch.zeros(3, 4, 5, 2)[SPLIT_INDICES[name](torch.tensor([0, 2]), torch.tensor([[1], [3]]))].shape)
    check(setter(SPLIT_INDICES[name], axonml.from_numpy), [(3, 4, 5, 2), shape],
          torch_fn=setter(SPLIT_INDICES[name], torch.from_numpy), device=device)


# --- scatter_reduce and scatter(reduce=) ------------------------------------------------------------------------

SCATTER_INDEX = np.array([[0, 0, 1, 2], [1, 0, 0, 0], [2, 2, 2, 1]])
SCATTER_REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", SCATTER_REDUCTIONS)
def test_scatter_reduce(reduce, include_self, device):
    check(lambda x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
          [(4, 4), SCATTER_INDEX, (3, 4)], device=device)
    check(lambda x, i, s: _ns(x).scatter_reduce(x, 1, i, s, reduce, include_self=include_self),
          [(3, 5), SCATTER_INDEX, (3, 4)], device=device)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", SCATTER_REDUCTIONS)
def test_scatter_reduce_integers(reduce, include_self, device):
    x = np.array([[1, 2, 3, 4], [4, 5, 6, 7], [-1, 0, 2, 9]])
    src = np.array([[7, 8, 9, 1], [1, 2, 3, -4], [5, 5, -2, 0]])
    check(lambda a, i, s: a.scatter_reduce(0, i, s, reduce, include_self=include_self), [x, SCATTER_INDEX, src],
          device=device)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
def test_scatter_reduce_ties_and_zeros(reduce, device):
    x = np.array([[1.0, 0.0, 2.0], [3.0, 3.0, -1.0]])
    src = np.array([[3.0, 0.0, 2.0], [3.0, 5.0, 0.0], [3.0, 0.0, -1.0]])
    index = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1]])
    for include_self in (True, False):
        check(lambda a, i, s: a.scatter_reduce(0, i, s, reduce, include_self=include_self), [x, index, src],
              device=device)


def test_scatter_reduce_inplace_and_gradcheck(device):
    check(lambda x, i, s: (x * 1).scatter_reduce_(0, i, s, "amax"), [(4, 4), SCATTER_INDEX, (3, 4)], device=device)
    x = axonml.randn(4, 4, dtype=axonml.float64, requires_grad=True)
    src = axonml.randn(3, 4, dtype=axonml.float64, requires_grad=True)
    index = axonml.from_numpy(SCATTER_INDEX)
    for reduce in SCATTER_REDUCTIONS:
        for include_self in (True, False):
            assert gradcheck(lambda a, s: a.scatter_reduce(0, index, s, reduce, include_self=include_self), (x, src))


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce(reduce, device):
    check(lambda x, i, s: x.scatter(0, i, s, reduce=reduce), [(4, 4), SCATTER_INDEX, (3, 4)], device=device,
          grad=False)
    check(lambda x, i: x.scatter(1, i, 2.5, reduce=reduce), [(3, 4), SCATTER_INDEX[:, :3]], device=device,
          grad=False)
    check(lambda x, i, s: (x * 1).scatter_(0, i, s, reduce=reduce), [np.array([[1, 2, 3, 4]] * 4), SCATTER_INDEX,
                                                                     np.array([[2, 3, 4, 5]] * 3)], device=device)


def test_scatter_reduce_errors(device):
    check_raises(lambda x, i, s: x.scatter_reduce(0, i, s, "add"), [(4, 4), SCATTER_INDEX, (3, 4)], device=device)
    check(lambda x, i, s: x.scatter_reduce(0, i, s, "max"), [(4, 4), SCATTER_INDEX, (3, 4)], device=device, grad=False)
    check_raises(lambda x, i, s: x.scatter(0, i, s, reduce="mean"), [(4, 4), SCATTER_INDEX, (3, 4)], device=device)
    check_raises(lambda x, i, s: x.scatter_reduce(0, i, s.double(), "sum"), [(4, 4), SCATTER_INDEX, (3, 4)],
                 device=device)
    check_raises(lambda x, i, s: x.scatter_reduce(0, i, s, "sum"), [(2, 4), SCATTER_INDEX, (3, 4)], device=device)


def _ns(x):
    return torch if isinstance(x, torch.Tensor) else axonml


INDEX_REDUCE_INDEX = np.array([0, 4, 2, 0, 4])


@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce(reduce, include_self, device):
    check(lambda x, i, s: x.index_reduce(0, i, s, reduce, include_self=include_self),
          [(5, 3), INDEX_REDUCE_INDEX, (5, 3)], device=device)
    check(lambda x, i, s: _ns(x).index_reduce(x, 1, i, s, reduce, include_self=include_self),
          [(2, 6), INDEX_REDUCE_INDEX, (2, 5)], device=device)
    check(lambda x, i, s: (x * 1).index_reduce_(-1, i, s, reduce, include_self=include_self),
          [(2, 5), INDEX_REDUCE_INDEX, (2, 5)], device=device)


@pytest.mark.filterwarnings("ignore:index_reduce")
def test_index_reduce_errors(device):
    check_raises(lambda x, i, s: x.index_reduce(0, i, s, "sum"), [(5, 3), INDEX_REDUCE_INDEX, (5, 3)], device=device)
    check_raises(lambda x, i, s: x.index_reduce(0, i[:2], s, "prod"), [(5, 3), INDEX_REDUCE_INDEX, (5, 3)],
                 device=device)
    check_raises(lambda x, i, s: x.index_reduce(0, i * 3, s, "prod"), [(5, 3), INDEX_REDUCE_INDEX, (5, 3)],
                 device=device)
    check_raises(lambda x, i, s: x.index_reduce(0, i, s.double(), "prod"), [(5, 3), INDEX_REDUCE_INDEX, (5, 3)],
                 device=device)
