"""NumPy indexing on device arrays: basic indices are views; advanced ones gather and scatter.

An advanced index is reduced to one int64 array of element offsets (the sum, over the index
arrays, of index * stride, broadcast together), placed where NumPy places the advanced dims.
Reading is then one ``gather`` launch and writing one ``scatter`` (or atomic ``scatter_add``).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._array import CLArray
from ._layout import broadcast_strides, coalesce, contiguous_strides, layout_arg, scalar_layout, shape_arg

__all__ = ["getitem", "setitem", "take_along_axis", "put_along_axis", "index_add", "triangle", "nonzero"]

_INT64 = np.dtype(np.int64)
_ATOMIC = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3, np.dtype(np.int64): 4}


def _atomic_kind(backend, dtype) -> int:
    """Which atomic add scatter_add uses for dtype (0: none; 64-bit ones need cl_khr_int64_base_atomics)."""
    kind = _ATOMIC.get(np.dtype(dtype), 0)
    if kind in (2, 4) and not backend.has_int64_atomics:
        return 0
    return kind


def _defines(backend, dtype) -> tuple:
    return (("T", backend._ctype(dtype)), ("ATOMIC", _atomic_kind(backend, dtype))) + backend._type_defines(dtype)


def _items(backend, a, index) -> list:
    """The index as a list of None, Ellipsis, slices, ints and int64 device arrays (masks expanded)."""
    if type(index) is not tuple:
        index = (index,)
    items = []
    for item in index:
        if item is None or item is Ellipsis or isinstance(item, slice):
            items.append(item)
        elif isinstance(item, (bool, np.bool_)):
            items.extend(_bool_scalar(backend, bool(item)))
        elif isinstance(item, numbers.Integral):
            items.append(int(item))
        else:
            array = item if isinstance(item, CLArray) else backend.asarray(_host_index(item))
            if array.dtype == np.bool_:
                if array.ndim == 0:
                    items.extend(_bool_scalar(backend, bool(backend.to_numpy(array))))
                else:
                    items.extend(nonzero(backend, array))
            elif array.dtype.kind in "iu":
                items.append(backend.astype(array, _INT64))
            else:
                raise IndexError("arrays used as indices must be of integer (or boolean) type")
    return items


def _host_index(item):
    host = np.asarray(item)
    return host.astype(np.int64) if host.size == 0 and host.dtype.kind in "fV" else host


def _bool_scalar(backend, value: bool) -> list:
    """NumPy's a[True] / a[False]: a new axis indexed by [0] or by nothing."""
    return [None, backend.asarray(np.zeros(1 if value else 0, np.int64))]


def _resolve(backend, a, index):
    """(view shape, view strides, view offset, [(view dim, int or array)] advanced entries)."""
    items = _items(backend, a, index)
    advanced = any(isinstance(item, CLArray) for item in items)
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if consumed > a.ndim:
        raise IndexError(f"too many indices for array: array is {a.ndim}-dimensional, but {consumed} were indexed")
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (a.ndim - consumed)
    else:
        items += [slice(None)] * (a.ndim - consumed)
    shape, strides, offset, entries, dim = [], [], a.offset, [], 0
    for item in items:
        if item is None:
            shape.append(1)
            strides.append(0)
            continue
        if dim >= a.ndim:
            break
        n, stride = a.shape[dim], a.estrides[dim]
        if isinstance(item, slice):
            start, stop, step = item.indices(n)
            shape.append(len(range(start, stop, step)))
            strides.append(stride * step)
            offset += start * stride
        elif isinstance(item, int):
            if not -n <= item < n:
                raise IndexError(f"index {item} is out of bounds for axis {dim} with size {n}")
            if advanced:
                entries.append((len(shape), item))
                shape.append(n)
                strides.append(stride)
            else:
                offset += (item % n) * stride
        else:
            entries.append((len(shape), item))
            shape.append(n)
            strides.append(stride)
        dim += 1
    return shape, strides, offset, entries


