"""Resampling: F.interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area) and
the deprecated F.upsample, F.upsample_nearest and F.upsample_bilinear.

Every mode but 'area' is separable: along each spatial axis, an output is a weighted sum of
a few input positions. An interpolation is therefore one ``resample_axis`` pass per
axis, driven by a small table of taps (index, weight) built here with PyTorch's CPU index
arithmetic, in its precision (float32 for float32 input, float64 for float64), including
how a given scale_factor is used (1 / scale_factor, not in / out) and bicubic's A = -0.75
with clamped border taps; antialias widens PIL's triangle or cubic filter over each output's
footprint, so its tables have more taps. The backward pass runs the same kernel with the
transposed tables (for each input position, the outputs that read it), so no device has to
scatter. 'area' is adaptive average pooling.
"""
from __future__ import annotations

import functools
import math
import numbers
import warnings

import numpy as np

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

# the spatial dims each interpolating mode needs; nearest, nearest-exact and area take 1 to 3
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "area", *_MODE_DIMS)
_AXIS_NAMES = ("D", "H", "W")
_CUBIC_A = -0.75


class Resample(ArrayFunction):
    """x resampled along each listed axis in turn; tables are (axis, index, weights, index_t, weights_t)."""

    def forward(ctx, x, tables):
        xp = ctx.xp
        ctx.tables = tables
        for axis, index, weights, _, _ in tables:
            if weights is None:  # nearest modes on integers: a plain gather
                x = xp.getitem(x, (slice(None),) * axis + (index,))
            else:
                x = xp.resample_axis(x, axis, index, weights)
        return x

    def backward(ctx, grad):
        xp = ctx.xp
        for axis, _, _, index_t, weights_t in reversed(ctx.tables):
            grad = xp.resample_axis(grad, axis, index_t, weights_t)
        return grad, None


# --- the tables: PyTorch's index arithmetic (aten/src/ATen/native/UpSample.h) -------------------------------

def _source_scale(in_size: int, out_size: int, align_corners: bool, scale, ft):
    """area_pixel_compute_scale: the input step per output step."""
    if align_corners:
        return ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(in_size) / ft(out_size)


def _source_index(scale, out_size: int, align_corners: bool, cubic: bool, ft):
    """area_pixel_compute_source_index for every output position, in ft."""
    dst = np.arange(out_size).astype(ft)
    if align_corners:
        return scale * dst
    real = scale * (dst + ft(0.5)) - ft(0.5)
    return real if cubic else np.maximum(real, ft(0))


def _floorf(values) -> np.ndarray:
    """C's floorf: PyTorch rounds the source index through float32 before flooring, whatever the dtype."""
    return np.floor(np.asarray(values, np.float64).astype(np.float32)).astype(np.int64)


def _cubic_weights(t, ft) -> np.ndarray:
    """get_cubic_upsample_coefficients: the four cubic-convolution weights of a fractional offset t."""
    a = ft(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = ft(1)
    return np.stack([far(t + one), near(t), near(one - t), far(one - t + one)], axis=1)


def _antialias_filter(mode: str, x):
    """The filters of PyTorch's antialiased resampling: a triangle, or Keys' cubic with a = -0.5."""
    x = np.abs(x)
    if mode == "bilinear":
        return np.where(x < 1, 1 - x, 0)
    a = -0.5
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0))


def _antialias_taps(mode: str, in_size: int, out_size: int, align_corners: bool, scale, ft):
    """_compute_weights_aa: the filter stretched by the downscaling factor over every output's
    footprint, normalised to sum to 1."""
    step = _source_scale(in_size, out_size, align_corners, scale, ft)
    support = (2.0 if mode == "bilinear" else 4.0) * 0.5 * (step if step >= 1 else 1)
    width = int(math.ceil(support)) * 2 + 1
    center = step * (np.arange(out_size).astype(ft) + ft(0.5))
    first = np.maximum((center - support + 0.5).astype(np.int64), 0)
    count = np.minimum((center + support + 0.5).astype(np.int64), in_size) - first
    taps = np.arange(width)
    inv_scale = ft(1 / step) if step >= 1 else ft(1)
    weights = _antialias_filter(mode, (first[:, None] + taps - center[:, None] + ft(0.5)) * inv_scale).astype(ft)
    weights = np.where(taps < count[:, None], weights, ft(0))
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total != 0, weights / np.where(total != 0, total, 1), weights).astype(ft)
    return np.minimum(first[:, None] + taps, in_size - 1), weights


