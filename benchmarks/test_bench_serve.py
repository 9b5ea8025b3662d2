"""`axonml serve` under load: throughput, latency, batches formed, overload, and the cost of the server.

    pytest benchmarks/test_bench_serve.py -s

A LeNet (1x28x28 inputs) archive is served by `python -m axonml serve` in a subprocess on
127.0.0.1; :func:`axonml.serve.loadgen.run_load` sends a bounded load (2,000 JSON /predict
requests over 50 keep-alive connections, stopping by itself) from this process. Each load runs
ROUNDS times and the medians are reported (extra_info and printed):

- dynamic batching (--max-batch-size 32): requests/s, p50/p99 latency, the batch sizes formed
  (from /metrics), and no 5xx; also with raw float32 bodies instead of JSON;
- the same load with --max-batch-size 1: the throughput gain of batching is the ratio;
- overload: a queue of 8 under 200 connections answers 503 (with Retry-After) instead of growing,
  then serves a normal load again with only 200s;
- overhead: one request at a time over one connection (--batch-timeout-ms 0, so that a lone
  request does not wait for others), alternating with calls of the model directly on one sample
  (timed by pytest-benchmark): the difference is the server's cost per request, in wall time and
  in CPU time (the server process's, from /proc, against the direct call's).

The load generator and the server share the machine's cores, so the absolute numbers are lower
than a server alone on the machine would reach; the ratios are what to compare.
"""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import http.client

import numpy as np
import pytest

import axonml
from axonml.serve.loadgen import run_load

TOTAL = int(os.environ.get("AXONML_BENCH_SERVE_REQUESTS", "2000"))
CONCURRENCY = 50
ROUNDS = int(os.environ.get("AXONML_BENCH_SERVE_ROUNDS", "3"))
JSON = {"Content-Type": "application/json"}
RAW = {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "1,28,28", "X-Tensor-Dtype": "float32"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, path, *flags):
        self.port = _free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "axonml", "serve", str(path), "--port", str(self.port),
                                         "--log-level", "warning", *flags])
        deadline = time.monotonic() + 120
        while self._get("/health/ready")[0] != 200:
            assert time.monotonic() < deadline and self.process.poll() is None, "the server did not start"
            time.sleep(0.2)

    def _get(self, path):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        except OSError:
            return None, ""

    def batch_sizes(self) -> dict:
        """{batch size bucket: batches} from the server's batch-size histogram."""
        text = self._get("/metrics")[1]
        cumulative = [(float(le), float(n)) for le, n in re.findall(r'axonml_batch_size_bucket\{le="([^"+]+)"\} (\S+)',
                                                                      text)]
        counts, previous = {}, 0.0
        for le, n in cumulative:
            if n - previous:
                counts[f"<={int(le)}"] = int(n - previous)
            previous = n
        return counts

    def load(self, body, total=TOTAL, concurrency=CONCURRENCY, headers=JSON):
        return run_load("127.0.0.1", self.port, "/predict", body, headers, total=total, concurrency=concurrency)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(60) == 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    from axonml.vision.models import LeNet
    axonml.manual_seed(0)
    model = LeNet().eval()
    path = tmp_path_factory.mktemp("serve-bench") / "lenet.axonml"
    axonml.serialize.save_archive(model, str(path))
    sample = np.random.default_rng(0).standard_normal((1, 28, 28)).astype(np.float32)
    return model, path, sample, json.dumps({"inputs": sample.tolist()}).encode()


def _rounds(server, body, **kwargs):
    """Medians over ROUNDS loads: requests/s, p50 and p99 in ms, and every status seen."""
    results = [server.load(body, **kwargs) for _ in range(ROUNDS)]
    statuses = {}
    for result in results:
        for status, n in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    return {"requests_per_s": statistics.median(r.throughput for r in results),
            "p50_ms": statistics.median(r.percentile(50) for r in results) * 1e3,
            "p99_ms": statistics.median(r.percentile(99) for r in results) * 1e3,
            "statuses": statuses, "connection_errors": sum(r.connection_errors for r in results)}


@pytest.fixture(scope="module")
def batched_and_unbatched(lenet):
    _, path, sample, body = lenet
    figures = {}
    for name, batch_size in (("dynamic", "32"), ("batch size 1", "1")):
        server = _Server(path, "--max-batch-size", batch_size)
        try:
            server.load(body, total=200)                       # warm-up
            figures[name] = _rounds(server, body)
            figures[name]["batches_formed"] = server.batch_sizes()
            if name == "dynamic":
                figures["dynamic, raw tensors"] = _rounds(server, sample.tobytes(), headers=RAW)
        finally:
            server.stop()
    return figures


