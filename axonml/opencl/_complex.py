"""Complex arrays on an OpenCL device: interleaved (real, imaginary) pairs of float32 (complex64)
or float64 (complex128), as NumPy lays them out.

A complex CLArray's element strides and offset count complex elements; its real parts, imaginary
parts and (..., 2) pairs are real views of the same buffer (strides doubled, offset doubled), so the
complex primitives here are compositions of the real kernels over those views: no data leaves the
device. An op without a complex form here raises NotImplementedError naming it and the device.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._array import CLArray

__all__ = ["is_complex", "real_view", "imag_view", "pairs_view", "complex_view", "make", "cast_into", "copy",
           "strided_update", "getitem", "binary", "unary", "where", "reduce_sum", "sum_to", "conj", "angle", "gemm"]

_REAL = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}


def is_complex(x) -> bool:
    dtype = getattr(x, "dtype", None)
    return (dtype is not None and np.dtype(dtype).kind == "c") or type(x) is complex


def _unsupported(backend, name: str):
    return NotImplementedError(f"'{name}' of complex arrays is not implemented on device {backend.device}")


def real_view(a: CLArray) -> CLArray:
    return CLArray(a.backend, a.alloc, a.shape, _REAL[a.dtype], tuple(2 * s for s in a.estrides), 2 * a.offset)


def imag_view(a: CLArray) -> CLArray:
    return CLArray(a.backend, a.alloc, a.shape, _REAL[a.dtype], tuple(2 * s for s in a.estrides), 2 * a.offset + 1)


def pairs_view(a: CLArray) -> CLArray:
    return CLArray(a.backend, a.alloc, a.shape + (2,), _REAL[a.dtype], tuple(2 * s for s in a.estrides) + (1,),
                   2 * a.offset)


def complex_view(a: CLArray) -> CLArray:
    """A real (..., 2) array, last stride 1, other strides and offset even, read as complex (...)."""
    if a.offset % 2:
        raise ValueError("the pairs do not start at an even offset")
    return CLArray(a.backend, a.alloc, a.shape[:-1], _COMPLEX[a.dtype], tuple(s // 2 for s in a.estrides[:-1]),
                   a.offset // 2)


def _complex_dtype_for(backend, *operands):
    keys = []
    for x in operands:
        if isinstance(x, CLArray):
            keys.append(x.dtype)
        elif isinstance(x, (np.generic, np.ndarray)):
            keys.append(x.dtype)
        else:
            keys.append(x)
    dtype = np.result_type(*keys)
    if dtype.kind != "c":
        dtype = np.result_type(dtype, np.complex64)
    if dtype == np.complex128 and not backend.has_float64:
        raise NotImplementedError(f"complex128 is not supported on device {backend.device} (it lacks cl_khr_fp64)")
    return dtype


def _parts(backend, x, dtype):
    """(real, imaginary) of x in the real dtype of complex dtype: views of a device array, host scalars as numbers."""
    real_dtype = _REAL[np.dtype(dtype)]
    if isinstance(x, CLArray):
        if x.dtype.kind == "c":
            if x.dtype != dtype:
                x = backend.astype(x, dtype)
            return real_view(x), imag_view(x)
        return backend.astype(x, real_dtype), 0
    if isinstance(x, np.ndarray) and x.ndim:
        return _parts(backend, backend.asarray(x), dtype)
    value = complex(np.asarray(x).reshape(()).item())
    return value.real, value.imag


def make(backend, re, im, dtype=None) -> CLArray:
    """The complex array re + i im (arrays or host scalars, broadcast together)."""
    shapes = [x.shape for x in (re, im) if isinstance(x, CLArray)]
    shape = np.broadcast_shapes(*shapes) if shapes else ()
    if dtype is None:
        dtype = _complex_dtype_for(backend, *(x for x in (re, im) if isinstance(x, CLArray)))
    out = backend.new(shape, dtype)
    if out.size:
        backend.copy_into(real_view(out), re)
        backend.copy_into(imag_view(out), im)
    return out


def cast_into(backend, out: CLArray, a: CLArray) -> CLArray:
    """out = a converted to out.dtype, one side complex."""
    if a.dtype.kind == "c" and out.dtype.kind == "c":
        backend.copy_into(pairs_view(out), pairs_view(a))
    elif out.dtype.kind == "c":
        backend.copy_into(real_view(out), a)
        backend.copy_into(imag_view(out), 0)
    else:
        backend.copy_into(out, real_view(a))  # complex to real drops the imaginary part, as NumPy and torch
    return out


def copy(backend, a: CLArray) -> CLArray:
    return cast_into(backend, backend.new(a.shape, a.dtype), a)


def strided_update(backend, accumulate: bool, dst: CLArray, src) -> None:
    """copy_into / add_into with dst or src complex."""
    update = backend.add_into if accumulate else backend.copy_into
    if dst.dtype.kind != "c":
        src = backend._device_array(src)
        update(dst, real_view(src))
        return
    src_re, src_im = _parts(backend, src, dst.dtype)
    if isinstance(src_re, CLArray):
        src_re = backend.broadcast_to(src_re, dst.shape)
    update(real_view(dst), src_re)
    if isinstance(src_im, CLArray):
        update(imag_view(dst), backend.broadcast_to(src_im, dst.shape))
    elif not accumulate or src_im != 0:
        update(imag_view(dst), src_im)


def getitem(backend, a: CLArray, index) -> CLArray:
    """a[index]: basic indexing stays a view; advanced indexing gathers the real and imaginary parts."""
    re = backend.getitem(real_view(a), index)
    if re.alloc is a.alloc:
        return CLArray(backend, a.alloc, re.shape, a.dtype, tuple(s // 2 for s in re.estrides), re.offset // 2)
    return make(backend, re, backend.getitem(imag_view(a), index), a.dtype)


def _broadcast(backend, x, shape):
    return backend.broadcast_to(x, shape) if isinstance(x, CLArray) else x


def binary(backend, name: str, a, b):
    if name == "pow":
        return _pow(backend, a, b)
    dtype = _complex_dtype_for(backend, a, b)
    (ar, ai), (br, bi) = _parts(backend, a, dtype), _parts(backend, b, dtype)
    shapes = [x.shape for x in (ar, ai, br, bi) if isinstance(x, CLArray)]
    shape = np.broadcast_shapes(*shapes)
    if name in ("add", "sub"):
        return make(backend, backend._binary(name, _broadcast(backend, ar, shape), br),
                    backend._binary(name, _broadcast(backend, ai, shape), bi), dtype)
    if name == "mul":
        return make(backend, backend.sub(backend.mul(ar, br), backend.mul(ai, bi)),
                    backend.add(backend.mul(ar, bi), backend.mul(ai, br)), dtype)
    if name == "div":
        denominator = backend.add(backend.mul(br, br), backend.mul(bi, bi))
        return make(backend, backend.div(backend.add(backend.mul(ar, br), backend.mul(ai, bi)), denominator),
                    backend.div(backend.sub(backend.mul(ai, br), backend.mul(ar, bi)), denominator), dtype)
    if name in ("eq", "ne"):
        same = backend.logical_and(backend.eq(ar, br), backend.eq(ai, bi))
        return same if name == "eq" else backend.logical_not(same)
    raise _unsupported(backend, name)


def _pow(backend, a, b):
    """a ** b for a complex a and a real b: |a|^b (cos(b arg a) + i sin(b arg a))."""
    if is_complex(b):
        raise _unsupported(backend, "pow with a complex exponent")
    a = backend._device_array(a)
    re, im = real_view(a), imag_view(a)
    magnitude = backend.pow(backend.hypot(re, im), b)
    turned = backend.mul(backend.atan2(im, re), b)
    return make(backend, backend.mul(magnitude, backend.cos(turned)), backend.mul(magnitude, backend.sin(turned)),
                a.dtype)


def unary(backend, name: str, a: CLArray):
    re, im = real_view(a), imag_view(a)
    if name == "neg":
        return complex_view(backend.neg(pairs_view(a)))
    if name == "abs":
        return backend.hypot(re, im)
    if name == "sign":
        magnitude = backend.hypot(re, im)
        safe = backend.where(backend.eq(magnitude, 0), 1, magnitude)
        return make(backend, backend.div(re, safe), backend.div(im, safe), a.dtype)
    if name == "exp":
        scale = backend.exp(re)
        return make(backend, backend.mul(scale, backend.cos(im)), backend.mul(scale, backend.sin(im)), a.dtype)
    if name == "isnan":
        return backend.logical_or(backend.isnan(re), backend.isnan(im))
    if name == "isfinite":
        return backend.logical_and(backend.isfinite(re), backend.isfinite(im))
    raise _unsupported(backend, name)


def conj(backend, a: CLArray) -> CLArray:
    return make(backend, real_view(a), backend.neg(imag_view(a)), a.dtype)


def angle(backend, a: CLArray) -> CLArray:
    return backend.atan2(imag_view(a), real_view(a))


def where(backend, cond, a, b):
    dtype = _complex_dtype_for(backend, a, b)
    (ar, ai), (br, bi) = _parts(backend, a, dtype), _parts(backend, b, dtype)
    return make(backend, backend.where(cond, ar, br), backend.where(cond, ai, bi), dtype)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, numbers.Integral):
        axis = (axis,)
    return tuple(int(d) % ndim for d in axis) if ndim else ()


def reduce_sum(backend, a: CLArray, axis, keepdims: bool) -> CLArray:
    total = backend.sum(pairs_view(a), _axes(axis, a.ndim), keepdims)
    return complex_view(backend.ascontiguousarray(total))


def sum_to(backend, a: CLArray, shape) -> CLArray:
    return complex_view(backend.ascontiguousarray(backend.sum_to(pairs_view(a), tuple(shape) + (2,))))


def gemm(backend, a, b, trans_a, trans_b, alpha, beta, c):
    if alpha != 1 or (c is not None and beta != 0):
        raise _unsupported(backend, "gemm with alpha or beta")
    dtype = _complex_dtype_for(backend, a, b)
    (ar, ai), (br, bi) = _parts(backend, a, dtype), _parts(backend, b, dtype)

    def product(x, y):
        if not isinstance(x, CLArray) or not isinstance(y, CLArray):
            return None
        return backend.gemm(backend.ascontiguousarray(x), backend.ascontiguousarray(y), trans_a, trans_b)

    rr, ii, ri, ir = product(ar, br), product(ai, bi), product(ar, bi), product(ai, br)
    re = rr if ii is None else backend.sub(rr, ii)
    im = ri if ir is None else (ir if ri is None else backend.add(ri, ir))
    return make(backend, re, 0 if im is None else im, dtype)
