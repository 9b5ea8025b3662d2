"""Shape ops: views (view, reshape, transpose, permute, expand, squeeze, ...) and joins/splits (cat, stack, split).

Ops whose output shares memory with their input set ``_is_view``: the output shares the
input's version counter, and on the CPU it is a NumPy view, so an in-place write through it
is seen in the input, as in PyTorch. flip, roll, repeat and cat copy, as in PyTorch.

Functions PyTorch has only as Tensor methods (view, expand, contiguous, repeat, ...) are
defined here without being exported to the ``axonml.*`` namespace.
"""
from __future__ import annotations

import math
import numbers
import warnings

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..autograd.grad_mode import no_grad as _no_grad
from ..tensor import Tensor, _backend_of, _normalize_dim
from .elementwise import cast

__all__ = ["reshape", "transpose", "swapaxes", "swapdims", "permute", "t", "squeeze", "unsqueeze", "flatten",
           "unflatten", "narrow", "select", "movedim", "moveaxis", "clone", "tile", "flip", "fliplr", "flipud", "roll",
           "cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk", "unbind", "tril", "triu",
           "broadcast_to", "diagonal", "diag", "diag_embed", "diagflat", "meshgrid", "repeat_interleave"]


# --- argument helpers ----------------------------------------------------------------------------