def test_load_with_dynamic_batching(batched_and_unbatched, benchmark):
    figures, raw = batched_and_unbatched["dynamic"], batched_and_unbatched["dynamic, raw tensors"]
    print(f"\nserve, dynamic batching (max 32): {figures}\nthe same with raw float32 bodies: {raw}")
    benchmark.extra_info.update({k: v for k, v in figures.items() if k != "statuses"})
    benchmark.extra_info["raw_tensors"] = {k: v for k, v in raw.items() if k != "statuses"}
    benchmark.pedantic(lambda: None, rounds=1)
    assert set(figures["statuses"]) == {200} and figures["connection_errors"] == 0
    assert set(raw["statuses"]) == {200} and raw["connection_errors"] == 0


def test_throughput_gain_of_dynamic_batching(batched_and_unbatched, benchmark):
    dynamic, single = batched_and_unbatched["dynamic"], batched_and_unbatched["batch size 1"]
    gain = dynamic["requests_per_s"] / single["requests_per_s"]
    print(f"\nserve, --max-batch-size 1: {single}\nthroughput gain of dynamic batching: {gain:.2f}x "
          f"(p50 {dynamic['p50_ms']:.1f} ms vs {single['p50_ms']:.1f} ms)")
    benchmark.extra_info.update({"batch_size_1": {k: v for k, v in single.items() if k != "statuses"},
                                 "throughput_gain": gain})
    benchmark.pedantic(lambda: None, rounds=1)
    assert set(single["statuses"]) == {200}


def test_overload_answers_503_and_recovers(lenet, benchmark):
    _, path, _, body = lenet
    server = _Server(path, "--max-queue", "8")
    try:
        overloaded = server.load(body, concurrency=200)
        after = server.load(body, total=500, concurrency=8)
    finally:
        server.stop()
    figures = {"overloaded_statuses": dict(overloaded.statuses), "overloaded_requests_per_s": overloaded.throughput,
               "overloaded_p99_ms": overloaded.percentile(99) * 1e3, "after_statuses": dict(after.statuses)}
    print(f"\nserve, queue of 8 under 200 connections: {figures}")
    benchmark.extra_info.update(figures)
    benchmark.pedantic(lambda: None, rounds=1)
    assert overloaded.statuses[503] > 0 and set(overloaded.statuses) <= {200, 503}
    assert set(after.statuses) == {200} and after.connection_errors == 0


def test_overhead_per_request(lenet, benchmark):
    """Each timed direct call is preceded by one served request (pytest-benchmark's setup), so the two
    alternate and a change in the machine's load reaches both."""
    model, path, sample, body = lenet
    batch = axonml.from_numpy(sample[None])
    served = []

    def direct():
        with axonml.no_grad():
            model(batch).numpy()

    server = _Server(path, "--batch-timeout-ms", "0")     # a lone request would otherwise wait 5 ms for company
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)   # one keep-alive connection

    def served_once():
        start = time.perf_counter()
        connection.request("POST", "/predict", body, JSON)
        response = connection.getresponse()
        response.read()
        served.append(time.perf_counter() - start)
        assert response.status == 200

    try:
        for _ in range(50):
            served_once()
        served.clear()
        benchmark.pedantic(direct, setup=served_once, rounds=300, warmup_rounds=20)
        # CPU time, which waiting for a busy machine's cores does not inflate: the server process's per
        # request against this process's per direct call
        before = _cpu_seconds(server.process.pid)
        for _ in range(300):
            served_once()
        server_cpu_ms = (_cpu_seconds(server.process.pid) - before) / 300 * 1e3
        start = time.process_time()
        for _ in range(300):
            direct()
        direct_cpu_ms = (time.process_time() - start) / 300 * 1e3
    finally:
        connection.close()
        server.stop()
    direct_ms = benchmark.stats.stats.median * 1e3
    served_ms = statistics.median(served) * 1e3
    figures = {"direct_ms": direct_ms, "served_p50_ms": served_ms, "overhead_ms": served_ms - direct_ms,
               "ratio": served_ms / direct_ms, "direct_cpu_ms": direct_cpu_ms, "server_cpu_ms": server_cpu_ms,
               "overhead_cpu_ms": server_cpu_ms - direct_cpu_ms}
    print(f"\nserve, one request at a time: {figures}")
    benchmark.extra_info.update(figures)
