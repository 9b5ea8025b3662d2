"""Reductions and scans on an OpenCL device (reduce.cl): one work-group per output element.

A reduction's kept axes and reduced axes are each coalesced into as few strided dims as the
layout allows; a few long rows are split into chunks whose partials are reduced again, so a
full reduction still fills the device.
"""
from __future__ import annotations

import math

import numpy as np

from ._layout import coalesce, layout_arg, normalize_axes, shape_arg

__all__ = ["reduce", "arg_reduce", "sum_dtype", "scan", "scan_extreme", "sum_to"]

_BOOL = np.dtype(np.bool_)
_INT64 = np.dtype(np.int64)


def reduce(backend, op: str, a, axis, keepdims: bool, out_dtype, acc_dtype=None):
    """op ('sum', 'prod', 'max', 'min', 'any', 'all', 'argmax', 'argmin') of a over axis, as out_dtype."""
    a = backend._device_array(a)
    axes = normalize_axes(axis, a.ndim)
    kept = [d for d in range(a.ndim) if d not in axes]
    out_shape = tuple(a.shape[d] for d in kept)
    inner_count = math.prod(a.shape[d] for d in axes)
    if inner_count == 0 and op in ("max", "min", "argmax", "argmin"):
        raise ValueError(f"zero-size array to reduction operation {op} which has no identity")
    out = backend.new(out_shape, out_dtype)
    if out.size:
        outer, (outer_strides,) = coalesce(out_shape, tuple(a.estrides[d] for d in kept))
        inner, (inner_strides,) = coalesce(tuple(a.shape[d] for d in axes), tuple(a.estrides[d] for d in axes))
        local = min(backend.max_group, 256, 1 << max(inner_count - 1, 0).bit_length())
        acc_dtype = np.dtype(acc_dtype or out_dtype)
        is_arg = op in ("argmax", "argmin")
        # few long rows would leave most of the device idle: split them, then reduce the partials
        chunks = 1 if is_arg else min(max(1, backend.compute_units * 4 // out.size),
                                      max(1, inner_count // (local * 16)))
        target = out if chunks == 1 else backend.new((out.size, chunks), acc_dtype)
        defines = (("IN_T", backend._ctype(a.dtype)), ("ACC_T", backend._ctype(acc_dtype)),
                   ("OUT_T", backend._ctype(target.dtype)), ("OP_" + op.upper(), 1))
        if a.dtype.kind in "fV":
            defines += (("IN_IS_FLOAT", 1),)
        defines += backend._type_defines(a.dtype, acc_dtype, target.dtype)
        args = [target.buffer, a.buffer, shape_arg(outer, out.size), layout_arg(a.offset, outer_strides),
                shape_arg(inner, inner_count), layout_arg(0, inner_strides)]
        if is_arg:
            kernel = backend.kernel("reduce", "arg_reduce", defines)
            args += [backend.cl.LocalMemory(local * a.itemsize), backend.cl.LocalMemory(local * 8)]
        else:
            kernel = backend.kernel("reduce", "reduce", defines)
            args += [np.int64(-(-inner_count // chunks)), np.int64(chunks),
                     backend.cl.LocalMemory(local * acc_dtype.itemsize)]
        backend.run(kernel, (target.size * local,), (local,), *args)
        if chunks > 1:
            out = backend.reshape(reduce(backend, op, target, 1, False, out_dtype, acc_dtype), out_shape)
    if keepdims:
        out = out._view(tuple(1 if d in axes else n for d, n in enumerate(a.shape)), None)
    return out


def sum_dtype(dtype, requested):
    """The result dtype of sum/prod/cumsum: requested, or int64 for bool and signed ints, uint64 for unsigned."""
    if requested is not None:
        return np.dtype(requested)
    if dtype == _BOOL or dtype.kind == "i":
        return _INT64
    if dtype.kind == "u":
        return np.dtype(np.uint64)
    return dtype


def arg_reduce(backend, op: str, a, axis, keepdims: bool):
    """argmax/argmin of a over one axis, or of the flattened array when axis is None."""
    if axis is None:
        out = reduce(backend, op, backend.reshape(a, (-1,)), 0, False, _INT64)
        return backend.reshape(out, (1,) * a.ndim) if keepdims else out
    return reduce(backend, op, a, axis, keepdims, _INT64)


def scan(backend, op: str, a, axis):
    """The inclusive scan ('sum', 'prod' or 'logcumsumexp') of a along axis (the flattened array when axis
    is None)."""
    a = backend._device_array(a)
    if axis is None:
        a, axis = backend.reshape(a, (-1,)), 0
    axis = normalize_axes(axis, a.ndim)[0] if a.ndim else 0
    out_dtype = sum_dtype(a.dtype, None)
    out = backend.new(a.shape, out_dtype)
    if out.size == 0:
        return out
    if a.ndim == 0:
        return backend.astype(backend.copy(a), out_dtype)
    others = [d for d in range(a.ndim) if d != axis]
    outer, (in_strides, out_strides) = coalesce(tuple(a.shape[d] for d in others),
                                               tuple(a.estrides[d] for d in others),
                                               tuple(out.estrides[d] for d in others))
    lines = out.size // a.shape[axis]
    defines = (("IN_T", backend._ctype(a.dtype)), ("ACC_T", backend._ctype(out_dtype)),
               ("OUT_T", backend._ctype(out_dtype)), ("OP_" + op.upper(), 1)) + backend._type_defines(a.dtype, out_dtype)
    backend.launch(backend.kernel("reduce", "scan", defines), lines, out.buffer, layout_arg(0, out_strides), a.buffer,
                   layout_arg(a.offset, in_strides), shape_arg(outer, lines), np.int64(a.shape[axis]),
                   np.int64(a.estrides[axis]), np.int64(out.estrides[axis]))
    return out


def scan_extreme(backend, a, axis: int, largest: bool):
    """(running max (min) of a along axis, int64 positions they came from): cummax/cummin."""
    a = backend._device_array(a)
    values, indices = backend.new(a.shape, a.dtype), backend.new(a.shape, np.int64)
    if values.size == 0:
        return values, indices
    others = [d for d in range(a.ndim) if d != axis]
    outer, (in_strides, out_strides) = coalesce(tuple(a.shape[d] for d in others),
                                               tuple(a.estrides[d] for d in others),
                                               tuple(values.estrides[d] for d in others))
    lines = values.size // a.shape[axis]
    ctype = backend._ctype(a.dtype)
    defines = (("IN_T", ctype), ("ACC_T", ctype), ("OUT_T", ctype), ("OP_MAX" if largest else "OP_MIN", 1),
               ("SCAN_INDEX", 1)) + ((("IN_IS_FLOAT", 1),) if a.dtype.kind in "fV" else ()) + \
        backend._type_defines(a.dtype)
    backend.launch(backend.kernel("reduce", "scan_extreme", defines), lines, values.buffer, indices.buffer,
                   layout_arg(0, out_strides), a.buffer, layout_arg(a.offset, in_strides), shape_arg(outer, lines),
                   np.int64(a.shape[axis]), np.int64(a.estrides[axis]), np.int64(values.estrides[axis]))
    return values, indices


def sum_to(backend, a, shape):
    """a summed down to shape (the inverse of broadcasting shape to a.shape)."""
    shape = tuple(shape)
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and a.shape[i + lead] != 1)
    out = backend.sum(a, axes, True, a.dtype) if axes else a
    return backend.reshape(out, shape)
