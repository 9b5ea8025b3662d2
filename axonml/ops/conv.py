"""Convolutions: conv1d, conv2d, conv3d and their transposes (stride, padding incl. 'same'/'valid',
dilation, groups, bias).

The backend's conv_nd computes a convolution as im2col + gemm (on the CPU one image per thread,
its patch matrix multiplied straight into its output); conv_nd_backward gives the input and
weight gradients from the same patches, with the transposes passed to gemm as flags.
"""
from __future__ import annotations

import numbers

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
           "fold"]


class ConvNd(ArrayFunction):
    """Convolution of x (N, C, *spatial) or unbatched (C, *spatial) with weight (Cout, C/groups, *kernel)."""

    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        xp = ctx.xp
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None)
        ctx.params = (stride, padding, dilation, groups)
        ctx.x_shape, ctx.weight_shape = x.shape, weight.shape
        ctx.unbatched = x.ndim == weight.ndim - 1
        if ctx.unbatched:
            out = xp.conv_nd(xp.reshape(x, (1,) + x.shape), weight, bias, stride, padding, dilation, groups)
            return xp.reshape(out, out.shape[1:])
        return xp.conv_nd(x, weight, bias, stride, padding, dilation, groups)

    def backward(ctx, grad):
        xp = ctx.xp
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        stride, padding, dilation, groups = ctx.params
        # what backward did not save it needs only the shape of: the input gradient reads the
        # weight, the weight gradient reads the input
        if x is None:
            x = xp.empty(ctx.x_shape, grad.dtype)
        if weight is None:
            weight = xp.empty(ctx.weight_shape, grad.dtype)
        if ctx.unbatched:
            grad = xp.reshape(grad, (1,) + grad.shape)
            x = xp.reshape(x, (1,) + x.shape)
        grad_bias = xp.sum(grad, (0,) + tuple(range(2, grad.ndim)), False) if needs_bias else None
        grad_x = grad_weight = None
        if needs_x or needs_weight:
            grad_x, grad_weight = xp.conv_nd_backward(grad, x, weight, stride, padding, dilation, groups,
                                                      needs_x, needs_weight)
            if needs_x and ctx.unbatched:
                grad_x = xp.reshape(grad_x, ctx.x_shape)
        return grad_x, grad_weight, grad_bias, None, None, None, None


class ConvTransposeNd(ArrayFunction):
    """Transposed convolution: the input gradient of the convolution whose weight is weight.

    x (N, Cin, *spatial) and weight (Cin, Cout/groups, *kernel) give (N, Cout, *out_spatial); the
    backward pass is that convolution run forward (input gradient) and its weight gradient.
    """

    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
        xp = ctx.xp
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None)
        ctx.params = (stride, padding, dilation, groups)
        ctx.x_shape, ctx.weight_shape = x.shape, weight.shape
        ctx.unbatched = x.ndim == weight.ndim - 1
        if ctx.unbatched:
            x = xp.reshape(x, (1,) + x.shape)
        out_spatial = tuple((size - 1) * s - before - after + d * (k - 1) + extra + 1
                            for size, s, (before, after), d, k, extra
                            in zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding))
        out_shape = (x.shape[0], weight.shape[1] * groups) + out_spatial
        out, _ = xp.conv_nd_backward(x, xp.empty(out_shape, x.dtype), weight, stride, padding, dilation, groups,
                                     True, False)
        if bias is not None:
            out = xp.add(out, xp.reshape(bias, (-1,) + (1,) * len(out_spatial)))
        return xp.reshape(out, out.shape[1:]) if ctx.unbatched else out

    def backward(ctx, grad):
        xp = ctx.xp
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        stride, padding, dilation, groups = ctx.params
        if ctx.unbatched:
            grad = xp.reshape(grad, (1,) + grad.shape)
        grad_bias = xp.sum(grad, (0,) + tuple(range(2, grad.ndim)), False) if needs_bias else None
        grad_x = grad_weight = None
        if needs_x:
            grad_x = xp.conv_nd(grad, weight, None, stride, padding, dilation, groups)
            batched_shape = (1,) + tuple(ctx.x_shape) if ctx.unbatched else tuple(ctx.x_shape)
            if tuple(grad_x.shape) != batched_shape:  # output_padding >= stride: drop the extra positions
                grad_x = xp.getitem(grad_x, tuple(slice(0, n) for n in batched_shape))
            grad_x = xp.reshape(grad_x, ctx.x_shape)
        if needs_weight:
            x_batched = xp.reshape(x, (1,) + x.shape) if ctx.unbatched else x
            _, grad_weight = xp.conv_nd_backward(x_batched, grad, xp.empty(ctx.weight_shape, grad.dtype), stride,
                                                 padding, dilation, groups, False, True)
        return grad_x, grad_weight, grad_bias, None, None, None, None, None


