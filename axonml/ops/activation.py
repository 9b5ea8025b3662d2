"""Activation functions: the elementwise nonlinearities of torch.nn.functional (relu, gelu, silu, elu ...).

axonml.nn.functional re-exports all of them; those torch also has at the top level (torch.relu,
torch.selu ...) are in ``__all__`` and so become ``axonml.<name>``. sigmoid and tanh are math
functions first and stay in elementwise.py.
"""
from __future__ import annotations

import math

from .._ext import _autograd
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _backend_of, _check_inplace
from ._checks import check_tensor as _check_tensor
from .elementwise import _float_only, _floating

__all__ = ["relu", "gelu", "silu", "elu", "selu", "celu", "leaky_relu", "softplus", "hardtanh", "relu6",
           "hardsigmoid", "hardswish", "mish", "logsigmoid", "threshold", "hardshrink", "prelu", "rrelu", "rrelu_",
           "elu_", "selu_", "celu_", "leaky_relu_", "hardtanh_", "threshold_"]

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _softplus_stable(xp, z):
    """log(1 + exp(z)) without overflow: max(z, 0) + log1p(exp(-|z|))."""
    return xp.add(xp.maximum(z, 0), xp.log1p(xp.exp(xp.neg(xp.abs(z)))))


def relu_backward(xp, grad, out):
    """relu's gradient from its output; also the epilogue gradient of the fused linear + relu (ops/linalg.py)."""
    fused = getattr(xp, "relu_backward", None)  # the CPU backend's one-pass kernel, where it takes the arrays
    result = fused(grad, out) if fused is not None else None
    if result is not None:
        return result
    # a multiply by the 0/1 mask is one streaming pass; where() with a scalar is ~5x slower
    return xp.mul(grad, xp.astype(xp.gt(out, 0), grad.dtype))


def relu_backward_column_sums(xp, grad, out):
    """(relu's gradient from its output, its sums over axis 0) for 2-D arrays: a fused Linear + ReLU's input
    gradient and bias gradient come from one pass where the backend has the kernel."""
    fused = getattr(xp, "relu_backward_column_sums", None)
    result = fused(grad, out) if fused is not None else None
    if result is not None:
        return result
    masked = relu_backward(xp, grad, out)
    return masked, xp.sum(masked, 0, False)


class Relu(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return relu_backward(ctx.xp, grad, out)


class Gelu(ArrayFunction):
    """x * Phi(x), exactly (erf) or with PyTorch's tanh approximation."""

    def forward(ctx, a, approximate):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = xp.mul(xp.add(a, xp.mul(xp.mul(a, xp.mul(a, a)), _GELU_CUBIC)), _SQRT_2_OVER_PI)
            return xp.mul(xp.mul(a, 0.5), xp.add(xp.tanh(inner), 1))
        return xp.mul(xp.mul(a, 0.5), xp.add(xp.erf(xp.div(a, _SQRT_2)), 1))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        if ctx.approximate == "tanh":
            square = xp.mul(a, a)
            inner = xp.mul(xp.add(a, xp.mul(xp.mul(a, square), _GELU_CUBIC)), _SQRT_2_OVER_PI)
            t = xp.tanh(inner)
            d_inner = xp.mul(xp.add(xp.mul(square, 3 * _GELU_CUBIC), 1), _SQRT_2_OVER_PI)
            local = xp.add(xp.mul(xp.add(t, 1), 0.5),
                           xp.mul(xp.mul(xp.mul(a, 0.5), xp.sub(1, xp.mul(t, t))), d_inner))
        else:
            cdf = xp.mul(xp.add(xp.erf(xp.div(a, _SQRT_2)), 1), 0.5)
            pdf = xp.mul(xp.exp(xp.mul(xp.mul(a, a), -0.5)), _INV_SQRT_2PI)
            local = xp.add(cdf, xp.mul(a, pdf))
        return xp.mul(grad, local), None


class Silu(ArrayFunction):
    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)
        return xp.mul(a, xp.sigmoid(a))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        s = xp.sigmoid(a)
        return xp.mul(grad, xp.mul(s, xp.add(xp.mul(a, xp.sub(1, s)), 1)))


class Elu(ArrayFunction):
    """scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)): ELU, SELU and CELU."""

    def forward(ctx, a, alpha, scale, input_scale):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        negative = xp.mul(xp.expm1(xp.mul(xp.minimum(a, 0), input_scale)), alpha)
        out = xp.where(xp.gt(a, 0), a, negative)
        return xp.mul(out, scale) if scale != 1 else out

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        negative = xp.mul(xp.exp(xp.mul(xp.minimum(a, 0), ctx.input_scale)),
                          ctx.scale * ctx.alpha * ctx.input_scale)
        return xp.mul(grad, xp.where(xp.gt(a, 0), ctx.scale, negative)), None, None, None


