"""Loss functions: cross_entropy, nll_loss, mse/l1/smooth_l1/huber, binary cross-entropy, kl_div.

cross_entropy with class-index targets is one fused backend kernel forward (log-softmax and
the negative log-likelihood per row, never materialising the log-probabilities) and one
backward (softmax minus the target distribution). Everything else is composed from
elementwise primitives inside one Function per loss.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from .._ext._autograd import apply, is_grad_enabled
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._checks import backend_of as _backend
from .elementwise import cast

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction: str, allowed=_REDUCTIONS) -> str:
    """PyTorch's legacy size_average / reduce arguments folded into reduction."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                      f"{_legacy(size_average, reduce)}' instead.", stacklevel=3)
        return _legacy(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _legacy(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(xp, loss, reduction: str, count=None):
    """Reduce an elementwise loss; count overrides the mean's divisor."""
    if reduction == "none":
        return loss
    total = xp.sum(loss, None, False)
    if reduction == "sum":
        return total
    divisor = loss.size if count is None else count
    if divisor == 0:
        return xp.full((), np.nan, loss.dtype)
    return xp.div(total, loss.dtype.type(divisor))


def _expand_grad(xp, grad, shape, reduction: str, count):
    """The gradient of a reduced loss broadcast back over the elementwise loss's shape."""
    if reduction == "none":
        return grad
    if reduction == "mean":
        grad = xp.div(grad, grad.dtype.type(count)) if count else xp.mul(grad, grad.dtype.type(np.nan))
    return xp.broadcast_to(grad, shape)


def _no_grad_allowed(fn: str, argument: str, t: Tensor | None) -> None:
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{argument}'. "
                           "This input cannot have requires_grad True.")


# --- cross_entropy and nll_loss ------------------------------------------------------------------

class CrossEntropy(ArrayFunction):
    """Class-index cross-entropy over logits (N, C) or (N, C, d1, ...), fused on the backend."""

    def forward(ctx, x, target, weight, ignore_index, label_smoothing, reduction):
        xp = ctx.xp
        rows, moved_shape = _class_last(xp, x)
        flat_target = xp.reshape(target, (-1,))
        loss, lse, total = xp.cross_entropy(rows, flat_target, weight, ignore_index, label_smoothing)
        ctx.save_for_backward(x)
        ctx.lse, ctx.target, ctx.weight, ctx.total = lse, flat_target, weight, total
        ctx.options = ignore_index, label_smoothing, reduction
        ctx.moved_shape = moved_shape
        if reduction == "none":
            return xp.reshape(loss, target.shape)
        return _reduce(xp, loss, reduction, total)

    def backward(ctx, grad):
        xp = ctx.xp
        x, = ctx.saved_tensors
        ignore_index, label_smoothing, reduction = ctx.options
        rows, _ = _class_last(xp, x)
        per_row = _expand_grad(xp, xp.reshape(grad, (-1,)) if reduction == "none" else grad,
                               (rows.shape[0],), reduction, ctx.total)
        dx = xp.cross_entropy_backward(per_row, rows, ctx.lse, ctx.target, ctx.weight, ignore_index, label_smoothing)
        return _class_back(xp, dx, ctx.moved_shape, x.shape), None, None, None, None, None


def _class_last(xp, x):
    """x (N, C, d1, ...) as rows (N * d1 * ..., C); (N, C) and (C,) inputs are already rows."""
    if x.ndim <= 2:
        return xp.reshape(x, (-1, x.shape[-1])), None
    axes = (0,) + tuple(range(2, x.ndim)) + (1,)
    moved = xp.transpose(x, axes)
    return xp.reshape(moved, (-1, x.shape[1])), moved.shape


def _class_back(xp, rows, moved_shape, x_shape):
    """Undo _class_last on a (rows, C) gradient."""
    if moved_shape is None:
        return xp.reshape(rows, x_shape)
    ndim = len(moved_shape)
    inverse = (0, ndim - 1) + tuple(range(1, ndim - 1))
    return xp.transpose(xp.reshape(rows, moved_shape), inverse)


class ProbabilityCrossEntropy(ArrayFunction):
    """Cross-entropy against class probabilities: -sum_c w_c * p_c * log_softmax(x)_c."""

    def forward(ctx, x, target, weight, label_smoothing, reduction):
        xp = ctx.xp
        axis = 1 if x.ndim > 1 else 0
        log_probs = xp.log_softmax(x, axis)
        smoothed, _ = _smoothed_target(xp, x, target, weight, label_smoothing)
        per_sample = xp.neg(xp.sum(xp.mul(log_probs, smoothed), axis, False))
        # backward recomputes log_softmax and the smoothed target from the saved inputs (differentiable again)
        ctx.save_for_backward(x, target, weight)
        ctx.axis, ctx.label_smoothing, ctx.reduction = axis, label_smoothing, reduction
        ctx.count = per_sample.size
        return _reduce(xp, per_sample, reduction)

    def backward(ctx, grad):
        xp = ctx.xp
        x, target, weight = ctx.saved_tensors
        log_probs = xp.log_softmax(x, ctx.axis)
        smoothed, weight = _smoothed_target(xp, x, target, weight, ctx.label_smoothing)
        per_sample_shape = x.shape[:ctx.axis] + x.shape[ctx.axis + 1:]
        grad = _expand_grad(xp, grad, per_sample_shape, ctx.reduction, ctx.count)
        grad = xp.reshape(grad, per_sample_shape[:ctx.axis] + (1,) + per_sample_shape[ctx.axis:])
        grad_x = grad_target = None
        if ctx.needs_input_grad[0]:
            mass = xp.sum(smoothed, ctx.axis, True)
            grad_x = xp.mul(grad, xp.sub(xp.mul(xp.exp(log_probs), mass), smoothed))
        if ctx.needs_input_grad[1]:
            scale = x.dtype.type(1 - ctx.label_smoothing)
            log_probs = log_probs if weight is None else xp.mul(log_probs, weight)
            grad_target = xp.mul(xp.neg(xp.mul(grad, log_probs)), scale)
        return grad_x, grad_target, None, None, None


def _smoothed_target(xp, x, target, weight, label_smoothing):
    """The label-smoothed, class-weighted target distribution, and the weight shaped to broadcast over it."""
    classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    axis = 1 if x.ndim > 1 else 0
    smoothed = target
    if label_smoothing > 0:
        smoothed = xp.add(xp.mul(target, x.dtype.type(1 - label_smoothing)), x.dtype.type(label_smoothing / classes))
    if weight is not None:
        weight = xp.reshape(weight, (classes,) + (1,) * (x.ndim - axis - 1))
        smoothed = xp.mul(smoothed, weight)
    return smoothed, weight


def _check_class_target(fn: str, input: Tensor, target: Tensor) -> None:
    """PyTorch's checks of a class-index target against an (N, C, ...) or (C,) input."""
    if target._data.dtype != np.int64 and target._data.dtype != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_dtype.from_numpy_dtype(target._data.dtype).scalar_name}")
    if input.ndim == 0:
        raise RuntimeError(f"{fn}: input tensor should be 1D or more, got 0D")
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim == 2 and (target.ndim != 1 or target.shape[0] != input.shape[0]):
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0] if target.ndim else 0}).")
        if input.ndim == 1 and target.ndim != 0:
            raise RuntimeError(f"{fn}: expected a 0-D target for a 1-D input, got target of shape "
                               f"{list(target.shape)}")
        return
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if input.shape[0] != (target.shape[0] if target.ndim else -1):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")


