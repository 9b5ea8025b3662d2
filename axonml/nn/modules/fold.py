"""Sliding blocks as layers: Fold and Unfold (im2col and its adjoint)."""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    r"""Sum sliding local blocks back into an image: (N, C * \prod(kernel_size), L) -> (N, C, *output_size).

    Args:
        output_size: spatial size of the output, an int or (H, W).
        kernel_size: size of the blocks.
        dilation: spacing between block elements. Default: 1.
        padding: implicit zeros around the output that the blocks also cover. Default: 0.
        stride: step between blocks. Default: 1.

    Shape:
        - Input: :math:`(N, C \times \prod(kernel\_size), L)` or :math:`(C \times \prod(kernel\_size), L)`.
        - Output: :math:`(N, C, *output\_size)` or :math:`(C, *output\_size)`.

    Example::

        >>> nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(axonml.randn(1, 3 * 2 * 2, 12)).shape
        axonml.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    r"""Extract sliding local blocks: (N, C, H, W) -> (N, C * \prod(kernel_size), L), L the number of blocks.

    Args:
        kernel_size: size of the blocks.
        dilation: spacing between block elements. Default: 1.
        padding: implicit zeros added on both sides of the input. Default: 0.
        stride: step between blocks. Default: 1.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C \times \prod(kernel\_size), L)` or :math:`(C \times \prod(kernel\_size), L)`.

    Example::

        >>> nn.Unfold(kernel_size=(2, 3))(axonml.randn(2, 5, 3, 4)).shape
        axonml.Size([2, 30, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
