"""Discrete Fourier transforms on an OpenCL device (opencl/fft.cl).

Power-of-two lengths run log2(n) radix-2 Stockham passes; any other length n goes through
Bluestein's chirp transform, a convolution of power-of-two length M >= 2n - 1 done with the same
passes (its chirp tables are built once per length, direction and dtype, on the device). An n-d
transform is 1-d transforms along each axis in turn, the axis moved last and made contiguous.
The real transforms are complex ones: the real input promoted, the half-spectrum extended by its
conjugate mirror (after the inverse transforms over the other axes) before the last inverse.
"""
from __future__ import annotations

import math

import numpy as np

from . import _complex

__all__ = ["c2c", "r2c", "c2r"]

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_REAL_OF = {v: k for k, v in _COMPLEX_OF.items()}
_chirps: dict = {}


def _scale(norm: str, forward: bool, n: int) -> float:
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    return 1.0 / n if (norm == "forward") == forward else 1.0


def _stockham(backend, x, inverse: bool):
    """The unscaled DFT of each row of x (rows, n), n a power of two: a new contiguous array."""
    rows, n = x.shape
    src = backend.copy(x)
    if n == 1:
        return src
    dst = backend.new(x.shape, x.dtype)
    real_dtype = _REAL_OF[x.dtype]
    kernel = backend.kernel("fft", "stockham_radix2", backend._type_defines(real_dtype))
    half = n // 2
    local = 1
    while local * 2 <= min(backend.group, half):
        local *= 2
    sign = real_dtype.type(1.0 if inverse else -1.0)
    p = 1
    while p < n:
        backend.run(kernel, (half, rows), (local, 1), dst.buffer, src.buffer, np.int64(n), np.int64(p), sign)
        src, dst = dst, src
        p *= 2
    return src


def _chirp(backend, n: int, inverse: bool, dtype):
    """Bluestein's tables for length n: (w, w / M (n,), DFT_M of conj(w) wrapped (M,), M), w_m = exp(+-i pi m^2 / n)."""
    key = (id(backend), n, inverse, dtype)
    tables = _chirps.get(key)
    if tables is None:
        size = 1 << (2 * n - 2).bit_length()
        m = np.arange(n, dtype=np.int64)
        phase = (m * m) % (2 * n)     # exact before the float conversion, so long rows keep their precision
        w = np.exp((1j if inverse else -1j) * np.pi * phase / n)
        wrapped = np.zeros(size, np.complex128)
        wrapped[:n] = np.conj(w)
        wrapped[size - n + 1:] = np.conj(w[1:])[::-1]
        spectrum = _stockham(backend, backend.asarray(wrapped.astype(dtype).reshape(1, size)), False)
        tables = (backend.asarray(w.astype(dtype)), backend.asarray((w / size).astype(dtype)),
                  backend.reshape(spectrum, (size,)), size)
        _chirps[key] = tables
    return tables


def _bluestein(backend, x, inverse: bool):
    rows, n = x.shape
    chirp, scaled_chirp, kernel_spectrum, size = _chirp(backend, n, inverse, x.dtype)
    padded = backend.zeros((rows, size), x.dtype)
    backend.copy_into(backend.getitem(padded, (slice(None), slice(0, n))), backend.mul(x, chirp))
    spectrum = _stockham(backend, padded, False)
    convolved = _stockham(backend, backend.mul(spectrum, kernel_spectrum), True)
    return backend.mul(backend.getitem(convolved, (slice(None), slice(0, n))), scaled_chirp)


def _rows(backend, x, inverse: bool):
    n = x.shape[-1]
    if n & (n - 1) == 0:
        return _stockham(backend, x, inverse)
    return _bluestein(backend, x, inverse)


def _unscaled(backend, a, axes, inverse: bool):
    x = a
    for axis in axes:
        order = [d for d in range(x.ndim) if d != axis] + [axis]
        moved = backend.ascontiguousarray(backend.transpose(x, order))
        n = moved.shape[-1]
        out = backend.reshape(_rows(backend, backend.reshape(moved, (-1, n)), inverse), moved.shape)
        x = backend.transpose(out, list(np.argsort(order)))
    return x


def _scaled(backend, x, factor: float):
    x = backend.ascontiguousarray(x)
    if factor == 1.0:
        return x
    return _complex.complex_view(backend.mul(_complex.pairs_view(x), factor))


def _check(backend, a, name):
    if a.dtype.kind == "c" and a.dtype == np.complex128 and not backend.has_float64:
        raise NotImplementedError(f"'{name}' of complex128 is not implemented on device {backend.device}")


def c2c(backend, a, axes, norm: str, forward: bool):
    _check(backend, a, "fft_c2c")
    if not axes:
        return backend.copy(a)
    x = _unscaled(backend, a, axes, not forward)
    return _scaled(backend, x, _scale(norm, forward, math.prod(a.shape[d] for d in axes)))


def r2c(backend, a, axes, norm: str, onesided: bool):
    spectrum = c2c(backend, backend.astype(a, _COMPLEX_OF[a.dtype]), axes, norm, True)
    if not onesided:
        return spectrum
    last = axes[-1]
    index = (slice(None),) * last + (slice(0, a.shape[last] // 2 + 1),)
    return backend.ascontiguousarray(backend.getitem(spectrum, index))


def c2r(backend, a, axes, norm: str, last_dim_size: int):
    _check(backend, a, "fft_c2r")
    x = _unscaled(backend, a, axes[:-1], True) if len(axes) > 1 else a
    last = axes[-1]
    mirrored = last_dim_size - x.shape[last]
    if mirrored > 0:
        index = (slice(None),) * last + (slice(mirrored, 0, -1),)
        x = backend.concatenate([x, backend.conj(backend.getitem(x, index))], last)
    full = _unscaled(backend, x, [last], True)
    total = math.prod(a.shape[d] for d in axes[:-1]) * last_dim_size
    factor = _scale(norm, False, total)
    parts = _complex.real_view(backend.ascontiguousarray(full))
    return backend.mul(parts, factor) if factor != 1.0 else backend.copy(parts)
