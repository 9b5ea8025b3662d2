"""Muon: momentum orthogonalised by Newton-Schulz iterations, for 2-d weights (torch.optim.Muon)."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from .. import autograd
from ..tensor import Tensor
from ._functional import zeros_state
from .optimizer import Optimizer

__all__ = ["Muon"]

# Keller Jordan's coefficients and defaults (https://kellerjordan.github.io/posts/muon/), as torch uses them
EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


def _zeropower_via_newtonschulz(grad: Tensor, ns_coefficients: tuple, ns_steps: int, eps: float) -> Tensor:
    """An approximate orthogonalisation U S' V^T of grad = U S V^T (S' near 1), in bfloat16 as torch runs it.

    The quintic iteration X <- a X + (b A + c A^2) X with A = X X^T, started from X = grad / ||grad||
    (the wide orientation, so that A is the smaller Gram matrix).
    """
    from ..ops.linalg import addmm
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    tall = grad.shape[0] > grad.shape[1]
    ortho = grad.bfloat16()
    if tall:
        ortho = ortho.T
    ortho = ortho / ortho.norm().clamp(min=eps)  # the spectral norm is then at most 1
    for _ in range(ns_steps):
        gram = ortho @ ortho.T
        gram_update = addmm(gram, gram, gram, beta=b, alpha=c)
        ortho = addmm(ortho, gram_update, ortho, beta=a)
    return ortho.T if tall else ortho


def _adjust_lr(lr: float, adjust_lr_fn: str | None, shape) -> float:
    """Scale lr so that updates of rectangular matrices have a consistent RMS."""
    rows, columns = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / columns))
    return lr * 0.2 * math.sqrt(max(rows, columns))  # "match_rms_adamw" (Moonshot's)


class Muon(Optimizer):
    r"""Muon, as torch.optim.Muon: SGD with (Nesterov) momentum whose update is orthogonalised.

    Per step: :math:`B \leftarrow \mu B + (1 - \mu) g` (a lerp), the update is
    :math:`g + \mu (B - g)` with Nesterov or :math:`B` without, orthogonalised by ns_steps
    Newton-Schulz iterations in bfloat16; then decoupled weight decay
    :math:`\theta \leftarrow \theta (1 - \gamma\lambda)` and :math:`\theta \leftarrow \theta - \gamma' O`
    with the shape-adjusted rate :math:`\gamma'`. Only for 2-d parameters (hidden-layer weights);
    optimize biases and embeddings with AdamW.

    Args:
        params (iterable): 2-d tensors to optimize or dicts defining parameter groups.
        lr (float): learning rate. Default: 1e-3.
        weight_decay (float): decoupled weight decay. Default: 0.1.
        momentum (float): momentum factor. Default: 0.95.
        nesterov (bool): use Nesterov momentum. Default: ``True``.
        ns_coefficients (tuple): the (a, b, c) of the Newton-Schulz polynomial. Default: (3.4445, -4.7750, 2.0315).
        eps (float): lower bound of the norm the update is first divided by. Default: 1e-7.
        ns_steps (int): Newton-Schulz iterations (fewer than 100). Default: 5.
        adjust_lr_fn (str, optional): ``'original'`` (the default: lr * sqrt(max(1, rows / columns))) or
            ``'match_rms_adamw'`` (lr * 0.2 * sqrt(max(rows, columns))).

    Example::

        >>> hidden = [p for p in model.parameters() if p.ndim == 2]
        >>> optimizer = axonml.optim.Muon(hidden, lr=0.02, momentum=0.95)
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C), eps: float = EPS,
                 ns_steps: int = DEFAULT_NS_STEPS, adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform a single optimization step; returns closure's loss when a closure is given."""
        loss = self._evaluate(closure)
        with autograd.no_grad():
            for group in self.param_groups:
                lr, weight_decay, momentum = float(group["lr"]), group["weight_decay"], group["momentum"]
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = zeros_state(p)
                    buffer = state["momentum_buffer"]
                    buffer.lerp_(grad, 1 - momentum)
                    update = grad.lerp(buffer, momentum) if group["nesterov"] else buffer
                    update = _zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"],
                                                         group["eps"])
                    p.mul_(1 - lr * weight_decay)
                    # in p's dtype, as torch's type promotion has it (lr * update is never rounded to bfloat16)
                    p.add_(update.to(p.dtype), alpha=-_adjust_lr(lr, group["adjust_lr_fn"], p.shape))
        return loss
