"""Run logs that another process can follow: a metrics log as JSON lines, and the run's resolved config.

A training run writes one JSON object per line (step, epoch, split, loss, accuracy, learning rate,
samples/s, wall time ...), appended and flushed as it goes, so a dashboard, a plot or a second
terminal reads it while the run is going. :func:`read_metrics` tolerates the half-written last
line of a file that is being appended to; :func:`follow` yields records as they arrive.

Example::

    >>> with MetricsLogger("runs/exp/metrics.jsonl") as log:
    ...     for step, (x, y) in enumerate(loader):
    ...         loss = train_step(x, y)
    ...         log.log(step=step, epoch=epoch, split="train", loss=loss.item(), lr=optimizer.param_groups[0]["lr"])
"""
from __future__ import annotations

import json
import math
import os
import time
from typing import Any, Iterator

__all__ = ["MetricsLogger", "read_metrics", "follow", "write_config", "read_config"]


def _plain(value: Any) -> Any:
    """A JSON-ready value: numbers (a 0-d tensor or a NumPy scalar too), strings, bools, None, lists, dicts.
    A non-finite float becomes null: JSON has no NaN, and a log must stay readable by any parser."""
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise TypeError(f"MetricsLogger: cannot log a value of type {type(value).__name__}")


class MetricsLogger:
    """Append metrics records to a JSON-lines file, one flushed line per :meth:`log`.

    Args:
        path: the log file; its directory is created. An existing log is appended to (a resumed run
            continues its log).
        fsync: also fsync after each line (survives a machine crash, at the cost of a disk sync per line).

    Each record gets ``time`` (seconds since the epoch) and ``elapsed`` (seconds since the logger
    was opened) unless given.
    """

    def __init__(self, path: str | os.PathLike, fsync: bool = False):
        self.path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        self.fsync = fsync
        self._start = time.time()
        self._file = open(self.path, "a", encoding="utf-8")

    def log(self, **fields: Any) -> dict:
        """Write one record (keyword fields: step=, epoch=, split=, loss= ...) and return it."""
        if self._file.closed:
            raise ValueError("MetricsLogger: the log is closed")
        now = time.time()
        record = {"time": round(now, 6), "elapsed": round(now - self._start, 6)}
        record.update({key: _plain(value) for key, value in fields.items()})
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        return record

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "MetricsLogger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_metrics(path: str | os.PathLike) -> list[dict]:
    """Every complete record of a metrics log. A last line without its newline (a write in progress) is left
    out; any other line that is not a JSON object is a ValueError naming the line."""
    records = []
    with open(path, "r", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.endswith("\n"):
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{os.fspath(path)}:{number}: not a JSON record ({error.msg})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{os.fspath(path)}:{number}: a record must be a JSON object")
            records.append(record)
    return records


def follow(path: str | os.PathLike, poll: float = 0.2, timeout: float | None = None) -> Iterator[dict]:
    """Yield the records of a metrics log as they are appended (from the beginning), like ``tail -f``.

    Stops after `timeout` seconds without a new record (never, if None). The file may not exist yet.
    """
    position, pending, last = 0, "", time.monotonic()
    while True:
        try:
            with open(path, "r", encoding="utf-8") as f:
                f.seek(position)
                chunk = f.read()
                position = f.tell()
        except FileNotFoundError:
            chunk = ""
        pending += chunk
        *lines, pending = pending.split("\n")
        for line in lines:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    last = time.monotonic()
                    yield record
        if timeout is not None and time.monotonic() - last > timeout:
            return
        if not lines:
            time.sleep(poll)


def write_config(path: str | os.PathLike, config: dict) -> None:
    """Write a run's resolved settings as JSON, atomically (a reader never sees half a file)."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(_plain(config), f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(temporary, path)


def read_config(path: str | os.PathLike) -> dict:
    with open(path, "r", encoding="utf-8") as f:
        config = json.load(f)
    if not isinstance(config, dict):
        raise ValueError(f"{os.fspath(path)}: a run config must be a JSON object")
    return config