class Unfold(ArrayFunction):
    """Sliding blocks of (N, C, H, W) as columns (N, C*kh*kw, L): im2col, with col2im as its backward."""

    def forward(ctx, x, kernel, stride, padding, dilation):
        ctx.x_shape, ctx.params = x.shape, (kernel, stride, padding, dilation)
        return ctx.xp.im2col(x, kernel, stride, padding, dilation)

    def backward(ctx, grad):
        return ctx.xp.col2im(grad, ctx.x_shape, *ctx.params), None, None, None, None


class Fold(ArrayFunction):
    """Columns (N, C*kh*kw, L) summed back into (N, C, H, W): col2im, with im2col as its backward."""

    def forward(ctx, columns, output_shape, kernel, stride, padding, dilation):
        ctx.params = (kernel, stride, padding, dilation)
        return ctx.xp.col2im(columns, output_shape, kernel, stride, padding, dilation)

    def backward(ctx, grad):
        return ctx.xp.im2col(grad, *ctx.params), None, None, None, None, None


# --- argument checks (PyTorch's messages) ---------------------------------------------------------------

def _tuple(value, n: int, name: str) -> tuple:
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def _padding_pairs(padding, kernel, stride, dilation) -> tuple:
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pairs = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pairs.append((total // 2, total - total // 2))
        return tuple(pairs)
    pads = _tuple(padding, n, "padding")
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in pads)


def _check_tensors(name: str, input, weight) -> None:
    for value, label in ((input, "input"), (weight, "weight")):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{label}' must be Tensor, not {type(value).__name__}")


def _check_shapes(name: str, spatial: int, input: Tensor, weight: Tensor):
    """The checks every convolution makes of input and weight, with PyTorch's messages; their shapes."""
    x_shape, w_shape = tuple(input._data.shape), tuple(weight._data.shape)
    if len(x_shape) not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {name}, but "
                           f"got input of size: {list(x_shape)}")
    if len(w_shape) != spatial + 2:
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-dimensional weight "
                           f"{list(w_shape)}, but got {len(x_shape)}-dimensional input of size {list(x_shape)} "
                           "instead")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found "
                           f"{weight.dtype.scalar_name}")
    return x_shape, w_shape


