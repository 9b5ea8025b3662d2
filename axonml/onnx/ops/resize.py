"""Resize (opsets 11 to 19): nearest, linear and cubic resampling, every coordinate mode, antialias.

Resampling is separable: each resized axis is one gather of the taps (``index_select``) and a
weighted sum over them, with the tap positions and weights computed on the host from the
shapes alone, as ONNX's reference does. The data goes through axonml ops only.
"""
from __future__ import annotations

import math

import numpy as np

from ... import functional as T
from .._registry import register
from ._util import const, floats, ints

_RESIZE_ATTRS = ("antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
                 "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode")


def _nearest(mode):
    def coeffs(ratio, scale):
        if float(ratio).is_integer():
            return np.array([0.0, 1.0])
        if mode == "round_prefer_floor":
            return np.array([ratio <= 0.5, ratio > 0.5], np.float64)
        if mode == "round_prefer_ceil":
            return np.array([ratio < 0.5, ratio >= 0.5], np.float64)
        if mode == "floor":
            return np.array([1.0, 0.0])
        return np.array([0.0, 1.0])
    return coeffs


def _linear(antialias):
    def coeffs(ratio, scale):
        if not antialias:
            return np.array([1 - ratio, ratio])
        scale = min(scale, 1.0)
        start = int(np.floor(-1 / scale) + 1)
        args = (np.arange(start, start + 2 - 2 * start) - ratio) * scale
        weights = np.clip(1 - np.abs(args), 0, 1)
        return weights / weights.sum()
    return coeffs


def _cubic(a, antialias):
    def coeffs(ratio, scale):
        if not antialias:
            return np.array([
                ((a * (ratio + 1) - 5 * a) * (ratio + 1) + 8 * a) * (ratio + 1) - 4 * a,
                ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
                ((a + 2) * (1 - ratio) - (a + 3)) * (1 - ratio) * (1 - ratio) + 1,
                ((a * ((1 - ratio) + 1) - 5 * a) * ((1 - ratio) + 1) + 8 * a) * ((1 - ratio) + 1) - 4 * a,
            ])
        scale = min(scale, 1.0)

        def kernel(x):
            x = abs(x)
            if x <= 1:
                return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
            if x < 2:
                return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
            return 0.0
        start = int(np.floor(-2 / scale) + 1)
        weights = np.array([kernel(scale * (i - ratio)) for i in range(start, 2 - start)])
        return weights / weights.sum()
    return coeffs


def _source_positions(mode, out_size, in_size, scale, roi):
    """Source coordinates of the output positions. As ONNX's reference (which generates the backend node
    tests), align_corners and tf_crop_and_resize divide by scale * in_size, which is fractional when the
    scale does not give a whole size; ONNX Runtime divides by the integer output size there."""
    y = np.arange(out_size, dtype=np.float64)
    out_width = scale * in_size
    extrapolated = None
    if mode == "align_corners":
        x = np.zeros(out_size) if out_width == 1 else y * (in_size - 1) / (out_width - 1)
    elif mode == "asymmetric":
        x = y / scale
    elif mode == "tf_crop_and_resize":
        if out_width == 1:
            x = np.full(out_size, (roi[1] - roi[0]) * (in_size - 1) / 2)
        else:
            x = y * (roi[1] - roi[0]) * (in_size - 1) / (out_width - 1)
        x = x + roi[0] * (in_size - 1)
        extrapolated = (x < 0) | (x > in_size - 1)
    elif mode == "pytorch_half_pixel":
        x = np.full(out_size, -0.5) if out_width == 1 else (y + 0.5) / scale - 0.5
    elif mode == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    elif mode == "half_pixel_symmetric":
        offset = in_size / 2 * (1 - out_size / out_width)
        x = offset + (y + 0.5) / scale - 0.5
    else:
        raise ValueError(f"Resize: unknown coordinate_transformation_mode {mode!r}")
    return x, extrapolated


