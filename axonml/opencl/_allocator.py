"""A caching allocator: device buffers go back to a per-context pool when their arrays die.

Sizes are rounded up to buckets (powers of two up to 1 MiB, then multiples of 1 MiB), and a
freed buffer waits in its bucket's free list for the next request of that bucket, so a
training loop that allocates the same shapes every step reuses the same buffers.
"""
from __future__ import annotations

import gc

import pyopencl as cl

from .._errors import OutOfMemoryError

__all__ = ["Allocation", "BufferPool"]

_MIN_BUCKET = 512
_LARGE = 1 << 20


def bucket_size(nbytes: int) -> int:
    if nbytes <= _MIN_BUCKET:
        return _MIN_BUCKET
    if nbytes <= _LARGE:
        return 1 << (nbytes - 1).bit_length()
    return (nbytes + _LARGE - 1) // _LARGE * _LARGE


class Allocation:
    """One pooled buffer, shared by an array and its views; back to the pool when the last one dies."""

    __slots__ = ("buffer", "size", "pool", "__weakref__")

    def __init__(self, buffer, size: int, pool: "BufferPool"):
        self.buffer, self.size, self.pool = buffer, size, pool

    def __del__(self):
        pool = self.pool
        if pool is not None:
            pool.release(self.buffer, self.size)


class BufferPool:
    """Free lists of device buffers by bucket size, for one context."""

    def __init__(self, context: cl.Context, device_name: str, max_alloc: int):
        self.context = context
        self.device_name = device_name
        self.max_alloc = max_alloc
        self.free: dict[int, list] = {}
        self.stats = {"allocated": 0, "reused": 0, "bytes_in_use": 0, "bytes_cached": 0}

    def allocate(self, nbytes: int) -> Allocation:
        size = bucket_size(nbytes)
        free = self.free.get(size)
        if free:
            self.stats["reused"] += 1
            self.stats["bytes_cached"] -= size
            self.stats["bytes_in_use"] += size
            return Allocation(free.pop(), size, self)
        if size > self.max_alloc and nbytes <= self.max_alloc:
            size = nbytes  # the bucket would exceed the device's limit; the exact size does not
        if size > self.max_alloc:
            raise OutOfMemoryError(f"OpenCL out of memory on {self.device_name}: tried to allocate {nbytes} bytes "
                               f"(the device's largest single allocation is {self.max_alloc} bytes)")
        try:
            buffer = self._new_buffer(size)
        except (cl.MemoryError, cl.RuntimeError):
            gc.collect()  # buffers held only by unreachable reference cycles come back to the pool
            self.empty()
            try:
                buffer = self._new_buffer(size)
            except (cl.MemoryError, cl.RuntimeError):
                raise OutOfMemoryError(f"OpenCL out of memory on {self.device_name}: tried to allocate {nbytes} bytes"
                                   ) from None
        self.stats["allocated"] += 1
        self.stats["bytes_in_use"] += size
        return Allocation(buffer, size, self)

    def _new_buffer(self, size: int):
        return cl.Buffer(self.context, cl.mem_flags.READ_WRITE, size)

    def release(self, buffer, size: int) -> None:
        self.free.setdefault(size, []).append(buffer)
        self.stats["bytes_in_use"] -= size
        self.stats["bytes_cached"] += size

    def empty(self) -> None:
        """Release every cached buffer back to the driver."""
        for buffers in self.free.values():
            for buffer in buffers:
                buffer.release()
        self.free.clear()
        self.stats["bytes_cached"] = 0
