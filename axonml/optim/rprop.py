"""Rprop (Riedmiller & Braun, 1993): per-coordinate step sizes driven by the sign of the gradient."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import advance, check_nonnegative, full_state, new_step, refuse_unfusable, zeros_state
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""The resilient backpropagation algorithm, as torch.optim.Rprop.

    Where the gradient keeps its sign the coordinate's step size grows by ``etas[1]``, where it
    flips the step size shrinks by ``etas[0]`` and that coordinate skips the step (its gradient is
    taken as zero); step sizes stay within ``step_sizes``. The parameter moves by
    :math:`-\operatorname{sign}(g) \cdot \text{step\_size}`, in one fused pass per parameter.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): the initial step size. Default: 1e-2.
        etas (Tuple[float, float]): (etaminus, etaplus), the multiplicative decrease and increase
            factors. Default: (0.5, 1.2).
        step_sizes (Tuple[float, float]): the minimal and maximal step sizes. Default: (1e-6, 50).
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; the update is
            always one fused pass (capturable/differentiable must stay ``False``).

    Example::

        >>> optimizer = axonml.optim.Rprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2), step_sizes: tuple[float, float] = (1e-6, 50), *,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        refuse_unfusable(type(self).__name__, capturable, differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = map(float, group["etas"])
            step_size_min, step_size_max = map(float, group["step_sizes"])
            maximize = group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["prev"] = zeros_state(p)
                    state["step_size"] = full_state(p, float(group["lr"]))
                advance(state["step"])
                _backend_of(p._data).rprop_step(p._data, grad._data, state["prev"]._data, state["step_size"]._data,
                                                etaminus, etaplus, step_size_min, step_size_max, maximize)
                p._vc.value += 1
        return loss
