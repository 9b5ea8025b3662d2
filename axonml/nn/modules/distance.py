"""Distance modules: PairwiseDistance and CosineSimilarity."""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """The p-norm distance between x1 and x2 along the last dim, with eps added to the difference.

    Args:
        p: the norm degree. Default: 2.
        eps: Default: 1e-6.
        keepdim: keep the last dim. Default: ``False``.

    Shape:
        - Input1, Input2: (N, D) or (D), broadcastable; Output: (N) or () (with a trailing 1 when keepdim).

    Example::

        >>> nn.PairwiseDistance()(axonml.randn(100, 128), axonml.randn(100, 128)).shape
        axonml.Size([100])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of x1 and x2 along dim, each norm clamped below at eps.

    Args:
        dim: the dimension of the vectors. Default: 1.
        eps: Default: 1e-8.

    Shape:
        - Input1, Input2: (*1, D, *2), broadcastable; Output: (*1, *2).

    Example::

        >>> nn.CosineSimilarity(dim=1)(axonml.randn(100, 128), axonml.randn(100, 128)).shape
        axonml.Size([100])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
