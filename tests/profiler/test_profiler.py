"""axonml.profiler: every op recorded with its times, shapes, device and memory; tables, traces, reports."""
import json

import numpy as np
import pytest

import axonml
import axonml.nn.functional as F
from axonml import profiler
from axonml.vision.models import LeNet


def _graph_nodes(root):
    """Every backward node under root (AccumulateGrad excluded), each once."""
    seen, stack, nodes = set(), [root], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if node.name() != "AccumulateGrad":
            nodes.append(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return nodes


def _lenet_step(device="cpu"):
    axonml.manual_seed(0)
    model = LeNet().to(device)
    optimizer = axonml.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = axonml.randn(4, 1, 28, 28, device=device)
    y = axonml.randint(0, 10, (4,), device=device)
    return model, optimizer, x, y


def test_lenet_training_step_trace_has_every_op_forward_and_backward(tmp_path, device):
    model, optimizer, x, y = _lenet_step(device)
    with profiler.profile(record_shapes=True, profile_memory=True) as prof:
        loss = F.cross_entropy(model(x), y)
        nodes = _graph_nodes(loss.grad_fn)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    events = prof.events()
    backward = [e for e in events if e.kind == "backward"]
    assert sorted(e.name for e in backward) == sorted(n.name() for n in nodes)
    forward_names = {e.name for e in events if e.kind == "forward"}
    assert {n.name()[:-len("Backward0")] for n in nodes} <= forward_names
    assert {"ConvNd", "MaxPool", "Relu", "Linear", "CrossEntropy"} <= forward_names
    assert any(e.name == "Optimizer.step#SGD.step" and e.kind == "user" for e in events)
    assert all(e.device_type == device.split(":")[0] for e in events if e.kind != "user")

    path = tmp_path / "trace" / "lenet.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(complete) == len(events)
    for event in complete:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "cat"} <= set(event)
        assert event["dur"] >= 0 and event["ts"] >= 0
    assert sum(e["name"].endswith("Backward0") for e in complete) == len(nodes)
    conv = next(e for e in complete if e["name"] == "ConvNd")
    assert conv["args"]["Input Dims"][0] == [4, 1, 28, 28]
    assert any(e["name"] == "[memory]" for e in trace["traceEvents"])


def test_self_and_total_time_of_nested_ranges():
    a = axonml.randn(64, 64, requires_grad=True)
    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            with profiler.record_function("inner"):
                (a @ a).sum().backward()
            a.exp()
    events = {e.name: e for e in prof.events()}
    outer, inner = events["outer"], events["inner"]
    assert inner.parent is outer and outer.depth == 0 and inner.depth == 1
    children = [e for e in prof.events() if e.parent is outer]
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - sum(c.cpu_time_total for c in children), abs=1e-3)
    assert all(e.self_cpu_time_total <= e.cpu_time_total + 1e-9 for e in prof.events())
    assert events["MatmulBackward0"].parent is inner


def test_memory_counts_new_arrays_not_views():
    x = axonml.randn(256, 256)
    with profiler.profile(profile_memory=True) as prof:
        y = x * 2            # a new (256, 256) float32 array
        y.reshape(-1)        # a view: nothing allocated
        y.t()
    by_name = {e.name: e for e in prof.events()}
    assert by_name["Mul"].self_cpu_memory_usage == 256 * 256 * 4
    assert by_name["Reshape"].self_cpu_memory_usage == 0 if "Reshape" in by_name else True
    assert all(e.self_cpu_memory_usage == 0 for e in prof.events() if e.name in ("Transpose", "View"))
    peaks = prof.bottleneck_report().memory_peaks
    assert peaks and peaks[0].live_bytes >= 256 * 256 * 4 and peaks[0].op == "Mul"


def test_key_averages_table_sorts_and_groups_by_shape():
    a, b = axonml.randn(8, 8), axonml.randn(16, 16)
    with profiler.profile(record_shapes=True) as prof:
        for _ in range(3):
            a + a
        b + b
    averages = prof.key_averages()
    add = next(row for row in averages if row.key == "Add")
    assert add.count == 4
    by_shape = prof.key_averages(group_by_input_shape=True)
    assert sorted(row.count for row in by_shape if row.key == "Add") == [1, 3]
    table = averages.table(sort_by="count", row_limit=5)
    assert "Add" in table and "# of Calls" in table and "Self CPU time total" in table
    with pytest.raises(ValueError, match="sort_by"):
        averages.table(sort_by="cuda_time")


def test_bottleneck_report_finds_idle_gaps():
    import time
    a = axonml.randn(32, 32)
    with profiler.profile() as prof:
        a + a
        time.sleep(0.02)
        a * a
    report = prof.bottleneck_report()
    gap = report.idle_gaps[0]
    assert gap.duration_us >= 15_000 and gap.after == "Add" and gap.before == "Mul"
    assert report.top_ops[0].name in ("Add", "Mul")
    assert "Longest gaps" in str(report)


def test_schedule_records_only_active_steps_and_saves_each_cycle(tmp_path):
    saved = []
    a = axonml.randn(4, 4)
    with profiler.profile(schedule=profiler.schedule(wait=1, warmup=1, active=2, repeat=2),
                          on_trace_ready=lambda p: saved.append(len(p.events()))) as prof:
        for step in range(10):
            for _ in range(step + 1):  # step k runs k + 1 additions
                a + a
            prof.step()
    # cycles of 4 steps: steps 2, 3 recorded then saved; steps 6, 7 recorded then saved
    assert saved == [3 + 4, 7 + 8]
    assert profiler.schedule(wait=0, warmup=0, active=1)(5) is profiler.ProfilerAction.RECORD_AND_SAVE
    with pytest.raises(ValueError):
        profiler.schedule(wait=0, warmup=0, active=0)


def test_tensorboard_trace_handler_writes_a_trace(tmp_path):
    with profiler.profile(on_trace_ready=profiler.tensorboard_trace_handler(str(tmp_path), "worker")):
        axonml.randn(3, 3).exp()
    files = list(tmp_path.glob("worker.*.pt.trace.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["traceEvents"]


def test_no_recording_outside_a_profile_and_results_only_after_it():
    prof = profiler.profile()
    with pytest.raises(RuntimeError, match="didn't finish"):
        prof.events()
    with profiler.record_function("nothing"):  # no profile running: a no-op
        axonml.ones(2) + 1
    with prof:
        pass
    assert len(prof.events()) == 0
    with pytest.raises(NotImplementedError):
        profiler.profile(with_flops=True)
    with pytest.raises(TypeError):
        profiler.profile(activities=["cpu"])


def test_exceptions_inside_an_op_close_its_event():
    with profiler.profile() as prof:
        with pytest.raises(RuntimeError):
            axonml.randn(2, 3) @ axonml.randn(4, 5)
        axonml.ones(2) + 1
    assert all(e.parent is None for e in prof.events())


def test_with_stack_records_user_frames():
    with profiler.profile(with_stack=True) as prof:
        axonml.ones(2) + 1
    add = next(e for e in prof.events() if e.name == "Add")
    assert any("test_profiler.py" in frame for frame in add.stack)
    assert not any("/axonml/" in frame.split("(")[0] for frame in add.stack)


def test_decorated_function_is_a_range():
    @profiler.record_function("my_fn")
    def fn(x):
        return x * 3

    with profiler.profile() as prof:
        np.testing.assert_array_equal(fn(axonml.ones(2)).numpy(), [3, 3])
    names = [e.name for e in prof.events()]
    assert "my_fn" in names and "Mul" in names
