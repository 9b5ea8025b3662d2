"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2017)."""
from __future__ import annotations

from typing import Iterable

from ..tensor import Tensor
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW, as torch.optim.AdamW: Adam whose weight decay multiplies the weights by
    ``1 - lr * weight_decay`` before the update instead of adding to the gradient.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 1e-3.
        betas (Tuple[float, float]): coefficients of the running averages. Default: (0.9, 0.999).
        eps (float): term added to the denominator for numerical stability. Default: 1e-8.
        weight_decay (float): decoupled weight decay coefficient. Default: 1e-2.
        amsgrad (bool): use the AMSGrad variant. Default: ``False``.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        foreach, capturable, differentiable, fused: as in :class:`Adam`.

    Example::

        >>> optimizer = axonml.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