def _size_arg(size) -> tuple:
    """PyTorch's *size argument: f(2, 3) and f((2, 3)) alike."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"expected a sequence of integers as size, but got an element of type "
                            f"{type(s).__name__}")
    return tuple(int(s) for s in size)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """shape with its one -1 replaced by what makes numel elements; PyTorch's errors otherwise."""
    inferred = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if inferred is not None:
                raise RuntimeError("only one dimension can be inferred")
            inferred = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if inferred is None:
        if known != numel:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape
    if known == 0 or numel % known:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape[:inferred] + (numel // known,) + shape[inferred + 1:]


def _dims_arg(dims, ndim: int, what: str) -> tuple:
    """A tuple of normalized dims, none repeated."""
    dims = tuple(_normalize_dim(d, ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{what}: duplicate dims are not allowed.")
    return dims


# --- views ---------------------------------------------------------------------------------------

class View(ArrayFunction):
    _is_view = True

    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        out = ctx.xp.view(a, shape)
        if out is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    def backward(ctx, grad):
        return ctx.xp.reshape(grad, ctx.input_shape), None


class Reshape(ArrayFunction):
    """reshape where no view exists: a copy."""
    _storage_native = True

    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return ctx.xp.reshape(a, shape)

    def backward(ctx, grad):
        return ctx.xp.reshape(grad, ctx.input_shape), None


class Permute(ArrayFunction):
    _is_view = True

    def forward(ctx, a, axes):
        ctx.axes = axes
        return ctx.xp.transpose(a, axes)

    def backward(ctx, grad):
        inverse = tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__))
        return ctx.xp.transpose(grad, inverse), None


class Expand(ArrayFunction):
    _is_view = True

    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return ctx.xp.broadcast_to(a, shape)

    def backward(ctx, grad):
        return ctx.xp.sum_to(grad, ctx.input_shape), None


class Slice(ArrayFunction):
    """input[index] for a basic index (ints, slices, None, Ellipsis): a view."""

    _is_view = True

    def forward(ctx, a, index):
        ctx.input_shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return ctx.xp.getitem(a, index)

    def backward(ctx, grad):
        xp = ctx.xp
        grad_input = xp.zeros(ctx.input_shape, ctx.dtype)
        xp.setitem(grad_input, ctx.index, grad)
        return grad_input, None


def view(input: Tensor, *shape) -> Tensor:
    """A tensor sharing input's memory with a new shape (one dim may be -1), or read as another dtype.

    ``view(dtype)`` reinterprets the bytes: the last dim scales by the ratio of the item sizes,
    which needs that dim contiguous (and, towards a wider type, its size, the other strides and
    the offset divisible by the ratio). As in torch, the result does not require grad.

    Raises RuntimeError when input's strides make that impossible; use reshape then.
    """
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(input, shape[0])
    return apply(View, input, _infer_shape(_size_arg(shape), input.numel()))


class ViewDtype(ArrayFunction):
    _is_view = True
    _bfloat16_native = True

    def forward(ctx, a, dtype):
        return ctx.xp.view_dtype(a, dtype)


def _view_dtype(input: Tensor, dtype) -> Tensor:
    source = input.dtype
    old, new = source.itemsize, dtype.itemsize
    what = f"to view {source.scalar_name} as {dtype.scalar_name} (different element sizes)"
    if old != new:
        if input.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if input.stride(-1) != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {input.stride(-1)}")
        if new > old:
            ratio = new // old
            if input.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {input.shape[-1]}")
            offset = _storage_offset(input)
            if offset % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got {offset}")
            for k, stride in enumerate(input.stride()[:-1]):
                if stride % ratio:
                    raise RuntimeError(f"self.stride({k}) must be divisible by {ratio} {what}, but got {stride}")
    with _no_grad():
        return apply(ViewDtype, input, dtype.np)


def _storage_offset(input: Tensor) -> int:
    """input's first element's position in its memory, in elements."""
    data = input._data
    offset = getattr(data, "offset", None)
    if offset is not None:
        return offset
    base = data
    while base.base is not None and isinstance(base.base, type(data)):
        base = base.base
    return (data.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // data.dtype.itemsize


def reshape(input: Tensor, *shape) -> Tensor:
    """input with a new shape: a view when input's strides allow one, else a copy (as torch.reshape).

    Args:
        input: the tensor to reshape.
        shape: the new shape; one dim may be -1 and is inferred.

    Example::

        >>> axonml.arange(6).reshape(2, -1).shape
        axonml.Size([2, 3])
    """
    shape = _infer_shape(_size_arg(shape), input.numel())
    data = input._data
    xp = _backend_of(data)
    if xp.is_contiguous(data) or xp.view(data, shape) is not None:
        return apply(View, input, shape)
    return apply(Reshape, input, shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other.shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other.shape)


def permute(input: Tensor, *dims) -> Tensor:
    """A view of input with its dims reordered: output dim i is input dim dims[i]."""
    dims = _size_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(): number of dimensions in the tensor input does not match the length of the "
                           f"desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    return apply(Permute, input, _dims_arg(dims, input.ndim, "permute()"))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view of input with dims dim0 and dim1 swapped."""
    ndim = input.ndim
    axes = list(range(ndim))
    d0, d1 = _normalize_dim(dim0, ndim), _normalize_dim(dim1, ndim)
    if ndim == 0:
        return apply(Permute, input, ())
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return apply(Permute, input, tuple(axes))


swapaxes = transpose
swapdims = transpose


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-d and 1-d tensors are returned as they are (as views)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else apply(Permute, input, tuple(range(input.ndim)))


def reverse_dims(input: Tensor) -> Tensor:
    """Tensor.T: the dims reversed (deprecated by PyTorch for anything but matrices, and warned about)."""
    if input.ndim != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                      "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                      "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
                      "tensor.", UserWarning, stacklevel=3)
    return apply(Permute, input, tuple(range(input.ndim - 1, -1, -1)))


def matrix_transpose(input: Tensor) -> Tensor:
    """Tensor.mT: the last two dims swapped."""
    if input.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {input.ndim}-D "
                           "tensor.")
    return transpose(input, -2, -1)


def movedim(input: Tensor, source, destination) -> Tensor:
    """A view of input with dims source moved to positions destination (the others keep their order)."""
    ndim = input.ndim
    source = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    destination = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    source = _dims_arg(source, ndim, "movedim")
    destination = _dims_arg(destination, ndim, "movedim")
    order = [None] * ndim
    for s, d in zip(source, destination):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in source)
    axes = tuple(o if o is not None else next(rest) for o in order)
    return apply(Permute, input, axes)


