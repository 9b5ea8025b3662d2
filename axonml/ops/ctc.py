"""Connectionist temporal classification loss (Graves et al., 2006), as torch.ctc_loss computes it.

The forward (alpha) recursion runs in log space over time, vectorised over the batch and the
extended label sequence (a blank before, between and after the labels), composed from ops that
hold their own backward, so autograd through it gives the beta recursion's gradient. Paths are
scored with a large finite "log zero" rather than -inf, which keeps logsumexp's gradient free of
NaN; which losses are infinite is decided exactly from the lengths (an alignment needs one frame
per label plus one blank between each pair of repeated labels).
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["ctc_loss"]

_LOG_ZERO = -1e30  # exp() of it is 0 in float32 and float64; sums of a few of them stay finite


def _lengths(lengths, batch: int, name: str) -> np.ndarray:
    values = np.asarray(lengths.tolist() if isinstance(lengths, Tensor) else lengths, dtype=np.int64).reshape(-1)
    if values.shape != (batch,):
        raise RuntimeError(f"Expected {name} to have size {batch}, but got size {values.size} for {name}")
    return values


def _padded_targets(targets: Tensor, target_lengths: np.ndarray) -> np.ndarray:
    """(N, S) labels, from padded (N, S) targets or their 1-d concatenation."""
    labels = np.asarray(targets.tolist(), dtype=np.int64)
    batch = target_lengths.shape[0]
    if labels.ndim == 1:
        if labels.size < target_lengths.sum():
            raise RuntimeError(f"Expected targets to have at least {target_lengths.sum()} elements for "
                               f"target_lengths {target_lengths.tolist()}, but got {labels.size}")
        padded = np.zeros((batch, max(int(target_lengths.max(initial=0)), 1)), np.int64)
        offsets = np.concatenate([[0], np.cumsum(target_lengths)])
        for n in range(batch):
            padded[n, :target_lengths[n]] = labels[offsets[n]:offsets[n + 1]]
        return padded
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise RuntimeError(f"ctc_loss: expected targets of shape (N, S) with N={batch}, or 1-d, but got "
                           f"{list(targets.shape)}")
    if target_lengths.max(initial=0) > labels.shape[1]:
        raise RuntimeError(f"Expected tensor to have size at least {target_lengths.max()} at dimension 1, but got "
                           f"size {labels.shape[1]} for argument #2 'targets'")
    return labels if labels.shape[1] else np.zeros((batch, 1), np.int64)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss: minus the log-probability of all alignments of each target with its input.

    Args:
        log_probs: (T, N, C) or unbatched (T, C) log-probabilities, e.g. a log_softmax over C
        targets: (N, S) padded labels, or their concatenation (sum(target_lengths),); labels are in
            [0, C) and never the blank
        input_lengths: (N,) frames of each input, at most T
        target_lengths: (N,) labels of each target, at most S
        blank: the blank label
        reduction: 'none' (one loss per sample), 'sum', or 'mean': each loss divided by its target
            length, then averaged over the batch
        zero_infinity: replace infinite losses (targets too long for their inputs) and their gradients by 0

    The gradient to log_probs is torch's: that of the logits when log_probs is their log_softmax
    (exp(log_probs) minus the label posteriors), so the two agree through a log_softmax and as a leaf.

    Example:
        >>> log_probs = axonml.randn(50, 4, 20).log_softmax(2).requires_grad_()
        >>> targets = axonml.randint(1, 20, (4, 10))
        >>> loss = F.ctc_loss(log_probs, targets, [50] * 4, [10, 8, 9, 10])
        >>> loss.backward()
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(log_probs, Tensor) or not log_probs.dtype.is_floating_point:
        raise NotImplementedError(f"\"ctc_loss\" not implemented for "
                                  f"'{getattr(log_probs, 'dtype', type(log_probs).__name__)}'")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.unsqueeze(0)
    if log_probs.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), but got "
                           f"{list(log_probs.shape)}")
    frames, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    input_lengths = _lengths(input_lengths, batch, "input_lengths")
    target_lengths = _lengths(target_lengths, batch, "target_lengths")
    if input_lengths.max(initial=0) > frames:
        raise RuntimeError(f"Expected input_lengths to have value at most {frames}, but got value "
                           f"{input_lengths.max()}")
    labels = _padded_targets(targets, target_lengths)
    loss = _negative_log_likelihood(log_probs, labels, input_lengths, target_lengths, blank, zero_infinity)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    divisor = np.maximum(target_lengths, 1).astype(np.dtype(str(log_probs.dtype).split(".")[-1]))
    from ..creation import tensor
    return (loss / tensor(divisor, device=log_probs.device)).mean()


def _negative_log_likelihood(log_probs: Tensor, labels: np.ndarray, input_lengths: np.ndarray,
                             target_lengths: np.ndarray, blank: int, zero_infinity: bool) -> Tensor:
    from ..creation import full, tensor
    from .elementwise import where
    from .reduce import logsumexp
    from .shape import cat, stack
    frames, batch, classes = log_probs.shape
    device, dtype = log_probs.device, log_probs.dtype

    # the extended labels: blank, l1, blank, l2, ..., blank
    positions = 2 * labels.shape[1] + 1
    extended = np.full((batch, positions), blank, np.int64)
    extended[:, 1::2] = labels
    # a path may skip the blank between two different labels
    skip = np.zeros((batch, positions), bool)
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    repeats = np.array([np.count_nonzero(labels[n, 1:length] == labels[n, :max(length - 1, 0)])
                        for n, length in enumerate(target_lengths)])
    feasible = input_lengths >= target_lengths + repeats

    emissions = log_probs.gather(2, tensor(extended, device=device).unsqueeze(0).expand(frames, batch, positions))
    log_zero = full((batch, 1), _LOG_ZERO, dtype=dtype, device=device)
    log_zeros = full((batch, positions), _LOG_ZERO, dtype=dtype, device=device)
    skip = tensor(skip, device=device)
    start = np.zeros((batch, positions), bool)
    start[:, 0] = True
    start[:, 1] = target_lengths > 0
    alpha = where(tensor(start, device=device), emissions[0], log_zeros)
    active = tensor((np.arange(frames)[:, None] < input_lengths[None, :])[:, :, None], device=device)
    for t in range(1, int(input_lengths.max(initial=0))):
        previous = cat([log_zero, alpha[:, :-1]], 1)
        before_previous = where(skip, cat([log_zero, log_zero, alpha[:, :-2]], 1), log_zeros)
        step = logsumexp(stack([alpha, previous, before_previous]), 0) + emissions[t]
        alpha = where(active[t], step, alpha)

    # a path ends on the last label or the blank after it
    ends = np.stack([2 * target_lengths, np.maximum(2 * target_lengths - 1, 0)], 1)
    final = alpha.gather(1, tensor(ends, device=device))
    final = where(tensor(np.stack([np.ones(batch, bool), target_lengths > 0], 1), device=device), final,
                  full((batch, 2), _LOG_ZERO, dtype=dtype, device=device))
    loss = logsumexp(final, 1) * -1

    # torch's gradient convention: add exp(log_probs) over each input's frames, with a forward value of 0
    frame_mask = tensor((np.arange(frames)[:, None] < input_lengths[None, :]).astype(
        np.dtype(str(dtype).split(".")[-1]))[:, :, None], device=device)
    occupancy = (log_probs.exp() * frame_mask).sum((0, 2))
    loss = loss + (occupancy - occupancy.detach())

    feasible = tensor(feasible, device=device)
    return where(feasible, loss, full((batch,), 0.0 if zero_infinity else float("inf"), dtype=dtype, device=device))
