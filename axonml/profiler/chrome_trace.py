"""Chrome trace export: the JSON that chrome://tracing and Perfetto (ui.perfetto.dev) open.

Every event is a complete event ("ph": "X") with its start and duration in microseconds from
the start of the profile; memory records are instant events named "[memory]", as torch.profiler
writes them.
"""
from __future__ import annotations

import json
import os

__all__ = ["trace_events", "write_chrome_trace"]

_CATEGORY = {"forward": "cpu_op", "backward": "cpu_op", "user": "user_annotation"}


def trace_events(events, memory, start_ns: int) -> list[dict]:
    pid = os.getpid()
    out = []
    for event in sorted(events, key=lambda e: (e.start_ns, e.depth)):
        args = {"device": event.device_type, "pass": event.kind}
        if event.input_shapes:
            args["Input Dims"] = event.input_shapes
        if event.cpu_memory_usage:
            args["CPU Mem"] = event.cpu_memory_usage
        if event.stack:
            args["Call stack"] = ";".join(event.stack)
        out.append({"name": event.name, "cat": _CATEGORY[event.kind], "ph": "X", "pid": pid, "tid": event.thread,
                    "ts": (event.start_ns - start_ns) / 1000.0, "dur": (event.end_ns - event.start_ns) / 1000.0,
                    "args": args})
    for time_ns, delta, live, _ in memory:
        out.append({"name": "[memory]", "cat": "cpu_instant_event", "ph": "i", "s": "t", "pid": pid, "tid": 0,
                    "ts": (time_ns - start_ns) / 1000.0, "args": {"Bytes": delta, "Total Allocated": live}})
    return out


def write_chrome_trace(events, memory, path: str, start_ns: int | None = None) -> None:
    if start_ns is None:
        start_ns = min((e.start_ns for e in events), default=0)
    document = {"traceEvents": trace_events(events, memory, start_ns), "displayTimeUnit": "ms"}
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(document, f)
    os.replace(temporary, path)
