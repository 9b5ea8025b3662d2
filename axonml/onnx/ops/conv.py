"""Conv and ConvTranspose (1-D to 3-D, groups, dilations, auto_pad and asymmetric pads)."""
from __future__ import annotations

from ...nn import functional as F
from .._registry import register
from ._spatial import resolve_pads, torch_pad

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_CONV_ATTRS = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")


@register("Conv", since=1, attrs=_CONV_ATTRS)
def conv(ctx, x, weight, bias=None):
    rank = x.ndim - 2
    if rank not in _CONV:
        raise NotImplementedError(f"Conv (node {ctx.name!r}): {rank}-D convolution is not supported")
    kernel = list(ctx.attr("kernel_shape") or weight.shape[2:])
    strides = list(ctx.attr("strides") or [1] * rank)
    dilations = list(ctx.attr("dilations") or [1] * rank)
    pads = resolve_pads(ctx, list(x.shape[2:]), kernel, strides, dilations)
    begins, ends = pads[:rank], pads[rank:]
    if begins == ends:
        padding = begins
    else:
        x = F.pad(x, torch_pad(begins, ends))
        padding = [0] * rank
    return _CONV[rank](x, weight, bias, stride=strides, padding=padding, dilation=dilations,
                       groups=ctx.attr("group", 1))


@register("ConvTranspose", since=1, attrs=_CONV_ATTRS + ("output_padding", "output_shape"))
def conv_transpose(ctx, x, weight, bias=None):
    rank = x.ndim - 2
    if rank not in _CONV_T:
        raise NotImplementedError(f"ConvTranspose (node {ctx.name!r}): {rank}-D convolution is not supported")
    spatial = list(x.shape[2:])
    kernel = list(ctx.attr("kernel_shape") or weight.shape[2:])
    strides = list(ctx.attr("strides") or [1] * rank)
    dilations = list(ctx.attr("dilations") or [1] * rank)
    output_padding = list(ctx.attr("output_padding") or [0] * rank)
    output_shape = ctx.attr("output_shape")
    output_shape = list(output_shape[-rank:]) if output_shape else None
    full = [strides[i] * (spatial[i] - 1) + output_padding[i] + (kernel[i] - 1) * dilations[i] + 1
            for i in range(rank)]
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if ctx.attr("pads") is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        target = output_shape or [spatial[i] * strides[i] for i in range(rank)]
        total = [full[i] - target[i] for i in range(rank)]
        if auto_pad == "SAME_UPPER":
            begins, ends = [t // 2 for t in total], [t - t // 2 for t in total]
        else:
            begins, ends = [t - t // 2 for t in total], [t // 2 for t in total]
    else:
        pads = list(ctx.attr("pads") or [0] * (2 * rank))
        begins, ends = pads[:rank], pads[rank:]
        if output_shape is not None:
            ends = [full[i] - begins[i] - output_shape[i] for i in range(rank)]
    y = _CONV_T[rank](x, weight, None, stride=strides, padding=0, dilation=dilations,
                      groups=ctx.attr("group", 1))
    # The transposed conv gives the full output; output_padding adds zero rows at the end, pads crop.
    y = F.pad(y, torch_pad([-b for b in begins], [output_padding[i] - ends[i] for i in range(rank)]))
    if bias is not None:
        y = y + bias.reshape([1, -1] + [1] * rank)
    return y
