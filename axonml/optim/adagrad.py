"""Adagrad (Duchi et al., 2011): steps scaled by the root of each coordinate's summed squared gradients."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import advance, check_nonnegative, full_state, refuse_unfusable, scalar_state
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, as torch.optim.Adagrad.

    The state ``sum`` accumulates squared gradients (starting at ``initial_accumulator_value``);
    step :math:`t` moves :math:`\theta` by :math:`-\text{clr} \cdot g / (\sqrt{\text{sum}} + \epsilon)`
    with :math:`\text{clr} = \text{lr} / (1 + (t - 1) \cdot \text{lr\_decay})`, in one fused pass.
    As in PyTorch, the state of every parameter is created by the constructor.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 1e-2.
        lr_decay (float): learning rate decay. Default: 0.
        weight_decay (float): L2 penalty. Default: 0.
        initial_accumulator_value (float): starting value of the sums of squared gradients. Default: 0.
        eps (float): term added to the denominator for numerical stability. Default: 1e-10.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        foreach, differentiable, fused: accepted for PyTorch compatibility; the update is always
            one fused pass (differentiable must stay ``False``).

    Example::

        >>> optimizer = axonml.optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        refuse_unfusable(type(self).__name__, differentiable=differentiable)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = scalar_state(0.0)
            state["sum"] = full_state(p, self.defaults["initial_accumulator_value"])
        return state

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), group["lr_decay"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self._init_state(p)
                step = advance(state["step"])
                clr = lr / (1 + (step - 1) * lr_decay)
                _backend_of(p._data).adagrad_step(p._data, grad._data, state["sum"]._data, clr, eps, weight_decay,
                                                  maximize)
                p._vc.value += 1
        return loss
