"""Indexing ops: tensor[index] and tensor[index] = value, gather/scatter, index_select/index_add,
masked_fill/masked_select, take, index_put, nonzero.

An index is parsed once (``_parse_index``) into a NumPy-style tuple of ints, slices, None,
Ellipsis and backend integer arrays (boolean masks become their nonzero() arrays, as in
PyTorch). A basic index gives a view (``Slice``, in ops/shape.py); an advanced one a copy
whose gradient is scattered back with ``setitem_add``, so repeated indices accumulate.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._ext import _autograd
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _backend_of, _check_inplace, _normalize_dim
from ._checks import host_int as _host_int
from .elementwise import broadcast_error, cast, mul
from .shape import Slice, expand

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_reduce", "index_select", "index_add",
           "index_fill", "index_put", "masked_fill", "masked_select", "take", "nonzero", "argwhere"]


# --- parsing an index --------------------------------------------------------------------------

def _index_array(item, xp):
    """A Tensor, list or NumPy array used as an index, as a backend array of integers or bools."""
    if isinstance(item, Tensor):
        data = item._data
        if _backend_of(data) is not xp:
            data = xp.asarray(_backend_of(data).to_numpy(data))
    else:
        host = np.asarray(item)
        if host.size == 0:
            host = host.astype(np.int64)
        data = host if xp.array_type is np.ndarray else xp.asarray(host)
    kind = data.dtype.kind
    if kind == "u" and data.dtype.itemsize == 1:
        data = xp.astype(data, np.bool_)  # uint8 indices are masks, as in PyTorch
    elif kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return data


def _check_bounds(xp, array, size: int, dim: int) -> None:
    """IndexError, as PyTorch raises it, for any entry of array outside [-size, size)."""
    if array.size == 0:
        return
    for bound in (_host_int(xp, xp.max(array, None, False)), _host_int(xp, xp.min(array, None, False))):
        if not -size <= bound < size:
            raise IndexError(f"index {bound} is out of bounds for dimension {dim} with size {size}")


def _parse_index(input: Tensor, index) -> tuple:
    """(a NumPy-style index tuple for the backend, True when it holds no arrays)."""
    if type(index) is not tuple:
        index = (index,)
    data = input._data
    shape, xp = data.shape, _backend_of(data)
    ndim = len(shape)
    items, used = [], 0
    for item in index:
        if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
            items.append(item)
        elif isinstance(item, (numbers.Integral, slice)):
            items.append(item)
            used += 1
        else:
            array = _index_array(item, xp)
            items.append(array)
            used += array.ndim if array.dtype.kind == "b" else 1
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    parsed, basic, dim = [], True, 0
    for item in items:
        if item is Ellipsis:
            dim += ndim - used
            parsed.append(item)
        elif item is None or isinstance(item, (bool, np.bool_)):
            parsed.append(item)
        elif isinstance(item, numbers.Integral):
            size = shape[dim]
            if not -size <= item < size:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size {size}")
            parsed.append(int(item))
            dim += 1
        elif isinstance(item, slice):
            if item.step is not None and item.step <= 0:
                raise ValueError("step must be greater than zero")
            parsed.append(item)
            dim += 1
        elif item.dtype.kind == "b":
            covered = shape[dim:dim + item.ndim]
            if tuple(item.shape) != tuple(covered):
                for k, (m, s) in enumerate(zip(item.shape, covered)):
                    if m != s:
                        raise IndexError(f"The shape of the mask {list(item.shape)} at index {k} does not match "
                                         f"the shape of the indexed tensor {list(shape)} at index {dim + k}")
            parsed.extend(xp.nonzero(item) if item.ndim else (item,))
            basic = False
            dim += item.ndim
        else:
            _check_bounds(xp, item, shape[dim], dim)
            parsed.append(item)
            basic = False
            dim += 1
    parsed = tuple(parsed)
    if not basic and any(type(item) is int for item in parsed) and \
            not any(isinstance(item, (bool, np.bool_)) for item in parsed):
        return _integers_first(parsed), False
    return parsed, basic


class _TwoStep(tuple):
    """(basic, advanced): an index whose integers PyTorch applies before its arrays.

    NumPy counts an integer as an advanced index, so x[:, i, :, 0] would put i's dims first
    (the advanced indices are not adjacent); PyTorch selects with the integers first, then
    indexes the arrays of what is left, where they are adjacent again.
    """


def _integers_first(parsed: tuple) -> _TwoStep:
    def is_array(item):
        return not (item is None or item is Ellipsis or isinstance(item, (int, slice)))
    basic = tuple(slice(None) if is_array(item) else item for item in parsed)
    advanced = tuple(item if is_array(item) or item is Ellipsis else slice(None)
                     for item in parsed if type(item) is not int)
    return _TwoStep((basic, advanced))


def _read(xp, a, index):
    """xp.getitem(a, index) for a plain or a two-step index."""
    if type(index) is _TwoStep:
        return xp.getitem(xp.getitem(a, index[0]), index[1])
    return xp.getitem(a, index)


def _write(xp, a, index, value, accumulate: bool) -> None:
    """a[index] = value (or += value, repeats summed) in place, for a plain or a two-step index."""
    if type(index) is _TwoStep:
        a, index = xp.getitem(a, index[0]), index[1]  # a basic index: a view writing into a
    if accumulate:
        xp.setitem_add(a, index, value)
    else:
        xp.setitem(a, index, value)


# --- tensor[index] ---------------------------------------------------------------------------------

class AdvancedIndex(ArrayFunction):
    """input[index] for an index holding arrays: a copy; the gradient scatters back, summing repeats."""
    _storage_native = True

    def forward(ctx, a, index):
        ctx.input_shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return _read(ctx.xp, a, index)

    def backward(ctx, grad):
        xp = ctx.xp
        grad_input = xp.zeros(ctx.input_shape, ctx.dtype)
        _write(xp, grad_input, ctx.index, grad, True)
        return grad_input, None


def getitem(input: Tensor, index) -> Tensor:
    """Tensor.__getitem__: PyTorch's (NumPy's) basic and advanced indexing."""
    parsed, basic = _parse_index(input, index)
    return apply(Slice if basic else AdvancedIndex, input, parsed)


# --- tensor[index] = value ------------------------------------------------------------------------

class IndexPut(ArrayFunction):
    """input with input[index] set to (or, accumulating, increased by) value, as a new array."""

    def forward(ctx, a, value, index, accumulate):
        xp = ctx.xp
        ctx.index, ctx.accumulate = index, accumulate
        ctx.value_shape = getattr(value, "shape", ())
        out = xp.copy(a)
        _write(xp, out, index, value, accumulate)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        needs_input, needs_value = ctx.needs_input_grad[:2]
        grad_input = grad_value = None
        if needs_input:
            grad_input = grad
            if not ctx.accumulate:
                grad_input = xp.copy(grad)
                _write(xp, grad_input, ctx.index, xp.zeros((), grad.dtype), False)
        if needs_value:
            grad_value = _read(xp, grad, ctx.index)
            missing = len(ctx.value_shape) - grad_value.ndim
            if missing > 0:  # value had leading size-1 dims the indexed region lacks
                grad_value = xp.reshape(grad_value, (1,) * missing + tuple(grad_value.shape))
            grad_value = xp.sum_to(grad_value, tuple(ctx.value_shape))
        return grad_input, grad_value, None, None


def _value_for(input: Tensor, value):
    """value (a Tensor, Python number or nested sequence) as a scalar or a tensor of input's dtype and device."""
    if isinstance(value, Tensor):
        if value._data.dtype != input._data.dtype:
            value = cast(value, input.dtype)
        if value.device != input.device:
            value = value.to(input.device)
        return value
    if isinstance(value, (numbers.Number, np.generic)):
        return input._data.dtype.type(value)
    from ..creation import tensor
    return tensor(value, dtype=input.dtype, device=input.device)