class LeakyRelu(ArrayFunction):
    def forward(ctx, a, negative_slope):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.negative_slope = negative_slope
        return xp.where(xp.gt(a, 0), a, xp.mul(a, negative_slope))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.where(xp.gt(a, 0), grad, xp.mul(grad, ctx.negative_slope)), None


class Softplus(ArrayFunction):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""

    def forward(ctx, a, beta, threshold):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        z = xp.mul(a, beta)
        return xp.where(xp.gt(z, threshold), a, xp.div(_softplus_stable(xp, z), beta))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        z = xp.mul(a, ctx.beta)
        return xp.where(xp.gt(z, ctx.threshold), grad, xp.mul(grad, xp.sigmoid(z))), None, None


class Hardtanh(ArrayFunction):
    """clamp(x, min_val, max_val) whose gradient is zero at and beyond the bounds."""

    def forward(ctx, a, min_val, max_val):
        ctx.save_for_backward(a)
        ctx.bounds = (min_val, max_val)
        return ctx.xp.clip(a, min_val, max_val)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        low, high = ctx.bounds
        inside = xp.logical_and(xp.gt(a, low), xp.lt(a, high))
        return xp.where(inside, grad, 0), None, None


class Hardsigmoid(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.clip(_hardsigmoid_line(ctx.xp, a), 0, 1)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        inside = xp.logical_and(xp.gt(a, -3), xp.lt(a, 3))
        return xp.where(inside, xp.div(grad, 6), 0)


def _hardsigmoid_line(xp, a):
    """x / 6 + 1/2, the line hardsigmoid clips."""
    return xp.add(xp.div(a, 6), 0.5)


class Hardswish(ArrayFunction):
    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)
        return xp.mul(a, xp.clip(_hardsigmoid_line(xp, a), 0, 1))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        middle = xp.mul(grad, xp.add(xp.div(a, 3), 0.5))
        return xp.where(xp.lt(a, -3), 0, xp.where(xp.le(a, 3), middle, grad))


class Mish(ArrayFunction):
    """x * tanh(softplus(x))."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)
        return xp.mul(a, xp.tanh(_softplus_stable(xp, a)))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        t = xp.tanh(_softplus_stable(xp, a))
        local = xp.add(t, xp.mul(xp.mul(a, xp.sigmoid(a)), xp.sub(1, xp.mul(t, t))))
        return xp.mul(grad, local)


class LogSigmoid(ArrayFunction):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), without overflow."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)
        return xp.sub(xp.minimum(a, 0), xp.log1p(xp.exp(xp.neg(xp.abs(a)))))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.mul(grad, xp.sigmoid(xp.neg(a)))


class Threshold(ArrayFunction):
    """x where x > threshold, else value; the gradient passes where x > threshold."""

    def forward(ctx, a, threshold, value):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.threshold = threshold
        return xp.where(xp.gt(a, threshold), a, value)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.where(xp.gt(a, ctx.threshold), grad, 0), None, None


class Glu(ArrayFunction):
    """a * sigmoid(b), where a and b are the two halves of x along axis."""

    def forward(ctx, x, axis):
        xp = ctx.xp
        ctx.save_for_backward(x)
        ctx.axis = axis
        first, second = _halves(xp, x, axis)
        return xp.mul(first, xp.sigmoid(second))

    def backward(ctx, grad):
        xp = ctx.xp
        x, = ctx.saved_tensors
        first, second = _halves(xp, x, ctx.axis)
        gate = xp.sigmoid(second)
        grad_first = xp.mul(grad, gate)
        grad_second = xp.mul(xp.mul(grad_first, first), xp.sub(1, gate))
        return xp.concatenate([grad_first, grad_second], ctx.axis), None


def _halves(xp, x, axis):
    half = x.shape[axis] // 2
    before = (slice(None),) * axis
    return xp.getitem(x, before + (slice(0, half),)), xp.getitem(x, before + (slice(half, None),))


class Hardshrink(ArrayFunction):
    """x where |x| > lambd (x > lambd or x < -lambd), else 0."""

    def forward(ctx, a, lambd):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.lambd = lambd
        return xp.where(_outside(xp, a, lambd), a, 0)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.where(_outside(xp, a, ctx.lambd), grad, 0), None


def _outside(xp, a, lambd):
    """x > lambd or x < -lambd: where the shrink functions keep (a shifted) x."""
    return xp.logical_or(xp.gt(a, lambd), xp.lt(a, -lambd))


class Softshrink(ArrayFunction):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""

    def forward(ctx, a, lambd):
        xp = ctx.xp
        ctx.save_for_backward(a)
        ctx.lambd = lambd
        shrunk = xp.where(xp.gt(a, lambd), xp.sub(a, lambd), xp.add(a, lambd))
        return xp.where(_outside(xp, a, lambd), shrunk, 0)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.where(_outside(xp, a, ctx.lambd), grad, 0), None


class Softsign(ArrayFunction):
    """x / (1 + |x|); its derivative is 1 / (1 + |x|)^2."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)
        return xp.div(a, xp.add(xp.abs(a), 1))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        denominator = xp.add(xp.abs(a), 1)
        return xp.div(grad, xp.mul(denominator, denominator))