def _advanced_plan(backend, shape, strides, offset, entries):
    """(out shape, source strides over it, offsets array, offsets strides over it, base offset)."""
    arrays = [value for _, value in entries if isinstance(value, CLArray)]
    index_shape = tuple(np.broadcast_shapes(*(x.shape for x in arrays)))
    count = math.prod(index_shape)
    offsets = backend.zeros(index_shape, _INT64)
    for dim, value in entries:
        if isinstance(value, CLArray):
            if count:
                merged, (index_strides,) = coalesce(index_shape, broadcast_strides(value.shape, value.estrides,
                                                                                   index_shape))
                backend.launch(backend.kernel("indexing", "accumulate_offsets", _defines(backend, _INT64)), count,
                               offsets.buffer, shape_arg(merged, count), value.buffer,
                               layout_arg(value.offset, index_strides), np.int64(shape[dim]), np.int64(strides[dim]))
        else:
            offset += (value % shape[dim]) * strides[dim]
    positions = [dim for dim, _ in entries]
    rest = [d for d in range(len(shape)) if d not in positions]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    before = [d for d in rest if adjacent and d < positions[0]]
    after = [d for d in rest if d not in before]
    index_strides = contiguous_strides(index_shape)
    out_shape = tuple(shape[d] for d in before) + index_shape + tuple(shape[d] for d in after)
    source_strides = tuple(strides[d] for d in before) + (0,) * len(index_shape) + tuple(strides[d] for d in after)
    offset_strides = (0,) * len(before) + index_strides + (0,) * len(after)
    return out_shape, source_strides, offsets, offset_strides, offset


def getitem(backend, a, index):
    shape, strides, offset, entries = _resolve(backend, a, index)
    if not entries:
        return a._view(tuple(shape), tuple(strides), offset)
    out_shape, source_strides, offsets, offset_strides, offset = _advanced_plan(backend, shape, strides, offset,
                                                                                entries)
    out = backend.new(out_shape, a.dtype)
    if out.size:
        merged, (source_strides, offset_strides) = coalesce(out_shape, source_strides, offset_strides)
        backend.launch(backend.kernel("indexing", "gather", _defines(backend, a.dtype)), out.size, out.buffer,
                       shape_arg(merged, out.size), a.buffer, layout_arg(offset, source_strides), offsets.buffer,
                       layout_arg(0, offset_strides), np.int64(1), np.int64(0))
    return out


def _value_args(backend, value, dtype, shape):
    """The (buffer, layout, scalar) kernel arguments of value broadcast to shape."""
    if isinstance(value, CLArray) or (isinstance(value, np.ndarray) and value.ndim) or isinstance(value, (list, tuple)):
        value = backend.astype(backend._device_array(value), dtype)
        try:
            strides = broadcast_strides(value.shape, value.estrides, shape)
        except ValueError:
            raise ValueError(f"shape mismatch: value array of shape {value.shape} could not be broadcast to "
                             f"indexing result of shape {tuple(shape)}") from None
        return value, strides
    return np.asarray(value).astype(dtype).reshape(()).item(), None


def setitem(backend, a, index, value, accumulate: bool):
    shape, strides, offset, entries = _resolve(backend, a, index)
    if not entries:
        target = a._view(tuple(shape), tuple(strides), offset)
        if isinstance(value, (numbers.Number, np.generic)) and not accumulate:
            value = backend.full((), value, a.dtype)
        (backend.add_into if accumulate else backend.copy_into)(target, value)
        return
    out_shape, dst_strides, offsets, offset_strides, offset = _advanced_plan(backend, shape, strides, offset, entries)
    _scatter(backend, "scatter_add" if accumulate else "scatter", a, offset, dst_strides, out_shape, value,
             offsets, offset_strides, 1, 0)


def _scatter(backend, name, dst, dst_offset, dst_strides, shape, value, index, index_strides, stride, size,
             extra_defines=()):
    count = math.prod(shape)
    if not count:
        return
    value, value_strides = _value_args(backend, value, dst.dtype, shape)
    if name in ("scatter_add", "scatter_reduce") and not _atomic_kind(backend, dst.dtype):
        raise NotImplementedError(f"'{name}' of {dst.dtype} is not implemented on device {backend.device}")
    if value_strides is None:
        merged, (dst_strides, index_strides) = coalesce(shape, dst_strides, index_strides)
        value_args = [None, scalar_layout, dst.dtype.type(value)]
    else:
        merged, (dst_strides, index_strides, value_strides) = coalesce(shape, dst_strides, index_strides,
                                                                       value_strides)
        value_args = [value.buffer, layout_arg(value.offset, value_strides), dst.dtype.type(0)]
    backend.launch(backend.kernel("indexing", name, _defines(backend, dst.dtype) + extra_defines), count, dst.buffer,
                   layout_arg(dst_offset, dst_strides), shape_arg(merged, count), *value_args, index.buffer,
                   layout_arg(index.offset, index_strides), np.int64(stride), np.int64(size))


