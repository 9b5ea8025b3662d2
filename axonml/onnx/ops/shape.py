"""Shape ops: Reshape, Transpose, Concat, Split, Slice, Gather*, Squeeze, Unsqueeze, Flatten, Expand, Shape,
Size, Constant*, Range, Tile, Pad, DepthToSpace, SpaceToDepth, Trilu, NonZero, OneHot, Scatter*.

Shape arguments (a Reshape's shape, a Slice's starts ...) are read to the host as ints; the data
itself stays on its device and goes through axonml ops, so the graph stays differentiable.
"""
from __future__ import annotations

import numpy as np

from ... import _dtype, functional as T
from ...creation import arange, full, zeros
from ...nn import functional as F
from .. import _dtypes
from .._registry import register
from ._util import axis_of, const, ints, scalar


def _prod(values) -> int:
    result = 1
    for value in values:
        result *= int(value)
    return result


@register("Reshape", since=5, attrs=("allowzero",))
def reshape(ctx, x, shape):
    target = ints(shape)
    if not ctx.attr("allowzero", 0):
        target = [x.shape[i] if size == 0 else size for i, size in enumerate(target)]
    return x.reshape(target)


@register("Transpose", since=1, attrs=("perm",))
def transpose(ctx, x):
    perm = ctx.attr("perm") or list(reversed(range(x.ndim)))
    return x.permute(*perm)


@register("Concat", since=4, attrs=("axis",))
def concat(ctx, *inputs):
    axis = axis_of(ctx.attr("axis"), inputs[0].ndim)
    return T.cat([value for value in inputs], axis)


def _split(x, axis, sizes):
    return tuple(T.split(x, sizes, axis)) if sizes else ()


