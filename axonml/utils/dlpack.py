"""DLPack exchange (torch.utils.dlpack): CPU tensors shared with NumPy, JAX, CuPy ... without a copy."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]


def from_dlpack(ext_tensor) -> Tensor:
    """A CPU tensor sharing memory with any object that implements __dlpack__ (or a DLPack capsule)."""
    from ..creation import from_numpy
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):  # a bare capsule, as to_dlpack returns
        ext_tensor = _Capsule(ext_tensor)
    return from_numpy(np.from_dlpack(ext_tensor))


def to_dlpack(tensor: Tensor):
    """A DLPack capsule of a CPU tensor's memory (torch.utils.dlpack.to_dlpack)."""
    return tensor.__dlpack__()


class _Capsule:
    """Wraps a DLPack capsule so that np.from_dlpack, which wants a producer object, can read it."""

    def __init__(self, capsule) -> None:
        self._capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU
