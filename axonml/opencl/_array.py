"""CLArray: an n-d array in an OpenCL device's memory.

A pooled buffer plus a shape, element strides and an element offset; views share the buffer
and only change that metadata. Operations on it go through its backend.
"""
from __future__ import annotations

import math

from ._layout import contiguous_strides

__all__ = ["CLArray", "dense"]


class CLArray:
    """An n-d array in an OpenCL device's memory (a strided view of a pooled buffer).

    ``strides`` is in bytes, as in NumPy; kernels get ``estrides`` (in elements) and ``offset``.
    """

    __slots__ = ("alloc", "shape", "dtype", "estrides", "offset", "size", "backend", "owner", "__weakref__")

    def __init__(self, backend, alloc, shape, dtype, estrides=None, offset=0, owner=False):
        self.backend = backend
        self.owner = owner  # the array its allocation was made for, not a view of it
        self.alloc = alloc
        self.shape = tuple(shape)
        self.dtype = dtype
        self.estrides = contiguous_strides(self.shape) if estrides is None else tuple(estrides)
        self.offset = offset
        self.size = math.prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def strides(self) -> tuple:
        itemsize = self.dtype.itemsize
        return tuple(s * itemsize for s in self.estrides)

    @property
    def buffer(self):
        return self.alloc.buffer

    def is_contiguous(self) -> bool:
        expected = 1
        for n, s in zip(reversed(self.shape), reversed(self.estrides)):
            if n != 1 and s != expected:
                return False
            expected *= n
        return True

    def _view(self, shape, estrides, offset=None):
        return CLArray(self.backend, self.alloc, shape, self.dtype, estrides, self.offset if offset is None else offset)

    def __getitem__(self, index):
        return self.backend.getitem(self, index)

    def __setitem__(self, index, value):
        self.backend.setitem(self, index, value)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"CLArray(shape={self.shape}, dtype={self.dtype}, device={self.backend.device})"


def dense(a: CLArray) -> CLArray:
    """a contiguous from the start of its buffer (what kernels that take a bare buffer index), copying only
    when it is not."""
    return a if a.offset == 0 and a.is_contiguous() else a.backend.copy(a)
