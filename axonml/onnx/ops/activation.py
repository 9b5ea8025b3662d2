"""Activations, Clip, and the softmax family."""
from __future__ import annotations

from ... import functional as T
from ...creation import zeros_like
from ...nn import functional as F
from .._registry import register
from ._util import axis_of


def _kept(result, like):
    """result in like's dtype: axonml's sigmoid, erf and gelu return float64 for float16 input."""
    return result if result.dtype == like.dtype else result.to(like.dtype)


@register("Relu", since=6)
def relu(ctx, x):
    return F.relu(x)


@register("LeakyRelu", since=6, attrs=("alpha",))
def leaky_relu(ctx, x):
    return F.leaky_relu(x, ctx.attr("alpha", 0.01))


@register("Sigmoid", since=6)
def sigmoid(ctx, x):
    return _kept(T.sigmoid(x), x)


@register("Tanh", since=6)
def tanh(ctx, x):
    return T.tanh(x)


@register("HardSigmoid", since=6, attrs=("alpha", "beta"))
def hard_sigmoid(ctx, x):
    alpha, beta = ctx.attr("alpha", 0.2), ctx.attr("beta", 0.5)
    return T.clamp(x * alpha + beta, 0.0, 1.0)


@register("HardSwish", since=14)
def hard_swish(ctx, x):
    return F.hardswish(x)


@register("Elu", since=6, attrs=("alpha",))
def elu(ctx, x):
    return F.elu(x, ctx.attr("alpha", 1.0))


@register("Selu", since=6, attrs=("alpha", "gamma"))
def selu(ctx, x):
    alpha = ctx.attr("alpha", 1.67326319217681884765625)
    gamma = ctx.attr("gamma", 1.05070102214813232421875)
    return F.elu(x, alpha) * gamma


@register("Celu", since=12, attrs=("alpha",))
def celu(ctx, x):
    return F.celu(x, ctx.attr("alpha", 1.0))


@register("Softplus", since=1)
def softplus(ctx, x):
    return F.softplus(x)


@register("Softsign", since=1)
def softsign(ctx, x):
    return F.softsign(x)


@register("Gelu", since=20, attrs=("approximate",))
def gelu(ctx, x):
    return _kept(F.gelu(x, approximate=ctx.attr("approximate", "none")), x)


@register("Mish", since=18)
def mish(ctx, x):
    return F.mish(x)


@register("PRelu", since=9)
def prelu(ctx, x, slope):
    return T.where(x >= 0, x, x * slope)


@register("ThresholdedRelu", since=10, attrs=("alpha",))
def thresholded_relu(ctx, x):
    return T.where(x > ctx.attr("alpha", 1.0), x, x * 0)


@register("Shrink", since=9, attrs=("bias", "lambd"))
def shrink(ctx, x):
    bias, lambd = ctx.attr("bias", 0.0), ctx.attr("lambd", 0.5)
    zero = x * 0
    return T.where(x < -lambd, x + bias, T.where(x > lambd, x - bias, zero)).to(x.dtype)


@register("Clip", since=6, attrs=("min", "max"))
def clip_6(ctx, x):
    return T.clamp(x, ctx.attr("min", -3.4028234663852886e38), ctx.attr("max", 3.4028234663852886e38))


@register("Clip", since=11)
def clip(ctx, x, low=None, high=None):
    if low is None and high is None:
        return x
    low = low.reshape(()).item() if low is not None and not low.requires_grad else low
    high = high.reshape(()).item() if high is not None and not high.requires_grad else high
    return T.clamp(x, low, high)


def _coerced(function):
    """Softmax-like ops before opset 13: flatten to 2-D at axis, apply along the last dim."""
    def run(ctx, x):
        axis = axis_of(ctx.attr("axis", 1), x.ndim)
        shape = x.shape
        flat = x.reshape(int(_prod(shape[:axis])), int(_prod(shape[axis:])))
        return function(flat, 1).reshape(shape)
    return run


def _along(function):
    def run(ctx, x):
        return function(x, axis_of(ctx.attr("axis", -1), x.ndim))
    return run


def _prod(values) -> int:
    result = 1
    for value in values:
        result *= int(value)
    return result


def _hardmax(x, dim):
    index = T.argmax(x, dim, keepdim=True)
    return zeros_like(x).scatter(dim, index, 1.0)


for _name, _function in (("Softmax", F.softmax), ("LogSoftmax", F.log_softmax), ("Hardmax", _hardmax)):
    register(_name, since=1, attrs=("axis",))(_coerced(_function))
    register(_name, since=13, attrs=("axis",))(_along(_function))


@register("Swish", since=24, attrs=("alpha",))
def swish(ctx, x):
    return x * _kept(T.sigmoid(x * ctx.attr("alpha", 1.0)), x)
