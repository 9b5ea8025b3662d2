"""Normalisation over feature dims: LayerNorm, GroupNorm, RMSNorm."""
from __future__ import annotations

import numbers

from ... import creation
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


def _shape_tuple(normalized_shape) -> tuple:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(normalized_shape)


class LayerNorm(Module):
    r"""Normalises over the last ``len(normalized_shape)`` dims of each sample.

    :math:`y = \frac{x - E[x]}{\sqrt{Var[x] + \epsilon}} \gamma + \beta` (biased variance).

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the variance. Default: 1e-5.
        elementwise_affine: learnable per-element gamma (ones) and beta (zeros). Default: ``True``.
        bias: learn beta too (with elementwise_affine). Default: ``True``.

    Shape:
        - Input: :math:`(N, *)`.
        - Output: :math:`(N, *)`, the shape of the input.

    Example::

        >>> nn.LayerNorm(10)(axonml.randn(20, 5, 10)).shape
        axonml.Size([20, 5, 10])
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalises each group of channels of (N, C, *) input over the group's channels and positions.

    Args:
        num_groups: number of groups C is split into.
        num_channels: C.
        eps: added to the variance. Default: 1e-5.
        affine: learnable per-channel gamma (ones) and beta (zeros). Default: ``True``.
        bias: learn beta (with affine). Default: ``True``.

    Shape:
        - Input: :math:`(N, C, *)` with C = num_channels.
        - Output: the shape of the input.

    Example::

        >>> m = nn.GroupNorm(3, 6)
        >>> m(axonml.randn(20, 6, 10, 10)).shape
        axonml.Size([20, 6, 10, 10])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    r"""Root-mean-square normalisation over the trailing ``normalized_shape``: :math:`y = x / RMS(x) \gamma`.

    Args:
        normalized_shape: the trailing shape to normalise over.
        eps: added to the mean square; ``None`` uses the dtype's machine epsilon. Default: ``None``.
        elementwise_affine: learnable per-element gamma (ones). Default: ``True``.

    Shape:
        - Input: :math:`(N, *)`, ending in normalized_shape.
        - Output: the shape of the input.

    Example::

        >>> m = nn.RMSNorm([3, 4])
        >>> m(axonml.randn(2, 3, 4)).shape
        axonml.Size([2, 3, 4])
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Normalise each element by the mean square of its neighbours across channels (Krizhevsky et al., 2012).

    Args:
        size: the number of neighbouring channels.
        alpha: the multiplicative factor. Default: 1e-4.
        beta: the exponent. Default: 0.75.
        k: the additive factor. Default: 1.

    Shape:
        - Input: (N, C, *); Output: the same shape.

    Example::

        >>> nn.LocalResponseNorm(2)(axonml.randn(32, 5, 24, 24)).shape
        axonml.Size([32, 5, 24, 24])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(LocalResponseNorm):
    """LocalResponseNorm for (N, C, H, W) input only, under Torch7's name.

    PyTorch's legacy implementation of this module keeps channel 0 in the window of every channel
    past the first (size + 1) // 2 (a recurrence that never subtracts it); this one uses
    LocalResponseNorm's window, as the documented formula says.

    Args:
        size, alpha, beta, k: as :class:`LocalResponseNorm` (k defaults to 1).

    Shape:
        - Input: (N, C, H, W); Output: the same shape.

    Example::

        >>> nn.CrossMapLRN2d(3)(axonml.randn(2, 5, 4, 4)).shape
        axonml.Size([2, 5, 4, 4])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__(size, alpha, beta, k)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
        return super().forward(input)