def _stride_and_dilation(stride, dilation, spatial: int):
    stride = _tuple(stride, spatial, "stride")
    dilation = _tuple(dilation, spatial, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    return stride, dilation


def _conv(name: str, spatial: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    _check_tensors(name, input, weight)
    x_shape, w_shape = _check_shapes(name, spatial, input, weight)
    stride, dilation = _stride_and_dilation(stride, dilation, spatial)
    if not isinstance(groups, numbers.Integral) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    kernel = w_shape[2:]
    padding = _padding_pairs(padding, kernel, stride, dilation)
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{list(w_shape)}] instead")
    batched_shape = x_shape if len(x_shape) == spatial + 2 else (1,) + x_shape
    if batched_shape[1] != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w_shape)}, expected input"
                           f"{list(batched_shape)} to have {w_shape[1] * groups} channels, but got "
                           f"{batched_shape[1]} channels instead")
    padded = tuple(size + before + after for size, (before, after) in zip(batched_shape[2:], padding))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, effective)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, effective))}). Kernel size can't be greater than actual "
                           "input size")
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{name}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
        if bias._data.shape != (w_shape[0],):
            raise RuntimeError(f"Given weight of size {list(w_shape)}, expected bias to be 1-dimensional with "
                               f"{w_shape[0]} elements, but got bias of size {list(bias._data.shape)} instead")
        if bias._data.dtype != weight._data.dtype:
            raise RuntimeError(f"expected scalar type {weight.dtype.scalar_name} but found "
                               f"{bias.dtype.scalar_name}")
    return apply(ConvNd, input, weight, bias, stride, padding, dilation, int(groups))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as in PyTorch) over an input of several planes.

    Args:
        input: (N, C_in, L) or (C_in, L)
        weight: (C_out, C_in / groups, kL)
        bias: (C_out,) or None
        stride, dilation: an int or a 1-tuple
        padding: an int, a 1-tuple, 'valid' or 'same'
        groups: splits the channels into groups convolved separately

    Shape:
        output: (N, C_out, L_out) with L_out = (L + 2 * padding - dilation * (kL - 1) - 1) // stride + 1

    Example::

        >>> axonml.nn.functional.conv1d(axonml.randn(8, 4, 50), axonml.randn(16, 4, 3), padding="same").shape
        axonml.Size([8, 16, 50])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) over an input of several planes.

    Args:
        input: (N, C_in, H, W) or (C_in, H, W)
        weight: (C_out, C_in / groups, kH, kW)
        bias: (C_out,) or None
        stride, dilation: an int or a pair
        padding: an int, a pair, 'valid' or 'same'
        groups: splits the channels into groups convolved separately

    Shape:
        output: (N, C_out, H_out, W_out) with
        H_out = (H + 2 * padding[0] - dilation[0] * (kH - 1) - 1) // stride[0] + 1, likewise W_out

    Example::

        >>> axonml.nn.functional.conv2d(axonml.randn(8, 3, 32, 32), axonml.randn(16, 3, 3, 3), padding=1).shape
        axonml.Size([8, 16, 32, 32])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation, as in PyTorch) over an input of several volumes.

    Args:
        input: (N, C_in, D, H, W) or (C_in, D, H, W)
        weight: (C_out, C_in / groups, kD, kH, kW)
        bias: (C_out,) or None
        stride, dilation: an int or a triple
        padding: an int, a triple, 'valid' or 'same'
        groups: splits the channels into groups convolved separately

    Shape:
        output: (N, C_out, D_out, H_out, W_out) with
        D_out = (D + 2 * padding[0] - dilation[0] * (kD - 1) - 1) // stride[0] + 1, likewise H_out and W_out

    Example::

        >>> axonml.nn.functional.conv3d(axonml.randn(2, 3, 8, 16, 16), axonml.randn(8, 3, 3, 3, 3), padding=1).shape
        axonml.Size([2, 8, 8, 16, 16])
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(name: str, spatial: int, input, weight, bias, stride, padding, output_padding, groups,
                    dilation) -> Tensor:
    _check_tensors(name, input, weight)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    x_shape, w_shape = _check_shapes(name, spatial, input, weight)
    stride, dilation = _stride_and_dilation(stride, dilation, spatial)
    output_padding = _tuple(output_padding, spatial, "output_padding")
    pads = _tuple(padding, spatial, "padding")
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(p >= s and p >= d for p, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(output_padding)} stride={list(stride)} dilation={list(dilation)}")
    if not isinstance(groups, numbers.Integral) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{list(w_shape)}] instead")
    batched_shape = x_shape if len(x_shape) == spatial + 2 else (1,) + x_shape
    if batched_shape[1] != w_shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(w_shape)}, expected input"
                           f"{list(batched_shape)} to have {w_shape[0]} channels, but got {batched_shape[1]} "
                           "channels instead")
    out_spatial = tuple((size - 1) * s - 2 * p + d * (k - 1) + extra + 1 for size, s, p, d, k, extra
                        in zip(batched_shape[2:], stride, pads, dilation, w_shape[2:], output_padding))
    if any(o < 1 for o in out_spatial):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, batched_shape[2:]))}). Calculated "
                           f"output size per channel: ({' x '.join(map(str, out_spatial))}). Output size is too small")
    out_channels = w_shape[1] * groups
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{name}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
        if bias._data.shape != (out_channels,):
            raise RuntimeError(f"Given transposed=1, weight of size {list(w_shape)}, expected bias to be "
                               f"1-dimensional with {out_channels} elements, but got bias of size "
                               f"{list(bias._data.shape)} instead")
    return apply(ConvTransposeNd, input, weight, bias, stride, tuple((p, p) for p in pads), output_padding,
                 dilation, int(groups))


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (the input gradient of conv1d with this weight).

    Args:
        input: (N, C_in, L) or (C_in, L)
        weight: (C_in, C_out / groups, kL)
        output_padding: extra length added on one side of the output

    Shape:
        output: (N, C_out, L_out), L_out = (L - 1) * stride - 2 * padding + dilation * (kL - 1) + output_padding + 1
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (the input gradient of conv2d with this weight), a.k.a. deconvolution.

    Args:
        input: (N, C_in, H, W) or (C_in, H, W)
        weight: (C_in, C_out / groups, kH, kW)
        output_padding: extra size added on one side of each output dim

    Shape:
        output: (N, C_out, H_out, W_out),
        H_out = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kH - 1) + output_padding[0] + 1
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution (the input gradient of conv3d with this weight), a.k.a. deconvolution.

    Args:
        input: (N, C_in, D, H, W) or (C_in, D, H, W)
        weight: (C_in, C_out / groups, kD, kH, kW)
        output_padding: extra size added on one side of each output dim

    Shape:
        output: (N, C_out, D_out, H_out, W_out),
        D_out = (D - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kD - 1) + output_padding[0] + 1, likewise
        H_out and W_out

    Example::

        >>> axonml.nn.functional.conv_transpose3d(axonml.randn(1, 4, 3, 5, 5), axonml.randn(4, 2, 2, 2, 2),
        ...                                       stride=2).shape
        axonml.Size([1, 2, 6, 10, 10])
    """
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def _block_args(kernel_size, dilation, padding, stride):
    kernel = _tuple(kernel_size, 2, "kernel_size")
    dilation, padding, stride = (_tuple(v, 2, name) for v, name in ((dilation, "dilation"), (padding, "padding"),
                                                                     (stride, "stride")))
    if any(v <= 0 for v in kernel + dilation + stride) or any(p < 0 for p in padding):
        raise RuntimeError(f"kernel_size, dilation and stride must be positive and padding non-negative, but got "
                           f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}")
    return kernel, dilation, padding, stride


def _blocks(spatial, kernel, dilation, padding, stride) -> tuple:
    return tuple((size + 2 * p - d * (k - 1) - 1) // s + 1
                 for size, k, d, p, s in zip(spatial, kernel, dilation, padding, stride))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks: (N, C, H, W) -> (N, C * kH * kW, L), L the number of blocks.

    Example::

        >>> axonml.nn.functional.unfold(axonml.randn(2, 3, 5, 5), 2).shape
        axonml.Size([2, 12, 16])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): argument 'input' must be Tensor, not {type(input).__name__}")
    kernel, dilation, padding, stride = _block_args(kernel_size, dilation, padding, stride)
    shape = tuple(input._data.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {len(shape)}D)")
    blocks = _blocks(shape[-2:], kernel, dilation, padding, stride)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {shape[-2:]}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, calculated shape of the array of sliding blocks as {blocks}, but "
                           "its components must be at least one.")
    pairs = tuple((p, p) for p in padding)
    if len(shape) == 3:
        return apply(Unfold, input.unsqueeze(0), kernel, stride, pairs, dilation).squeeze(0)
    return apply(Unfold, input, kernel, stride, pairs, dilation)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding local blocks back into an image: (N, C * kH * kW, L) -> (N, C, *output_size); unfold's adjoint."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold(): argument 'input' must be Tensor, not {type(input).__name__}")
    kernel, dilation, padding, stride = _block_args(kernel_size, dilation, padding, stride)
    output_size = _tuple(output_size, 2, "output_size")
    shape = tuple(input._data.shape)
    if len(shape) not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                           f"(got {len(shape)}D)")
    if shape[-2] % (kernel[0] * kernel[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={shape[-2]} and kernel_size={kernel}.")
    blocks = _blocks(output_size, kernel, dilation, padding, stride)
    if shape[-1] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={shape[-1]}.")
    pairs = tuple((p, p) for p in padding)
    batched = input if len(shape) == 3 else input.unsqueeze(0)
    out_shape = (batched._data.shape[0], shape[-2] // (kernel[0] * kernel[1])) + output_size
    out = apply(Fold, batched, out_shape, kernel, stride, pairs, dilation)
    return out if len(shape) == 3 else out.squeeze(0)
