"""Argument checks and small helpers shared by the op families (one definition, many callers)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _backend_of

__all__ = ["check_tensor", "backend_of", "host_int"]


def check_tensor(name: str, input) -> None:
    """TypeError, worded as PyTorch's, unless input (the first argument of op name) is a Tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def backend_of(t: Tensor):
    """The backend holding t's data (the CPU backend, or t's OpenCL device)."""
    return _backend_of(t._data)


def host_int(xp, scalar) -> int:
    """A 0-d (or one-element) backend array read back to the host as a Python int."""
    return int(np.asarray(xp.to_numpy(scalar)).reshape(()))
