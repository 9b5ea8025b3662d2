"""Adam, with L2 (coupled) or decoupled weight decay and the AMSGrad variant."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import (advance, array_or_none, check_betas, check_nonnegative, decay_terms, new_step,
                          refuse_unfusable, zeros_state)
from .optimizer import Optimizer

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, name):
    check_nonnegative(lr=lr, eps=eps)
    check_betas(betas)
    check_nonnegative(weight_decay=weight_decay)
    if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
        raise ValueError("betas must be either both floats or both Tensors")
    refuse_unfusable(name, capturable, differentiable)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014), as torch.optim.Adam.

    Each parameter is updated by one fused pass over its values, gradient and moment estimates.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 1e-3.
        betas (Tuple[float, float]): coefficients of the running averages of the gradient and its
            square. Default: (0.9, 0.999).
        eps (float): term added to the denominator for numerical stability. Default: 1e-8.
        weight_decay (float): weight decay (L2 penalty, or decoupled as AdamW's when
            ``decoupled_weight_decay``). Default: 0.
        amsgrad (bool): use the AMSGrad variant (On the Convergence of Adam and Beyond). Default: ``False``.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        decoupled_weight_decay (bool): decay the weights directly, as AdamW. Default: ``False``.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility; the update
            is always one fused pass (capturable/differentiable must stay ``False``).

    Example::

        >>> optimizer = axonml.optim.Adam(model.parameters(), lr=1e-3)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, type(self).__name__)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = float(group["lr"]), group["eps"]
            beta1, beta2 = map(float, group["betas"])
            weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            l2, decay_factor = decay_terms(lr, weight_decay, group["decoupled_weight_decay"])
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_state(p)
                step = advance(state["step"])
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                _backend_of(p._data).adam_step(
                    p._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                    array_or_none(state, "max_exp_avg_sq") if amsgrad else None, lr / bias_correction1,
                    bias_correction2 ** 0.5, beta1, beta2, eps, l2, decay_factor, maximize)
                p._vc.value += 1
        return loss
