"""Pooling over 1, 2 or 3 spatial dims: max, average, power-average (lp), adaptive, and max unpooling.

Each op works on the last one, two or three dims of its input and treats every dim before them
as independent planes, so batched (N, C, ...) and unbatched (C, ...) inputs share one path.
Max pooling's indices are PyTorch's: the flat position (d * H + h) * W + w of the maximum in
its plane, which max_unpool reads back.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]


class MaxPool(ArrayFunction):
    def forward(ctx, x, kernel, stride, padding, dilation, output_size):
        ctx.x_shape, ctx.ndim = x.shape, len(kernel)
        values, indices = ctx.xp.max_pool_nd(x, kernel, stride, padding, dilation, output_size)
        ctx.save_for_backward(indices)
        return values, indices

    def backward(ctx, grad, grad_indices):
        indices, = ctx.saved_tensors
        return ctx.xp.max_pool_nd_backward(grad, indices, ctx.x_shape, ctx.ndim), None, None, None, None, None


class AvgPool(ArrayFunction):
    def forward(ctx, x, kernel, stride, padding, output_size, count_include_pad, divisor_override):
        ctx.x_shape = x.shape
        ctx.params = (kernel, stride, padding, count_include_pad, divisor_override)
        return ctx.xp.avg_pool_nd(x, kernel, stride, padding, output_size, count_include_pad, divisor_override)

    def backward(ctx, grad):
        grad_x = ctx.xp.avg_pool_nd_backward(grad, ctx.x_shape, *ctx.params)
        return grad_x, None, None, None, None, None, None


class AdaptiveAvgPool(ArrayFunction):
    def forward(ctx, x, output_size):
        ctx.x_shape, ctx.ndim = x.shape, len(output_size)
        return ctx.xp.adaptive_avg_pool_nd(x, output_size)

    def backward(ctx, grad):
        return ctx.xp.adaptive_avg_pool_nd_backward(grad, ctx.x_shape, ctx.ndim), None


class AdaptiveMaxPool(ArrayFunction):
    def forward(ctx, x, output_size):
        ctx.x_shape, ctx.ndim = x.shape, len(output_size)
        values, indices = ctx.xp.adaptive_max_pool_nd(x, output_size)
        ctx.save_for_backward(indices)
        return values, indices

    def backward(ctx, grad, grad_indices):
        indices, = ctx.saved_tensors
        return ctx.xp.max_pool_nd_backward(grad, indices, ctx.x_shape, ctx.ndim), None


class FractionalMaxPool(ArrayFunction):
    """The maximum of each output's window, the windows given as flat input indices per plane (P, L * K)."""

    def forward(ctx, x, windows, output_size):
        xp = ctx.xp
        planes, ndim = windows.shape[0], len(output_size)
        lead, positions = x.shape[:x.ndim - ndim], math.prod(output_size)
        ctx.x_shape, ctx.ndim = x.shape, ndim
        windows = xp.reshape(windows, (planes, positions, -1))
        values = xp.reshape(xp.take_along_axis(xp.reshape(x, (planes, -1)), xp.reshape(windows, (planes, -1)), 1),
                            windows.shape)
        best = xp.argmax(values, 2, True)
        indices = xp.reshape(xp.take_along_axis(windows, best, 2), lead + tuple(output_size))
        ctx.save_for_backward(indices)
        return xp.reshape(xp.take_along_axis(values, best, 2), lead + tuple(output_size)), indices

    def backward(ctx, grad, grad_indices):
        indices, = ctx.saved_tensors
        return ctx.xp.max_pool_nd_backward(grad, indices, ctx.x_shape, ctx.ndim), None, None


class MaxUnpool(ArrayFunction):
    """Each value written at its flat index in a zeroed plane; the gradient is read back from there."""

    def forward(ctx, x, indices, output_size):
        xp = ctx.xp
        planes = math.prod(x.shape[:x.ndim - len(output_size)])
        ctx.x_shape, ctx.rows = x.shape, (planes, -1)
        rows = xp.reshape(indices, ctx.rows)
        ctx.save_for_backward(rows)
        out = xp.zeros((planes, math.prod(output_size)), x.dtype)
        if out.size and rows.size:
            xp.put_along_axis(out, rows, xp.reshape(x, ctx.rows), 1)
        return xp.reshape(out, x.shape[:x.ndim - len(output_size)] + tuple(output_size))

    def backward(ctx, grad):
        xp = ctx.xp
        rows, = ctx.saved_tensors
        if not rows.size:
            return xp.zeros(ctx.x_shape, grad.dtype), None, None
        return xp.reshape(xp.take_along_axis(xp.reshape(grad, (rows.shape[0], -1)), rows, 1), ctx.x_shape), None, None


