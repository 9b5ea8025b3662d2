"""torch.profiler's front end: profile, record_function, schedule, ProfilerActivity, tensorboard_trace_handler."""
from __future__ import annotations

import enum
import functools
import os
import socket
import time
from typing import Callable, Iterable

from .._ext import _autograd
from . import bottleneck, chrome_trace
from .events import EventList
from .recorder import Recorder

__all__ = ["profile", "record_function", "schedule", "ProfilerActivity", "ProfilerAction",
           "tensorboard_trace_handler", "supported_activities"]


class ProfilerActivity(enum.Enum):
    """What to profile. CPU covers every op; ops on an OpenCL device are timed to completion of their
    kernels (the profiler waits for the device's queue at the end of each op)."""
    CPU = "cpu"
    OPENCL = "opencl"


def supported_activities() -> set:
    return {ProfilerActivity.CPU, ProfilerActivity.OPENCL}


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0) -> Callable:
    """torch.profiler.schedule: skip `skip_first` steps, then cycles of `wait` idle, `warmup` and `active`
    recorded steps (the last of which saves), `repeat` times (0: for as long as the loop runs)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError("Invalid profiler schedule arguments")

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False) -> Callable:
    """An on_trace_ready that writes each saved cycle as a Chrome trace into dir_name."""
    if use_gzip:
        raise ValueError("tensorboard_trace_handler: use_gzip is not supported; traces are written as JSON")

    def handler(prof: "profile") -> None:
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        prof.export_chrome_trace(os.path.join(dir_name, f"{name}.{time.time_ns() // 1_000_000}.pt.trace.json"))

    return handler


class profile:
    """Record every op (forward and backward) run inside the block.

    Args:
        activities: ProfilerActivity values to record (default: all supported).
        schedule: a callable step -> ProfilerAction (see :func:`schedule`); with it, only the active steps
            of each cycle are recorded, and ``on_trace_ready`` is called at the end of each cycle.
        on_trace_ready: called with the profiler when a cycle's trace is ready.
        record_shapes: record the input shapes of each op.
        profile_memory: record the bytes each op allocates and the live-memory timeline.
        with_stack: record the Python call stack (outside axonml) of each op.

    Example::

        >>> with axonml.profiler.profile(record_shapes=True) as prof:
        ...     loss = model(x).sum(); loss.backward()
        >>> print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
        >>> prof.export_chrome_trace("trace.json")
    """

    def __init__(self, *, activities: Iterable[ProfilerActivity] | None = None, schedule: Callable | None = None,
                 on_trace_ready: Callable | None = None, record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False, with_modules: bool = False):
        if with_flops or with_modules:
            raise NotImplementedError("axonml.profiler: with_flops and with_modules are not supported")
        activities = set(activities) if activities is not None else supported_activities()
        for activity in activities:
            if not isinstance(activity, ProfilerActivity):
                raise TypeError(f"activities must be ProfilerActivity values, got {activity!r}")
        self.activities = activities
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.step_num = 0
        self._recorder: Recorder | None = None
        self._finished: Recorder | None = None
        self._end_ns = 0
        self._previous = None
        self._running = False

    # --- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._running = True
        if self._action() in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._begin()

    def stop(self) -> None:
        if self._recorder is not None:
            self._end(save=self.schedule is not None)
        self._running = False

    def step(self) -> None:
        """Mark the end of a training step (for the schedule)."""
        if not self._running:
            return
        action = self._action()
        self.step_num += 1
        following = self._action()
        if self._recorder is not None and (action is ProfilerAction.RECORD_AND_SAVE
                                           or following not in (ProfilerAction.RECORD,
                                                                ProfilerAction.RECORD_AND_SAVE)):
            self._end(save=action is ProfilerAction.RECORD_AND_SAVE)
        if self._recorder is None and following in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._begin()

    def _action(self) -> ProfilerAction:
        return ProfilerAction.RECORD if self.schedule is None else self.schedule(self.step_num)

    def _begin(self) -> None:
        self._recorder = Recorder(self.record_shapes, self.profile_memory, self.with_stack)
        self._previous = _autograd.set_profiler(self._recorder)

    def _end(self, save: bool) -> None:
        recorder, self._recorder = self._recorder, None
        _autograd.set_profiler(self._previous)
        self._previous = None
        recorder.close()
        self._end_ns = time.perf_counter_ns()
        self._finished = recorder
        if self.on_trace_ready is not None and (save or self.schedule is None):
            self.on_trace_ready(self)

    # --- results -----------------------------------------------------------------------------------
    def _results(self) -> Recorder:
        if self._finished is None:
            raise RuntimeError("Profiler didn't finish running: results are ready after the profile ends")
        return self._finished

    def events(self) -> EventList:
        """Every recorded event, in the order they finished."""
        return EventList(self._results().events)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        if group_by_input_shape and not self.record_shapes:
            raise RuntimeError("group_by_input_shape needs the profile to be made with record_shapes=True")
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as Chrome-trace JSON (chrome://tracing, Perfetto)."""
        recorder = self._results()
        chrome_trace.write_chrome_trace(recorder.events, recorder.memory, path, recorder.start_ns)

    def bottleneck_report(self, top: int = 10) -> bottleneck.BottleneckReport:
        """Top ops by self time, live-memory peaks and the gaps where no op ran (the seed's BottleneckAnalyzer)."""
        recorder = self._results()
        return bottleneck.analyze(recorder.events, recorder.memory, recorder.start_ns, self._end_ns, top)


class record_function:
    """Label a range of code in the profile (a context manager or a decorator); free when no profile runs.

    Example::

        >>> with axonml.profiler.record_function("data"):
        ...     batch = next(loader)
    """

    def __init__(self, name: str, args: str | None = None):
        self.name, self.args = name, args
        self._recorder = self._event = None

    def __enter__(self) -> "record_function":
        recorder = _autograd.get_profiler()
        if recorder is not None:
            self._recorder = recorder
            self._event = recorder.begin_op(self.name, (), kind="user")
        return self

    def __exit__(self, *exc) -> None:
        if self._recorder is not None:
            self._recorder.end_op(self._event, None)
            self._recorder = self._event = None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapped
