"""The recorder the autograd core calls around every op and backward node while a profile is active.

``begin_op`` opens an event (the input shapes and device read from the arguments), ``end_op``
closes it: on an OpenCL device it first waits for the queue, so an event's time is the op's
device time too and not only the time to enqueue it. With profile_memory, the bytes of every
new array an op returns are counted, and a finaliser notes when each is freed, which gives the
timeline of live memory that the bottleneck report reads its peaks from.
"""
from __future__ import annotations

import os
import threading
import time
import traceback
import weakref

from .events import FunctionEvent

__all__ = ["Recorder"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # axonml/: not the user's frames


def _array_of(x):
    data = getattr(x, "_data", None)
    return data if data is not None else x


def _storage(array):
    """The object that owns array's memory (its root base, or its device allocation), or None."""
    alloc = getattr(array, "alloc", None)
    if alloc is not None:
        return alloc
    base = array
    while getattr(base, "base", None) is not None:
        base = base.base
    return base if hasattr(array, "nbytes") else None


def _device_of(values) -> str:
    """"opencl" if the first array among values (tensors, or a backward node's gradients) is a device array."""
    for value in values:
        data = getattr(value, "_data", value)
        if hasattr(data, "shape"):
            return "opencl" if hasattr(data, "alloc") else "cpu"
    return "cpu"


def _storages(values) -> set:
    return {id(s) for s in (_storage(_array_of(v)) for v in values if v is not None) if s is not None}


class Recorder:
    """Collects FunctionEvents (and memory records) for one profile."""

    def __init__(self, record_shapes: bool, profile_memory: bool, with_stack: bool):
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.events: list[FunctionEvent] = []
        self.memory: list[tuple[int, int, int, str | None]] = []  # (time_ns, bytes, live bytes after, op)
        self.live_bytes = 0
        self.start_ns = time.perf_counter_ns()
        self._stacks: dict = {}  # thread id -> the events open on that thread
        self._finalizers: list = []
        self._lock = threading.Lock()

    def _stack(self) -> list:
        stack = self._stacks.get(threading.get_ident())
        if stack is None:
            stack = self._stacks[threading.get_ident()] = []
        return stack

    def begin_op(self, name: str, args, kind: str | None = None) -> FunctionEvent:
        stack = self._stack()
        shapes = [tuple(a.shape) if hasattr(a, "shape") else () for a in args] if self.record_shapes else None
        frames = None
        if self.with_stack:
            frames = [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(traceback.extract_stack(limit=24))
                      if not f.filename.startswith(_PACKAGE_DIR)]
        if kind is None:
            kind = "backward" if name.endswith("Backward0") else "forward"
        event = FunctionEvent(len(self.events), name, 0, threading.get_ident(), len(stack), shapes,
                              _device_of(args), kind, frames, stack[-1] if stack else None)
        if self.profile_memory:
            event.inputs = _storages(args)
        stack.append(event)
        event.start_ns = time.perf_counter_ns()
        return event

    def end_op(self, event: FunctionEvent, out) -> None:
        if event.device_type == "opencl" and out is not None:
            self._synchronize(out)
        event.end_ns = time.perf_counter_ns()
        stack = self._stack()
        if stack and stack[-1] is event:
            stack.pop()
        if self.profile_memory and out is not None:
            allocated = self._count_new(event, out)
            event.self_cpu_memory_usage += allocated
            node = event
            while node is not None:
                node.cpu_memory_usage += allocated
                node = node.parent
        if event.parent is not None:
            event.parent.child_ns += event.end_ns - event.start_ns
        self.events.append(event)  # list.append is atomic: no lock for events of several threads

    def _synchronize(self, out) -> None:
        for value in out if isinstance(out, (tuple, list)) else (out,):
            backend = getattr(_array_of(value), "backend", None)
            if backend is not None and hasattr(backend, "synchronize"):
                backend.synchronize()
                return

    def _count_new(self, event, out) -> int:
        """Bytes of the arrays in out whose memory no input owns; each gets a finaliser for its release."""
        total = 0
        seen = set()
        for value in out if isinstance(out, (tuple, list)) else (out,):
            if value is None:
                continue
            array = _array_of(value)
            storage = _storage(array)
            if storage is None or id(storage) in seen:
                continue
            seen.add(id(storage))
            size = int(getattr(storage, "nbytes", getattr(storage, "size", 0)) or 0)
            if size <= 0 or id(storage) in event.inputs:  # a view of an input allocates nothing
                continue
            try:
                self._finalizers.append(weakref.finalize(storage, self._released, size))
            except TypeError:  # an object without weak references: counted, its release not seen
                pass
            total += size
            self._note(size, event.name)
        event.inputs = None
        return total

    def _note(self, delta: int, op: str | None = None) -> None:
        with self._lock:
            self.live_bytes += delta
            self.memory.append((time.perf_counter_ns(), delta, self.live_bytes, op))

    def _released(self, size: int) -> None:
        self._note(-size)

    def close(self) -> None:
        """Stop watching releases (arrays freed after the profile are not its business)."""
        for finalizer in self._finalizers:
            finalizer.detach()
        self._finalizers.clear()