def _along_axis(a, index, axis):
    """a's strides over index's shape with the indexed axis zeroed, and the axis's stride and size."""
    strides = tuple(0 if d == axis else s for d, s in enumerate(a.estrides))
    return strides, a.estrides[axis], a.shape[axis]


def take_along_axis(backend, a, index, axis):
    index = backend.astype(index, _INT64)
    axis = axis % a.ndim if a.ndim else 0
    out = backend.new(index.shape, a.dtype)
    if out.size:
        source_strides, stride, size = _along_axis(a, index, axis)
        merged, (source_strides, index_strides) = coalesce(index.shape, source_strides, index.estrides)
        backend.launch(backend.kernel("indexing", "gather", _defines(backend, a.dtype)), out.size, out.buffer,
                       shape_arg(merged, out.size), a.buffer, layout_arg(a.offset, source_strides), index.buffer,
                       layout_arg(index.offset, index_strides), np.int64(stride), np.int64(size))
    return out


_REDUCE_CODES = {"prod": 1, "amax": 2, "amin": 3}


def put_along_axis(backend, dst, index, src, axis, accumulate: bool, reduce: str | None = None):
    """torch.scatter_ (or, accumulating, scatter_add_; with reduce, scatter_reduce_ for prod/amax/amin) in place."""
    index = backend.astype(index, _INT64)
    axis = axis % dst.ndim if dst.ndim else 0
    dst_strides, stride, size = _along_axis(dst, index, axis)
    if hasattr(src, "shape") and tuple(src.shape) != tuple(index.shape) and len(src.shape) == index.ndim:
        src = backend.getitem(src, tuple(slice(0, n) for n in index.shape))
    if reduce is not None:
        _scatter(backend, "scatter_reduce", dst, dst.offset, dst_strides, index.shape, src, index, index.estrides,
                 stride, size, (("REDUCE", _REDUCE_CODES[reduce]),))
        return
    _scatter(backend, "scatter_add" if accumulate else "scatter", dst, dst.offset, dst_strides, index.shape, src,
             index, index.estrides, stride, size)


def index_add(backend, dst, axis, index, src):
    """dst[..., index[j], ...] += src[..., j, ...] along axis, repeats summed."""
    index = backend.astype(backend._device_array(index), _INT64)
    axis = axis % dst.ndim if dst.ndim else 0
    src = backend._device_array(src)
    shape = tuple(src.shape) if src.ndim else (1,)
    dst_strides = tuple(0 if d == axis else s for d, s in enumerate(dst.estrides)) if dst.ndim else (0,)
    index_strides = tuple(index.estrides[0] if d == axis and index.ndim else 0 for d in range(len(shape)))
    _scatter(backend, "scatter_add", dst, dst.offset, dst_strides, shape, src, index, index_strides,
             dst.estrides[axis] if dst.ndim else 0, dst.shape[axis] if dst.ndim else 1)


def triangle(backend, a, k: int, lower: bool):
    a = backend._device_array(a)
    out = backend.new(a.shape, a.dtype)
    if out.size:
        rows, cols = a.shape[-2:]
        backend.launch(backend.kernel("indexing", "triangle", _defines(backend, a.dtype)), out.size, out.buffer,
                       shape_arg(a.shape, out.size), a.buffer, layout_arg(a.offset, a.estrides), np.int64(rows),
                       np.int64(cols), np.int64(k), np.int32(lower))
    return out


def nonzero(backend, a) -> tuple:
    """One int64 array per dim: the coordinates of a's nonzero elements in C order."""
    a = backend._device_array(a)
    if a.ndim == 0:
        a = backend.reshape(a, (1,))
    block = 256
    blocks = (a.size + block - 1) // block
    defines = _defines(backend, a.dtype)
    counts = backend.new((max(blocks, 1),), _INT64)
    shape, layout = shape_arg(a.shape, a.size), layout_arg(a.offset, a.estrides)
    backend.launch(backend.kernel("indexing", "count_nonzero_blocks", defines), blocks, counts.buffer, shape,
                   a.buffer, layout, np.int64(block))
    total = int(backend.to_numpy(backend.sum(counts, None, False))) if blocks else 0
    coords = backend.new((a.ndim, total), _INT64)
    if total:
        backend.launch(backend.kernel("indexing", "exclusive_scan", defines), 1, counts.buffer, np.int64(blocks),
                       local=1)
        backend.launch(backend.kernel("indexing", "write_nonzero", defines), blocks, coords.buffer,
                       np.int64(total), counts.buffer, shape, a.buffer, layout, np.int64(block))
    return tuple(coords._view((total,), (1,), coords.offset + d * total) for d in range(a.ndim))
