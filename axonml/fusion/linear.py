"""FusedLinear: a Linear layer with its activation in the same op (one gemm, bias and ReLU in its epilogue)."""
from __future__ import annotations

from ..nn.modules.linear import Linear
from ..ops.linalg import linear_relu
from ..tensor import Tensor

__all__ = ["FusedLinear"]


class FusedLinear(Linear):
    """``activation(x @ weight^T + bias)`` as one op; the same parameters and state dict as ``nn.Linear``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias.
        activation: ``"relu"`` (fused into the gemm) or None (a plain Linear).

    Shape:
        - Input: (*, in_features). Output: (*, out_features).

    Example:
        >>> layer = FusedLinear(20, 30, activation="relu")
        >>> layer(axonml.randn(128, 20)).shape
        axonml.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, activation: str | None = "relu",
                 device=None, dtype=None):
        if activation not in (None, "relu"):
            raise ValueError(f"FusedLinear: activation must be 'relu' or None, got {activation!r}")
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        self.activation = activation

    def forward(self, input: Tensor) -> Tensor:
        if self.activation is None:
            return super().forward(input)
        return linear_relu(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation!r}"
