"""SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss, on axonml's cross_entropy and nll_loss."""
from __future__ import annotations

from ... import _dtype
from ...nn import functional as F
from .._registry import register

_NO_INDEX = -(2 ** 62)  # an ignore_index no label can take, for nodes without one


@register("SoftmaxCrossEntropyLoss", since=12, attrs=("ignore_index", "reduction"))
def softmax_cross_entropy(ctx, scores, labels, weights=None):
    log_prob = F.log_softmax(scores, 1)
    loss = F.nll_loss(log_prob, labels.to(_dtype.int64), weight=weights,
                      ignore_index=ctx.attr("ignore_index", _NO_INDEX), reduction=ctx.attr("reduction", "mean"))
    return (loss, log_prob) if ctx.output_count > 1 else loss


@register("NegativeLogLikelihoodLoss", since=12, attrs=("ignore_index", "reduction"))
def negative_log_likelihood(ctx, log_prob, target, weight=None):
    return F.nll_loss(log_prob, target.to(_dtype.int64), weight=weight,
                      ignore_index=ctx.attr("ignore_index", _NO_INDEX), reduction=ctx.attr("reduction", "mean"))
