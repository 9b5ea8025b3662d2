"""Padding arithmetic shared by Conv, ConvTranspose and the pools (auto_pad, asymmetric pads, ceil_mode)."""
from __future__ import annotations

import math

__all__ = ["resolve_pads", "torch_pad", "ceil_extra"]


def resolve_pads(ctx, spatial: list[int], kernel: list[int], strides: list[int], dilations: list[int]) -> list[int]:
    """ONNX pads [begin_0, begin_1, ..., end_0, end_1, ...] for this node, auto_pad resolved."""
    rank = len(spatial)
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for size, k, stride, dilation in zip(spatial, kernel, strides, dilations):
            out = -(-size // stride)
            total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
            small, large = total // 2, total - total // 2
            begins.append(small if auto_pad == "SAME_UPPER" else large)
            ends.append(large if auto_pad == "SAME_UPPER" else small)
        return begins + ends
    if auto_pad == "VALID":
        return [0] * (2 * rank)
    pads = ctx.attr("pads")
    return list(pads) if pads else [0] * (2 * rank)


def ceil_extra(spatial, kernel, strides, dilations, pads) -> list[int]:
    """Extra end padding that makes a floor-mode pool produce ceil_mode's output size (ONNX's rule)."""
    rank = len(spatial)
    extra = []
    for i in range(rank):
        span = (kernel[i] - 1) * dilations[i] + 1
        padded = spatial[i] + pads[i] + pads[i + rank]
        out = math.ceil((padded - span) / strides[i]) + 1
        if (out - 1) * strides[i] >= spatial[i] + pads[i]:
            out -= 1
        extra.append(max((out - 1) * strides[i] + span - padded, 0))
    return extra


def torch_pad(begins: list[int], ends: list[int]) -> list[int]:
    """F.pad's argument (last dim first) from per-dim begin/end lists (first spatial dim first)."""
    result = []
    for begin, end in zip(reversed(begins), reversed(ends)):
        result += [begin, end]
    return result