# --- arguments and output sizes (PyTorch's rules and messages) --------------------------------------------

_COUNT = {1: "a single int", 2: "a single int, or a tuple of two ints", 3: "a single int, or a tuple of three ints"}


def _tuple(value, n: int, name: str, op: str) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    value = tuple(value)
    if len(value) == 1:
        value = value * n
    if len(value) != n or not all(isinstance(v, numbers.Integral) for v in value):
        raise RuntimeError(f"{op}: {name} must either be {_COUNT[n]}")
    return tuple(int(v) for v in value)


def _check_input(input, ndim: int, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input._data.shape)
    if len(shape) not in (ndim + 1, ndim + 2) or any(s == 0 for s in shape[-ndim - 1:]):
        raise RuntimeError(f"{op}: Expected {ndim + 1}D or {ndim + 2}D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{list(shape)}")


def _pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: a last window that starts inside the padding is dropped."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _stride(stride, kernel, ndim, op) -> tuple:
    if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0):
        return kernel
    return _tuple(stride, ndim, "stride", op)


def _window_args(input, ndim, kernel_size, stride, padding, dilation, ceil_mode, op, max_pool):
    _check_input(input, ndim, op)
    kernel = _tuple(kernel_size, ndim, "kernel_size", op)
    stride = _stride(stride, kernel, ndim, op)
    padding = _tuple(padding, ndim, "padding", op)
    dilation = _tuple(dilation, ndim, "dilation", op)
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {list(kernel)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should not be zero" if any(s == 0 for s in stride)
                           else f"{op}: stride must be greater than zero, but got {list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}" if max_pool else
                               f"pad should be at most half of kernel size, but got pad={p} and kernel_size={k}")
    spatial = tuple(input._data.shape[-ndim:])
    output_size = tuple(_pool_output_size(size, k, s, p, d, ceil_mode)
                        for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in output_size):
        channels = input._data.shape[-ndim - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (channels,) + spatial))}). Calculated output "
                           f"size: ({'x'.join(map(str, (channels,) + output_size))}). Output size is too small")
    return kernel, stride, padding, dilation, output_size


def _max_pool(input, ndim, kernel_size, stride, padding, dilation, ceil_mode, return_indices, op):
    kernel, stride, padding, dilation, output_size = _window_args(input, ndim, kernel_size, stride, padding,
                                                                  dilation, ceil_mode, op, max_pool=True)
    values, indices = apply(MaxPool, input, kernel, stride, padding, dilation, output_size)
    return (values, indices) if return_indices else values


