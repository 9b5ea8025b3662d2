"""Helpers the distributions share (torch.distributions.utils): broadcasting parameters, converting
between probabilities and logits, lazily computed attributes."""
from __future__ import annotations

import numbers
from functools import update_wrapper
from typing import Any, Callable, Sequence

from .. import _dtype
from ..autograd import enable_grad
from ..creation import empty, tensor
from ..functional import broadcast_tensors, softmax
from ..tensor import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant


def broadcast_all(*values) -> tuple[Tensor, ...]:
    """Broadcast tensors and numbers together; numbers become tensors of the first tensor's dtype and device
    (of the default dtype when all are numbers).

    Raises:
        ValueError: when a value is neither a number nor a Tensor.
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        options: dict[str, Any] = {"dtype": _dtype.get_default_dtype()}
        for value in values:
            if isinstance(value, Tensor):
                options = {"dtype": value.dtype, "device": value.device}
                break
        values = tuple(v if isinstance(v, Tensor) else tensor(v, **options) for v in values)
    return tuple(broadcast_tensors(*values))


def _standard_normal(shape: Sequence[int], dtype, device) -> Tensor:
    return empty(tuple(shape), dtype=dtype, device=device).normal_()


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the dim rightmost dimensions of value."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: the sigmoid of log-odds (binary), else a softmax over the last dimension."""
    if is_binary:
        return logits.sigmoid()
    return softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped into [eps, 1 - eps], eps the machine epsilon of probs' dtype."""
    eps = _dtype.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities: log-odds (binary), else log-probabilities."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


class lazy_property:
    """A decorator for an attribute computed on first access (with grad enabled) and then stored on the
    instance; validate_args skips a lazy parameter not yet computed, as torch's does."""

    def __init__(self, wrapped: Callable):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped: Callable):
        property.__init__(self, wrapped)


def _tril_mask(n: int, diag: int, device) -> Tensor:
    from ..creation import arange
    index = arange(n, device=device)
    return index < index.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower-triangular entries (below and on diagonal diag) of a (batch of) D x D matrix, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The inverse of tril_matrix_to_vec: a (batch of) lower-triangular matrix from its entries."""
    from ..creation import zeros
    length = vec.shape[-1]
    n = round((((1 + 2 * diag) ** 2 + 8 * length + 4 * abs(diag) * (diag + 1)) ** 0.5 - (1 + 2 * diag)) / 2)
    mask = _tril_mask(n, diag, vec.device)
    if int(mask.sum()) != length:
        raise ValueError(f"The size of last dimension is {length} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    mat = zeros(tuple(vec.shape[:-1]) + (n, n), dtype=vec.dtype, device=vec.device)
    mat[..., mask] = vec
    return mat
