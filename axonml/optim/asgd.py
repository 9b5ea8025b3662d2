"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992), as torch.optim.ASGD."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import advance, assign, check_nonnegative, new_step, refuse_unfusable, scalar_state, zeros_state
from .optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD, as torch.optim.ASGD.

    Each step decays and moves the parameter, :math:`\theta \leftarrow \theta (1 - \lambda\eta) - \eta g`,
    and updates its running average ``ax`` with weight :math:`\mu` (``ax`` equals :math:`\theta`
    until step ``t0``). Then :math:`\eta = \text{lr} / (1 + \lambda\, \text{lr}\, t)^\alpha` and
    :math:`\mu = 1 / \max(1, t - t_0)` for the next step; ``eta`` and ``mu`` are float32 scalar state.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 1e-2.
        lambd (float): decay term. Default: 1e-4.
        alpha (float): power of the eta update. Default: 0.75.
        t0 (float): the step at which averaging starts. Default: 1e6.
        weight_decay (float): L2 penalty. Default: 0.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; the update is
            always one fused pass (capturable/differentiable must stay ``False``).

    Example::

        >>> optimizer = axonml.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        check_nonnegative(lr=lr, weight_decay=weight_decay)
        refuse_unfusable(type(self).__name__, capturable, differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["eta"] = scalar_state(lr)
                    state["mu"] = scalar_state(1.0)
                    state["ax"] = zeros_state(p)
                step = advance(state["step"])
                eta, mu = float(state["eta"]), float(state["mu"])
                _backend_of(p._data).asgd_step(p._data, grad._data, state["ax"]._data, eta, 1 - lambd * eta, mu,
                                               weight_decay, maximize)
                p._vc.value += 1
                assign(state["eta"], lr / ((1 + lambd * lr * step) ** alpha))
                assign(state["mu"], 1 / max(1, step - t0))
        return loss
