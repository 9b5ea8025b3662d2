"""Separable resampling on an OpenCL device (interpolate.cl): F.interpolate's one kernel."""
from __future__ import annotations

import math

import numpy as np

from ._array import dense
from ._conv import _defines

__all__ = ["resample_axis"]


def resample_axis(backend, x, axis, index, weights):
    x = dense(backend._device_array(x))
    size, (out_size, taps) = x.shape[axis], index.shape
    inner = math.prod(x.shape[axis + 1:])
    out = backend.new(x.shape[:axis] + (out_size,) + x.shape[axis + 1:], x.dtype)
    if out.size:
        index = dense(backend._device_array(index, np.dtype(np.int64)))
        weights = dense(backend._device_array(weights, x.dtype))
        backend.launch(backend.kernel("interpolate", "resample_axis", _defines(backend, x.dtype)), out.size,
                       out.buffer, x.buffer, index.buffer, weights.buffer, np.int64(size), np.int64(out_size),
                       np.int64(inner), np.int64(taps), np.int64(out.size))
    return out
