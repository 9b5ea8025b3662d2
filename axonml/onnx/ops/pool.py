"""MaxPool, AveragePool, LpPool and the global pools, with ONNX's padding and ceil_mode rules."""
from __future__ import annotations

import math

from ... import _dtype, functional as T
from ...creation import arange, ones
from ...nn import functional as F
from .._registry import register
from ._spatial import ceil_extra, resolve_pads, torch_pad

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_POOL_ATTRS = ("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides")


def _geometry(ctx, x):
    rank = x.ndim - 2
    kernel = list(ctx.attr("kernel_shape"))
    strides = list(ctx.attr("strides") or [1] * rank)
    dilations = list(ctx.attr("dilations") or [1] * rank)
    spatial = list(x.shape[2:])
    pads = resolve_pads(ctx, spatial, kernel, strides, dilations)
    extra = ceil_extra(spatial, kernel, strides, dilations, pads) if ctx.attr("ceil_mode", 0) else [0] * rank
    return rank, kernel, strides, dilations, spatial, pads, extra


@register("MaxPool", since=1, attrs=_POOL_ATTRS + ("storage_order",))
def max_pool(ctx, x):
    rank, kernel, strides, dilations, spatial, pads, extra = _geometry(ctx, x)
    begins, ends = pads[:rank], [pads[rank + i] + extra[i] for i in range(rank)]
    floating = x.dtype.is_floating_point
    work = x if floating else x.double()
    padded = F.pad(work, torch_pad(begins, ends), value=-math.inf) if any(begins + ends) else work
    if ctx.output_count < 2:
        y = _MAX_POOL[rank](padded, kernel, strides, 0, dilations)
        return y if floating else y.to(x.dtype)
    y, index = _MAX_POOL[rank](padded, kernel, strides, 0, dilations, return_indices=True)
    # Indices into the padded spatial grid -> row-major indices into the whole unpadded input.
    padded_shape = list(padded.shape[2:])
    flat = index.reshape(-1) * 0
    remainder = index.reshape(-1)
    coords = []
    for size in reversed(padded_shape):
        coords.append(remainder % size)
        remainder = remainder // size
    coords.reverse()
    # storage_order=1 numbers the spatial grid column-major (the last spatial dim varies slowest).
    order = range(rank - 1, -1, -1) if ctx.attr("storage_order", 0) else range(rank)
    for axis in order:
        flat = flat * spatial[axis] + (coords[axis] - begins[axis])
    batch, channels = x.shape[0], x.shape[1]
    plane = 1
    for size in spatial:
        plane *= size
    base = arange(batch * channels, device=x.device).reshape(batch, channels, *([1] * rank)) * plane
    indices = flat.reshape(index.shape) + base
    return (y if floating else y.to(x.dtype)), indices.to(_dtype.int64)


def _window_sum(x, kernel, strides, dilations):
    """Sum over each pooling window, as a grouped convolution with a ones kernel (any dilation)."""
    rank = len(kernel)
    batch, channels = x.shape[0], x.shape[1]
    planes = x.reshape(batch * channels, 1, *x.shape[2:])
    weight = ones((1, 1, *kernel), dtype=x.dtype, device=x.device)
    summed = _CONV[rank](planes, weight, None, stride=strides, dilation=dilations)
    return summed.reshape(batch, channels, *summed.shape[2:])


@register("AveragePool", since=1, attrs=_POOL_ATTRS + ("count_include_pad",))
def average_pool(ctx, x):
    rank, kernel, strides, dilations, spatial, pads, extra = _geometry(ctx, x)
    begins, ends = pads[:rank], pads[rank:]
    if not any(begins + ends + extra) and dilations == [1] * rank and rank in (1, 2, 3):
        pool = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[rank]
        return pool(x, kernel, strides)
    full_ends = [ends[i] + extra[i] for i in range(rank)]
    summed = _window_sum(F.pad(x, torch_pad(begins, full_ends)), kernel, strides, dilations)
    mask = ones((1, 1, *spatial), dtype=x.dtype, device=x.device)
    if ctx.attr("count_include_pad", 0):
        mask = F.pad(mask, torch_pad(begins, ends), value=1.0)
        mask = F.pad(mask, torch_pad([0] * rank, extra))
    else:
        mask = F.pad(mask, torch_pad(begins, full_ends))
    counts = _window_sum(mask, kernel, strides, dilations)
    return summed / counts


@register("LpPool", since=11, attrs=_POOL_ATTRS + ("p",))
def lp_pool(ctx, x):
    rank, kernel, strides, dilations, spatial, pads, extra = _geometry(ctx, x)
    p = ctx.attr("p", 2)
    begins, ends = pads[:rank], [pads[rank + i] + extra[i] for i in range(rank)]
    summed = _window_sum(F.pad(T.abs(x) ** p, torch_pad(begins, ends)), kernel, strides, dilations)
    return summed ** (1.0 / p)


@register("GlobalAveragePool", since=1)
def global_average_pool(ctx, x):
    return x.mean(dim=tuple(range(2, x.ndim)), keepdim=True)


@register("GlobalMaxPool", since=1)
def global_max_pool(ctx, x):
    return x.amax(dim=tuple(range(2, x.ndim)), keepdim=True)


@register("GlobalLpPool", since=2, attrs=("p",))
def global_lp_pool(ctx, x):
    p = ctx.attr("p", 2)
    return (T.abs(x) ** p).sum(dim=tuple(range(2, x.ndim)), keepdim=True) ** (1.0 / p)
