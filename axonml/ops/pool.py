"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d.

Each op works on the last one or two dims of its input and treats every dim before them as
independent planes, so batched (N, C, ...) and unbatched (C, ...) inputs share one path.
Max pooling's indices are PyTorch's: the flat position h * W + w of the maximum in its plane.
"""
from __future__ import annotations

import numbers

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d"]


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


# --- arguments and output sizes (PyTorch's rules and messages) --------------------------------------------

def _tuple(value, n: int, name: str, op: str) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    value = tuple(value)
    if len(value) == 1:
        value = value * n
    if len(value) != n or not all(isinstance(v, numbers.Integral) for v in value):
        what = "a single int" if n == 1 else "a single int, or a tuple of two ints"
        raise RuntimeError(f"{op}: {name} must either be {what}")
    return tuple(int(v) for v in value)


def _check_input(input, ndim: int, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input._data.shape)
    if len(shape) not in (ndim + 1, ndim + 2) or any(s == 0 for s in shape[-ndim - 1:]):
        kinds = "2D or 3D" if ndim == 1 else "3D or 4D"
        raise RuntimeError(f"{op}: Expected {kinds} (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(shape)}")


def _pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: a last window that starts inside the padding is dropped."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _window_args(input, ndim, kernel_size, stride, padding, dilation, ceil_mode, op, max_pool):
    _check_input(input, ndim, op)
    kernel = _tuple(kernel_size, ndim, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _tuple(stride, ndim, "stride", op)
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


def _adaptive_size(input, ndim, output_size, op) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input._data.shape)
    if len(shape) not in (ndim + 1, ndim + 2):
        kinds = "2D or 3D" if ndim == 1 else "3D or 4D"
        raise RuntimeError(f"{op}(): Expected {kinds} tensor, but got {list(shape)}")
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


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) or (C, L) into output_size windows that tile L."""
    values, indices = apply(AdaptiveMaxPool, input, _adaptive_size(input, 1, output_size, "adaptive_max_pool1d"))
    return (values, indices) if return_indices else values


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) or (C, H, W) to output_size, windows as in adaptive_avg_pool2d."""
    values, indices = apply(AdaptiveMaxPool, input, _adaptive_size(input, 2, output_size, "adaptive_max_pool2d"))
    return (values, indices) if return_indices else values
