"""Adafactor (Shazeer and Stern, 2018) as torch.optim.Adafactor: factored second moments for matrices."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from .. import no_grad
from ..tensor import Tensor
from ._functional import advance, new_step, zeros_state
from .optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Adafactor, as torch.optim.Adafactor (its default, unscaled formulation).

    A parameter with two or more dims keeps a running mean of its gradient's squared row norms
    and column norms instead of a full second moment, so its state is O(rows + columns); vectors
    keep the full second moment. The update is RMS-clipped at ``d`` and scaled by the parameter's
    RMS (at least eps2) times min(lr, 1/sqrt(step)). Composed from tensor ops, so it runs on
    every device; the reductions over rows and columns are what keep it from being one fused pass.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): the step-size cap. Default: 1e-2.
        beta2_decay (float): the second moment's decay is 1 - step ** beta2_decay. Default: -0.8.
        eps (tuple): (eps1, eps2): eps1 guards the variance (None: the dtype's machine epsilon),
            eps2 floors the parameter RMS. Default: (None, 1e-3).
        d (float): the clipping threshold of the update's RMS. Default: 1.0.
        weight_decay (float): decoupled weight decay. Default: 0.
        maximize (bool): maximize the objective. Default: ``False``.
        foreach: accepted for PyTorch compatibility.

    Example::

        >>> optimizer = axonml.optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, (eps1, eps2) = float(group["lr"]), group["eps"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    self._update(p, self._state_of(p), lr, eps1, eps2, group)
        return loss

    def _state_of(self, p: Tensor) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            if p.ndim > 1:
                state["row_var"] = p.new_zeros(tuple(p.shape[:-1]) + (1,))
                state["col_var"] = p.new_zeros(tuple(p.shape[:-2]) + (1, p.shape[-1]))
            else:
                state["variance"] = zeros_state(p)
        return state

    @staticmethod
    def _update(p: Tensor, state: dict, lr: float, eps1, eps2: float, group: dict) -> None:
        grad = -p.grad if group["maximize"] else p.grad
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype.np).eps)
        step = advance(state["step"])
        one_minus_beta2 = step ** group["beta2_decay"]
        rho = min(lr, 1 / math.sqrt(step))
        alpha = max(eps2, float(p.norm(2)) / math.sqrt(p.numel())) * rho
        if group["weight_decay"] != 0:
            p.mul_(1 - lr * group["weight_decay"])
        if grad.ndim > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            row_var.lerp_(grad.norm(dim=-1, keepdim=True).square() / grad.shape[-1], one_minus_beta2)
            col_var.lerp_(grad.norm(dim=-2, keepdim=True).square() / grad.shape[-2], one_minus_beta2)
            variance = (row_var @ col_var) / row_var.mean(dim=-2, keepdim=True).clamp(min=eps1)
        else:
            state["variance"].lerp_(grad * grad, one_minus_beta2)
            variance = state["variance"].clone()
        update = variance.clamp(min=eps1 * eps1).rsqrt() * grad
        denominator = max(1.0, float(update.norm(2)) / (math.sqrt(update.numel()) * group["d"]))
        p.add_(update, alpha=-alpha / denominator)
