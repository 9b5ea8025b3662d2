"""A bounded HTTP load generator: a fixed number of requests over keep-alive connections, then it stops.

Used by the serving benchmark (and usable against any server): ``concurrency`` connections each
send the same request, wait for the answer and send the next, until ``total`` requests have been
answered. It records each answer's status and latency; a connection the server closes is
reopened and its request counted as a connection error.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import time

__all__ = ["LoadResult", "run_load"]


@dataclasses.dataclass
class LoadResult:
    """Statuses answered, latencies (seconds, of answered requests), connection errors and wall time."""

    statuses: collections.Counter
    latencies: list
    connection_errors: int
    wall_s: float

    @property
    def throughput(self) -> float:
        """Answered requests per second."""
        return len(self.latencies) / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in seconds (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]

    def count(self, low: int, high: int) -> int:
        """Answers with a status in [low, high)."""
        return sum(n for status, n in self.statuses.items() if low <= status < high)


def _request_bytes(host: str, port: int, method: str, path: str, body: bytes, headers: dict) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection open), the body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, keep_alive = 0, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    if length:
        await reader.readexactly(length)
    return status, keep_alive


async def _load(host, port, request: bytes, total: int, concurrency: int, timeout_s: float) -> LoadResult:
    statuses, latencies = collections.Counter(), []
    errors = 0
    remaining = total

    async def connection():
        nonlocal remaining, errors
        reader = writer = None
        while remaining > 0:
            remaining -= 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                start = time.perf_counter()
                writer.write(request)
                status, keep_alive = await asyncio.wait_for(_read_response(reader), timeout_s)
                latencies.append(time.perf_counter() - start)
                statuses[status] += 1
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                    ValueError, IndexError):
                errors += 1
                keep_alive = False
            if not keep_alive and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return LoadResult(statuses, latencies, errors, time.perf_counter() - start)


def run_load(host: str, port: int, path: str, body: bytes = b"", headers: dict | None = None, *, total: int = 2000,
             concurrency: int = 50, method: str = "POST", timeout_s: float = 30.0) -> LoadResult:
    """Send total requests over concurrency keep-alive connections and return what came back.

    Example::

        >>> result = run_load("127.0.0.1", 8080, "/predict", body, {"Content-Type": "application/json"})
        >>> result.throughput, result.percentile(99), result.statuses
    """
    request = _request_bytes(host, port, method, path, body, headers or {})
    return asyncio.run(_load(host, port, request, total, concurrency, timeout_s))
