"""Activation functions as modules; each forward calls its functional op."""
from __future__ import annotations

from ... import creation
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RReLU", "ReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh", "SiLU", "Mish", "Hardswish", "ELU", "CELU",
           "SELU", "GELU", "LeakyReLU", "LogSigmoid", "Softplus", "Softmin", "Softmax", "Softmax2d", "LogSoftmax",
           "Threshold", "GLU", "Hardshrink", "Softshrink", "Tanhshrink", "Softsign", "PReLU"]


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    """max(0, x) elementwise.

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> nn.ReLU()(axonml.randn(2))
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardtanh(Module):
    """x clamped to [min_val, max_val].

    Args:
        min_val: lower bound. Default: -1.
        max_val: upper bound. Default: 1.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Hardtanh(-2.0, 2.0)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError("max_val must be greater than min_val")

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6).

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.ReLU6()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Sigmoid()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Hardsigmoid(Module):
    """The piecewise-linear sigmoid: 0 below -3, 1 above 3, x / 6 + 1 / 2 between.

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Hardsigmoid()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class Tanh(Module):
    """The hyperbolic tangent.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Tanh()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class SiLU(Module):
    """x * sigmoid(x) (swish).

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.SiLU()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Mish(Module):
    """x * tanh(softplus(x)).

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Mish()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardswish(Module):
    """x * hardsigmoid(x).

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Hardswish()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1).

    Args:
        alpha: the scale of the negative part. Default: 1.0.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.ELU(alpha=0.5)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Args:
        alpha: the scale of the negative part, not 0. Default: 1.0.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.CELU(alpha=2.0)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class SELU(Module):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with the self-normalising constants.

    Args:
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.SELU()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """x * Phi(x), with Phi the standard normal CDF (``approximate='tanh'`` uses the tanh formula).

    Args:
        approximate: ``'none'`` (default) or ``'tanh'``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.GELU(approximate='tanh')
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    """x if x >= 0 else negative_slope * x.

    Args:
        negative_slope: the slope for negative inputs. Default: 1e-2.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.LeakyReLU(0.1)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class RReLU(Module):
    """Randomized leaky ReLU: negative inputs scaled by a slope drawn from U(lower, upper) while training,
    by (lower + upper) / 2 in evaluation (Xu et al., 2015).

    Args:
        lower: the lower bound of the slope. Default: 1/8.
        upper: the upper bound of the slope. Default: 1/3.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: (*); Output: (*), the same shape.

    Example::

        >>> nn.RReLU(0.1, 0.3)(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class LogSigmoid(Module):
    """log(sigmoid(x)).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.LogSigmoid()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold.

    Args:
        beta: Default: 1.0.
        threshold: Default: 20.0.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Softplus(beta=2.0)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmin(Module):
    """softmax(-x) along dim.

    Args:
        dim: the dimension to normalise over (slices along it sum to 1).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input, values in [0, 1].

    Example::

        >>> m = nn.Softmin(dim=1)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along dim, so that slices along dim sum to 1.

    Args:
        dim: the dimension to normalise over.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input, values in [0, 1].

    Example::

        >>> nn.Softmax(dim=1)(axonml.randn(2, 3))
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) input, at each spatial location.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the shape of the input.

    Example::

        >>> m = nn.Softmax2d()
        >>> m(axonml.randn(2, 3, 4, 5)).shape
        axonml.Size([2, 3, 4, 5])
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)


class LogSoftmax(Module):
    """log(softmax(x)) along dim, computed stably.

    Args:
        dim: the dimension to normalise over.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input, values in (-inf, 0].

    Example::

        >>> m = nn.LogSoftmax(dim=1)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Threshold(Module):
    """x where x > threshold, else value.

    Args:
        threshold: the value to threshold at.
        value: the value that replaces the elements at or below threshold.
        inplace: do the operation in place. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> nn.Threshold(0.1, 20)(axonml.randn(2))
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class GLU(Module):
    """The gated linear unit: a * sigmoid(b), with a and b the two halves of the input along dim.

    Args:
        dim: the dimension to split in half. Default: -1.

    Shape:
        Input (*, 2N, *), output (*, N, *).

    Example::

        >>> m = nn.GLU()
        >>> m(axonml.randn(4, 2)).shape
        axonml.Size([4, 1])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0.

    Args:
        lambd: the half-width of the zeroed band. Default: 0.5.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Hardshrink(0.3)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, 0 between.

    Args:
        lambd: the half-width of the zeroed band, at least 0. Default: 0.5.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Softshrink(0.3)
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Tanhshrink(Module):
    """x - tanh(x).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Tanhshrink()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Softsign(Module):
    """x / (1 + |x|).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the shape of the input.

    Example::

        >>> m = nn.Softsign()
        >>> m(axonml.randn(2, 3)).shape
        axonml.Size([2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class PReLU(Module):
    """x where x > 0, else a * x, with a learned slope a: one for all channels or one per channel.

    Args:
        num_parameters: how many slopes to learn: 1, or the number of input channels (dim 1). Default: 1.
        init: the initial slope. Default: 0.25.

    Shape:
        - Input: :math:`(*)`, with the channels at dim 1 when num_parameters > 1.
        - Output: :math:`(*)`, the shape of the input.

    Attributes:
        weight: the learnable slopes, shape (num_parameters,).

    Example::

        >>> nn.PReLU(3)(axonml.randn(2, 3, 4)).shape
        axonml.Size([2, 3, 4])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
