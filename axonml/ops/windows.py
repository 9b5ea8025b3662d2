"""Window functions (torch.hann_window ...), and logspace, range and scalar_tensor.

The windows are computed as torch computes them, in the requested floating dtype (a periodic window
of length L is the symmetric window of length L + 1 without its last value), then placed on the
device. logspace and range follow torch's spacing rules and defaults.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from scipy import special as _scipy_special

from .. import _dtype
from ..creation import _backend, _finish, _linspace_values
from ..tensor import Tensor

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window", "logspace",
           "range", "scalar_tensor"]



def _window(name: str, window_length: int, periodic: bool, dtype, device, requires_grad, values) -> Tensor:
    """Check the arguments, then build values(n, N) over n = 0 .. L-1 (N the symmetric length) in dtype."""
    if not isinstance(window_length, numbers.Integral) or isinstance(window_length, bool):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not {type(window_length).__name__}")
    d = _dtype.to_dtype(dtype)
    if not d.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    np_dtype = np.dtype(np.float32) if d.np.kind == "V" else d.np   # bfloat16: computed in float32, as torch
    if window_length == 0:
        data = np.zeros(0, np_dtype)
    elif window_length == 1:
        data = np.ones(1, np_dtype)
    else:
        length = window_length + 1 if periodic else window_length
        with np.errstate(all="ignore"):
            data = np.asarray(values(np.arange(length, dtype=np_dtype), length), np_dtype)[:window_length]
    return _finish(_backend(device).asarray(data.astype(d.np)), requires_grad)


def _cosine_sum(coefficients):
    """sum_k (-1)^k a_k cos(2 pi k n / (N - 1))."""
    def values(n, length):
        angle = n * n.dtype.type(2.0 * math.pi / (length - 1))
        out = np.full_like(n, coefficients[0])
        for k, coefficient in enumerate(coefficients[1:], start=1):
            out = out + n.dtype.type((-1) ** k * coefficient) * np.cos(angle * n.dtype.type(k))
        return out
    return values


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """The Hann window 0.5 - 0.5 cos(2 pi n / (N - 1)).

    Args:
        window_length: the number of points L.
        periodic: True for a window for spectral analysis (the first L points of a window of L + 1); False for
            the symmetric window.
        dtype, device, requires_grad: as for axonml.zeros; dtype must be floating point.

    Example:
        >>> axonml.hann_window(4)
        tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum((0.5, 0.5)))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The generalised Hamming window alpha - beta cos(2 pi n / (N - 1)).

    Args:
        window_length, periodic, dtype, device, requires_grad: as for hann_window.
        alpha, beta: the coefficients (0.54 and 0.46 give Hamming's window, 0.5 and 0.5 Hann's).
    """
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((alpha, beta)))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The Blackman window 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1)).

    Args:
        window_length, periodic, dtype, device, requires_grad: as for hann_window.
    """
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum((0.42, 0.5, 0.08)))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window 1 - |2n / (N - 1) - 1|.

    Args:
        window_length, periodic, dtype, device, requires_grad: as for hann_window.
    """
    def values(n, length):
        rising = n * n.dtype.type(2.0 / (length - 1))
        first_half = (length - 1) // 2 + 1
        rising[first_half:] = n.dtype.type(2) - rising[first_half:]
        return rising
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, values)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False) -> Tensor:
    """The Kaiser window I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta), a = (N - 1) / 2.

    Args:
        window_length, periodic, dtype, device, requires_grad: as for hann_window.
        beta: the shape parameter (larger: a narrower main lobe in time, lower side lobes).
    """
    def values(n, length):
        half = (length - 1) / 2.0
        ratio = (n.astype(np.float64) - half) / half
        return _scipy_special.i0(beta * np.sqrt(np.abs(1.0 - ratio * ratio))) / _scipy_special.i0(beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, values)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """steps values from base**start to base**end, evenly spaced in the exponent (both ends included).

    Example:
        >>> axonml.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    start, end = (x.item() if isinstance(x, Tensor) else x for x in (start, end))
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool):
        raise TypeError(f"logspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    d = _dtype.to_dtype(dtype)
    if d.is_floating_point:
        compute = np.dtype(np.float32) if d.np.kind == "V" else d.np
        exponents = _linspace_values(start, end, int(steps), compute)
        data = np.power(compute.type(base), exponents)
    else:
        # integer dtypes: torch spaces the exponents in float64 and truncates each power
        exponents = _linspace_values(float(start), float(end), int(steps), np.float64)
        data = np.trunc(np.power(float(base), exponents))
    return _finish(_backend(device).asarray(data.astype(d.np)), requires_grad)


def range(start, end, step=1, *, dtype=None, layout=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Values from start to end inclusive by step, in the default float type unless dtype says otherwise.

    Deprecated, as in torch: use axonml.arange, which excludes end.
    """
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    d = _dtype.to_dtype(dtype)
    count = int(math.floor((end - start) / step)) + 1
    values = start + step * np.arange(count, dtype=np.float64 if d.is_floating_point else np.int64)
    return _finish(_backend(device).asarray(values.astype(d.np)), requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number s, in the default float type unless dtype says otherwise."""
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, numbers.Number):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not {type(s).__name__}")
    d = _dtype.to_dtype(dtype)
    return _finish(_backend(device).asarray(np.asarray(s).astype(d.np)), requires_grad)
