"""Helpers shared by the converters: host-side ints of shape tensors, and constants on a tensor's device."""
from __future__ import annotations

import numpy as np

from ... import _dtype
from ...creation import tensor as _tensor
from ...tensor import Tensor

__all__ = ["ints", "floats", "scalar", "const", "axis_of"]


def ints(value) -> list[int]:
    """A shape-like tensor (or list) as Python ints: shape arithmetic runs on the host, as importers do."""
    if value is None:
        return []
    if isinstance(value, Tensor):
        return [int(item) for item in np.asarray(value.detach().cpu().numpy()).reshape(-1)]
    return [int(item) for item in np.asarray(value).reshape(-1)]


def floats(value) -> list[float]:
    if isinstance(value, Tensor):
        value = value.detach().cpu().numpy()
    return [float(item) for item in np.asarray(value).reshape(-1)]


def scalar(value):
    """A 0-d or one-element tensor as a Python number."""
    return value.detach().reshape(-1)[0].item() if isinstance(value, Tensor) else value


def const(array, like: Tensor | None = None, dtype=None) -> Tensor:
    """array as a tensor on like's device (and of dtype, when given)."""
    array = np.asarray(array)
    device = like.device if like is not None else None
    return _tensor(array, dtype=dtype if dtype is not None else _dtype.from_numpy_dtype(array.dtype), device=device)


def axis_of(axis: int, rank: int) -> int:
    if not -rank <= axis < max(rank, 1):
        raise IndexError(f"axis {axis} is out of range for a tensor of rank {rank}")
    return axis + rank if axis < 0 else axis
