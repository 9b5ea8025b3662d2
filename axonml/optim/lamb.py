"""LAMB (You et al., 2019): Adam's direction scaled per parameter tensor by a layer-wise trust ratio."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..tensor import Tensor, _backend_of
from ._functional import advance, check_betas, check_nonnegative, new_step, zeros_state
from .optimizer import Optimizer

__all__ = ["LAMB"]


class LAMB(Optimizer):
    r"""LAMB, Algorithm 2 of You et al., "Large Batch Optimization for Deep Learning: Training BERT
    in 76 minutes" (2019). PyTorch has no counterpart.

    For each parameter tensor :math:`x` with gradient :math:`g` at step :math:`t`:

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        r &= \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon} + \lambda x \\
        x &\leftarrow x - \text{lr} \cdot \frac{\lVert x \rVert}{\lVert r \rVert} \cdot r

    with the trust ratio :math:`\lVert x \rVert / \lVert r \rVert` taken as 1 when either norm is
    zero (the paper's scaling function :math:`\phi` is the identity). One fused pass updates the
    moments, writes :math:`r` and sums both squared norms; a second applies the scaled step.

    Args:
        params (iterable): tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 1e-3.
        betas (Tuple[float, float]): coefficients of the running averages of the gradient and its
            square. Default: (0.9, 0.999).
        eps (float): term added to the denominator for numerical stability. Default: 1e-6.
        weight_decay (float): decoupled weight decay :math:`\lambda`, added to the direction
            before the trust ratio is taken. Default: 0.
        maximize (bool): maximize the objective instead of minimizing it. Default: ``False``.

    Example::

        >>> optimizer = axonml.optim.LAMB(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-6, weight_decay: float = 0, *,
                 maximize: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = float(group["lr"]), group["eps"]
            beta1, beta2 = map(float, group["betas"])
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                step = advance(state["step"])
                xp = _backend_of(p._data)
                update = xp.empty(p._data.shape, p._data.dtype)
                param_norm, update_norm = xp.lamb_step(
                    p._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, update,
                    1 - beta1 ** step, 1 - beta2 ** step, beta1, beta2, eps, weight_decay, maximize)
                trust_ratio = param_norm / update_norm if param_norm > 0 and update_norm > 0 else 1.0
                # x - (lr * trust_ratio) * r: a plain SGD step along r
                xp.sgd_step(p._data, update, None, lr * trust_ratio, 0.0, 0.0, 0.0, False, False, False)
                p._vc.value += 1
        return loss