def _avg_pool(input, ndim, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, op):
    kernel, stride, padding, _, output_size = _window_args(input, ndim, kernel_size, stride, padding, 1,
                                                           ceil_mode, op, max_pool=False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return apply(AvgPool, input, kernel, stride, padding, output_size, bool(count_include_pad),
                 None if divisor_override is None else int(divisor_override))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling over the last dim of (N, C, L) or (C, L).

    Args:
        kernel_size: window length
        stride: window step (default: kernel_size)
        padding: implicit -inf padding on both sides, at most half the effective window
        dilation: spacing between window elements
        ceil_mode: round the output length up instead of down
        return_indices: also return the position of each maximum in its row

    Shape:
        output: (N, C, L_out), L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
    """
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling over the last two dims of (N, C, H, W) or (C, H, W).

    Args:
        kernel_size: window size, an int or a pair
        stride: window step (default: kernel_size)
        padding: implicit -inf padding, at most half the effective window
        dilation: spacing between window elements
        ceil_mode: round output sizes up instead of down
        return_indices: also return the flat position h * W + w of each maximum in its plane

    Example::

        >>> axonml.nn.functional.max_pool2d(axonml.randn(1, 3, 8, 8), 2).shape
        axonml.Size([1, 3, 4, 4])
    """
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling over the last three dims of (N, C, D, H, W) or (C, D, H, W).

    Args:
        kernel_size: window size, an int or a triple
        stride: window step (default: kernel_size)
        padding: implicit -inf padding, at most half the effective window
        dilation: spacing between window elements
        ceil_mode: round output sizes up instead of down
        return_indices: also return the flat position (d * H + h) * W + w of each maximum in its volume

    Example::

        >>> axonml.nn.functional.max_pool3d(axonml.randn(1, 3, 8, 8, 8), 2).shape
        axonml.Size([1, 3, 4, 4, 4])
    """
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over the last dim of (N, C, L) or (C, L).

    count_include_pad: count the zero padding in each window's divisor.
    """
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over the last two dims of (N, C, H, W) or (C, H, W).

    Args:
        count_include_pad: count the zero padding in each window's divisor
        divisor_override: divide every window sum by this instead
    """
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over the last three dims of (N, C, D, H, W) or (C, D, H, W).

    Args:
        kernel_size: window size, an int or a triple
        stride: window step (default: kernel_size)
        padding: implicit zero padding, at most half the window
        ceil_mode: round output sizes up instead of down
        count_include_pad: count the zero padding in each window's divisor
        divisor_override: divide every window sum by this instead

    Example::

        >>> axonml.nn.functional.avg_pool3d(axonml.randn(1, 3, 8, 8, 8), 2, stride=1).shape
        axonml.Size([1, 3, 7, 7, 7])
    """
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool3d")


def _lp_pool(input, ndim, norm_type, kernel_size, stride, ceil_mode, op):
    # PyTorch's composition: (mean of x ** p) times the window size, to the 1 / p; an infinite p is a max pool
    from .. import functional as ops
    if norm_type == math.inf:
        return _max_pool(ops.abs(input), ndim, kernel_size, stride, 0, 1, ceil_mode, False, op)
    if norm_type == -math.inf:
        return ops.neg(_max_pool(ops.neg(ops.abs(input)), ndim, kernel_size, stride, 0, 1, ceil_mode, False, op))
    kernel = _tuple(kernel_size, ndim, "kernel_size", op)
    out = _avg_pool(ops.pow(input, norm_type), ndim, kernel, stride, 0, ceil_mode, True, None, op)
    out = ops.mul(ops.sign(out), ops.relu(ops.abs(out)))
    return ops.pow(ops.mul(out, math.prod(kernel)), 1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, L) or (C, L): (sum of x ** p over each window) ** (1 / p).

    Args:
        norm_type: the exponent p; ``inf`` gives max pooling of abs(x)
        kernel_size: window length
        stride: window step (default: kernel_size)
        ceil_mode: round the output length up instead of down

    Windows whose sum of powers is zero get a zero gradient, as in PyTorch.
    """
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, H, W) or (C, H, W); arguments as :func:`lp_pool1d` (ints or pairs).

    Example::

        >>> axonml.nn.functional.lp_pool2d(axonml.randn(1, 3, 8, 8), 2, 2).shape
        axonml.Size([1, 3, 4, 4])
    """
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, D, H, W) or (C, D, H, W); arguments as :func:`lp_pool1d` (ints or triples)."""
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")


def _adaptive_size(input, ndim, output_size, op) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input._data.shape)
    if len(shape) not in (ndim + 1, ndim + 2):
        raise RuntimeError(f"{op}(): Expected {ndim + 1}D or {ndim + 2}D tensor, but got {list(shape)}")
    if any(s == 0 for s in shape[1:]):
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(shape)} with dimension {shape[1:].index(0) + 1} being empty")
    sizes = (output_size,) * ndim if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)
    if len(sizes) != ndim:
        raise RuntimeError(f"{op}: output_size must be {ndim}")
    sizes = tuple(shape[len(shape) - ndim + i] if s is None else int(s) for i, s in enumerate(sizes))
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{list(sizes)}")
    return sizes


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) into output_size windows that tile L."""
    return apply(AdaptiveAvgPool, input, _adaptive_size(input, 1, output_size, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, H, W) or (C, H, W) to output_size (an int, a pair; None keeps a size).

    Window i along a dim of size S spans [floor(i * S / out), ceil((i + 1) * S / out)).
    """
    return apply(AdaptiveAvgPool, input, _adaptive_size(input, 2, output_size, "adaptive_avg_pool2d"))


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to output_size (an int, a triple; None keeps a size).

    Example::

        >>> axonml.nn.functional.adaptive_avg_pool3d(axonml.randn(1, 3, 8, 9, 10), (2, 3, None)).shape
        axonml.Size([1, 3, 2, 3, 10])
    """
    return apply(AdaptiveAvgPool, input, _adaptive_size(input, 3, output_size, "adaptive_avg_pool3d"))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) or (C, L) into output_size windows that tile L."""
    values, indices = apply(AdaptiveMaxPool, input, _adaptive_size(input, 1, output_size, "adaptive_max_pool1d"))
    return (values, indices) if return_indices else values


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) or (C, H, W) to output_size, windows as in adaptive_avg_pool2d."""
    values, indices = apply(AdaptiveMaxPool, input, _adaptive_size(input, 2, output_size, "adaptive_max_pool2d"))
    return (values, indices) if return_indices else values


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) to output_size, windows as in adaptive_avg_pool3d."""
    values, indices = apply(AdaptiveMaxPool, input, _adaptive_size(input, 3, output_size, "adaptive_max_pool3d"))
    return (values, indices) if return_indices else values


# --- fractional_max_pool ----------------------------------------------------------------------------------

_SIZE_NAMES = ("time", "height", "width")


def _fractional_starts(samples, in_size: int, out_size: int, kernel: int, dtype):
    """PyTorch's generate_intervals: pseudo-random window starts, one row per plane, the last window at the end."""
    samples = samples.astype(dtype)
    starts = np.full((samples.shape[0], out_size), in_size - kernel, np.int64)
    if out_size > 1:
        alpha = dtype(in_size - kernel) / dtype(out_size - 1)
        steps = np.arange(out_size - 1).astype(dtype)
        starts[:, :-1] = (((steps + samples[:, None]) * alpha).astype(np.int64)
                          - (samples * alpha).astype(np.int64)[:, None])
    return starts