moveaxis = movedim


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view of input with the given sizes (-1 keeps a dim; new dims are added in front)."""
    sizes = _size_arg(sizes)
    shape = tuple(input.shape)
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        if i < lead:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            target.append(size)
            continue
        current = shape[i - lead]
        if size == -1:
            size = current
        elif current != 1 and size != current:
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the existing size ({current}) "
                               f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shape)}")
        target.append(size)
    return apply(Expand, input, tuple(target))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    """input broadcast to size, as a view (torch.broadcast_to)."""
    return expand(input, tuple(size))


def squeeze(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """A view of input without its size-1 dims (only those among dim, an int or a tuple, when given).

    ``axis=`` is NumPy's name for dim, accepted as torch does.
    """
    if axis is not None:
        from .reduce import _numpy_keywords
        dim, _ = _numpy_keywords("squeeze", dim, False, axis, None)
    shape = tuple(input.shape)
    if dim is None:
        dims = range(len(shape))
    elif isinstance(dim, (tuple, list)):
        dims = _dims_arg(dim, len(shape), "squeeze")
    else:
        dims = (_normalize_dim(dim, len(shape)),)
    drop = {d for d in dims if len(shape) and shape[d] == 1}
    return apply(View, input, tuple(s for d, s in enumerate(shape) if d not in drop))


def unsqueeze(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """A view of input with a size-1 dim inserted at position dim (or NumPy's axis=)."""
    if axis is not None or dim is None:
        from .reduce import _required_dim
        dim = _required_dim("unsqueeze", dim, axis)
    shape = list(input.shape)
    shape.insert(_normalize_dim(dim, len(shape) + 1), 1)
    return apply(View, input, tuple(shape))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """input with dims start_dim..end_dim merged into one (a view when strides allow, else a copy)."""
    shape = tuple(input.shape)
    if not shape:
        return reshape(input, (1,))
    start, end = _normalize_dim(start_dim, len(shape)), _normalize_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    merged = math.prod(shape[start:end + 1])
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """A view of input with dim split into sizes (one of them may be -1)."""
    shape = tuple(input.shape)
    d = _normalize_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, shape[d])
    except RuntimeError:
        if sizes.count(-1) > 1:
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[d]}) in the input tensor") from None
    return apply(View, input, shape[:d] + sizes + shape[d + 1:])


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A view of input's entries start..start+length along dim."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _normalize_dim(dim, input.ndim)
    size = input.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return apply(Slice, input, (slice(None),) * d + (slice(start, start + length),))


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """A view of input at position index along dim, that dim removed (input[..., index, ...])."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _normalize_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{d}")
    return apply(Slice, input, (slice(None),) * d + (int(index),))


# --- copies --------------------------------------------------------------------------------------

class Clone(ArrayFunction):
    _storage_native = True

    def forward(ctx, a):
        return ctx.xp.copy(a)

    def backward(ctx, grad):
        return grad


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of input with its own memory; gradients flow back to input."""
    return apply(Clone, input)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """input itself when its memory is C-contiguous, else a contiguous copy."""
    if input.is_contiguous():
        return input
    return apply(Clone, input)


class Repeat(ArrayFunction):
    """Each dim d tiled repeats[d] times: broadcast to (r0, s0, r1, s1, ...) then merged pairwise."""
    _storage_native = True

    def forward(ctx, a, repeats):
        xp = ctx.xp
        shape = (1,) * (len(repeats) - a.ndim) + tuple(a.shape)
        ctx.input_shape, ctx.pairs = a.shape, tuple(x for r, s in zip(repeats, shape) for x in (r, s))
        spread = xp.reshape(a, tuple(x for s in shape for x in (1, s)))
        tiled = xp.copy(xp.broadcast_to(spread, ctx.pairs))
        return xp.reshape(tiled, tuple(r * s for r, s in zip(repeats, shape)))

    def backward(ctx, grad):
        xp = ctx.xp
        pairs = xp.reshape(grad, ctx.pairs)
        summed = xp.sum(pairs, tuple(range(0, len(ctx.pairs), 2)), False)
        return xp.reshape(summed, ctx.input_shape), None


def repeat(input: Tensor, *repeats) -> Tensor:
    """input tiled repeats[d] times along each dim d (Tensor.repeat; more repeats than dims add leading dims)."""
    repeats = _size_arg(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(repeats)}")
    return apply(Repeat, input, repeats)


def tile(input: Tensor, dims) -> Tensor:
    """torch.tile: repeat, with dims padded with leading 1s when shorter than input's dims."""
    dims = _size_arg(tuple(dims))
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


class Flip(ArrayFunction):
    _storage_native = True

    def forward(ctx, a, axes):
        ctx.reversed = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(a.ndim))
        return ctx.xp.copy(ctx.xp.getitem(a, ctx.reversed))

    def backward(ctx, grad):
        return ctx.xp.getitem(grad, ctx.reversed), None


