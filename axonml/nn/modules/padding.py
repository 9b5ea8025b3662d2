"""Padding layers: zero, constant, reflection, replication and circular padding in 1-D, 2-D and 3-D.

Each is F.pad with a mode and the padding as PyTorch's modules store it: an int pads every
side, a tuple lists (left, right[, top, bottom[, front, back]]).
"""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    mode = "constant"
    spatial = 1

    def __init__(self, padding) -> None:
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.spatial)
        padding = tuple(int(p) for p in padding)
        if len(padding) != 2 * self.spatial:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a {2 * self.spatial}-tuple, "
                             f"got {padding}")
        self.padding = padding

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant.

    Args:
        padding: an int, or (left, right).
        value: the fill value.

    Shape:
        - Input: (C, W) or (N, C, W); Output: the same with W + left + right.

    Example::

        >>> nn.ConstantPad1d(2, 3.5)(axonml.randn(1, 2, 4)).shape
        axonml.Size([1, 2, 8])
    """


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant.

    Args:
        padding: an int, or (left, right, top, bottom).
        value: the fill value.

    Shape:
        - Input: (C, H, W) or (N, C, H, W); Output: the same with padded H and W.

    Example::

        >>> nn.ConstantPad2d((1, 1, 2, 0), 3.5)(axonml.randn(1, 2, 2)).shape
        axonml.Size([1, 4, 4])
    """
    spatial = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).
        value: the fill value.

    Shape:
        - Input: (C, D, H, W) or (N, C, D, H, W); Output: the same with padded D, H and W.

    Example::

        >>> nn.ConstantPad3d(1, 0.0)(axonml.randn(1, 2, 2, 2)).shape
        axonml.Size([1, 4, 4, 4])
    """
    spatial = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros.

    Args:
        padding: an int, or (left, right).

    Shape:
        - Input: (C, W) or (N, C, W); Output: the same with W + left + right.

    Example::

        >>> nn.ZeroPad1d((1, 2))(axonml.randn(1, 2, 4)).shape
        axonml.Size([1, 2, 7])
    """


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros.

    Args:
        padding: an int, or (left, right, top, bottom).

    Shape:
        - Input: (C, H, W) or (N, C, H, W); Output: the same with padded H and W.

    Example::

        >>> nn.ZeroPad2d(2)(axonml.randn(1, 1, 3, 3)).shape
        axonml.Size([1, 1, 7, 7])
    """
    spatial = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).

    Shape:
        - Input: (C, D, H, W) or (N, C, D, H, W); Output: the same with padded D, H and W.

    Example::

        >>> nn.ZeroPad3d(1)(axonml.randn(1, 1, 2, 2, 2)).shape
        axonml.Size([1, 1, 4, 4, 4])
    """
    spatial = 3


def _mode_pad(name: str, mode: str, spatial: int, what: str):
    sides = {1: "(left, right)", 2: "(left, right, top, bottom)", 3: "(left, right, top, bottom, front, back)"}
    shapes = {1: "(C, W) or (N, C, W)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}
    doc = (f"Pad the last {spatial} dim{'s' if spatial > 1 else ''} {what}.\n\n"
           f"    Args:\n        padding: an int, or {sides[spatial]}.\n\n"
           f"    Shape:\n        - Input: {shapes[spatial]}; Output: the same with the padded sizes.\n\n"
           f"    Example::\n\n        >>> nn.{name}(1)(axonml.randn(1, 2{', 3' * spatial})).shape\n"
           f"        axonml.Size([1, 2{', 5' * spatial}])\n    ")
    return type(name, (_PadNd,), {"mode": mode, "spatial": spatial, "__doc__": doc, "__module__": __name__})


ReflectionPad1d = _mode_pad("ReflectionPad1d", "reflect", 1, "with the reflection of the input at its edges")
ReflectionPad2d = _mode_pad("ReflectionPad2d", "reflect", 2, "with the reflection of the input at its edges")
ReflectionPad3d = _mode_pad("ReflectionPad3d", "reflect", 3, "with the reflection of the input at its edges")
ReplicationPad1d = _mode_pad("ReplicationPad1d", "replicate", 1, "by repeating the input's edge values")
ReplicationPad2d = _mode_pad("ReplicationPad2d", "replicate", 2, "by repeating the input's edge values")
ReplicationPad3d = _mode_pad("ReplicationPad3d", "replicate", 3, "by repeating the input's edge values")
CircularPad1d = _mode_pad("CircularPad1d", "circular", 1, "by wrapping the input around")
CircularPad2d = _mode_pad("CircularPad2d", "circular", 2, "by wrapping the input around")
CircularPad3d = _mode_pad("CircularPad3d", "circular", 3, "by wrapping the input around")