def _equal_sizes(length, parts, uneven: bool):
    if uneven:
        chunk = -(-length // parts)
        sizes = [chunk] * (length // chunk) + ([length % chunk] if length % chunk else [])
        return sizes
    return [length // parts] * parts


@register("Split", since=2, attrs=("axis", "split"))
def split_2(ctx, x):
    axis = axis_of(ctx.attr("axis", 0), x.ndim)
    sizes = ctx.attr("split") or _equal_sizes(x.shape[axis], ctx.output_count, False)
    return _split(x, axis, sizes)


@register("Split", since=13, attrs=("axis",))
def split_13(ctx, x, split=None):
    axis = axis_of(ctx.attr("axis", 0), x.ndim)
    sizes = ints(split) if split is not None else _equal_sizes(x.shape[axis], ctx.output_count, False)
    return _split(x, axis, sizes)


@register("Split", since=18, attrs=("axis", "num_outputs"))
def split_18(ctx, x, split=None):
    axis = axis_of(ctx.attr("axis", 0), x.ndim)
    if split is not None:
        sizes = ints(split)
    else:
        sizes = _equal_sizes(x.shape[axis], ctx.attr("num_outputs", ctx.output_count), True)
    return _split(x, axis, sizes)


def _slice_axis(x, axis, start, end, step):
    size = x.shape[axis]
    if step == 0:
        raise ValueError("Slice: step cannot be 0")
    if start < 0:
        start += size
    if end < 0:
        end += size
    if step > 0:
        start, end = min(max(start, 0), size), min(max(end, 0), size)
    else:
        start, end = min(max(start, -1), size - 1), min(max(end, -1), size - 1)
    positions = range(start, end, step)
    if step == 1:
        return x.narrow(axis, start, max(end - start, 0))
    return T.index_select(x, axis, const(np.array(list(positions), np.int64), x))


def _slice(x, starts, ends, axes, steps):
    axes = axes if axes else list(range(len(starts)))
    steps = steps if steps else [1] * len(starts)
    for start, end, axis, step in zip(starts, ends, axes, steps):
        x = _slice_axis(x, axis_of(axis, x.ndim), start, end, step)
    return x


@register("Slice", since=1, attrs=("axes", "ends", "starts"))
def slice_1(ctx, x):
    return _slice(x, ctx.attr("starts"), ctx.attr("ends"), ctx.attr("axes"), None)


@register("Slice", since=10)
def slice_10(ctx, x, starts, ends, axes=None, steps=None):
    return _slice(x, ints(starts), ints(ends), ints(axes) if axes is not None else None,
                  ints(steps) if steps is not None else None)


def _positive_indices(indices, size):
    indices = indices.to(_dtype.int64)
    return T.where(indices < 0, indices + size, indices)


@register("Gather", since=1, attrs=("axis",))
def gather(ctx, x, indices):
    axis = axis_of(ctx.attr("axis", 0), x.ndim)
    flat = _positive_indices(indices, x.shape[axis]).reshape(-1)
    picked = T.index_select(x, axis, flat)
    return picked.reshape(list(x.shape[:axis]) + list(indices.shape) + list(x.shape[axis + 1:]))


@register("GatherElements", since=11, attrs=("axis",))
def gather_elements(ctx, x, indices):
    axis = axis_of(ctx.attr("axis", 0), x.ndim)
    return T.gather(x, axis, _positive_indices(indices, x.shape[axis]))


@register("GatherND", since=11, attrs=("batch_dims",))
def gather_nd(ctx, x, indices):
    batch_dims = ctx.attr("batch_dims", 0)
    depth = indices.shape[-1]
    batch_shape = list(x.shape[:batch_dims])
    batch = _prod(batch_shape)
    inner = list(x.shape[batch_dims:])
    indexed, rest = inner[:depth], inner[depth:]
    data = x.reshape([batch * _prod(indexed)] + rest)
    index = indices.to(_dtype.int64).reshape(batch, -1, depth)
    flat = index[..., 0] * 0
    for axis in range(depth):
        component = index[..., axis]
        component = T.where(component < 0, component + indexed[axis], component)
        flat = flat * indexed[axis] + component
    flat = flat + arange(batch, device=x.device).reshape(batch, 1) * _prod(indexed)
    picked = T.index_select(data, 0, flat.reshape(-1))
    return picked.reshape(list(indices.shape[:-1]) + rest)


def _squeeze(x, axes):
    if axes is None:
        return x.reshape([size for size in x.shape if size != 1])
    axes = {axis_of(axis, x.ndim) for axis in axes}
    return x.reshape([size for axis, size in enumerate(x.shape) if axis not in axes])


def _unsqueeze(x, axes):
    rank = x.ndim + len(axes)
    axes = sorted(axis_of(axis, rank) for axis in axes)
    shape = list(x.shape)
    for axis in axes:
        shape.insert(axis, 1)
    return x.reshape(shape)


@register("Squeeze", since=1, attrs=("axes",))
def squeeze_1(ctx, x):
    return _squeeze(x, ctx.attr("axes"))


@register("Squeeze", since=13)
def squeeze_13(ctx, x, axes=None):
    return _squeeze(x, ints(axes) if axes is not None else None)


@register("Unsqueeze", since=1, attrs=("axes",))
def unsqueeze_1(ctx, x):
    return _unsqueeze(x, ctx.attr("axes"))


@register("Unsqueeze", since=13)
def unsqueeze_13(ctx, x, axes):
    return _unsqueeze(x, ints(axes))


@register("Flatten", since=1, attrs=("axis",))
def flatten(ctx, x):
    axis = ctx.attr("axis", 1)
    axis = axis + x.ndim if axis < 0 else axis
    return x.reshape(_prod(x.shape[:axis]), _prod(x.shape[axis:]))


@register("Expand", since=8)
def expand(ctx, x, shape):
    target = ints(shape)
    rank = max(len(target), x.ndim)
    source = [1] * (rank - x.ndim) + list(x.shape)
    target = [1] * (rank - len(target)) + target
    result = [s if t == 1 else t for s, t in zip(source, target)]
    return x.reshape(source).expand(*result)


@register("Shape", since=1)
def shape_1(ctx, x):
    return const(np.array(x.shape, np.int64), x)


@register("Shape", since=15, attrs=("end", "start"))
def shape_15(ctx, x):
    dims = list(x.shape)
    start, end = ctx.attr("start", 0), ctx.attr("end", len(dims))
    return const(np.array(dims[slice(start, end)], np.int64), x)


@register("Size", since=1)
def size(ctx, x):
    return const(np.array(x.numel(), np.int64), x)


def _check_constant(ctx):
    supported = {"value", "value_float", "value_floats", "value_int", "value_ints"}
    given = set(ctx.attrs)
    if not given & supported:
        return "only tensor and numeric constants are supported"
    return None


@register("Constant", since=1, attrs=("value", "value_float", "value_floats", "value_int", "value_ints"),
          check=_check_constant)
def constant(ctx):
    if "value" in ctx.attrs:
        array = ctx.attrs["value"]
    elif "value_float" in ctx.attrs:
        array = np.array(ctx.attrs["value_float"], np.float32)
    elif "value_floats" in ctx.attrs:
        array = np.array(ctx.attrs["value_floats"], np.float32)
    elif "value_int" in ctx.attrs:
        array = np.array(ctx.attrs["value_int"], np.int64)
    else:
        array = np.array(ctx.attrs["value_ints"], np.int64)
    return const(array, _device_like(ctx))


def _device_like(ctx):
    """A tensor on the device the model runs on (for constants made inside the graph)."""
    device = getattr(ctx.runner, "_run_device", None)
    return None if device is None or device.type == "cpu" else zeros(1, device=device)


@register("ConstantOfShape", since=9, attrs=("value",))
def constant_of_shape(ctx, shape):
    value = ctx.attr("value")
    array = value if value is not None else np.zeros(1, np.float32)
    dtype = _dtype.from_numpy_dtype(array.dtype)
    like = _device_like(ctx)
    return full(ints(shape), array.reshape(-1)[0].item(), dtype=dtype,
                device=like.device if like is not None else shape.device)


@register("Range", since=11)
def range_(ctx, start, limit, delta):
    first, last, step = scalar(start), scalar(limit), scalar(delta)
    count = max(int(np.ceil((last - first) / step)), 0)
    return arange(count, dtype=start.dtype, device=start.device) * step + first if count else \
        zeros(0, dtype=start.dtype, device=start.device)


@register("Tile", since=6)
def tile(ctx, x, repeats):
    return x.repeat(*ints(repeats))


def _pad_indices(size, begin, end, mode):
    positions = np.arange(-begin, size + end)
    if mode == "edge":
        return np.clip(positions, 0, size - 1)
    if mode == "wrap":
        return np.mod(positions, size)
    period = 2 * (size - 1)
    if period == 0:
        return np.zeros_like(positions)
    folded = np.mod(positions, period)
    return np.where(folded >= size, period - folded, folded)


def _pad(x, pads, mode, value):
    rank = x.ndim
    begins, ends = pads[:rank], pads[rank:]
    if mode == "constant":
        return F.pad(x, [p for axis in reversed(range(rank)) for p in (begins[axis], ends[axis])],
                     value=value if value is not None else 0)
    for axis in range(rank):
        begin, end = begins[axis], ends[axis]
        if begin == 0 and end == 0:
            continue
        if begin < 0 or end < 0:
            x = x.narrow(axis, max(-begin, 0), x.shape[axis] - max(-begin, 0) - max(-end, 0))
            begin, end = max(begin, 0), max(end, 0)
        index = _pad_indices(x.shape[axis], begin, end, mode)
        x = T.index_select(x, axis, const(index.astype(np.int64), x))
    return x


def _check_pad(ctx):
    mode = ctx.attr("mode", "constant")
    return None if mode in ("constant", "reflect", "edge", "wrap") else f"mode {mode!r} is not supported"


@register("Pad", since=2, attrs=("mode", "pads", "value"), check=_check_pad)
def pad_2(ctx, x):
    return _pad(x, list(ctx.attr("pads")), ctx.attr("mode", "constant"), ctx.attr("value", 0.0))


@register("Pad", since=11, attrs=("mode",), check=_check_pad)
def pad_11(ctx, x, pads, constant_value=None, axes=None):
    pads = ints(pads)
    if axes is not None:
        axes = [axis_of(axis, x.ndim) for axis in ints(axes)]
        full_pads = [0] * (2 * x.ndim)
        for i, axis in enumerate(axes):
            full_pads[axis], full_pads[axis + x.ndim] = pads[i], pads[i + len(axes)]
        pads = full_pads
    value = scalar(constant_value) if constant_value is not None and constant_value.numel() else 0
    return _pad(x, pads, ctx.attr("mode", "constant"), value)


@register("DepthToSpace", since=11, attrs=("blocksize", "mode"))
def depth_to_space(ctx, x):
    block = ctx.attr("blocksize")
    n, c, h, w = x.shape
    if ctx.attr("mode", "DCR") == "DCR":
        y = x.reshape(n, block, block, c // (block * block), h, w).permute(0, 3, 4, 1, 5, 2)
    else:
        y = x.reshape(n, c // (block * block), block, block, h, w).permute(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c // (block * block), h * block, w * block)


@register("SpaceToDepth", since=1, attrs=("blocksize", "mode"))
def space_to_depth(ctx, x):
    block = ctx.attr("blocksize")
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // block, block, w // block, block)
    if ctx.attr("mode", "DCR") == "DCR":
        y = y.permute(0, 3, 5, 1, 2, 4)
    else:
        y = y.permute(0, 1, 3, 5, 2, 4)
    return y.reshape(n, c * block * block, h // block, w // block)


@register("Trilu", since=14, attrs=("upper",))
def trilu(ctx, x, k=None):
    diagonal = ints(k)[0] if k is not None else 0
    return T.triu(x, diagonal) if ctx.attr("upper", 1) else T.tril(x, diagonal)


@register("NonZero", since=9)
def nonzero(ctx, x):
    return T.nonzero(x).t().to(_dtype.int64).contiguous()


@register("OneHot", since=11, attrs=("axis",))
def one_hot(ctx, indices, depth, values):
    size = int(scalar(depth))
    axis = ctx.attr("axis", -1)
    rank = indices.ndim + 1
    axis = axis + rank if axis < 0 else axis
    index = indices.to(_dtype.int64)
    index = T.where(index < 0, index + size, index)
    classes = arange(size, device=indices.device).reshape([size] + [1] * (rank - 1 - axis))
    hot = index.unsqueeze(axis) == classes
    off, on = values[0], values[1]
    return T.where(hot, on, off)


@register("ScatterElements", since=11, attrs=("axis", "reduction"))
def scatter_elements(ctx, x, indices, updates):
    axis = axis_of(ctx.attr("axis", 0), x.ndim)
    index = _positive_indices(indices, x.shape[axis])
    reduction = ctx.attr("reduction", "none")
    if reduction == "none":
        return x.scatter(axis, index, updates)
    reduce = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}[reduction]
    return x.scatter_reduce(axis, index, updates, reduce)


@register("ScatterND", since=11, attrs=("reduction",))
def scatter_nd(ctx, x, indices, updates):
    depth = indices.shape[-1]
    indexed, rest = list(x.shape[:depth]), list(x.shape[depth:])
    data = x.reshape([_prod(indexed)] + rest)
    index = indices.to(_dtype.int64).reshape(-1, depth)
    flat = index[:, 0] * 0
    for axis in range(depth):
        flat = flat * indexed[axis] + index[:, axis]
    values = updates.reshape([flat.shape[0]] + rest)
    reduction = ctx.attr("reduction", "none")
    expanded = flat.reshape([-1] + [1] * len(rest)).expand(*values.shape)
    if reduction == "none":
        out = data.scatter(0, expanded, values)
    else:
        reduce = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}[reduction]
        out = data.scatter_reduce(0, expanded, values, reduce)
    return out.reshape(x.shape)


@register("EyeLike", since=9, attrs=("dtype", "k"))
def eye_like(ctx, x):
    code = ctx.attr("dtype")
    dtype = _dtypes.to_axonml(code) if code is not None else x.dtype
    rows, columns = x.shape
    k = ctx.attr("k", 0)
    row = arange(rows, device=x.device).reshape(rows, 1)
    column = arange(columns, device=x.device).reshape(1, columns)
    return (column - row == k).to(dtype)


@register("ReverseSequence", since=10, attrs=("batch_axis", "time_axis"))
def reverse_sequence(ctx, x, sequence_lens):
    batch_axis, time_axis = ctx.attr("batch_axis", 1), ctx.attr("time_axis", 0)
    steps = x.shape[time_axis]
    order = np.tile(np.arange(steps)[:, None], (1, x.shape[batch_axis]))
    for b, length in enumerate(ints(sequence_lens)):
        order[:length, b] = np.arange(length)[::-1]
    shape = [1] * x.ndim
    shape[time_axis], shape[batch_axis] = steps, x.shape[batch_axis]
    index = order if time_axis < batch_axis else order.T
    index = const(index.reshape(shape).astype(np.int64), x).expand(*x.shape)
    return T.gather(x, time_axis, index)


@register("Compress", since=9, attrs=("axis",))
def compress(ctx, x, condition):
    axis = ctx.attr("axis")
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis_of(axis, x.ndim)
    keep = np.flatnonzero(np.asarray(condition.detach().cpu().numpy()).reshape(-1)[:x.shape[axis]])
    return T.index_select(x, axis, const(keep.astype(np.int64), x))