def flip(input: Tensor, dims) -> Tensor:
    """A copy of input with the order of entries reversed along dims."""
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    return apply(Flip, input, set(_dims_arg(dims, input.ndim, "flip")))


def fliplr(input: Tensor) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(ArrayFunction):
    _storage_native = True

    def forward(ctx, a, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return _roll(ctx.xp, a, shifts, axes)

    def backward(ctx, grad):
        return _roll(ctx.xp, grad, tuple(-s for s in ctx.shifts), ctx.axes), None, None


def _roll(xp, a, shifts, axes):
    """a rolled with one concatenate per axis that moves; always a new array."""
    rolled = False
    for shift, axis in zip(shifts, axes):
        size = a.shape[axis]
        if size == 0 or shift % size == 0:
            continue
        cut = size - shift % size
        head = (slice(None),) * axis
        a = xp.concatenate([xp.getitem(a, head + (slice(cut, None),)), xp.getitem(a, head + (slice(0, cut),))], axis)
        rolled = True
    return a if rolled else xp.copy(a)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """input with entries shifted cyclically by shifts along dims (over the flattened tensor when dims is None)."""
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return view(apply(Roll, flatten(input), shifts, (0,)), input.shape)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return apply(Roll, input, tuple(int(s) for s in shifts), tuple(_normalize_dim(d, input.ndim) for d in dims))


class Tril(ArrayFunction):
    def forward(ctx, a, diagonal):
        ctx.diagonal = diagonal
        return ctx.xp.tril(a, diagonal)

    def backward(ctx, grad):
        return ctx.xp.tril(grad, ctx.diagonal), None


class Triu(ArrayFunction):
    def forward(ctx, a, diagonal):
        ctx.diagonal = diagonal
        return ctx.xp.triu(a, diagonal)

    def backward(ctx, grad):
        return ctx.xp.triu(grad, ctx.diagonal), None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (entries above diagonal zeroed)."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply(Tril, input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (entries below diagonal zeroed)."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply(Triu, input, int(diagonal))


# --- joining and splitting -----------------------------------------------------------------------

def _common_dtype(tensors) -> _dtype.dtype:
    result = tensors[0].dtype
    for x in tensors[1:]:
        result = _dtype.promote_types(result, x.dtype)
    return result


def _as_common_dtype(tensors) -> list:
    target = _common_dtype(tensors)
    return [x if x.dtype == target else cast(x, target) for x in tensors]


def _tensor_list(tensors, what: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    return list(tensors)


class Cat(ArrayFunction):
    """Joins the arrays along axis, skipping the legacy 1-D empty ones (which get empty gradients)."""
    _storage_native = True

    def forward(ctx, axis, *arrays):
        ctx.axis = axis
        ctx.sizes = [None if a.shape == (0,) else a.shape[axis] for a in arrays]
        return ctx.xp.concatenate([a for a in arrays if a.shape != (0,)], axis)

    def backward(ctx, grad):
        xp, head = ctx.xp, (slice(None),) * ctx.axis
        grads, start = [None], 0
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            if size is None:
                grads.append(xp.zeros((0,), grad.dtype) if needed else None)
                continue
            grads.append(xp.getitem(grad, head + (slice(start, start + size),)) if needed else None)
            start += size
        return tuple(grads)


def cat(tensors, dim: int = 0) -> Tensor:
    """The tensors joined along dim (an existing dim); dtypes are promoted as in torch.cat.

    1-D empty tensors (shape [0]) are skipped, as PyTorch does for backward compatibility.

    Example::

        >>> axonml.cat([axonml.zeros(2, 3), axonml.ones(1, 3)]).shape
        axonml.Size([3, 3])
    """
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    tensors = _as_common_dtype(tensors)
    kept = [(i, x) for i, x in enumerate(tensors) if tuple(x.shape) != (0,)]
    if not kept:
        return clone(tensors[0])
    reference_index, reference = kept[0]
    axis = _normalize_dim(dim, reference.ndim)
    for i, x in kept[1:]:
        if x.ndim != reference.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {reference.ndim} and {x.ndim}")
        for d in range(reference.ndim):
            if d != axis and x.shape[d] != reference.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size "
                                   f"{reference.shape[d]} but got size {x.shape[d]} for tensor number {i} in the "
                                   "list.")
    return apply(Cat, axis, *tensors)


concat = cat
concatenate = cat


class Stack(ArrayFunction):
    _storage_native = True

    def forward(ctx, axis, *arrays):
        ctx.axis = axis
        return ctx.xp.stack(arrays, axis)

    def backward(ctx, grad):
        xp, head = ctx.xp, (slice(None),) * ctx.axis
        return (None,) + tuple(xp.getitem(grad, head + (i,)) if needed else None
                               for i, needed in enumerate(ctx.needs_input_grad[1:]))


def stack(tensors, dim: int = 0) -> Tensor:
    """The tensors (all of one shape) joined along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tuple(tensors[0].shape)
    for i, x in enumerate(tensors[1:], 1):
        if tuple(x.shape) != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(x.shape)} at entry {i}")
    axis = _normalize_dim(dim, len(shape) + 1)
    return apply(Stack, axis, *_as_common_dtype(tensors))


def hstack(tensors) -> Tensor:
    """Join along dim 1, or dim 0 for 1-D tensors (0-d tensors count as 1-D)."""
    tensors = [x if x.ndim else reshape(x, (1,)) for x in _tensor_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join along dim 0, with 0-d and 1-D tensors made rows first."""
    tensors = _tensor_list(tensors, "vstack")
    return cat([reshape(x, (1, -1)) if x.ndim < 2 else x for x in tensors], 0)


class Split(ArrayFunction):
    _is_view = True

    def forward(ctx, a, sizes, axis):
        xp, head = ctx.xp, (slice(None),) * axis
        ctx.axis = axis
        outs, start = [], 0
        for size in sizes:
            outs.append(xp.getitem(a, head + (slice(start, start + size),)))
            start += size
        return tuple(outs)

    def backward(ctx, *grads):
        return ctx.xp.concatenate(grads, ctx.axis), None, None


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of tensor's consecutive pieces along dim: of split_size each (the last may be smaller), or of the
    given list of sizes."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    axis = _normalize_dim(dim, tensor.ndim)
    size = tensor.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0:
            if size != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of "
                                   f"{size}")
            sizes = (0,)
        else:
            sizes = tuple(min(step, size - start) for start in range(0, size, step)) or (0,)
    else:
        sizes = tuple(int(s) for s in split_size_or_sections)
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {axis}), but got split_sizes={list(sizes)}")
    out = apply(Split, tensor, sizes, axis)
    return out if isinstance(out, tuple) else (out,)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Up to chunks views of equal size along dim (the last may be smaller), as torch.chunk."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = input.shape[_normalize_dim(dim, input.ndim)]
    return split(input, -(-size // chunks) if size else [0] * chunks, dim)


class Unbind(ArrayFunction):
    _is_view = True

    def forward(ctx, a, axis):
        xp, head = ctx.xp, (slice(None),) * axis
        ctx.axis = axis
        return tuple(xp.getitem(a, head + (i,)) for i in range(a.shape[axis]))

    def backward(ctx, *grads):
        return ctx.xp.stack(grads, ctx.axis), None


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Views of input's slices along dim, that dim removed."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    axis = _normalize_dim(dim, input.ndim)
    if input.shape[axis] == 0:
        return ()
    out = apply(Unbind, input, axis)
    return out if isinstance(out, tuple) else (out,)


# --- diagonals, sliding windows, meshgrid -------------------------------------------------------------

def _diagonal_view(xp, a, offset: int, axis1: int, axis2: int):
    """The view of a's diagonal `offset` over axes (axis1, axis2), appended as the last axis (torch.diagonal)."""
    others = [d for d in range(a.ndim) if d not in (axis1, axis2)]
    moved = xp.transpose(a, tuple(others) + (axis1, axis2))
    lead = (slice(None),) * len(others)
    moved = xp.getitem(moved, lead + ((slice(None), slice(offset, None)) if offset >= 0 else
                                      (slice(-offset, None), slice(None))))
    rows, columns = moved.shape[-2:]
    strides = [s // moved.itemsize for s in moved.strides]
    return xp.as_strided(moved, tuple(moved.shape[:-2]) + (min(rows, columns),),
                         tuple(strides[:-2]) + (strides[-2] + strides[-1],), 0)


class Diagonal(ArrayFunction):
    """A view of one diagonal; its gradient is the gradient written onto that diagonal of zeros."""

    _is_view = True

    def forward(ctx, a, offset, axis1, axis2):
        ctx.shape, ctx.args = a.shape, (offset, axis1, axis2)
        return _diagonal_view(ctx.xp, a, offset, axis1, axis2)

    def backward(ctx, grad):
        xp = ctx.xp
        grad_input = xp.zeros(ctx.shape, grad.dtype)
        xp.copy_into(_diagonal_view(xp, grad_input, *ctx.args), grad)
        return grad_input, None, None, None


class DiagEmbed(ArrayFunction):
    """A new array of zeros with a's last axis written onto a diagonal over two new axes."""

    def forward(ctx, a, offset, axis1, axis2, shape):
        xp = ctx.xp
        ctx.args = (offset, axis1, axis2)
        out = xp.zeros(shape, a.dtype)
        xp.copy_into(_diagonal_view(xp, out, offset, axis1, axis2), a)
        return out

    def backward(ctx, grad):
        return ctx.xp.copy(_diagonal_view(ctx.xp, grad, *ctx.args)), None, None, None, None


def _diagonal_axes(name: str, ndim: int, dim1: int, dim2: int) -> tuple:
    axis1, axis2 = _normalize_dim(dim1, ndim), _normalize_dim(dim2, ndim)
    if axis1 == axis2:
        raise RuntimeError(f"{name}(): dimensions cannot be identical {dim1}, {dim2}")
    return axis1, axis2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal of input over dims (dim1, dim2), appended as the last dim.

    Args:
        offset: 0 for the main diagonal, > 0 above it, < 0 below it.
        dim1, dim2: the two dims the diagonal runs over.

    Example::

        >>> axonml.arange(9.).reshape(3, 3).diagonal(1)
        tensor([1., 5.])
    """
    axis1, axis2 = _diagonal_axes("diagonal", input.ndim, dim1, dim2)
    return apply(Diagonal, input, int(offset), axis1, axis2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose diagonals over dims (dim1, dim2) hold input's last dim; zeros elsewhere.

    The result has one dim more than input; dims dim1 and dim2 have size
    input.shape[-1] + abs(offset).
    """
    ndim = input.ndim + 1
    axis1, axis2 = _diagonal_axes("diag_embed", ndim, dim1, dim2)
    size = (input.shape[-1] if input.ndim else 1) + abs(int(offset))
    rest = iter(tuple(input.shape[:-1]))
    shape = tuple(size if d in (axis1, axis2) else next(rest) for d in range(ndim))
    source = input if input.ndim else input.reshape(1)
    return apply(DiagEmbed, source, int(offset), axis1, axis2, shape)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d input as the diagonal of a square matrix; the diagonal of a 2-d input, as a new tensor."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return clone(apply(Diagonal, input, int(diagonal), 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """input flattened onto diagonal `offset` of a square matrix, zeros elsewhere."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


class Unfold(ArrayFunction):
    """Windows of `size` elements every `step` along axis, as a new last dim: a strided view.

    Windows overlap when step < size, so the gradient adds each window position back in turn.
    """

    _is_view = True

    def forward(ctx, a, axis, size, step):
        xp = ctx.xp
        ctx.shape, ctx.axis, ctx.size, ctx.step = a.shape, axis, size, step
        count = (a.shape[axis] - size) // step + 1
        strides = [s // a.itemsize for s in a.strides]
        shape = tuple(count if d == axis else n for d, n in enumerate(a.shape)) + (size,)
        return xp.as_strided(a, shape, tuple(s * step if d == axis else s for d, s in enumerate(strides))
                             + (strides[axis],), 0)

    def backward(ctx, grad):
        xp = ctx.xp
        axis, size, step = ctx.axis, ctx.size, ctx.step
        count = grad.shape[axis]
        grad_input = xp.zeros(ctx.shape, grad.dtype)
        lead = (slice(None),) * axis
        for k in range(size):
            window = xp.getitem(grad, (slice(None),) * (grad.ndim - 1) + (k,))
            target = xp.getitem(grad_input, lead + (slice(k, k + step * (count - 1) + 1, step),))
            xp.add_into(target, window)
        return grad_input, None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: a view of the windows of `size` elements taken every `step` along dimension.

    The windows become a new last dim; dimension shrinks to (input.size(dimension) - size) // step + 1.

    Example::

        >>> axonml.arange(7.).unfold(0, 3, 2)
        tensor([[0., 1., 2.],
                [2., 3., 4.],
                [4., 5., 6.]])
    """
    if input.ndim == 0:
        if size > 1:
            raise RuntimeError(f"maximum size for tensor at dimension 0 is 1 but size is {size}")
        if step <= 0:
            raise RuntimeError(f"step is {step} but must be > 0")
        return apply(Unfold, input.reshape(1), 0, int(size), int(step)).reshape(1)
    axis = _normalize_dim(dimension, input.ndim)
    if size > input.shape[axis]:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {input.shape[axis]} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return apply(Unfold, input, axis, int(size), int(step))


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-d tensors: output i varies along dim i ('ij'), or with the first two dims
    swapped ('xy', Cartesian). The outputs are expanded views of the inputs.

    Example::

        >>> x, y = axonml.meshgrid(axonml.tensor([1, 2, 3]), axonml.tensor([4, 5]), indexing="ij")
        >>> x.shape
        axonml.Size([3, 2])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): expected Tensor as element, but got {type(t).__name__}")
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype.")
        if t.device != first.device:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same device.")
    sizes = [t.numel() for t in tensors]
    positions = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
        positions[0], positions[1] = 1, 0
    grids = []
    for t, position in zip(tensors, positions):
        shape = tuple(-1 if d == position else 1 for d in range(len(tensors)))
        grids.append(expand(reshape(t, shape), tuple(sizes)))
    return tuple(grids)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each element (each slice along dim) repeated repeats times, in place of the original.

    Args:
        input: the tensor; flattened first when dim is None.
        repeats: an int, or a 1-d integer tensor with one count per element (slice).
        dim: the dim to repeat along.
        output_size: the total length along dim, when known (saves reading the counts back).

    ``repeat_interleave(counts)`` (a 1-d integer tensor alone) gives 0, 1, ... each repeated counts[i] times.

    Example::

        >>> axonml.tensor([[1, 2], [3, 4]]).repeat_interleave(axonml.tensor([1, 2]), dim=0)
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
    """
    from ..creation import arange, full
    from .indexing import index_select
    from .sort import searchsorted
    if repeats is None:
        if not isinstance(input, Tensor):
            raise TypeError(f"repeat_interleave(): argument 'repeats' must be Tensor, not {type(input).__name__}")
        return _repeat_positions(input, output_size, arange, searchsorted)
    if dim is None:
        input, axis = input.reshape(-1), 0
    else:
        axis = _normalize_dim(dim, input.ndim)
    length = input.shape[axis] if input.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.ndim == 0 or repeats.numel() == 1:
            repeats = int(repeats.reshape(()).item())
        elif repeats.numel() != length:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{repeats.numel()} and input.size({axis}) = {length}")
    if not isinstance(repeats, Tensor):
        if not isinstance(repeats, numbers.Integral):
            raise TypeError(f"repeat_interleave(): argument 'repeats' must be int or Tensor, not "
                            f"{type(repeats).__name__}")
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        repeats = full((length,), int(repeats), dtype=_dtype.int64, device=input.device)
    elif repeats.device != input.device:
        repeats = repeats.to(input.device)
    index = _repeat_positions(repeats, output_size, arange, searchsorted)
    if input.ndim == 0:
        return index_select(input.reshape(1), 0, index)
    return index_select(input, axis, index)


def _repeat_positions(counts: Tensor, output_size, arange, searchsorted) -> Tensor:
    """0, 1, ..., len(counts) - 1, position i repeated counts[i] times (an int64 tensor of counts' device)."""
    if counts.ndim != 1 or counts._data.dtype.kind not in "iu":
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat" if counts.ndim != 1 else
                           f"repeats has to be Long or Int tensor, got {counts.dtype}")
    counts = counts.detach().long()
    if counts.numel() and int(counts.min().item()) < 0:
        raise RuntimeError("repeats can not be negative")
    ends = counts.cumsum(0)
    total = int(ends[-1].item()) if counts.numel() else 0
    if output_size is not None and output_size != total:
        raise RuntimeError(f"allocated size does not match required size")
    return searchsorted(ends, arange(total, device=counts.device), right=True)
