"""PixelShuffle, PixelUnshuffle and ChannelShuffle: channel rearrangements as modules."""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Module):
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r), for sub-pixel convolution (Shi et al., 2016).

    Args:
        upscale_factor: r.

    Shape:
        - Input: (*, C * r^2, H, W); Output: (*, C, H * r, W * r).

    Example::

        >>> nn.PixelShuffle(3)(axonml.randn(1, 9, 4, 4)).shape
        axonml.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W): the inverse of PixelShuffle.

    Args:
        downscale_factor: r.

    Shape:
        - Input: (*, C, H * r, W * r); Output: (*, C * r^2, H, W).

    Example::

        >>> nn.PixelUnshuffle(3)(axonml.randn(1, 1, 12, 12)).shape
        axonml.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of g groups, as ShuffleNet does between grouped convolutions.

    Args:
        groups: g, which divides the channel count.

    Shape:
        - Input: (N, C, *); Output: (N, C, *).

    Example::

        >>> nn.ChannelShuffle(2)(axonml.arange(4.).reshape(1, 4, 1, 1)).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