def _taps(coeff_fn, out_size, in_size, scale, roi, transform, exclude_outside):
    """(indices (out, n), weights (out, n), extrapolated mask or None) of one axis."""
    x, extrapolated = _source_positions(transform, out_size, in_size, scale, roi)
    floor = np.floor(x).astype(np.int64)
    ratios = np.where(x == floor, 1.0, x - floor)
    weights = np.stack([np.asarray(coeff_fn(float(ratio), scale), np.float64) for ratio in ratios])
    n = weights.shape[1]
    pad = int(np.ceil(n / 2))
    shifted = x + pad
    base = np.floor(shifted).astype(np.int64)
    frac = shifted - base
    if n % 2 == 0:
        offset = np.where(frac == 0, -(n // 2), -(n // 2) + 1)
    else:
        offset = np.where(frac <= 0.5, -((n - 1) // 2), -((n - 1) // 2) + 1)
    indices = (base + offset)[:, None] + np.arange(n)[None, :] - pad
    if exclude_outside:
        weights = np.where((indices < 0) | (indices >= in_size), 0.0, weights)
        total = weights.sum(axis=-1, keepdims=True)
        weights = weights / np.where(total == 0, 1.0, total)
    return np.clip(indices, 0, in_size - 1), weights, extrapolated


def _resample_axis(x, axis, indices, weights, extrapolated, extrapolation_value):
    out_size, n = weights.shape
    nonzero = weights != 0
    if np.all(nonzero.sum(axis=1) == 1) and np.allclose(weights[nonzero], 1.0):
        picked = indices[nonzero]
        y = T.index_select(x, axis, const(picked.astype(np.int64), x))
    else:
        gathered = T.index_select(x, axis, const(indices.reshape(-1).astype(np.int64), x))
        shape = list(x.shape)
        gathered = gathered.reshape(shape[:axis] + [out_size, n] + shape[axis + 1:])
        coeff_shape = [1] * axis + [out_size, n] + [1] * (x.ndim - axis - 1)
        y = (gathered * const(weights.reshape(coeff_shape).astype(x.dtype.np), x)).sum(dim=axis + 1)
    if extrapolated is not None and extrapolated.any():
        mask_shape = [1] * axis + [out_size] + [1] * (x.ndim - axis - 1)
        y = T.where(const(extrapolated.reshape(mask_shape), x), y * 0 + extrapolation_value, y)
    return y


def _check_resize(ctx):
    mode = ctx.attr("mode", "nearest")
    if mode not in ("nearest", "linear", "cubic"):
        return f"mode {mode!r} is not supported"
    if mode == "nearest" and ctx.attr("antialias", 0):
        return "antialias with mode 'nearest' is not defined"
    return None


@register("Resize", since=11, attrs=_RESIZE_ATTRS, check=_check_resize)
def resize(ctx, x, roi=None, scales=None, sizes=None):
    rank = x.ndim
    mode = ctx.attr("mode", "nearest")
    antialias = bool(ctx.attr("antialias", 0))
    if mode == "nearest":
        coeff_fn = _nearest(ctx.attr("nearest_mode", "round_prefer_floor"))
    elif mode == "linear":
        coeff_fn = _linear(antialias)
    else:
        coeff_fn = _cubic(ctx.attr("cubic_coeff_a", -0.75), antialias)
    axes = ctx.attr("axes")
    axes = [axis + rank if axis < 0 else axis for axis in axes] if axes else list(range(rank))
    scales = floats(scales) if scales is not None and scales.numel() else None
    sizes = ints(sizes) if sizes is not None and sizes.numel() else None
    roi = floats(roi) if roi is not None and roi.numel() else None
    if roi is not None and len(roi) != 2 * rank:
        full = [0.0] * rank + [1.0] * rank
        for i, axis in enumerate(axes):
            full[axis], full[axis + rank] = roi[i], roi[len(axes) + i]
        roi = full
    in_shape = list(x.shape)
    scale_of = [1.0] * rank
    out_shape = list(in_shape)
    if sizes is not None:
        for i, axis in enumerate(axes):
            out_shape[axis] = sizes[i]
            scale_of[axis] = sizes[i] / in_shape[axis]
        policy = ctx.attr("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            chosen = [scale_of[axis] for axis in axes]
            scale = min(chosen) if policy == "not_larger" else max(chosen)
            for axis in axes:
                scale_of[axis] = scale
                out_shape[axis] = int(scale * in_shape[axis] + 0.5)
    elif scales is not None:
        for i, axis in enumerate(axes):
            scale_of[axis] = scales[i]
            out_shape[axis] = int(scales[i] * in_shape[axis])
    else:
        raise ValueError(f"Resize (node {ctx.name!r}): one of scales and sizes must be given")
    transform = ctx.attr("coordinate_transformation_mode", "half_pixel")
    work = x if x.dtype.is_floating_point else x.double()
    for axis in axes:
        axis_roi = None if roi is None else [roi[axis], roi[axis + rank]]
        if (math.isclose(scale_of[axis], 1.0) and out_shape[axis] == in_shape[axis]
                and (axis_roi is None or (math.isclose(axis_roi[0], 0.0) and math.isclose(axis_roi[1], 1.0)))):
            continue
        indices, weights, extrapolated = _taps(coeff_fn, out_shape[axis], in_shape[axis], scale_of[axis], axis_roi,
                                               transform, bool(ctx.attr("exclude_outside", 0)))
        work = _resample_axis(work, axis, indices, weights, extrapolated, ctx.attr("extrapolation_value", 0.0))
    if work.dtype != x.dtype:
        from ... import _dtype
        info = _dtype.iinfo(x.dtype)
        work = T.clamp(T.round(work), info.min, info.max).to(x.dtype)
    return work
