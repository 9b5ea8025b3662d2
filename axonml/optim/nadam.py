"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum schedule."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import (advance, assign, check_betas, check_nonnegative, decay_terms, new_step, refuse_unfusable,
                          scalar_state, zeros_state)
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam, as torch.optim.NAdam.

    The momentum coefficient of step :math:`t` is :math:`\mu_t = \beta_1 (1 - 0.5 \cdot
    0.96^{t \psi})` (:math:`\psi` the momentum decay); the state ``mu_product`` holds
    :math:`\prod_{i \le t} \mu_i`. The step's coefficients are computed once per step and the
    update (moments and parameter) is one fused pass per parameter.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 2e-3.
        betas (Tuple[float, float]): coefficients of the running averages of the gradient and its
            square. Default: (0.9, 0.999).
        eps (float): term added to the denominator for numerical stability. Default: 1e-8.
        weight_decay (float): weight decay (L2 penalty, or decoupled as AdamW's). Default: 0.
        momentum_decay (float): momentum decay :math:`\psi`. Default: 4e-3.
        decoupled_weight_decay (bool): decay the weights directly, as AdamW (NAdamW). Default: ``False``.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; the update is
            always one fused pass (capturable/differentiable must stay ``False``).

    Example::

        >>> optimizer = axonml.optim.NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        refuse_unfusable(type(self).__name__, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps, momentum_decay = float(group["lr"]), group["eps"], group["momentum_decay"]
            beta1, beta2 = map(float, group["betas"])
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            l2, decay_factor = decay_terms(lr, weight_decay, group["decoupled_weight_decay"])
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["mu_product"] = scalar_state(1.0)
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                step = advance(state["step"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                # the product is kept in float32 state, as PyTorch keeps it
                mu_product = assign(state["mu_product"], float(state["mu_product"]) * mu)
                grad_coefficient = -lr * (1.0 - mu) / (1.0 - mu_product)
                exp_avg_coefficient = -lr * mu_next / (1.0 - mu_product * mu_next)
                _backend_of(p._data).nadam_step(
                    p._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, 1 - beta2 ** step,
                    grad_coefficient, exp_avg_coefficient, beta1, beta2, eps, l2, decay_factor, maximize)
                p._vc.value += 1
        return loss