def _class_weight(fn: str, input: Tensor, weight: Tensor | None):
    if weight is None:
        return None
    _no_grad_allowed(fn, "weight", weight)
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight.numel() != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    return _backend(input).astype(weight._data, input._data.dtype)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Args:
        input: unnormalised logits, (N, C), (C,) or (N, C, d1, ...).
        target: int64 class indices (N,), () or (N, d1, ...), or class probabilities shaped like input.
        weight: optional (C,) rescaling of each class.
        ignore_index: a class-index target value that contributes no loss and no gradient.
        reduction: 'none' | 'mean' | 'sum'; 'mean' divides by the summed weight of the counted targets.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.

    Example::

        >>> loss = F.cross_entropy(logits, labels)
        >>> loss.backward()
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    weight_data = _class_weight("cross_entropy", input, weight)
    if target._data.dtype.kind in "fV" and tuple(target.shape) == tuple(input.shape):
        if target.dtype != input.dtype:
            target = cast(target, input.dtype)
        return apply(ProbabilityCrossEntropy, input, target, weight_data, float(label_smoothing), reduction)
    if input.ndim == 0 or (target._data.dtype.kind in "fV" and input.ndim == 1):
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{input.dtype.scalar_name if input.ndim == 0 else target.dtype}")
    _check_class_target("cross_entropy", input, target)
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                           f"'{input.dtype.scalar_name}'")
    target_data = _backend(input).astype(target._data, np.int64)
    return apply(CrossEntropy, input, target_data, weight_data, int(ignore_index), float(label_smoothing),
                 reduction)