class Tanhshrink(ArrayFunction):
    """x - tanh(x); its derivative is tanh(x)^2."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)  # backward recomputes tanh(x) from the input, so that it is differentiable again
        return xp.sub(a, xp.tanh(a))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        t = xp.tanh(a)
        return xp.mul(grad, xp.mul(t, t))


class Prelu(ArrayFunction):
    """x where x > 0, else weight * x; weight (one value, or one per channel of dim 1) is learned."""

    def forward(ctx, a, weight):
        xp = ctx.xp
        ctx.weight_shape = weight.shape
        ctx.save_for_backward(a, weight)  # the weight itself, not its reshape: backward's math stays differentiable
        weight = xp.reshape(weight, _prelu_weight_shape(a.ndim, weight.size))
        return xp.where(xp.gt(a, 0), a, xp.mul(a, weight))

    def backward(ctx, grad):
        xp = ctx.xp
        a, weight = ctx.saved_tensors
        weight = xp.reshape(weight, _prelu_weight_shape(a.ndim, weight.size))
        needs_a, needs_weight = ctx.needs_input_grad
        positive = xp.gt(a, 0)
        grad_a = xp.where(positive, grad, xp.mul(grad, weight)) if needs_a else None
        grad_weight = None
        if needs_weight:
            grad_weight = xp.sum_to(xp.where(positive, 0, xp.mul(grad, a)), weight.shape)
            grad_weight = xp.reshape(grad_weight, ctx.weight_shape)
        return grad_a, grad_weight


def _prelu_weight_shape(ndim: int, count: int) -> tuple:
    """The shape that broadcasts prelu's weight over dim 1 of an ndim input (or everywhere, for one value)."""
    if ndim >= 2:
        return (1, count) + (1,) * (ndim - 2)
    return (1,) * ndim


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0); the gradient at 0 is 0, as in PyTorch."""
    _check_tensor("relu", input)
    if inplace and _no_graph_to_record(input):
        return _relu_in_place(input)
    out = apply(Relu, input)
    return input._inplace(out) if inplace else out


def _no_graph_to_record(input: Tensor) -> bool:
    """Whether relu_ on input records nothing (no gradient wanted, no profiler or tracer watching its ops)."""
    return (not (input._requires_grad and _autograd.is_grad_enabled()) and input._data.dtype.kind == "f"
            and _autograd.get_tracer() is None and _autograd.get_profiler() is None)


def _relu_in_place(input: Tensor) -> Tensor:
    """relu_ with no graph: max(input, 0) written straight into input's memory, with no temporary to copy back
    (what Tensor._inplace does with an out-of-place result otherwise, here with the same checks and version bump)."""
    _check_inplace(input)
    _backend_of(input._data).relu_into(input._data)
    input._vc.value += 1
    return input


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian Error Linear Unit: x * Phi(x); approximate='tanh' uses the tanh formula.

    Args:
        input: a floating-point tensor.
        approximate: 'none' (exact, through erf) or 'tanh'.
    """
    _float_only("GeluKernelImpl", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate}")
    return apply(Gelu, input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    out = apply(Silu, _float_only("silu_cpu", input))
    return input._inplace(out) if inplace else out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    out = apply(Elu, _float_only("elu_cpu", input), float(alpha), 1.0, 1.0)
    return input._inplace(out) if inplace else out


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalizing constants of Klambauer et al. (2017)."""
    out = apply(Elu, _float_only("elu_cpu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)
    return input._inplace(out) if inplace else out


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    out = apply(Elu, _float_only("elu_cpu", input), float(alpha), 1.0, 1.0 / alpha)
    return input._inplace(out) if inplace else out


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    out = apply(LeakyRelu, _float_only("leaky_relu_cpu", input), float(negative_slope))
    return input._inplace(out) if inplace else out


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    return apply(Softplus, _float_only("softplus_cpu", input), float(beta), float(threshold))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val), with zero gradient at the bounds."""
    _check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    out = apply(Hardtanh, input, min_val, max_val)
    return input._inplace(out) if inplace else out


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """clamp(x / 6 + 1/2, 0, 1)."""
    out = apply(Hardsigmoid, _float_only("hardsigmoid_cpu", input))
    return input._inplace(out) if inplace else out


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x)."""
    out = apply(Hardswish, _float_only("hardswish_cpu", input))
    return input._inplace(out) if inplace else out


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    out = apply(Mish, _float_only("mish_cpu", input))
    return input._inplace(out) if inplace else out


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow."""
    return apply(LogSigmoid, _float_only("log_sigmoid_forward", input))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """input where input > threshold, else value.

    Args:
        input: a floating-point or integer tensor.
        threshold: the value to threshold at (truncated to an integer for an integer input).
        value: the value that replaces the elements at or below threshold.
        inplace: write the result into input.

    Example::

        >>> axonml.threshold(axonml.tensor([0.5, 1.0, 2.0]), 1.0, -1.0)
        tensor([-1., -1.,  2.])
    """
    _check_tensor("threshold", input)
    kind = input._data.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    if kind in "fV":
        threshold, value = float(threshold), float(value)
    else:
        threshold, value = int(threshold), input._data.dtype.type(int(value))
    out = apply(Threshold, input, threshold, value)
    return input._inplace(out) if inplace else out


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: a * sigmoid(b), where a and b are the first and second halves of input along dim.

    Args:
        input: a floating-point tensor whose size along dim is even.
        dim: the dimension to split. Default: -1.

    Shape:
        (*, 2N, *) -> (*, N, *).
    """
    from ..tensor import _normalize_dim

    _float_only("glu_cpu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _normalize_dim(dim, input.ndim)
    if input.shape[axis] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {input.shape[axis]}")
    return apply(Glu, input, axis)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """input where input > lambd or input < -lambd, else 0.

    Example::

        >>> axonml.hardshrink(axonml.tensor([-1.0, 0.2, 0.8]))
        tensor([-1.0000,  0.0000,  0.8000])
    """
    return apply(Hardshrink, _float_only("hardshrink_cpu", input), float(lambd))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """input - lambd above lambd, input + lambd below -lambd, 0 between; lambd must be >= 0."""
    import numpy  # the dtype's finite range, read on the host

    from .reduce import _legacy_name

    _float_only("softshrink_check", input)
    largest = float(numpy.finfo(input._data.dtype).max)
    if not 0 <= lambd <= largest:
        raise RuntimeError(f"lambda must be in range [0, {largest:g}] for input dtype "
                           f"{_legacy_name(input.dtype)}, but found {float(lambd):g}")
    return apply(Softshrink, input, float(lambd))


def softsign(input: Tensor) -> Tensor:
    """input / (1 + |input|) (integer inputs give the default float type)."""
    return apply(Softsign, _floating("softsign", input))


def tanhshrink(input: Tensor) -> Tensor:
    """input - tanh(input) (integer inputs give the default float type)."""
    return apply(Tanhshrink, _floating("tanhshrink", input))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """input where input > 0, else weight * input, with a learned weight.

    Args:
        input: a floating-point tensor; its channels are dim 1 (an input of fewer than 2 dims has 1 channel).
        weight: one value (shape () or (1,)) for every element, or one per channel (shape (C,)), of input's dtype.

    Example::

        >>> axonml.prelu(axonml.tensor([[-2.0, 3.0]]), axonml.tensor([0.25]))
        tensor([[-0.5000,  3.0000]])
    """
    _float_only("prelu_cpu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    count = weight.numel()
    if count != 1 and count != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{count} and channel size = {channels}.")
    if weight._data.dtype != input._data.dtype:
        from .reduce import _legacy_name

        raise RuntimeError(f"prelu: Type promoting not supported. Got {_legacy_name(input.dtype)} and "
                           f"{_legacy_name(weight.dtype)}")
    return apply(Prelu, input, weight)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al., 2015): negative inputs scaled by a slope drawn from U(lower, upper)
    per element while training, and by the mean slope (lower + upper) / 2 in evaluation.

    Example::

        >>> axonml.nn.functional.rrelu(axonml.tensor([-1.0, 2.0]))
        tensor([-0.2292,  2.0000])
    """
    _check_tensor("rrelu", input)
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ..creation import rand_like
    slopes = rand_like(input) * (upper - lower) + lower
    out = input * slopes.where(input < 0, input.new_ones(()))
    return input._inplace(out) if inplace else out


def _inplace_variant(function):
    def variant(input: Tensor, *args, **kwargs) -> Tensor:
        return function(input, *args, inplace=True, **kwargs)
    name = function.__name__ + "_"
    variant.__name__ = variant.__qualname__ = name
    variant.__doc__ = f"``{function.__name__}(input, ..., inplace=True)``."
    return variant


rrelu_ = _inplace_variant(rrelu)
elu_ = _inplace_variant(elu)
selu_ = _inplace_variant(selu)
celu_ = _inplace_variant(celu)
leaky_relu_ = _inplace_variant(leaky_relu)
hardtanh_ = _inplace_variant(hardtanh)
threshold_ = _inplace_variant(threshold)
