"""Discrete Fourier transforms with torch.fft's names, arguments and gradients.

Every transform takes ``n`` (1-d) or ``s`` (2-d / n-d) to cut or zero-pad the input first, ``dim``
and ``norm``: "backward" (default: no scaling forward, 1/n inverse), "ortho" (1/sqrt(n) both ways)
or "forward" (1/n forward). Real inputs of the complex transforms are promoted (float32 to
complex64, float64 to complex128, integers through the default float type); the transforms are
defined, with their backwards, in axonml/ops/spectral.py, and run on pocketfft (scipy.fft) on
the CPU.

Example:
    >>> x = axonml.randn(8)
    >>> axonml.fft.irfft(axonml.fft.rfft(x), n=8).allclose(x, atol=1e-6)
    True
"""
from __future__ import annotations

import numbers

from . import _dtype
from .creation import arange
from .ops import spectral as _spectral
from .ops.complex import conj as _conj
from .tensor import Tensor

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "hfftn", "ihfftn", "hfft2", "ihfft2", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _one_dim(name: str, x: Tensor, n, dim: int, default_n=None):
    dims, sizes = _spectral.dims_and_sizes(name, x, None if n is None else [n], [dim], default_n)
    return dims, sizes


def _half_to_full(m: int) -> int:
    return 2 * (m - 1)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The 1-d discrete Fourier transform along dim."""
    x = _spectral.as_complex_input("fft", input)
    dims, sizes = _one_dim("fft", x, n, dim)
    return _spectral.c2c(x, dims, sizes, _spectral.check_norm(norm), True)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The 1-d inverse discrete Fourier transform along dim."""
    x = _spectral.as_complex_input("ifft", input)
    dims, sizes = _one_dim("ifft", x, n, dim)
    return _spectral.c2c(x, dims, sizes, _spectral.check_norm(norm), False)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The transform of a real signal: the n // 2 + 1 non-negative frequencies along dim."""
    x = _spectral.as_real_input("rfft", input)
    dims, sizes = _one_dim("rfft", x, n, dim)
    return _spectral.r2c(x, dims, sizes, _spectral.check_norm(norm))


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of rfft: a real signal of n (default 2 * (m - 1)) points from m non-negative frequencies."""
    x = _spectral.as_complex_input("irfft", input)
    dims, sizes = _one_dim("irfft", x, n, dim, _half_to_full)
    return _spectral.c2r(x, dims, sizes, _spectral.check_norm(norm))


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The transform of a Hermitian-symmetric signal given by its first half: a real spectrum of n points."""
    x = _spectral.as_complex_input("hfft", input)
    dims, sizes = _one_dim("hfft", x, n, dim, _half_to_full)
    return _spectral.c2r(_conj(x), dims, sizes, _spectral._DUAL[_spectral.check_norm(norm)])


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of hfft: the n // 2 + 1 first entries of the inverse transform of a real signal."""
    x = _spectral.as_real_input("ihfft", input)
    dims, sizes = _one_dim("ihfft", x, n, dim)
    return _conj(_spectral.r2c(x, dims, sizes, _spectral._DUAL[_spectral.check_norm(norm)]))


def fftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The n-d discrete Fourier transform over dim (every dim by default; the last len(s) when s is given)."""
    x = _spectral.as_complex_input("fftn", input)
    dims, sizes = _spectral.dims_and_sizes("fftn", x, s, dim)
    return _spectral.c2c(x, dims, sizes, _spectral.check_norm(norm), True)


def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The n-d inverse discrete Fourier transform."""
    x = _spectral.as_complex_input("ifftn", input)
    dims, sizes = _spectral.dims_and_sizes("ifftn", x, s, dim)
    return _spectral.c2c(x, dims, sizes, _spectral.check_norm(norm), False)


def _require_dims(name: str, dims) -> None:
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")


def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The n-d transform of a real signal, halved along the last of dim."""
    x = _spectral.as_real_input("rfftn", input)
    dims, sizes = _spectral.dims_and_sizes("rfftn", x, s, dim)
    _require_dims("rfftn", dims)
    return _spectral.r2c(x, dims, sizes, _spectral.check_norm(norm))


def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The inverse of rfftn (the last size defaults to 2 * (m - 1))."""
    x = _spectral.as_complex_input("irfftn", input)
    dims, sizes = _spectral.dims_and_sizes("irfftn", x, s, dim, _half_to_full)
    _require_dims("irfftn", dims)
    return _spectral.c2r(x, dims, sizes, _spectral.check_norm(norm))


def hfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The n-d hfft: a real spectrum from the half of a Hermitian-symmetric signal."""
    x = _spectral.as_complex_input("hfftn", input)
    dims, sizes = _spectral.dims_and_sizes("hfftn", x, s, dim, _half_to_full)
    _require_dims("hfftn", dims)
    return _spectral.c2r(_conj(x), dims, sizes, _spectral._DUAL[_spectral.check_norm(norm)])


def ihfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """The inverse of hfftn."""
    x = _spectral.as_real_input("ihfftn", input)
    dims, sizes = _spectral.dims_and_sizes("ihfftn", x, s, dim)
    _require_dims("ihfftn", dims)
    return _conj(_spectral.r2c(x, dims, sizes, _spectral._DUAL[_spectral.check_norm(norm)]))


def fft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None) -> Tensor:
    """fftn over the last two dims."""
    return fftn(input, s, dim, norm)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None) -> Tensor:
    return ifftn(input, s, dim, norm)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None) -> Tensor:
    return rfftn(input, s, dim, norm)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None) -> Tensor:
    return irfftn(input, s, dim, norm)


def hfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None) -> Tensor:
    return hfftn(input, s, dim, norm)


def ihfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None) -> Tensor:
    return ihfftn(input, s, dim, norm)


def _frequency_args(name: str, n, d):
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"{name}: n must be a non-negative integer, got {n!r}")
    return int(n), d


def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of fft's n outputs for a sample spacing d: [0, 1, ..., -2, -1] / (d n)."""
    n, d = _frequency_args("fftfreq", n, d)
    dtype = _dtype.to_dtype(dtype)
    values = arange(n, dtype=_dtype.float64)
    values = (values - n * (values >= (n + 1) // 2).to(_dtype.float64)) / (d * n if n else 1.0)
    return values.to(dtype=dtype, device=device).requires_grad_(requires_grad)


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of rfft's n // 2 + 1 outputs: [0, 1, ..., n // 2] / (d n)."""
    n, d = _frequency_args("rfftfreq", n, d)
    dtype = _dtype.to_dtype(dtype)
    values = arange(n // 2 + 1, dtype=_dtype.float64) / (d * n if n else 1.0)
    return values.to(dtype=dtype, device=device).requires_grad_(requires_grad)


def _shift_dims(input: Tensor, dim):
    if dim is None:
        return list(range(input.ndim))
    return [dim] if isinstance(dim, numbers.Integral) else list(dim)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Move the zero frequency to the centre: roll each dim by n // 2."""
    dims = _shift_dims(input, dim)
    return input.roll([input.shape[d] // 2 for d in dims], dims) if dims else input


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of fftshift: roll each dim by -(n // 2)."""
    dims = _shift_dims(input, dim)
    return input.roll([-(input.shape[d] // 2) for d in dims], dims) if dims else input