class NLLLoss(ArrayFunction):
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = ctx.xp
        rows, moved_shape = _class_last(xp, x)
        flat_target = xp.reshape(target, (-1,))
        counted = xp.ne(flat_target, ignore_index)
        safe_target = xp.where(counted, flat_target, np.int64(0))
        classes = rows.shape[1]
        _check_targets(xp, flat_target, counted, classes)
        column = xp.reshape(safe_target, (-1, 1))
        picked = xp.reshape(xp.take_along_axis(rows, column, 1), (-1,))
        target_weight = xp.astype(counted, x.dtype)
        if weight is not None:
            target_weight = xp.mul(target_weight, xp.getitem(weight, safe_target))
        loss = xp.neg(xp.mul(picked, target_weight))
        total = float(xp.to_numpy(xp.sum(target_weight, None, False))) if reduction == "mean" else None
        ctx.column, ctx.target_weight, ctx.total = column, target_weight, total
        ctx.rows_shape, ctx.moved_shape, ctx.reduction, ctx.x_shape = rows.shape, moved_shape, reduction, x.shape
        if reduction == "none":
            return xp.reshape(loss, target.shape)
        return _reduce(xp, loss, reduction, total)

    def backward(ctx, grad):
        xp = ctx.xp
        reduction = ctx.reduction
        per_row = _expand_grad(xp, xp.reshape(grad, (-1,)) if reduction == "none" else grad,
                               (ctx.rows_shape[0],), reduction, ctx.total)
        dx = xp.zeros(ctx.rows_shape, grad.dtype)
        values = xp.reshape(xp.neg(xp.mul(per_row, ctx.target_weight)), (-1, 1))
        xp.put_along_axis(dx, ctx.column, values, 1)
        return _class_back(xp, dx, ctx.moved_shape, ctx.x_shape), None, None, None, None