def _index_put(input: Tensor, parsed: tuple, value, accumulate: bool) -> Tensor:
    try:
        return apply(IndexPut, input, value, parsed, accumulate)
    except ValueError as error:
        value_shape = list(value.shape) if isinstance(value, Tensor) else []
        raise RuntimeError(f"shape mismatch: value tensor of shape {value_shape} cannot be broadcast to indexing "
                           f"result ({error})") from None


def setitem(input: Tensor, index, value) -> None:
    """Tensor.__setitem__: write value (broadcast, cast to input's dtype) into input[index], in place.

    Without autograd in play the write goes straight into input's memory; otherwise an
    IndexPut node computes the result and input moves onto it (gradients: zero at the
    written places for input, the indexed gradient for value).
    """
    parsed, _ = _parse_index(input, index)
    value = _value_for(input, value)
    value_requires_grad = isinstance(value, Tensor) and value.requires_grad
    if _autograd.is_grad_enabled() and (input.requires_grad or value_requires_grad):
        input._inplace(_index_put(input, parsed, value, False))
        return
    _check_inplace(input)
    xp = _backend_of(input._data)
    try:
        _write(xp, input._data, parsed, value._data if isinstance(value, Tensor) else value, False)
    except ValueError as error:
        raise RuntimeError(f"shape mismatch: value tensor cannot be broadcast to indexing result ({error})") from None
    input._vc.value += 1


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of input with input[indices] = values (or += values, repeats summed, when accumulate).

    Args:
        indices: a tuple of index tensors (integer or boolean), one per leading dim.
        values: a tensor (or number) broadcastable to the indexed shape.
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    parsed, _ = _parse_index(input, tuple(indices))
    return _index_put(input, parsed, _value_for(input, values), bool(accumulate))


