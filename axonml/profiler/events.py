"""What the profiler records: one FunctionEvent per op call, and their averages per name (key_averages).

Times are kept in nanoseconds and reported in microseconds, as torch.profiler reports them; memory
is in bytes. Nested events (the ops a composite op or a record_function range runs) are children:
an event's self time is its total minus its children's totals.
"""
from __future__ import annotations

from collections import OrderedDict

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]

# sort_by keys of torch.profiler's table, and the attribute each one sorts on (largest first)
_SORT_KEYS = {
    "cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total", "cpu_time": "cpu_time",
    "self_cpu_time": "self_cpu_time", "count": "count", "cpu_memory_usage": "cpu_memory_usage",
    "self_cpu_memory_usage": "self_cpu_memory_usage",
}


class FunctionEvent:
    """One call of an op (forward or a backward node) or one record_function range."""

    __slots__ = ("id", "name", "start_ns", "end_ns", "thread", "depth", "_shapes", "device_type", "kind",
                 "cpu_memory_usage", "self_cpu_memory_usage", "child_ns", "stack", "parent", "inputs")

    def __init__(self, id, name, start_ns, thread, depth, input_shapes, device_type, kind, stack=None, parent=None):
        self.id, self.name, self.start_ns, self.end_ns = id, name, start_ns, start_ns
        self.thread, self.depth, self.device_type = thread, depth, device_type
        self._shapes = input_shapes  # tuples as recorded; lists (torch's form) when read
        self.kind = kind  # "forward", "backward" or "user"
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.child_ns = 0
        self.stack = stack or []
        self.parent = parent
        self.inputs = None  # while the op runs, with profile_memory: the storages of its inputs

    @property
    def key(self) -> str:
        return self.name

    @property
    def input_shapes(self) -> list:
        """The shape of each input ([] for a non-tensor argument), if the profile recorded shapes."""
        return [list(shape) for shape in self._shapes] if self._shapes else []

    @property
    def cpu_time_total(self) -> float:
        """Wall time of the call, children included (µs)."""
        return (self.end_ns - self.start_ns) / 1000.0

    @property
    def self_cpu_time_total(self) -> float:
        """Wall time of the call outside its children (µs)."""
        return (self.end_ns - self.start_ns - self.child_ns) / 1000.0

    cpu_time = cpu_time_total
    self_cpu_time = self_cpu_time_total

    @property
    def count(self) -> int:
        return 1

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} device_type={self.device_type} "
                f"cpu_time={self.cpu_time_total:.3f}us self_cpu_time={self.self_cpu_time_total:.3f}us "
                f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg:
    """The events of one key summed: count, total and self time, memory (torch.profiler's key_averages rows)."""

    def __init__(self, key, input_shapes=None, stack=None):
        self.key = key
        self.input_shapes = input_shapes
        self.stack = stack or []
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_type = None

    def add(self, event) -> "FunctionEventAvg":
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.self_cpu_memory_usage
        self.device_type = self.device_type or event.device_type
        return self

    @property
    def cpu_time(self) -> float:
        """Average time per call (µs)."""
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def self_cpu_time(self) -> float:
        return self.self_cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us "
                f"cpu_time={self.cpu_time_total:.3f}us count={self.count} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events (or of their averages) with torch.profiler's summaries."""

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> "EventList":
        """One FunctionEventAvg per name (and per input shapes, or per innermost stack frames, if asked)."""
        groups: OrderedDict = OrderedDict()
        for event in self:
            key = (event.key,
                   str(event.input_shapes) if group_by_input_shape else None,
                   tuple(event.stack[:group_by_stack_n]) if group_by_stack_n else None)
            if key not in groups:
                groups[key] = FunctionEventAvg(event.key, event.input_shapes if group_by_input_shape else None,
                                               event.stack[:group_by_stack_n] if group_by_stack_n else None)
            groups[key].add(event)
        return EventList(groups.values())

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for event in self:
            total.add(event)
        return total

    @property
    def self_cpu_time_total(self) -> float:
        return sum(event.self_cpu_time_total for event in self)

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_name_column_width: int = 55,
              header: str | None = None, top_level_events_only: bool = False) -> str:
        """A text table like torch.profiler's: one row per entry, sorted by `sort_by` (largest first)."""
        from .table import build_table
        rows = list(self)
        if top_level_events_only:
            rows = [e for e in rows if getattr(e, "depth", 0) == 0]
        if sort_by is not None:
            if sort_by not in _SORT_KEYS:
                raise ValueError(f"sort_by must be one of {sorted(_SORT_KEYS)}, got {sort_by!r}")
            rows.sort(key=lambda e: getattr(e, _SORT_KEYS[sort_by]), reverse=True)
        return build_table(rows, self.self_cpu_time_total or 1.0, row_limit, max_name_column_width, header)

    def export_chrome_trace(self, path: str) -> None:
        from .chrome_trace import write_chrome_trace
        write_chrome_trace([e for e in self if isinstance(e, FunctionEvent)], [], path)