@functools.lru_cache(maxsize=512)
def _table(mode: str, in_size: int, out_size: int, align_corners: bool, scale, dtype: str, antialias: bool = False):
    """(index, weights, index_t, weights_t) resampling one axis from in_size to out_size, or None for
    the identity; the _t tables are the adjoint."""
    ft = np.float64 if dtype == "float64" else np.float32
    if antialias:
        index, weights = _antialias_taps(mode, in_size, out_size, align_corners, scale, ft)
    elif mode in ("nearest", "nearest-exact"):
        step = _source_scale(in_size, out_size, False, scale, ft)
        if mode == "nearest":
            index = _floorf(step * np.arange(out_size).astype(ft))
        else:
            real = _source_index(step, out_size, False, False, ft)
            index = _floorf(real.astype(np.float64) + 0.5)
        index = np.minimum(index, in_size - 1)[:, None]
        weights = np.ones(index.shape, ft)
    elif mode == "bicubic":
        step = _source_scale(in_size, out_size, align_corners, scale, ft)
        real = _source_index(step, out_size, align_corners, True, ft)
        first = np.minimum(_floorf(real), in_size - 1)
        t = np.clip(real - first.astype(ft), ft(0), ft(1))
        weights = _cubic_weights(t, ft)
        index = np.clip(first[:, None] + np.arange(-1, 3), 0, in_size - 1)
    elif out_size == in_size:  # linear modes copy when the size does not change, whatever the scale
        return None
    else:
        step = _source_scale(in_size, out_size, align_corners, scale, ft)
        real = _source_index(step, out_size, align_corners, False, ft)
        first = np.minimum(_floorf(real), in_size - 1)
        right = np.clip(real - first.astype(ft), ft(0), ft(1))
        index = np.stack([first, first + (first < in_size - 1)], axis=1)
        weights = np.stack([ft(1) - right, right], axis=1)
    if index.shape[1] == 1 and out_size == in_size and np.array_equal(index[:, 0], np.arange(in_size)):
        return None
    index_t, weights_t = _transpose(index, weights, in_size)
    tables = (index, weights, index_t, weights_t)
    for array in tables:
        array.setflags(write=False)
    return tables


def _transpose(index, weights, in_size: int):
    """The adjoint table: for every input position, the outputs that read it and their weights (zero-padded)."""
    out_size, taps = index.shape
    sources = index.ravel()
    targets = np.repeat(np.arange(out_size), taps)
    order = np.argsort(sources, kind="stable")
    sources, targets, values = sources[order], targets[order], weights.ravel()[order]
    counts = np.bincount(sources, minlength=in_size)
    width = max(int(counts.max()), 1)
    slot = np.arange(sources.size) - (np.cumsum(counts) - counts)[sources]
    index_t = np.zeros((in_size, width), np.int64)
    weights_t = np.zeros((in_size, width), weights.dtype)
    index_t[sources, slot] = targets
    weights_t[sources, slot] = values
    return index_t, weights_t


# --- interpolate ------------------------------------------------------------------------------------------

def _output_size(input, dim, size, scale_factor, recompute_scale_factor):
    """PyTorch's interpolate argument rules: the output size, and the scales the kernels see (None: in / out)."""
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(sizes) != dim:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {spatial} and output size of {size}. Please provide input tensor "
                             f"in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        if not all(isinstance(s, numbers.Integral) for s in sizes):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                            f"Tuple[int, int, int], but got size with types {[type(s) for s in sizes]}")
        return [int(s) for s in sizes], [None] * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
    if len(scales) != dim:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                         f"(s1, s2, ...,sK) format.")
    scales = [float(s) for s in scales]
    sizes = [int(n * s) for n, s in zip(spatial, scales)]
    return sizes, ([None] * dim if recompute_scale_factor else scales)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resample the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input, as torch's interpolate.

    Args:
        input: the tensor to resample.
        size: the output spatial size (an int or one int per spatial dim).
        scale_factor: a multiplier for the spatial size (a float or one per dim); the output size is
            floor(input size * scale_factor) and, unless recompute_scale_factor, the kernels step
            through the input by 1 / scale_factor.
        mode: 'nearest' | 'nearest-exact' | 'linear' (3-D) | 'bilinear' (4-D) | 'bicubic' (4-D) |
            'trilinear' (5-D) | 'area' (adaptive average pooling).
        align_corners: for the linear and cubic modes, map the corner pixels' centres onto each
            other instead of their outer edges. Default: ``False``.
        recompute_scale_factor: step by input size / output size instead of the given scale_factor.
        antialias: for 'bilinear' and 'bicubic', widen the filter by the downscaling factor (a
            low-pass filter), as PIL and PyTorch's antialias do.

    Example::

        >>> F.interpolate(axonml.randn(1, 3, 4, 4), scale_factor=2, mode="bilinear").shape
        axonml.Size([1, 3, 8, 8])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    sizes, scales = _output_size(input, dim, size, scale_factor, recompute_scale_factor)
    if mode == "area" and scale_factor is not None:
        scales = [None] * dim
    if antialias:
        if not (mode in ("bilinear", "bicubic") and input.ndim == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
                             "a 4-D tensor as input")
    if not 1 <= dim <= 3 or mode not in _MODES or _MODE_DIMS.get(mode, dim) != dim:
        needed = _MODE_DIMS.get(mode)
        if needed is not None and 1 <= dim <= 3 and mode != "bicubic":
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {needed + 2}D input")
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    spatial = tuple(input.shape[2:])
    if any(s <= 0 for s in spatial) or any(s <= 0 for s in sizes):
        names = _AXIS_NAMES[3 - dim:]
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(f'{n}: {s}' for n, s in zip(names, spatial))}) output "
                           f"({', '.join(f'{n}: {s}' for n, s in zip(names, sizes))})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, tuple(sizes))
    if not input.dtype.is_floating_point and not mode.startswith("nearest"):
        raise NotImplementedError(f'"upsample_{mode}" not implemented for \'{input.dtype.scalar_name}\'')
    if mode == "nearest" and dim == 2 and tuple(sizes) == spatial:
        return input.clone()  # PyTorch's 2-D nearest copies an unchanged size, whatever the scale_factor
    xp = _backend(input)
    dtype = "float64" if input.dtype.name == "float64" else "float32"
    gather = not input.dtype.is_floating_point
    tables = []
    for axis in reversed(range(2, input.ndim)):  # the last axis first: its pass reads contiguous rows
        table = _table(mode, spatial[axis - 2], sizes[axis - 2], bool(align_corners), scales[axis - 2], dtype,
                       bool(antialias))
        if table is not None:
            index, weights, index_t, weights_t = table
            tables.append((axis, xp.asarray(index[:, 0] if gather else index),
                           None if gather else xp.asarray(weights), xp.asarray(index_t), xp.asarray(weights_t)))
    if not tables:
        return input.clone()
    return apply(Resample, input, tuple(tables))


def _backend(t: Tensor):
    from ..backends import cpu
    return cpu if type(t._data) is np.ndarray else t._data.backend


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (warns, as PyTorch does)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: :func:`interpolate` with mode='nearest' (warns, as PyTorch does)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: :func:`interpolate` with mode='bilinear' and align_corners=True (warns, as PyTorch does)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