def _fractional_max_pool(input, ndim, kernel_size, output_size, output_ratio, return_indices, random_samples, op):
    _check_input(input, ndim, op)
    kernel = _tuple(kernel_size, ndim, "kernel_size", op)
    spatial = tuple(input.shape[-ndim:])
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
        ratios = (output_ratio,) * ndim if isinstance(output_ratio, numbers.Real) else tuple(output_ratio)
        output_size = tuple(int(n * r) for n, r in zip(spatial, ratios))
    output_size = _tuple(output_size, ndim, "output_size", op)
    for name, n, k, o in zip(_SIZE_NAMES[3 - ndim:], spatial, kernel, output_size):
        if o + k - 1 > n:
            raise RuntimeError(f"{op}(): pool {name} {k} too large relative to input {name} {n}")
    batch = input.shape[0] if input.ndim == ndim + 2 else 1
    channels = input.shape[-ndim - 1]
    if random_samples is None:
        from ..creation import rand
        random_samples = rand(batch, channels, ndim, dtype=input.dtype, device=input.device)
    if tuple(random_samples.shape) != (batch, channels, ndim):
        raise RuntimeError(f"Expect _random_samples to be of shape {[batch, channels, ndim]}, got "
                           f"{list(random_samples.shape)}")
    samples = np.asarray(random_samples.detach().cpu()).reshape(batch * channels, ndim)
    dtype = np.float64 if samples.dtype == np.float64 else np.float32
    # 2-d pooling reads (width, height) from its samples, 3-d pooling (time, height, width)
    columns = (1, 0) if ndim == 2 else tuple(range(ndim))
    flat = np.zeros((batch * channels,) + (1,) * (2 * ndim), np.int64)
    stride = 1
    for axis in reversed(range(ndim)):
        starts = _fractional_starts(samples[:, columns[axis]], spatial[axis], output_size[axis], kernel[axis], dtype)
        # positions of (plane, out_0, .., out_n, k_0, .., k_n): window start plus offset along this axis
        shape = [starts.shape[0]] + [1] * (2 * ndim)
        shape[1 + axis] = output_size[axis]
        offsets = [1] * (2 * ndim + 1)
        offsets[1 + ndim + axis] = kernel[axis]
        flat = flat + (starts.reshape(shape) + np.arange(kernel[axis]).reshape(offsets)) * stride
        stride *= spatial[axis]
    windows = _backend(input).asarray(flat.reshape(batch * channels, -1))
    values, indices = apply(FractionalMaxPool, input, windows, output_size)
    return (values, indices) if return_indices else values


