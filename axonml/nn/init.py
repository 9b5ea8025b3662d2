"""Parameter initialisation (PyTorch's torch.nn.init): in place, under no_grad, from axonml's RNG.

Every random function takes ``generator=`` (an ``axonml.Generator``); without one it draws from
the default generator, so ``axonml.manual_seed`` makes initialisation reproducible.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd import no_grad
from ..backends import get_backend
from ..random import Generator, default_generator
from ..tensor import Tensor, _make

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"]


# --- writing into a tensor ---------------------------------------------------------------------------------
def _no_grad_copy_(tensor: Tensor, values: Tensor) -> Tensor:
    with no_grad():
        return tensor.copy_(values)


def _no_grad_fill_(tensor: Tensor, value: float) -> Tensor:
    with no_grad():
        return tensor.fill_(value)


def _random_values(tensor: Tensor, distribution: str, first: float, second: float,
                   generator: Generator | None) -> Tensor:
    """Samples shaped and typed like tensor, on its device: uniform(low, high) or normal(mean, std)."""
    backend = get_backend(tensor.device)
    draw = backend.uniform if distribution == "uniform" else backend.normal
    data = draw(tuple(tensor.shape), float(first), float(second), tensor._data.dtype,
                generator if generator is not None else default_generator)
    return _make(data)


def _no_grad_uniform_(tensor: Tensor, a: float, b: float, generator: Generator | None = None) -> Tensor:
    return _no_grad_copy_(tensor, _random_values(tensor, "uniform", a, b, generator))


def _no_grad_normal_(tensor: Tensor, mean: float, std: float, generator: Generator | None = None) -> Tensor:
    return _no_grad_copy_(tensor, _random_values(tensor, "normal", mean, std, generator))


# --- fans and gains ------------------------------------------------------------------------------------------
def calculate_gain(nonlinearity: str, param: int | float | None = None) -> float:
    """The recommended gain for a nonlinearity (its ``nn.functional`` name).

    ============ ======================================
    linear/conv  1
    sigmoid      1
    tanh         5/3
    relu         sqrt(2)
    leaky_relu   sqrt(2 / (1 + negative_slope ** 2))
    selu         3/4
    ============ ======================================

    Example::

        >>> gain = nn.init.calculate_gain("leaky_relu", 0.2)
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel), as PyTorch computes them."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.shape[1]
    num_output_fmaps = tensor.shape[0]
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# --- the initialisers ---------------------------------------------------------------------------------------
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill tensor with samples of U(a, b).

    Example::

        >>> w = axonml.empty(3, 5)
        >>> nn.init.uniform_(w)
    """
    return _no_grad_uniform_(tensor, a, b, generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill tensor with samples of N(mean, std**2)."""
    return _no_grad_normal_(tensor, mean, std, generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """Fill tensor with samples of N(mean, std**2) truncated to [a, b] (resampling values outside it)."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    from ..ops.elementwise import logical_or, where
    values = _random_values(tensor, "normal", mean, std, generator)
    outside = logical_or(values < a, values > b)
    while bool(outside.any()):
        values = where(outside, _random_values(tensor, "normal", mean, std, generator), values)
        outside = logical_or(values < a, values > b)
    return _no_grad_copy_(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill tensor with val."""
    return _no_grad_fill_(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill tensor with 1."""
    return _no_grad_fill_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill tensor with 0."""
    return _no_grad_fill_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal of a rectangular one)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    from ..creation import eye
    rows, cols = tensor.shape
    return _no_grad_copy_(tensor, eye(rows, cols, dtype=tensor.dtype, device=tensor.device))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _no_grad_uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _no_grad_normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan_mode).

    Args:
        tensor: an n-dimensional tensor (n >= 2).
        a: the negative slope of the rectifier after this layer (only with ``'leaky_relu'``).
        mode: ``'fan_in'`` (default) or ``'fan_out'``.
        nonlinearity: the nonlinearity's ``nn.functional`` name (``'relu'`` or ``'leaky_relu'``, the default).
        generator: the generator to draw from.
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return _no_grad_uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan_mode); arguments as :func:`kaiming_uniform_`."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return _no_grad_normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill tensor (n >= 2 dims, trailing dims flattened) with a (semi-)orthogonal matrix times gain.

    The QR factorisation of a normal sample runs on the host (a one-off cost at initialisation);
    the signs of R's diagonal make the result uniformly distributed (Mezzadri, 2007).
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    from ..creation import empty, from_numpy
    sample = _random_values(empty(rows, cols, dtype=tensor.dtype), "normal", 0.0, 1.0, generator)
    flattened = np.asarray(sample).astype(np.float64)
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    values = from_numpy(np.ascontiguousarray((q * gain).reshape(tuple(tensor.shape)).astype(sample._data.dtype)))
    return _no_grad_copy_(tensor, values.to(tensor.device))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """Fill a 2-D tensor with N(0, std**2) samples, then zero a ``sparsity`` fraction of each column."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    from ..creation import from_numpy, randperm
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    keep = np.ones((rows, cols), dtype=tensor._data.dtype)
    for col in range(cols):
        zero_rows = np.asarray(randperm(rows, generator=generator))[:num_zeros]
        keep[zero_rows, col] = 0
    values = _random_values(tensor, "normal", 0.0, std, generator) * from_numpy(keep).to(tensor.device)
    return _no_grad_copy_(tensor, values)
