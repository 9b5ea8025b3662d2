"""BatchNormalization (inference), LayerNormalization, InstanceNormalization, GroupNormalization, LRN, MVN."""
from __future__ import annotations

from ... import _dtype, functional as T
from ...nn import functional as F
from .._registry import register
from ._util import axis_of


@register("BatchNormalization", since=9, attrs=("epsilon", "momentum", "training_mode"))
def batch_norm(ctx, x, scale, bias, mean, var):
    eps = ctx.attr("epsilon", 1e-5)
    if ctx.attr("training_mode", 0):
        # Normalise with the batch statistics (biased variance); the running ones are returned updated.
        dims = tuple(axis for axis in range(x.ndim) if axis != 1)
        batch_mean = x.mean(dim=dims)
        shape = [1, -1] + [1] * (x.ndim - 2)
        centered = x - batch_mean.reshape(shape)
        batch_var = (centered * centered).mean(dim=dims)
        y = centered * T.rsqrt(batch_var.reshape(shape) + eps) * scale.reshape(shape) + bias.reshape(shape)
        momentum = ctx.attr("momentum", 0.9)
        return y, mean * momentum + batch_mean * (1 - momentum), var * momentum + batch_var * (1 - momentum)
    if x.ndim in (2, 3, 4, 5):
        return F.batch_norm(x, mean, var, scale, bias, training=False, eps=eps)
    shape = [1, -1] + [1] * (x.ndim - 2)
    return (x - mean.reshape(shape)) / T.sqrt(var.reshape(shape) + eps) * scale.reshape(shape) + bias.reshape(shape)


@register("LayerNormalization", since=17, attrs=("axis", "epsilon", "stash_type"))
def layer_norm(ctx, x, scale, bias=None):
    axis = axis_of(ctx.attr("axis", -1), x.ndim)
    eps = ctx.attr("epsilon", 1e-5)
    normalized = list(x.shape[axis:])
    if ctx.output_count == 1 and scale.shape == tuple(normalized) and (bias is None or bias.shape == scale.shape):
        return F.layer_norm(x, normalized, scale, bias, eps)
    stash = x.float() if ctx.attr("stash_type", 1) == 1 and x.dtype != _dtype.float64 else x
    dims = tuple(range(axis, x.ndim))
    mean = stash.mean(dim=dims, keepdim=True)
    centered = stash - mean
    inv_std = T.rsqrt((centered * centered).mean(dim=dims, keepdim=True) + eps)
    y = (centered * inv_std).to(x.dtype) * scale
    if bias is not None:
        y = y + bias
    return y, mean, inv_std


@register("InstanceNormalization", since=6, attrs=("epsilon",))
def instance_norm(ctx, x, scale, bias):
    return F.instance_norm(x, weight=scale, bias=bias, eps=ctx.attr("epsilon", 1e-5))


@register("GroupNormalization", since=21, attrs=("epsilon", "num_groups", "stash_type"))
def group_norm(ctx, x, scale, bias):
    return F.group_norm(x, ctx.attr("num_groups"), scale, bias, ctx.attr("epsilon", 1e-5))


@register("LRN", since=1, attrs=("alpha", "beta", "bias", "size"))
def lrn(ctx, x):
    return F.local_response_norm(x, ctx.attr("size"), ctx.attr("alpha", 1e-4), ctx.attr("beta", 0.75),
                                 ctx.attr("bias", 1.0))


@register("MeanVarianceNormalization", since=9, attrs=("axes",))
def mean_variance_normalization(ctx, x):
    dims = tuple(ctx.attr("axes", [0, 2, 3]))
    mean = x.mean(dim=dims, keepdim=True)
    centered = x - mean
    return centered / (T.sqrt((centered * centered).mean(dim=dims, keepdim=True)) + 1e-9)


@register("LpNormalization", since=1, attrs=("axis", "p"))
def lp_normalization(ctx, x):
    dim = axis_of(ctx.attr("axis", -1), x.ndim)
    p = ctx.attr("p", 2)
    norm = T.abs(x).sum(dim=dim, keepdim=True) if p == 1 else T.sqrt((x * x).sum(dim=dim, keepdim=True))
    return T.where(norm == 0, norm, x / T.where(norm == 0, norm + 1, norm))


@register("RMSNormalization", since=23, attrs=("axis", "epsilon", "stash_type"))
def rms_norm(ctx, x, scale):
    axis = axis_of(ctx.attr("axis", -1), x.ndim)
    stash = x.float() if ctx.attr("stash_type", 1) == 1 and x.dtype != _dtype.float64 else x
    dims = tuple(range(axis, x.ndim))
    normalized = stash * T.rsqrt((stash * stash).mean(dim=dims, keepdim=True) + ctx.attr("epsilon", 1e-5))
    return normalized.to(x.dtype) * scale