def _check_targets(xp, target, counted, classes: int) -> None:
    if target.size == 0:
        return
    outside = xp.logical_and(counted, xp.logical_or(xp.lt(target, 0), xp.ge(target, classes)))
    if bool(xp.to_numpy(xp.any(outside, None, False))):
        host = np.asarray(xp.to_numpy(target))
        bad = host[np.asarray(xp.to_numpy(outside))]
        raise IndexError(f"Target {bad[0]} is out of bounds.")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities.

    Args:
        input: log-probabilities, (N, C), (C,) or (N, C, d1, ...).
        target: int64 class indices, (N,), () or (N, d1, ...).
        weight: optional (C,) rescaling of each class.
        ignore_index: a target value that contributes no loss and no gradient.
        reduction: 'none' | 'mean' | 'sum'; 'mean' divides by the summed weight of the counted targets.
    """
    reduction = _reduction(size_average, reduce, reduction)
    weight_data = _class_weight("nll_loss_forward", input, weight)
    _check_class_target("nll_loss", input, target)
    target_data = _backend(input).astype(target._data, np.int64)
    return apply(NLLLoss, input, target_data, weight_data, int(ignore_index), reduction)


# --- regression losses -----------------------------------------------------------------------------

class DifferenceLoss(ArrayFunction):
    """A loss f(input - target) elementwise, then reduced: mse, l1, smooth_l1 and huber."""

    def forward(ctx, input, target, kind, parameter, reduction):
        xp = ctx.xp
        diff = xp.sub(input, target)
        ctx.kind, ctx.parameter, ctx.reduction = kind, parameter, reduction
        ctx.shapes = input.shape, target.shape
        # backward recomputes the difference from the saved inputs, so that it is differentiable again
        ctx.save_for_backward(input, target)
        return _reduce(xp, _difference_loss(xp, diff, kind, parameter), reduction)

    def backward(ctx, grad):
        xp = ctx.xp
        input, target = ctx.saved_tensors
        diff = xp.sub(input, target)
        grad = xp.mul(_expand_grad(xp, grad, diff.shape, ctx.reduction, diff.size),
                      _difference_slope(xp, diff, ctx.kind, ctx.parameter))
        needs_input, needs_target = ctx.needs_input_grad[:2]
        return (xp.sum_to(grad, ctx.shapes[0]) if needs_input else None,
                xp.sum_to(xp.neg(grad), ctx.shapes[1]) if needs_target else None, None, None, None)


def _difference_loss(xp, diff, kind: str, parameter: float):
    dtype = diff.dtype.type
    if kind == "mse":
        return xp.mul(diff, diff)
    size = xp.abs(diff)
    if kind == "l1" or parameter == 0.0:
        return size
    inside = xp.lt(size, dtype(parameter))
    if kind == "smooth_l1":
        return xp.where(inside, xp.div(xp.mul(xp.mul(diff, diff), dtype(0.5)), dtype(parameter)),
                        xp.sub(size, dtype(0.5 * parameter)))
    return xp.where(inside, xp.mul(xp.mul(diff, diff), dtype(0.5)),
                    xp.mul(xp.sub(size, dtype(0.5 * parameter)), dtype(parameter)))


def _difference_slope(xp, diff, kind: str, parameter: float):
    dtype = diff.dtype.type
    if kind == "mse":
        return xp.mul(diff, dtype(2.0))
    if kind == "l1" or parameter == 0.0:
        return xp.sign(diff)
    if kind == "smooth_l1":
        return xp.clip(xp.div(diff, dtype(parameter)), dtype(-1.0), dtype(1.0))
    return xp.clip(diff, dtype(-parameter), dtype(parameter))


def _difference(fn: str, input: Tensor, target: Tensor, kind: str, parameter: float, reduction: str,
                weight: Tensor | None, weighted_mean_by_weight: bool) -> Tensor:
    from .elementwise import broadcast_error, div, mul
    from .reduce import sum as sum_
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(broadcast_error(tuple(input.shape), tuple(target.shape))) from None
    common = _dtype.result_type(input, target)
    if not common.is_floating_point:
        raise RuntimeError(f'"{fn}" not implemented for \'{common.scalar_name}\'')
    input = input if input.dtype == common else cast(input, common)
    target = target if target.dtype == common else cast(target, common)
    if weight is None:
        return apply(DifferenceLoss, input, target, kind, float(parameter), reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = mul(apply(DifferenceLoss, input, target, kind, float(parameter), "none"), weight)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return sum_(loss)
    return div(sum_(loss), sum_(weight) if weighted_mean_by_weight else loss.numel())


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error (squared L2): (input - target)^2, reduced.

    Args:
        weight: optional elementwise weight shaped like input; with it 'mean' divides by weight.sum().
    """
    reduction = _reduction(size_average, reduce, reduction)
    return _difference("mse_loss", input, target, "mse", 0.0, reduction, weight, True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: |input - target|, reduced.

    Args:
        weight: optional elementwise weight shaped like input; with it 'mean' divides by weight.sum().
    """
    reduction = _reduction(size_average, reduce, reduction)
    return _difference("l1_loss", input, target, "l1", 0.0, reduction, weight, True)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is l1_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _difference("smooth_l1_loss", input, target, "smooth_l1", beta, reduction, None, False)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target).

    Args:
        weight: optional elementwise weight shaped like input; 'mean' stays the mean over elements.
    """
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _difference("huber_loss", input, target, "huber", delta, reduction, weight, False)


# --- binary cross-entropy -------------------------------------------------------------------------

class BinaryCrossEntropy(ArrayFunction):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as in PyTorch."""

    def forward(ctx, x, target, weight, reduction):
        xp = ctx.xp
        dtype = x.dtype.type
        log_x, log_1mx = _clamped_logs(xp, x)
        loss = xp.neg(xp.add(xp.mul(target, log_x), xp.mul(xp.sub(dtype(1), target), log_1mx)))
        if weight is not None:
            loss = xp.mul(loss, weight)
        ctx.save_for_backward(x, target)  # backward recomputes the logs from x, so that it is differentiable again
        ctx.weight, ctx.reduction, ctx.shape = weight, reduction, loss.shape
        return _reduce(xp, loss, reduction)

    def backward(ctx, grad):
        xp = ctx.xp
        x, target = ctx.saved_tensors
        dtype = x.dtype.type
        grad = _expand_grad(xp, grad, ctx.shape, ctx.reduction, int(np.prod(ctx.shape)))
        if ctx.weight is not None:
            grad = xp.mul(grad, ctx.weight)
        grad_x = grad_target = None
        if ctx.needs_input_grad[0]:
            # PyTorch's (x - t) / max(x (1 - x), 1e-12)
            denominator = xp.maximum(xp.mul(x, xp.sub(dtype(1), x)), dtype(1e-12))
            grad_x = xp.sum_to(xp.div(xp.mul(grad, xp.sub(x, target)), denominator), x.shape)
        if ctx.needs_input_grad[1]:
            log_x, log_1mx = _clamped_logs(xp, x)
            grad_target = xp.sum_to(xp.mul(grad, xp.sub(log_1mx, log_x)), target.shape)
        return grad_x, grad_target, None, None


def _clamped_logs(xp, x):
    """(log x, log(1 - x)), each clamped at -100 as in PyTorch."""
    dtype = x.dtype.type
    return xp.maximum(xp.log(x), dtype(-100)), xp.maximum(xp.log1p(xp.neg(x)), dtype(-100))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities input (in [0, 1]) and target of the same shape.

    Args:
        weight: optional rescaling broadcast to input's shape.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    _no_grad_allowed("binary_cross_entropy", "weight", weight)
    xp = _backend(input)
    data = input._data
    if data.size and bool(xp.to_numpy(xp.any(xp.logical_or(xp.lt(data, 0), xp.gt(data, 1)), None, False))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if target.dtype != input.dtype:
        target = cast(target, input.dtype)
    weight_data = None if weight is None else xp.broadcast_to(xp.astype(weight._data, data.dtype), data.shape)
    return apply(BinaryCrossEntropy, input, target, weight_data, reduction)


class BinaryCrossEntropyWithLogits(ArrayFunction):
    """(1 - t) x - (1 + (pos_weight - 1) t) log(sigmoid(x)), times weight: stable for any x."""

    def forward(ctx, x, target, weight, pos_weight, reduction):
        xp = ctx.xp
        dtype = x.dtype.type
        log_sigmoid = _log_sigmoid(xp, x)
        log_weight = _log_weight(xp, pos_weight, target)
        scaled_log_sigmoid = log_sigmoid if log_weight is None else xp.mul(log_weight, log_sigmoid)
        loss = xp.sub(xp.mul(xp.sub(dtype(1), target), x), scaled_log_sigmoid)
        if weight is not None:
            loss = xp.mul(loss, weight)
        ctx.save_for_backward(x, target)
        ctx.weight, ctx.pos_weight = weight, pos_weight
        ctx.reduction, ctx.shape = reduction, loss.shape
        return _reduce(xp, loss, reduction)

    def backward(ctx, grad):
        xp = ctx.xp
        x, target = ctx.saved_tensors
        dtype = x.dtype.type
        grad = _expand_grad(xp, grad, ctx.shape, ctx.reduction, int(np.prod(ctx.shape)))
        if ctx.weight is not None:
            grad = xp.mul(grad, ctx.weight)
        grad_x = grad_target = None
        if ctx.needs_input_grad[0]:
            # d/dx = (1 - t) - log_weight * (1 - sigmoid(x))
            one_minus_sigmoid = xp.sigmoid(xp.neg(x))
            log_weight = _log_weight(xp, ctx.pos_weight, target)  # recomputed: differentiable in target again
            if log_weight is not None:
                one_minus_sigmoid = xp.mul(log_weight, one_minus_sigmoid)
            grad_x = xp.sum_to(xp.mul(grad, xp.sub(xp.sub(dtype(1), target), one_minus_sigmoid)), x.shape)
        if ctx.needs_input_grad[1]:
            # d/dt = -x - (pos_weight - 1) log(sigmoid(x))
            slope = xp.neg(x)
            if ctx.pos_weight is not None:
                slope = xp.sub(slope, xp.mul(xp.sub(ctx.pos_weight, dtype(1)), _log_sigmoid(xp, x)))
            grad_target = xp.sum_to(xp.mul(grad, slope), target.shape)
        return grad_x, grad_target, None, None, None


def _log_weight(xp, pos_weight, target):
    """1 + (pos_weight - 1) * target: the weight of log(sigmoid(x)) in the loss; None without pos_weight."""
    if pos_weight is None:
        return None
    dtype = target.dtype.type
    return xp.add(xp.mul(xp.sub(pos_weight, dtype(1)), target), dtype(1))


def _log_sigmoid(xp, x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for any x."""
    return xp.sub(xp.minimum(x, x.dtype.type(0)), xp.log1p(xp.exp(xp.neg(xp.abs(x)))))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid and binary cross-entropy in one numerically stable expression.

    Args:
        input: logits. target: probabilities of the same shape.
        weight: optional rescaling broadcast to input's shape.
        pos_weight: optional weight of positive examples, broadcast along the last (class) dim.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _no_grad_allowed("binary_cross_entropy_with_logits", "weight", weight)
    _no_grad_allowed("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    xp = _backend(input)
    dtype = input._data.dtype
    if target.dtype != input.dtype:
        target = cast(target, input.dtype)
    weight_data = None if weight is None else xp.astype(weight._data, dtype)
    pos_weight_data = None if pos_weight is None else xp.astype(pos_weight._data, dtype)
    return apply(BinaryCrossEntropyWithLogits, input, target, weight_data, pos_weight_data, reduction)


# --- kl_div -------------------------------------------------------------------------------------

class KLDiv(ArrayFunction):
    """target * (log(target) - input) (0 where target is 0), or exp(t) * (t - input) for log targets."""

    def forward(ctx, input, target, reduction, log_target, batch):
        xp = ctx.xp
        dtype = input.dtype.type
        prob, log_t = _kl_target(xp, target, log_target)
        if log_target:
            loss = xp.mul(prob, xp.sub(target, input))
        else:
            loss = xp.where(xp.gt(target, dtype(0)), xp.mul(target, xp.sub(log_t, input)), dtype(0))
        ctx.save_for_backward(input, target)  # backward recomputes prob and log(target) (differentiable again)
        ctx.reduction, ctx.log_target, ctx.batch = reduction, log_target, batch
        if reduction == "batchmean":
            return xp.div(xp.sum(loss, None, False), dtype(batch))
        return _reduce(xp, loss, reduction)

    def backward(ctx, grad):
        xp = ctx.xp
        input, target = ctx.saved_tensors
        dtype = input.dtype.type
        if ctx.reduction == "batchmean":
            grad = xp.broadcast_to(xp.div(grad, dtype(ctx.batch)), input.shape)
        else:
            grad = _expand_grad(xp, grad, input.shape, ctx.reduction, int(np.prod(input.shape)))
        prob, log_t = _kl_target(xp, target, ctx.log_target)
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_input = xp.sum_to(xp.neg(xp.mul(grad, prob)), input.shape)
        if ctx.needs_input_grad[1]:
            if ctx.log_target:
                slope = xp.mul(prob, xp.add(xp.sub(target, input), dtype(1)))
            else:
                slope = xp.where(xp.gt(target, dtype(0)), xp.add(xp.sub(log_t, input), dtype(1)), dtype(0))
            grad_target = xp.sum_to(xp.mul(grad, slope), target.shape)
        return grad_input, grad_target, None, None, None


def _kl_target(xp, target, log_target: bool):
    """(target as probabilities, log(target) or None): log(target) is 0 where target is 0, so 0 * log 0 is 0."""
    if log_target:
        return xp.exp(target), None
    dtype = target.dtype.type
    return target, xp.log(xp.where(xp.gt(target, dtype(0)), target, dtype(1)))


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of target from input, input being log-probabilities.

    Args:
        reduction: 'none' | 'batchmean' (the mathematically correct KL) | 'sum' | 'mean' (per element).
        log_target: target is given as log-probabilities.
    """
    reduction = _reduction(size_average, reduce, reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if tuple(target.shape) != tuple(input.shape):
        from .elementwise import broadcast_error
        raise RuntimeError(broadcast_error(tuple(input.shape), tuple(target.shape)))
    common = _dtype.result_type(input, target)
    input = input if input.dtype == common else cast(input, common)
    target = target if target.dtype == common else cast(target, common)
    batch = input.shape[0] if input.ndim else 1
    return apply(KLDiv, input, target, reduction, bool(log_target), batch)
