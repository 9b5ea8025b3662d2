"""Upsampling layers: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (F.interpolate as modules)."""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to a size or by a scale factor.

    Args:
        size: the output spatial size (an int or one per spatial dim).
        scale_factor: a multiplier of the spatial size (a float or one per spatial dim).
        mode: 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area'.
            Default: 'nearest'.
        align_corners: for the linear and cubic modes, align the corner pixels' centres. Default: ``None``
            (``False``).
        recompute_scale_factor: step through the input by input size / output size instead of by
            1 / scale_factor. Default: ``None``.

    Shape:
        - Input: (N, C, W_in), (N, C, H_in, W_in) or (N, C, D_in, H_in, W_in)
        - Output: the same with each spatial size floor(size_in * scale_factor), or ``size``

    Example::

        >>> nn.Upsample(scale_factor=2, mode="bilinear")(axonml.randn(1, 1, 2, 2)).shape
        axonml.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    r"""Nearest-neighbour upsampling of (N, C, H, W) input: ``Upsample(size, scale_factor, mode='nearest')``.

    Args:
        size: the output (H_out, W_out), or an int for both.
        scale_factor: the multiplier of H and W (a float or a pair); give size or scale_factor.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`, :math:`H_{out} = \lfloor H_{in} \cdot scale\_factor \rfloor` (or
          size).

    Example::

        >>> nn.UpsamplingNearest2d(scale_factor=2)(axonml.randn(1, 1, 2, 2)).shape
        axonml.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    r"""Bilinear upsampling of (N, C, H, W) input with aligned corners:
    ``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``.

    Args:
        size: the output (H_out, W_out), or an int for both.
        scale_factor: the multiplier of H and W (a float or a pair); give size or scale_factor.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`, :math:`H_{out} = \lfloor H_{in} \cdot scale\_factor \rfloor` (or
          size).

    Example::

        >>> nn.UpsamplingBilinear2d(size=(3, 5))(axonml.randn(1, 1, 2, 2)).shape
        axonml.Size([1, 1, 3, 5])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
