"""axonml.profiler: where the time and memory of a run go, with torch.profiler's API.

``profile`` records every op the block runs, forward and backward, with its self and total time,
input shapes, device and the memory it allocates; ``record_function`` labels ranges;
``key_averages().table(...)`` summarises; ``export_chrome_trace`` writes a trace that Perfetto and
chrome://tracing open; ``bottleneck_report()`` names the top ops, the memory peaks and the gaps
where no op ran.
"""
from .bottleneck import BottleneckReport
from .events import EventList, FunctionEvent, FunctionEventAvg
from .profile import (ProfilerAction, ProfilerActivity, profile, record_function, schedule, supported_activities,
                      tensorboard_trace_handler)

__all__ = ["profile", "record_function", "schedule", "ProfilerActivity", "ProfilerAction",
           "tensorboard_trace_handler", "supported_activities", "EventList", "FunctionEvent", "FunctionEventAvg",
           "BottleneckReport"]