def _backend(t: Tensor):
    from ..backends import cpu
    return cpu if type(t._data) is np.ndarray else t._data.backend


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) (Graham, 2014): windows of kernel_size at
    pseudo-random, overlapping starts that shrink each size by a non-integer factor.

    Args:
        kernel_size: window size, an int or a pair
        output_size: the output (H_out, W_out), or
        output_ratio: the output size as a fraction of the input's
        return_indices: also return the flat position h * W + w of each maximum in its plane
        _random_samples: (N, C, 2) numbers in [0, 1) that place the windows (width first); drawn
            uniformly when None

    Example::

        >>> axonml.nn.functional.fractional_max_pool2d(axonml.randn(1, 3, 9, 9), 2, output_size=5).shape
        axonml.Size([1, 3, 5, 5])
    """
    return _fractional_max_pool(input, 2, kernel_size, output_size, output_ratio, return_indices, _random_samples,
                                "fractional_max_pool2d")


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W); arguments as :func:`fractional_max_pool2d`,
    with (N, C, 3) samples in (time, height, width) order."""
    return _fractional_max_pool(input, 3, kernel_size, output_size, output_ratio, return_indices, _random_samples,
                                "fractional_max_pool3d")


# --- the *_with_indices names: torch's spellings that always return (values, indices) -----------------------

def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """:func:`max_pool1d` returning (values, indices) whatever return_indices says, as torch's name does."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """:func:`max_pool2d` returning (values, indices) whatever return_indices says, as torch's name does."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """:func:`max_pool3d` returning (values, indices) whatever return_indices says, as torch's name does."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """:func:`adaptive_max_pool1d` returning (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """:func:`adaptive_max_pool2d` returning (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    """:func:`adaptive_max_pool3d` returning (values, indices)."""
    return adaptive_max_pool3d(input, output_size, True)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None) -> tuple:
    """:func:`fractional_max_pool2d` returning (values, indices)."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None) -> tuple:
    """:func:`fractional_max_pool3d` returning (values, indices)."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)


# --- max_unpool -------------------------------------------------------------------------------------------

def _unpool_output_size(input, kernel, stride, padding, output_size) -> tuple:
    """PyTorch's _unpool_output_size: the pooled input's size, or output_size within a stride of it."""
    ndim = len(kernel)
    default = tuple((input.shape[-ndim + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(ndim))
    if output_size is None:
        sizes = default
    else:
        sizes = tuple(int(s) for s in output_size)
        if len(sizes) == ndim + 2:
            sizes = sizes[2:]
        if len(sizes) != ndim:
            raise ValueError(f"output_size should be a sequence containing {ndim} or {ndim + 2} elements, but it "
                             f"has a length of '{len(sizes)}'")
        for d in range(ndim):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < sizes[d] < high:
                raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {low} and '
                                 f'{high})')
    for d, size in enumerate(sizes):
        if size < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={size}")
    return sizes


def _max_unpool(input, indices, ndim, kernel_size, stride, padding, output_size, op):
    for name, value in (("input", input), ("indices", indices)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if input.ndim not in (ndim + 1, ndim + 2):
        raise RuntimeError(f"Input to max_unpooling{ndim}d should be a {ndim + 1}d or {ndim + 2}d Tensor, but got a "
                           f"tensor with {input.ndim} dimensions.")
    if indices.dtype != _dtype.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype.scalar_name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    kernel = _tuple(kernel_size, ndim, "kernel_size", op)
    sizes = _unpool_output_size(input, kernel, _stride(stride, kernel, ndim, op), _tuple(padding, ndim, "padding", op),
                                output_size)
    if indices.numel():
        low, high = int(indices.min().item()), int(indices.max().item())
        bad = low if low < 0 else high if high >= math.prod(sizes) else None
        if bad is not None:
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, sizes))})")
    return apply(MaxUnpool, input, indices, sizes)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: each value put back at its index, zeros elsewhere.

    Args:
        input: the pooled values, (N, C, L_in) or (C, L_in)
        indices: their positions, as max_pool1d(..., return_indices=True) returns them
        kernel_size, stride, padding: the pooling's (stride defaults to kernel_size)
        output_size: the size to restore, when the pooling dropped a remainder

    Shape:
        output: (N, C, L_out), L_out = (L_in - 1) * stride - 2 * padding + kernel_size
    """
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool2d; arguments as :func:`max_unpool1d` (ints or pairs).

    Example::

        >>> values, indices = axonml.nn.functional.max_pool2d(axonml.randn(1, 1, 4, 4), 2, return_indices=True)
        >>> axonml.nn.functional.max_unpool2d(values, indices, 2).shape
        axonml.Size([1, 1, 4, 4])
    """
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool3d; arguments as :func:`max_unpool1d` (ints or triples)."""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")
