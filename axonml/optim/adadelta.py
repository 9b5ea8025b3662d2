"""Adadelta (Zeiler, 2012): per-coordinate step sizes from running averages of squared gradients and updates."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import advance, check_nonnegative, new_step, refuse_unfusable, zeros_state
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, as torch.optim.Adadelta.

    With :math:`v` the running average of squared gradients and :math:`u` that of squared updates,
    each step is :math:`\Delta = \sqrt{u + \epsilon} / \sqrt{v + \epsilon} \cdot g`,
    :math:`\theta \leftarrow \theta - \text{lr} \cdot \Delta`, in one fused pass per parameter.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): coefficient that scales delta before it is applied to the parameters. Default: 1.0.
        rho (float): coefficient of the running averages. Default: 0.9.
        eps (float): term added to the denominator for numerical stability. Default: 1e-6.
        weight_decay (float): L2 penalty. Default: 0.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; the update is
            always one fused pass (capturable/differentiable must stay ``False``).

    Example::

        >>> optimizer = axonml.optim.Adadelta(model.parameters())
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False, differentiable: bool = False) -> None:
        check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps=eps, weight_decay=weight_decay)
        refuse_unfusable(type(self).__name__, capturable, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = float(group["lr"]), group["rho"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["square_avg"] = zeros_state(p)
                    state["acc_delta"] = zeros_state(p)
                advance(state["step"])
                _backend_of(p._data).adadelta_step(p._data, grad._data, state["square_avg"]._data,
                                                   state["acc_delta"]._data, lr, rho, eps, weight_decay, maximize)
                p._vc.value += 1
        return loss
