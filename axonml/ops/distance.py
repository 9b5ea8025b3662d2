"""Distances between vectors: pairwise_distance, pdist and cdist, composed from tensor ops.

They are a difference, a p-norm and (for pdist) a gather of the upper triangle, so autograd
and every device come from the ops they are made of.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor

__all__ = ["pairwise_distance", "pdist", "cdist"]


def _p_norm(diff: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    from .reduce import norm
    return norm(diff, p, dim, keepdim=keepdim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps along the last dim, inputs broadcast together (PyTorch's eps placement).

    Args:
        x1, x2: (N, D) or (D,) tensors, broadcastable.
        p: the norm degree. Default: 2.
        eps: added to the difference to avoid a zero norm's undefined gradient. Default: 1e-6.
        keepdim: keep the reduced last dim.
    """
    if not isinstance(x1, Tensor) or not isinstance(x2, Tensor):
        raise TypeError("pairwise_distance(): arguments 'x1' and 'x2' must be Tensors")
    return _p_norm(x1 - x2 + eps, p, -1, keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance between every pair of rows of an (N, M) input, in the order of the upper triangle.

    Returns a tensor of N * (N - 1) / 2 distances: row i against rows i+1 ... N-1, for i = 0 ... N-2.
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    from ..creation import tensor
    left, right = np.triu_indices(input.shape[0], 1)
    if not left.size:
        return input.new_zeros((0,))
    index_left = tensor(left, device=input.device)
    index_right = tensor(right, device=input.device)
    return _p_norm(input.index_select(0, index_left) - input.index_select(0, index_right), p, 1)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R).

    For p = 2 and more than 25 rows on either side PyTorch uses the matrix-product expansion
    |a|^2 + |b|^2 - 2 a.b; so does this (compute_mode as PyTorch's).
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    rows_1, rows_2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                         (compute_mode == modes[0] and (rows_1 > 25 or rows_2 > 25)))
    if use_mm:
        square_1 = (x1 * x1).sum(-1, keepdim=True)
        square_2 = (x2 * x2).sum(-1, keepdim=True)
        squared = square_1 - 2 * (x1 @ x2.transpose(-1, -2)) + square_2.transpose(-1, -2)
        return squared.clamp_min(0).sqrt()
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 0:
        return (diff != 0).to(x1.dtype).sum(-1)
    if math.isinf(p):
        return diff.abs().amax(-1)
    return _p_norm(diff, p, -1)
