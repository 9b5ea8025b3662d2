"""Normalisation ops: layer_norm, batch_norm, group_norm, instance_norm.

layer_norm and batch_norm run fused backend kernels forward and backward (statistics, the
normalised output and the affine map in one pass each); group_norm and instance_norm are
reshapes around them, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._checks import backend_of as _backend

__all__ = ["layer_norm", "group_norm", "rms_norm", "local_response_norm"]


class LayerNorm(ArrayFunction):
    def forward(ctx, x, weight, bias, normalized_ndim, eps):
        y, mean, rstd = ctx.xp.layer_norm(x, normalized_ndim, weight, bias, eps)
        ctx.save_for_backward(x, weight)
        ctx.mean, ctx.rstd, ctx.normalized_ndim = mean, rstd, normalized_ndim
        return y

    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        dx, dweight, dbias = ctx.xp.layer_norm_backward(grad, x, ctx.mean, ctx.rstd, weight, ctx.normalized_ndim,
                                                        needs_x, needs_weight or needs_bias)
        return (dx if needs_x else None, dweight if needs_weight else None, dbias if needs_bias else None,
                None, None)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    r"""Normalise over the last len(normalized_shape) dims: :math:`(x - E[x]) / \sqrt{Var[x] + eps} * w + b`.

    Args:
        input: the input tensor, shape (*, *normalized_shape).
        normalized_shape: the trailing shape to normalise over (an int for one dim).
        weight, bias: optional elementwise affine parameters of shape normalized_shape.
        eps: added to the (biased) variance for stability.
    """
    normalized_shape = (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    nd = len(normalized_shape)
    if nd == 0 or tuple(input.shape[input.ndim - nd:]) != normalized_shape or input.ndim < nd:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and tuple(param.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(param.shape)} and normalized_shape = {list(normalized_shape)}")
    return apply(LayerNorm, input, weight, bias, nd, float(eps))


class BatchNorm(ArrayFunction):
    def forward(ctx, x, weight, bias, mean, rstd, training):
        ctx.save_for_backward(x, weight)
        ctx.mean, ctx.rstd, ctx.training = mean, rstd, training
        return ctx.xp.batch_norm_apply(x, mean, rstd, weight, bias)

    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        dx, dweight, dbias = ctx.xp.batch_norm_backward(grad, x, ctx.mean, ctx.rstd, weight, ctx.training)
        return (dx if needs_x else None, dweight if needs_weight else None, dbias if needs_bias else None,
                None, None, None)


def _update_running(xp, running: Tensor | None, statistic, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * statistic, in place, as PyTorch's batch_norm does."""
    if running is None:
        return
    data = running._data
    dtype = data.dtype.type
    updated = xp.add(xp.mul(data, dtype(1.0 - momentum)), xp.mul(xp.astype(statistic, data.dtype), dtype(momentum)))
    xp.copy_into(data, updated)
    running._vc.value += 1


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    r"""Normalise each channel (dim 1) over the batch and spatial dims.

    In training the batch's mean and biased variance normalise, and running_mean / running_var
    (when given) are updated in place: ``running = (1 - momentum) * running + momentum * batch``, with
    the unbiased variance. Otherwise the running statistics normalise.

    Args:
        input: (N, C) or (N, C, *) tensor.
        running_mean, running_var: (C,) tensors, or None (training only).
        weight, bias: optional (C,) affine parameters.
        training: use batch statistics (and update the running ones).
        momentum: weight of the new batch statistic in the running update.
        eps: added to the variance for stability.
    """
    channels = input.shape[1] if input.ndim >= 2 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    if input.ndim < 2:
        raise RuntimeError(f"batch_norm: expected input of shape (N, C, *), got {list(input.shape)}")
    xp = _backend(input)
    count = input.numel() // channels if channels else 0
    if training:
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mean, var = xp.batch_norm_stats(input._data)
        if count > 1:
            _update_running(xp, running_mean, mean, momentum)
            _update_running(xp, running_var, xp.mul(var, var.dtype.type(count / (count - 1))), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        dtype = input._data.dtype
        mean = xp.astype(xp.copy(running_mean._data), dtype)
        var = xp.astype(running_var._data, dtype)
    rstd = xp.rsqrt(xp.add(var, var.dtype.type(eps)))
    return apply(BatchNorm, input, weight, bias, mean, rstd, bool(training))


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each of num_groups channel groups of every sample, then apply a per-channel affine map.

    Args:
        input: (N, C, *) tensor; C must be divisible by num_groups.
        num_groups: the number of channel groups.
        weight, bias: optional (C,) affine parameters.
    """
    from .elementwise import add, mul
    from .shape import reshape
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != channels):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    batch = input.shape[0]
    grouped = reshape(input, (batch, num_groups, math.prod(input.shape[1:]) // num_groups if num_groups else 0))
    out = reshape(layer_norm(grouped, (grouped.shape[-1],), None, None, eps), tuple(input.shape))
    per_channel = (channels,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = mul(out, reshape(weight, per_channel))
    if bias is not None:
        out = add(out, reshape(bias, per_channel))
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims (batch_norm on an (1, N*C, *) view).

    Running statistics, when given, are updated with the batch average of the per-instance statistics.
    """
    from .elementwise import add, mul
    from .shape import reshape
    if input.ndim < 3:
        raise ValueError(f"Expected at least 3 dimensions in input (got {input.ndim}D input)")
    batch, channels = input.shape[0], input.shape[1]
    flat = reshape(input, (1, batch * channels) + tuple(input.shape[2:]))
    xp = _backend(input)
    stacked_mean = stacked_var = None
    if running_mean is not None:
        stacked_mean = _make_like(xp.concatenate([running_mean._data] * batch, 0))
    if running_var is not None:
        stacked_var = _make_like(xp.concatenate([running_var._data] * batch, 0))
    out = batch_norm(flat, stacked_mean, stacked_var, None, None, use_input_stats, momentum, eps)
    for running, stacked in ((running_mean, stacked_mean), (running_var, stacked_var)):
        if running is not None and use_input_stats:
            averaged = xp.div(xp.sum(xp.reshape(stacked._data, (batch, channels)), 0, False),
                              stacked._data.dtype.type(batch))
            xp.copy_into(running._data, averaged)
            running._vc.value += 1
    out = reshape(out, tuple(input.shape))
    per_channel = (channels,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = mul(out, reshape(weight, per_channel))
    if bias is not None:
        out = add(out, reshape(bias, per_channel))
    return out


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    r"""Root-mean-square normalisation over the trailing normalized_shape: :math:`x / \sqrt{mean(x^2) + eps} * w`.

    Args:
        input: the input tensor, shape (*, *normalized_shape).
        normalized_shape: the trailing shape to normalise over (an int for one dim).
        weight: optional elementwise scale of shape normalized_shape.
        eps: added to the mean square; by default the machine epsilon of input's dtype.
    """
    from .elementwise import add, mul, rsqrt
    from .reduce import mean
    normalized_shape = (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    nd = len(normalized_shape)
    if nd == 0 or input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(normalized_shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - nd, input.ndim))
    out = mul(input, rsqrt(add(mean(mul(input, input), dims, keepdim=True), eps)))
    return out if weight is None else mul(out, weight)


def _make_like(data) -> Tensor:
    from ..tensor import _make
    return _make(data)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Normalise each element by the squares of its neighbours across channels (AlexNet's LRN):
    x / (k + alpha * mean of x**2 over size neighbouring channels) ** beta, composed from pad and avg_pool.

    Args:
        input: (N, C, *) with at least 3 dims.
        size: how many neighbouring channels to normalise over.
    """
    from .nn import pad
    from .pool import avg_pool2d, avg_pool3d
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    square = input * input
    if input.ndim == 3:
        window = pad(square.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        mean = avg_pool2d(window, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        window = pad(square.reshape(sizes[0], 1, sizes[1], sizes[2], -1), (0, 0, 0, 0, size // 2, (size - 1) // 2))
        mean = avg_pool3d(window, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    return input / (mean * alpha + k) ** beta
