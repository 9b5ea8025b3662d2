"""Sorting along an axis and searchsorted on an OpenCL device (sort.cl)."""
from __future__ import annotations

import math

import numpy as np

from ._layout import coalesce, layout_arg, shape_arg

__all__ = ["sort", "searchsorted"]

_INT64 = np.dtype(np.int64)
_FLOAT16 = np.dtype(np.float16)
_FLOAT32 = np.dtype(np.float32)
_CHUNK = 64  # elements each work-item compares itself with before the merge passes


def sort(backend, a, axis, descending, stable):
    """(values, int64 indices) of a sorted along axis; always stable (ties keep input order)."""
    a = backend._device_array(a)
    if a.ndim == 0:
        return backend.copy(a), backend.zeros((), _INT64)
    axis = int(axis) % a.ndim
    n = a.shape[axis]
    if a.size == 0:
        return backend.new(a.shape, a.dtype), backend.new(a.shape, _INT64)
    if a.dtype == _FLOAT16:  # a storage type on devices: float32 holds every value exactly
        values, indices = sort(backend, backend.astype(a, _FLOAT32), axis, descending, stable)
        return backend.astype(values, _FLOAT16), indices
    others = [d for d in range(a.ndim) if d != axis]
    outer, (outer_strides,) = coalesce(tuple(a.shape[d] for d in others), tuple(a.estrides[d] for d in others))
    rows = a.size // n
    defines = backend._elementwise_defines(a.dtype)
    values, indices = backend.new((rows, n), a.dtype), backend.new((rows, n), _INT64)
    flag = np.int32(bool(descending))
    backend.launch(backend.kernel("sort", "sort_chunks", defines), a.size, values.buffer, indices.buffer, a.buffer,
                   layout_arg(a.offset, outer_strides), shape_arg(outer, rows), np.int64(n),
                   np.int64(a.estrides[axis]), np.int64(_CHUNK), flag)
    width = _CHUNK
    if width < n:
        merge = backend.kernel("sort", "merge_pass", defines)
        spare_values, spare_indices = backend.new((rows, n), a.dtype), backend.new((rows, n), _INT64)
        while width < n:
            backend.launch(merge, a.size, spare_values.buffer, spare_indices.buffer, values.buffer, indices.buffer,
                           np.int64(rows), np.int64(n), np.int64(width), flag)
            values, spare_values = spare_values, values
            indices, spare_indices = spare_indices, indices
            width *= 2
    return _axis_back(backend, values, a.shape, axis), _axis_back(backend, indices, a.shape, axis)


def _axis_back(backend, rows, shape, axis):
    """The (rows, n) result, with the sorted axis moved back from last to axis (contiguous)."""
    moved = tuple(n for d, n in enumerate(shape) if d != axis) + (shape[axis],)
    out = backend.reshape(rows, moved)
    if axis == len(shape) - 1:
        return out
    order = list(range(len(shape) - 1))
    order.insert(axis, len(shape) - 1)
    return backend.copy(backend.transpose(out, order))


def searchsorted(backend, sorted_sequence, values, right):
    """int64 insertion points of values in the last axis of sorted_sequence (1-d, or the same leading axes)."""
    sorted_sequence = backend._device_array(sorted_sequence)
    values = backend._device_array(values)
    dtype = np.result_type(sorted_sequence.dtype, values.dtype)
    if dtype == _FLOAT16:
        dtype = _FLOAT32
    sorted_sequence = backend.ascontiguousarray(backend.astype(sorted_sequence, dtype))
    values = backend.astype(values, dtype)
    out = backend.new(values.shape, _INT64)
    if out.size == 0:
        return out
    m = sorted_sequence.shape[-1] if sorted_sequence.ndim else 1
    per_row = 0 if sorted_sequence.ndim <= 1 else values.size // math.prod(sorted_sequence.shape[:-1])
    shape, (strides,) = coalesce(values.shape, values.estrides)
    backend.launch(backend.kernel("sort", "searchsorted", backend._elementwise_defines(dtype)), out.size, out.buffer,
                   shape_arg(shape, out.size), values.buffer, layout_arg(values.offset, strides),
                   sorted_sequence.buffer, np.int64(sorted_sequence.offset), np.int64(m), np.int64(per_row),
                   np.int32(bool(right)))
    return out
