"""The bottleneck report: where a profiled run spent its time and memory.

Three questions, answered from one profile's events: which ops take the time (self time, so a
composite op does not hide the kernels under it), when live memory peaked and what ran then, and
where the main thread ran no op at all (idle gaps: Python between ops, data loading, the
optimizer's own bookkeeping), which no op table shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BottleneckReport", "analyze"]


@dataclass
class OpShare:
    name: str
    count: int
    self_time_us: float
    share: float  # of the profiled wall time


@dataclass
class MemoryPeak:
    time_us: float  # from the start of the profile
    live_bytes: int
    op: str | None  # the op whose allocation reached it


@dataclass
class IdleGap:
    start_us: float
    duration_us: float
    after: str | None
    before: str | None


@dataclass
class BottleneckReport:
    wall_time_us: float
    op_time_us: float  # covered by top-level ops
    top_ops: list = field(default_factory=list)
    memory_peaks: list = field(default_factory=list)
    idle_gaps: list = field(default_factory=list)

    @property
    def idle_share(self) -> float:
        return 1.0 - self.op_time_us / self.wall_time_us if self.wall_time_us else 0.0

    def __str__(self) -> str:
        lines = [f"Profiled {self.wall_time_us / 1e3:.3f} ms: ops {self.op_time_us / 1e3:.3f} ms, "
                 f"outside ops {100 * self.idle_share:.1f}%", "", "Top ops by self time:"]
        for op in self.top_ops:
            lines.append(f"  {op.name:<40} {op.self_time_us / 1e3:10.3f} ms  {100 * op.share:5.1f}%  x{op.count}")
        if self.memory_peaks:
            lines += ["", "Memory peaks (live bytes the profiled ops allocated):"]
            for peak in self.memory_peaks:
                lines.append(f"  {peak.live_bytes / 2 ** 20:10.2f} MiB at {peak.time_us / 1e3:.3f} ms ({peak.op})")
        if self.idle_gaps:
            lines += ["", "Longest gaps between ops:"]
            for gap in self.idle_gaps:
                lines.append(f"  {gap.duration_us / 1e3:10.3f} ms at {gap.start_us / 1e3:.3f} ms, "
                             f"after {gap.after} before {gap.before}")
        return "\n".join(lines) + "\n"


def _outermost(event) -> bool:
    """An op not run inside another op (record_function ranges do not count)."""
    parent = event.parent
    while parent is not None:
        if parent.kind != "user":
            return False
        parent = parent.parent
    return True


def analyze(events, memory, start_ns: int, end_ns: int, top: int = 10) -> BottleneckReport:
    wall_us = max(end_ns - start_ns, 1) / 1000.0
    ops = [e for e in events if e.kind != "user"]
    totals: dict = {}
    for event in ops:
        count, time = totals.get(event.name, (0, 0.0))
        totals[event.name] = (count + 1, time + event.self_cpu_time_total)
    top_ops = [OpShare(name, count, time, time / wall_us)
               for name, (count, time) in sorted(totals.items(), key=lambda kv: -kv[1][1])[:top]]

    outer = sorted((e for e in ops if _outermost(e)), key=lambda e: e.start_ns)
    covered, gaps, cursor, previous = 0, [], start_ns, None
    for event in outer:
        if event.start_ns > cursor:
            gaps.append(IdleGap((cursor - start_ns) / 1000.0, (event.start_ns - cursor) / 1000.0,
                                previous.name if previous else None, event.name))
        covered += max(0, event.end_ns - max(event.start_ns, cursor))
        if event.end_ns > cursor:
            cursor, previous = event.end_ns, event
    if end_ns > cursor and outer:
        gaps.append(IdleGap((cursor - start_ns) / 1000.0, (end_ns - cursor) / 1000.0, previous.name, None))
    gaps.sort(key=lambda g: -g.duration_us)

    peaks = []
    if memory:
        ranked = sorted(range(len(memory)), key=lambda i: -memory[i][2])
        for i in ranked[:top]:
            time_ns, _, live, op = memory[i]
            peaks.append(MemoryPeak((time_ns - start_ns) / 1000.0, live, op))
    return BottleneckReport(wall_us, covered / 1000.0, top_ops, peaks, gaps[:top])