# --- in-place writes through a view ---------------------------------------------------------------

class CopySlices(ArrayFunction):
    """A view's base after an in-place write through the view: base with the view's elements replaced by the
    written values (PyTorch's CopySlices). The memory already holds the result; this records the gradient."""

    _bfloat16_native = True

    def forward(ctx, base, written, positions):
        ctx.positions = positions
        return base

    def backward(ctx, grad):
        xp = ctx.xp
        needs_base, needs_written = ctx.needs_input_grad[:2]
        grad_base = xp.copy(grad)
        flat = xp.reshape(grad_base, (-1,))
        grad_written = xp.getitem(flat, ctx.positions) if needs_written else None
        if not needs_base:
            return None, grad_written, None
        xp.setitem(flat, ctx.positions, xp.zeros((), grad.dtype))
        return grad_base, grad_written, None


def rebase_view(view: Tensor) -> None:
    """After an in-place op on view recorded a graph node, move view's base onto a CopySlices node, so that
    gradients through the base see the write."""
    base = view._base
    positions = _backend_of(base._data).view_index(base._data, view._data)
    rebased = apply(CopySlices, base, view, positions)
    base._node, base._output_nr, base._requires_grad = rebased._node, 0, True


# --- gather and scatter ------------------------------------------------------------------------------

def _check_gather_args(what: str, input: Tensor, dim: int, index: Tensor, src: Tensor | None = None) -> int:
    """PyTorch's checks for gather/scatter: index dtype, ranks, extents and bounds. Returns the axis."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{what}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{what}(): Expected dtype int64 for index")
    axis = _normalize_dim(dim, input.ndim)
    if index.ndim != input.ndim and index.numel():
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if src is not None and src.ndim != index.ndim and index.numel():
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for d in range(index.ndim):
        if d != axis and index.shape[d] > input.shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {axis}")
        if src is not None and index.shape[d] > src.shape[d]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than src {list(src.shape)}")
    xp = _backend_of(index._data)
    if index.numel():
        size = input.shape[axis] if input.ndim else 1
        for bound in (_host_int(xp, xp.max(index._data, None, False)), _host_int(xp, xp.min(index._data, None, False))):
            if not 0 <= bound < size:
                raise RuntimeError(f"index {bound} is out of bounds for dimension {axis} with size {size}")
    return axis


def _leading_block(shape) -> tuple:
    return tuple(slice(0, n) for n in shape)


class Gather(ArrayFunction):
    def forward(ctx, a, index, axis):
        ctx.input_shape, ctx.dtype, ctx.axis = a.shape, a.dtype, axis
        ctx.save_for_backward(index)
        return ctx.xp.take_along_axis(a, index, axis)

    def backward(ctx, grad):
        xp = ctx.xp
        index, = ctx.saved_tensors
        grad_input = xp.zeros(ctx.input_shape, ctx.dtype)
        xp.put_along_axis_add(grad_input, index, grad, ctx.axis)
        return grad_input, None, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j][k] = input[index[i][j][k]][j][k] (for dim=0; likewise for other dims).

    Args:
        input: the source tensor.
        dim: the dim to gather along.
        index: int64 indices, of input's rank and no larger than input along the other dims.
    """
    axis = _check_gather_args("gather", input, dim, index)
    return apply(Gather, input, index, axis)


class Scatter(ArrayFunction):
    """input with input[index[i][j]][j] = src[i][j] (for dim 0); src a tensor or a scalar."""

    def forward(ctx, a, src, index, axis, accumulate):
        xp = ctx.xp
        ctx.axis, ctx.accumulate = axis, accumulate
        ctx.src_shape = getattr(src, "shape", None)  # None: src is a Python number
        ctx.save_for_backward(index)
        block = xp.getitem(src, _leading_block(index.shape)) if ctx.src_shape is not None else \
            xp.full(index.shape, src, a.dtype)
        out = xp.copy(a)
        if accumulate:
            xp.put_along_axis_add(out, index, block, axis)
        else:
            xp.put_along_axis(out, index, block, axis)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        index, = ctx.saved_tensors
        needs_input, needs_src = ctx.needs_input_grad[:2]
        grad_input = grad_src = None
        if needs_input:
            grad_input = grad
            if not ctx.accumulate:
                grad_input = xp.copy(grad)
                xp.put_along_axis(grad_input, index, xp.zeros(index.shape, grad.dtype), ctx.axis)
        if needs_src:
            grad_src = xp.zeros(ctx.src_shape, grad.dtype)
            xp.setitem(grad_src, _leading_block(index.shape), xp.take_along_axis(grad, index, ctx.axis))
        return grad_input, grad_src, None, None, None


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """A copy of input with the entries of src (a tensor, or a number) written at index along dim.

    Args:
        dim: the dim to scatter along.
        index: int64 indices, of input's rank, no larger than src along any dim.
        src: the values (a tensor of input's dtype), or a number; ``value=`` is the keyword form of a number.
        reduce: 'add' or 'multiply' combine src with what is there instead of replacing it (no gradient,
            as in PyTorch; scatter_reduce is the differentiable form).
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            if src._data.dtype != input._data.dtype:
                raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
            axis = _check_gather_args("scatter", input, dim, index, src)
        else:
            from ..creation import full
            axis = _check_gather_args("scatter", input, dim, index)
            src = full(tuple(index.shape), input._data.dtype.type(src).item(), dtype=input.dtype,
                       device=input.device)
        return apply(ScatterReduce, input.detach(), src.detach(), index, axis,
                     "sum" if reduce == "add" else "prod", True)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        axis = _check_gather_args("scatter", input, dim, index, src)
    else:
        axis = _check_gather_args("scatter", input, dim, index)
        src = input._data.dtype.type(src).item()
    return apply(Scatter, input, src, index, axis, False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with the entries of src added at index along dim (repeated indices summed)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter_add(): Expected self.dtype to be equal to src.dtype")
    axis = _check_gather_args("scatter_add", input, dim, index, src)
    return apply(Scatter, input, src, index, axis, True)


def _scatter_reduced(xp, a, block, index, axis, reduce, include_self):
    """a with block (shaped like index) reduced into it at index along axis (torch.scatter_reduce)."""
    out = xp.copy(a)
    if not include_self:
        # the scattered-to positions start from the reduction's identity instead of a's values
        xp.put_along_axis(out, index, xp.full(index.shape, _identity(reduce, a.dtype), a.dtype), axis)
    if reduce in ("sum", "mean"):
        xp.put_along_axis_add(out, index, block, axis)
    else:
        xp.put_along_axis_reduce(out, index, block, axis, reduce)
    if reduce == "mean":
        counts = _scatter_counts(xp, a, index, axis, include_self)
        safe = xp.maximum(counts, 1)
        out = xp.floor_divide(out, safe) if a.dtype.kind in "iu" else xp.div(out, safe)
    return out


def _identity(reduce: str, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind in "fV":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:  # bool
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


def _scatter_counts(xp, a, index, axis, include_self):
    """How many values each position of a reduces: its own (when included) and the scattered ones."""
    counts = xp.full(a.shape, 1 if include_self else 0, a.dtype)
    xp.put_along_axis_add(counts, index, xp.ones(index.shape, a.dtype), axis)
    return counts


class ScatterReduce(ArrayFunction):
    """torch.scatter_reduce: src reduced into a copy of input at index along axis; the gradients are torch's."""

    def forward(ctx, a, src, index, axis, reduce, include_self):
        xp = ctx.xp
        ctx.axis, ctx.reduce, ctx.include_self, ctx.src_shape = axis, reduce, include_self, src.shape
        block = xp.getitem(src, _leading_block(index.shape))
        out = _scatter_reduced(xp, a, block, index, axis, reduce, include_self)
        ctx.save_for_backward(a, block, index, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, block, index, out = ctx.saved_tensors
        axis, reduce, include_self = ctx.axis, ctx.reduce, ctx.include_self
        if reduce == "sum":
            grad_self, grad_block = grad, xp.take_along_axis(grad, index, axis)
        elif reduce == "mean":
            grad_self = xp.div(grad, xp.maximum(_scatter_counts(xp, a, index, axis, include_self), 1))
            grad_block = xp.take_along_axis(grad_self, index, axis)
        elif reduce == "prod":
            grad_self, grad_block = _prod_grads(xp, grad, a, block, index, out, axis, include_self)
        else:
            value = xp.take_along_axis(out, index, axis)
            self_is_result = xp.astype(xp.eq(a, out), grad.dtype)
            block_is_result = xp.astype(xp.eq(block, value), grad.dtype)
            ties = xp.copy(self_is_result)
            xp.put_along_axis_add(ties, index, block_is_result, axis)
            shared = xp.div(grad, ties)
            grad_self = xp.mul(self_is_result, shared)
            grad_block = xp.mul(block_is_result, xp.take_along_axis(shared, index, axis))
        if not include_self:
            grad_self = xp.copy(grad_self)
            xp.put_along_axis(grad_self, index, xp.zeros(index.shape, grad.dtype), axis)
        grad_src = None
        if ctx.needs_input_grad[1]:
            grad_src = xp.zeros(ctx.src_shape, grad.dtype)
            xp.setitem(grad_src, _leading_block(index.shape), grad_block)
        return (grad_self if ctx.needs_input_grad[0] else None), grad_src, None, None, None, None


def _prod_grads(xp, grad, a, block, index, out, axis, include_self):
    """The product's gradients, exact where one factor is zero (torch's formula)."""
    a_is_zero = xp.eq(a, 0)
    masked_self = xp.where(a_is_zero, 1, a)
    masked_self_result = _scatter_reduced(xp, masked_self, block, index, axis, "prod", include_self)
    grad_self = xp.div(xp.mul(grad, masked_self_result), masked_self)
    block_is_zero = xp.eq(block, 0)
    zeros_there = xp.zeros(a.shape, grad.dtype)
    xp.put_along_axis_add(zeros_there, index, xp.astype(block_is_zero, grad.dtype), axis)
    single_zero = xp.logical_and(block_is_zero, xp.eq(xp.take_along_axis(zeros_there, index, axis), 1))
    masked_block_result = _scatter_reduced(xp, a, xp.where(single_zero, 1, block), index, axis, "prod", include_self)
    grad_block = xp.where(single_zero, xp.take_along_axis(xp.mul(grad, masked_block_result), index, axis),
                          xp.div(xp.take_along_axis(xp.mul(grad, out), index, axis),
                                 xp.where(block_is_zero, 1, block)))
    return grad_self, grad_block


_SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of input with src's entries reduced into it at index along dim.

    Args:
        dim: the dim to scatter along.
        index: int64 indices, of input's rank, no larger than src along any dim.
        src: the values, of input's dtype.
        reduce: 'sum', 'prod', 'mean', 'amax' or 'amin'.
        include_self: whether input's own values at the scattered-to positions take part.

    Example::

        >>> axonml.zeros(3).scatter_reduce(0, axonml.tensor([0, 1, 0]), axonml.tensor([5., 2., 3.]), "amax")
        tensor([5., 2., 0.])
    """
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch's older spellings
    if reduce not in _SCATTER_REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    axis = _check_gather_args("scatter_reduce", input, dim, index, src)
    return apply(ScatterReduce, input, src, index, axis, reduce, bool(include_self))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of input with source's slices along dim reduced into the slices index names.

    Slice j of source (along dim) goes to slice index[j] of input: scatter_reduce with index
    broadcast across the other dims, so the gradients are scatter_reduce's.

    Args:
        dim: the dim to reduce along.
        index: a 1-d integer tensor, one entry per slice of source.
        source: the values, of input's dtype.
        reduce: 'prod', 'mean', 'amax' or 'amin'.
        include_self: whether input's own values at the reduced-into slices take part.
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    axis, data = _vector_index("index_reduce", input, dim, index)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_reduce(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source.ndim != input.ndim and source.numel() > 1:
        raise IndexError("index_reduce_(): Source/destination tensor must have same slice shapes.")
    if source.ndim and source.shape[axis] != data.shape[0]:
        raise RuntimeError(f"index_reduce_(): Number of indices ({data.shape[0]}) should be equal to "
                           f"source.size(dim): ({source.shape[axis]}), for dim: {axis}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_reduce_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "scalar type")
    from ..tensor import _make
    xp = _backend_of(input._data)
    along = xp.reshape(xp.astype(data, np.int64), tuple(-1 if d == axis else 1 for d in range(source.ndim)))
    spread = _make(xp.copy(xp.broadcast_to(along, tuple(source.shape))))
    return apply(ScatterReduce, input, source, spread, axis, reduce, bool(include_self))


# --- index_select, index_add, index_fill, take --------------------------------------------------------

def _vector_index(what: str, input: Tensor, dim: int, index: Tensor) -> tuple:
    """(axis, index as a 1-D backend array) after PyTorch's checks for index_select/index_add/index_fill."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{what}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.ndim > 1:
        raise IndexError(f"{what}(): Index is supposed to be a vector")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{what}(): Expected dtype int32/int64 for index")
    axis = _normalize_dim(dim, input.ndim)
    size = input.shape[axis] if input.ndim else 1
    xp = _backend_of(input._data)
    data = index._data if index.ndim == 1 else xp.reshape(index._data, (1,))
    if index.numel():
        for bound in (_host_int(xp, xp.max(data, None, False)), _host_int(xp, xp.min(data, None, False))):
            if not 0 <= bound < size:
                raise IndexError(f"{what}(): index {bound} is out of bounds for dimension {axis} with size {size}")
    return axis, data


class IndexSelect(ArrayFunction):
    _storage_native = True

    def forward(ctx, a, axis, index):
        ctx.input_shape, ctx.dtype, ctx.axis, ctx.index = a.shape, a.dtype, axis, index
        return ctx.xp.getitem(a, (slice(None),) * axis + (index,))

    def backward(ctx, grad):
        xp = ctx.xp
        grad_input = xp.zeros(ctx.input_shape, ctx.dtype)
        xp.index_add(grad_input, ctx.axis, ctx.index, grad)
        return grad_input, None, None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of input at positions index (a 1-D integer tensor) along dim."""
    axis, data = _vector_index("index_select", input, dim, index)
    if input.ndim == 0:
        return apply(IndexSelect, input.reshape(1), 0, data).reshape(())
    return apply(IndexSelect, input, axis, data)


class IndexAdd(ArrayFunction):
    def forward(ctx, a, axis, index, source):
        ctx.axis, ctx.index = axis, index
        out = ctx.xp.copy(a)
        ctx.xp.index_add(out, axis, index, source)
        return out

    def backward(ctx, grad):
        needs_input, needs_source = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        grad_source = ctx.xp.getitem(grad, (slice(None),) * ctx.axis + (ctx.index,)) if needs_source else None
        return (grad if needs_input else None), None, None, grad_source


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of input with alpha * source added at positions index along dim (repeats summed)."""
    axis, data = _vector_index("index_add", input, dim, index)
    if source.ndim != input.ndim and source.numel() > 1:
        raise IndexError("index_add_(): Source/destination tensor must have same slice shapes.")
    expected = tuple(input.shape[:axis]) + (len(data),) + tuple(input.shape[axis + 1:])
    if tuple(source.shape) != expected and source.ndim:
        raise RuntimeError(f"index_add_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {list(expected)}, source slice shape: {list(source.shape)}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "scalar type")
    if alpha != 1:
        source = mul(source, alpha)
    return apply(IndexAdd, input, axis, data, source)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of input with value (a number or a 0-d tensor) written at positions index along dim."""
    axis, data = _vector_index("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    return _index_put(input, (slice(None),) * axis + (data,), _value_for(input, value), False)


def take(input: Tensor, index: Tensor) -> Tensor:
    """The entries of input, seen as 1-D, at index (any shape; the output has index's shape)."""
    flat = input.reshape(-1)
    parsed, _ = _parse_index(flat, (index,))
    if index._data.dtype.kind == "b":
        raise IndexError("take(): Expected a long tensor for index, but got Bool")
    return apply(AdvancedIndex, flat, parsed)


# --- masks -------------------------------------------------------------------------------------------

class MaskedFill(ArrayFunction):
    def forward(ctx, a, mask, value):
        xp = ctx.xp
        ctx.input_shape, ctx.mask = a.shape, mask
        value_array = value if hasattr(value, "shape") else xp.full((), value, a.dtype)
        return xp.where(mask, value_array, a)

    def backward(ctx, grad):
        xp = ctx.xp
        zero = xp.zeros((), grad.dtype)
        needs_input, needs_value = ctx.needs_input_grad[0], ctx.needs_input_grad[2]
        grad_input = xp.sum_to(xp.where(ctx.mask, zero, grad), ctx.input_shape) if needs_input else None
        grad_value = xp.sum(xp.where(ctx.mask, grad, zero), None, False) if needs_value else None
        return grad_input, None, grad_value


def _check_mask(what: str, mask) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{what}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{what} only supports boolean masks, but got mask with dtype {mask.dtype}")


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """input with value (a number or a 0-d tensor) wherever mask (bool, broadcastable) is True."""
    _check_mask("masked_fill_", mask)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        value = value if value.dtype == input.dtype else cast(value, input.dtype)
    else:
        value = input._data.dtype.type(value).item()
    try:
        return apply(MaskedFill, input, mask._data if _backend_of(mask._data) is _backend_of(input._data)
                     else mask.to(input.device)._data, value)
    except ValueError:
        raise RuntimeError(broadcast_error(tuple(input.shape), tuple(mask.shape))) from None


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The entries of input (broadcast with mask) where mask is True, as a 1-D tensor."""
    _check_mask("masked_select", mask)
    try:
        shape = tuple(np.broadcast_shapes(tuple(input.shape), tuple(mask.shape)))
    except ValueError:
        raise RuntimeError(broadcast_error(tuple(input.shape), tuple(mask.shape))) from None
    source = input if tuple(input.shape) == shape else expand(input, shape)
    mask = mask if tuple(mask.shape) == shape else expand(mask, shape)
    xp = _backend_of(source._data)
    return apply(AdvancedIndex, source, tuple(xp.nonzero(mask._data)) if shape else (mask._data,))


# --- nonzero -------------------------------------------------------------------------------------------

def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of input's nonzero entries: an (n, ndim) int64 tensor, or (as_tuple) one 1-D tensor per dim."""
    from ..tensor import _make
    xp = _backend_of(input._data)
    data = input._data if input.ndim else xp.reshape(input._data, (1,))
    columns = [xp.astype(c, np.int64) for c in xp.nonzero(data)]
    if as_tuple:
        return tuple(_make(c) for c in columns) if input.ndim else (_make(columns[0]),)
    if not input.ndim:
        return _make(xp.zeros((columns[0].shape[0], 0), np.int64))
    return _make(xp.stack(columns, 1))


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input) as an (n, ndim) tensor."""
    return nonzero(input)
