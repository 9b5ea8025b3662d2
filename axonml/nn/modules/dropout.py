"""Dropout layers: active in training mode, the identity in eval mode."""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability p during training and scales the rest by 1 / (1 - p).

    Args:
        p: probability of an element being zeroed. Default: 0.5.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> nn.Dropout(p=0.2)(axonml.randn(20, 16))
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability p during training.

    Args:
        p: probability of a channel being zeroed. Default: 0.5.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the shape of the input.

    Example::

        >>> m = nn.Dropout1d(p=0.2)
        >>> m(axonml.randn(20, 16, 32)).shape
        axonml.Size([20, 16, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) or (C, H, W) input with probability p during training.

    Args:
        p: probability of a channel being zeroed. Default: 0.5.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the shape of the input.

    Example::

        >>> m = nn.Dropout2d(p=0.2)
        >>> m(axonml.randn(20, 16, 32, 32)).shape
        axonml.Size([20, 16, 32, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p during training.

    Args:
        p: probability of a channel being zeroed. Default: 0.5.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: the shape of the input.

    Example::

        >>> m = nn.Dropout3d(p=0.2)
        >>> m(axonml.randn(20, 16, 4, 32, 32)).shape
        axonml.Size([20, 16, 4, 32, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the zero mean and unit variance of SELU activations.

    Args:
        p: probability of an element being dropped. Default: 0.5.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.AlphaDropout(p=0.2)
        >>> m(axonml.randn(20, 16)).shape
        axonml.Size([20, 16])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels.

    Args:
        p: probability of a channel being dropped. Default: 0.5.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, *)` or :math:`(C, *)`.
        - Output: the shape of the input.

    Example::

        >>> m = nn.FeatureAlphaDropout(p=0.2)
        >>> m(axonml.randn(20, 16, 4, 32)).shape
        axonml.Size([20, 16, 4, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
