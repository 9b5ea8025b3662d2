"""Host-side layout arithmetic for strided device arrays: kernel descriptors, dim coalescing, reshape."""
from __future__ import annotations

import numbers
import struct

import numpy as np

__all__ = ["MAX_DIMS", "shape_arg", "layout_arg", "scalar_layout", "coalesce", "contiguous_strides",
           "broadcast_strides", "reshape_strides", "normalize_axes"]

MAX_DIMS = 8
_SHAPE = struct.Struct(f"<{2 + MAX_DIMS}q")
_LAYOUT = struct.Struct(f"<{1 + MAX_DIMS}q")
_PADDING = (0,) * MAX_DIMS


def _check_ndim(ndim: int) -> None:
    if ndim > MAX_DIMS:
        raise NotImplementedError(f"OpenCL kernels take arrays of at most {MAX_DIMS} non-trivial dims, got {ndim}")


def shape_arg(shape, size: int) -> bytes:
    """The shape_t kernel argument (common.cl)."""
    _check_ndim(len(shape))
    return _SHAPE.pack(len(shape), size, *shape, *_PADDING[len(shape):])


def layout_arg(offset: int, strides) -> bytes:
    """The layout_t kernel argument (common.cl)."""
    _check_ndim(len(strides))
    return _LAYOUT.pack(offset, *strides, *_PADDING[len(strides):])


scalar_layout = _LAYOUT.pack(-1, *_PADDING)


def contiguous_strides(shape) -> tuple:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def broadcast_strides(shape, strides, target) -> tuple:
    """strides of an array of shape, viewed broadcast to target (NumPy's rules; 0 along broadcast dims)."""
    lead = len(target) - len(shape)
    while lead < 0 and shape[0] == 1:  # leading size-1 dims may be dropped, as NumPy assignment allows
        shape, strides, lead = shape[1:], strides[1:], lead + 1
    if lead < 0:
        raise ValueError(f"operands could not be broadcast together with shapes {tuple(shape)} {tuple(target)}")
    out = [0] * lead
    for n, s, t in zip(shape, strides, target[lead:]):
        if n == t:
            out.append(s if n != 1 else 0)
        elif n == 1:
            out.append(0)
        else:
            raise ValueError(f"could not broadcast an array of shape {tuple(shape)} to {tuple(target)}")
    return tuple(out)


def coalesce(shape, *stride_sets):
    """Merge adjacent dims that every operand walks as one (and drop size-1 dims).

    Returns (shape, [strides per operand]); the C-order element numbering is unchanged, so
    a contiguous operand becomes one dim however many it had.
    """
    dims = [d for d, n in enumerate(shape) if n != 1]
    if not dims:
        return (), [() for _ in stride_sets]
    new_shape = [shape[dims[0]]]
    new_strides = [[s[dims[0]]] for s in stride_sets]
    for d in dims[1:]:
        n = shape[d]
        if all(st[-1] == s[d] * n for st, s in zip(new_strides, stride_sets)):
            new_shape[-1] *= n
            for st, s in zip(new_strides, stride_sets):
                st[-1] = s[d]
        else:
            new_shape.append(n)
            for st, s in zip(new_strides, stride_sets):
                st.append(s[d])
    return tuple(new_shape), [tuple(st) for st in new_strides]


def reshape_strides(shape, strides, new_shape):
    """Strides that view (shape, strides) as new_shape without copying, or None (NumPy's nocopy reshape)."""
    old = [(n, s) for n, s in zip(shape, strides) if n != 1]
    new_dims = list(new_shape)
    result = [0] * len(new_dims)
    size = 1
    for n in new_dims:
        size *= n
    if size == 0:
        return contiguous_strides(new_shape)
    oi = ni = 0
    non_one = [i for i, n in enumerate(new_dims) if n != 1]
    old_n, new_n = len(old), len(non_one)
    while oi < old_n and ni < new_n:
        oj, nj = oi + 1, ni + 1
        np_ = new_dims[non_one[ni]]
        op_ = old[oi][0]
        while np_ != op_:
            if np_ < op_:
                np_ *= new_dims[non_one[nj]]
                nj += 1
            else:
                op_ *= old[oj][0]
                oj += 1
        for k in range(oi, oj - 1):
            if old[k][1] != old[k + 1][0] * old[k + 1][1]:
                return None
        stride = old[oj - 1][1]
        for k in range(nj - 1, ni - 1, -1):
            result[non_one[k]] = stride
            stride *= new_dims[non_one[k]]
        oi, ni = oj, nj
    # size-1 dims of the new shape take any stride; give them the next dim's, as NumPy does
    for i in range(len(new_dims) - 1, -1, -1):
        if new_dims[i] == 1:
            result[i] = result[i + 1] * new_dims[i + 1] if i + 1 < len(new_dims) else 1
    return tuple(result)


def normalize_axes(axis, ndim: int) -> tuple:
    """axis (None, an int or a sequence of ints, negative ones counted from the end) as sorted unique axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, numbers.Integral):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))
