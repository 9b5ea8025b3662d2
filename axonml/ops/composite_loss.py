"""Losses composed from tensor ops: margin, ranking and embedding losses, Poisson and Gaussian NLL.

Each is a few elementwise ops and a reduction, so it is written with tensor operations, as
PyTorch's own decompositions are: autograd, double backward and every device come from the
ops it is made of. The formulas follow torch.nn.functional's documentation term by term.
"""
from __future__ import annotations

import math

from ..tensor import Tensor
from .loss import _no_grad_allowed, _reduction

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "multilabel_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "poisson_nll_loss", "gaussian_nll_loss"]


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _check_float(fn: str, **tensors) -> None:
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(t).__name__}")


def _same_shape(fn: str, a: Tensor, b: Tensor, what: str = "input") -> None:
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{fn}: Using a target size ({tuple(b.shape)}) that is different to the {what} size "
                         f"({tuple(a.shape)}) is deprecated. Please ensure they have the same size.")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin): ranks input1 above input2 where target is 1.

    Args:
        input1, input2: scores of the same shape (or broadcastable with target).
        target: 1 or -1 per element.
        margin: the required gap. Default: 0.
        reduction: 'none' | 'mean' | 'sum'.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("margin_ranking_loss", input1=input1, input2=input2, target=target)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, "
                           f"target: {tuple(target.shape)} ")
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1 (input is a distance)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("hinge_embedding_loss", input=input, target=target)
    zeros = input.new_zeros(())
    margin_term = (margin - input).clamp_min(0).where(target != 1, zeros)
    self_term = input.where(target != -1, zeros)
    return _reduce(margin_term + self_term, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)): the two-class logistic loss with targets 1 / -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("soft_margin_loss", input=input, target=target)
    _same_shape("soft_margin_loss", input, target)
    _no_grad_allowed("soft_margin_loss", "target", target)  # a native kernel in PyTorch, without that gradient
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """One-versus-all logistic loss per class, averaged over the C classes of each sample.

    Args:
        input: (N, C) or (C,) logits.
        target: 0/1 labels of the same shape.
        weight: optional per-class rescaling, broadcast against input.
    """
    from .activation import logsigmoid
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("multilabel_soft_margin_loss", input=input, target=target)
    _same_shape("multilabel_soft_margin_loss", input, target)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over j != y of max(0, margin - x[y] + x[j]) ** p, divided by C.

    Args:
        input: (N, C) or (C,) scores.
        target: (N,) or () class indices in [0, C).
        p: 1 or 2. Default: 1.
        margin: Default: 1.
        weight: optional (C,) weight of each target class.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("multi_margin_loss", input=input, target=target)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if input.ndim > 2:
        raise RuntimeError(f"multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    rows = input.reshape(1, -1) if input.ndim < 2 else input
    labels = target.reshape(-1)
    if labels.shape[0] != rows.shape[0]:
        raise RuntimeError(f"multi_margin_loss: inconsistent target size, expected {rows.shape[0]} but got "
                           f"{list(target.shape)}")
    classes = rows.shape[1]
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise RuntimeError("multi_margin_loss: target out of range")
    target_score = rows.gather(1, labels.reshape(-1, 1))
    hinge = (margin - target_score + rows).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight.gather(0, labels).reshape(-1, 1)
    own_class = labels.reshape(-1, 1) == _arange_like(rows, classes)
    hinge = hinge.where(~own_class, rows.new_zeros(()))
    loss = hinge.sum(1) / classes
    if input.ndim < 2 and reduction == "none":
        loss = loss.reshape(target.shape)
    return _reduce(loss, reduction)


def _arange_like(rows: Tensor, n: int) -> Tensor:
    from ..creation import arange
    return arange(n, device=rows.device).reshape(1, -1)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: for each target class j and non-target class k, max(0, 1 - (x[j] - x[k])), over C.

    Args:
        input: (N, C) or (C,) scores.
        target: int64 of input's shape: the target classes of each sample, ended by the first -1.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("multilabel_margin_loss", input=input, target=target)
    if input.ndim > 2 or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input "
                           f"of size: {list(input.shape)}")
    rows = input.reshape(1, -1) if input.ndim < 2 else input
    labels = target.reshape(rows.shape)
    classes = rows.shape[1]
    if labels.numel() and (int(labels.min()) < -1 or int(labels.max()) >= classes):
        raise RuntimeError("multilabel_margin_loss: target out of range")
    # a label counts until the first -1 of its row
    valid = (labels >= 0).long().cumprod(1).bool()
    safe = labels.where(valid, labels.new_zeros(()))
    one_hot = _scatter_ones(rows, safe, valid)                         # (N, C): 1 for target classes
    target_scores = rows.gather(1, safe)                               # (N, C) scores of the listed targets
    hinge = (1 - target_scores.unsqueeze(2) + rows.unsqueeze(1)).clamp_min(0)   # (N, targets, C)
    pair = valid.unsqueeze(2) & ~one_hot.unsqueeze(1)
    loss = hinge.where(pair, rows.new_zeros(())).sum((1, 2)) / classes
    if input.ndim < 2 and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def _scatter_ones(rows: Tensor, index: Tensor, valid: Tensor) -> Tensor:
    """A bool (N, C) mask with True at the valid listed classes of each row."""
    hits = valid.long()
    counts = rows.new_zeros(rows.shape, dtype=hits.dtype).scatter_add(1, index, hits)
    return counts > 0


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where target is -1.

    The cosine is taken along the last dim of (N, D) or (D,) inputs, with PyTorch's 1e-12 guard
    on the squared norms.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    if input1.ndim != input2.ndim or input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise RuntimeError(f"cosine_embedding_loss: 1D target tensor expects 2D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)} and target "
                           f"{list(target.shape)}.")
    dim = input1.ndim - 1
    eps = 1e-12
    dot = (input1 * input2).sum(dim)
    magnitude = ((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)
    cos = dot / magnitude.sqrt()
    zeros = cos.new_zeros(())
    loss = (1 - cos).where(target == 1, zeros) + (cos - margin).clamp_min(0).where(target == -1, zeros)
    return _reduce(loss, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    from .distance import pairwise_distance
    return pairwise_distance(x1, x2, p, eps)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm pairwise distance; swap uses min(d(a, n), d(p, n))."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    if not (anchor.ndim == positive.ndim == negative.ndim) or anchor.ndim not in (1, 2):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    return triplet_margin_with_distance_loss(
        anchor, positive, negative, distance_function=lambda a, b: _pairwise_distance(a, b, p, eps),
        margin=margin, swap=swap, reduction=reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with any distance_function(x, y) -> distances (pairwise_distance by default)."""
    reduction = _reduction(None, None, reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    distance = distance_function if distance_function is not None else \
        (lambda a, b: _pairwise_distance(a, b, 2.0, 1e-6))
    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = negative_distance.minimum(distance(positive, negative))
    loss = (positive_distance - negative_distance + margin).clamp_min(0)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target under Poisson(rate): exp(input) - target * input for log-rates.

    Args:
        log_input: input is the log of the rate (default) or the rate itself (then input - target * log(input + eps)).
        full: add Stirling's approximation of log(target!) where target > 1.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_float("poisson_nll_loss", input=input, target=target)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        counted = target.clamp_min(1)  # the term is 0 where target <= 1; spares log(0) there
        stirling = counted * counted.log() - counted + 0.5 * (2 * math.pi * counted).log()
        loss = loss + stirling.where(target > 1, target.new_zeros(()))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5 * (log(var) + (input - target) ** 2 / var) (+ 0.5 * log(2 pi) when full), var clamped below at eps.

    var has input's shape, or one dim fewer, or a last dim of 1 (heteroscedastic per-sample
    variance), or is a float (homoscedastic). As in PyTorch the clamp passes gradients through.
    """
    from .. import no_grad
    reduction = _reduction(None, None, reduction)
    _check_float("gaussian_nll_loss", input=input, target=target)
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full((), float(var))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1:
            pass
        elif var.ndim != 0:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
