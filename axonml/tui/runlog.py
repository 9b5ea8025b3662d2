"""A run's metrics log, followed incrementally: what the training and graphs views draw.

:class:`RunLog` re-reads only what was appended since the last :meth:`RunLog.poll`, keeps a
half-written last line for the next poll, and starts over when the file is replaced or truncated
(a new run in the same directory). It reads a plain file, so it follows a run written by another
process, on this host or (through the filesystem the dashboard runs on) another one over SSH.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass, field

__all__ = ["METRICS_FILE", "CONFIG_FILES", "METRICS", "RunLog", "find_metrics_file", "find_runs", "value_of"]

METRICS_FILE = "metrics.jsonl"
CONFIG_FILES = ("config.json", "config.toml")

# a metric shown in the dashboard, and the record fields that may hold it (first match wins)
METRICS = {
    "loss": ("loss",),
    "accuracy": ("accuracy", "acc"),
    "lr": ("lr", "learning_rate"),
    "samples/s": ("samples_per_second", "samples_per_s", "samples_per_sec", "samples/s", "throughput"),
}


def value_of(record: dict, metric: str) -> float | None:
    """The record's value of a dashboard metric (see :data:`METRICS`), or None."""
    for field in METRICS.get(metric, (metric,)):
        value = record.get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def find_metrics_file(path: str) -> str:
    """The metrics log of a run: `path` itself if it is a file, else ``path/metrics.jsonl`` (which may not
    exist yet: the dashboard waits for it), else the only ``*.jsonl`` in the directory."""
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise FileNotFoundError(f"no such run directory or metrics log: {path}")
    candidate = os.path.join(path, METRICS_FILE)
    if not os.path.exists(candidate):
        logs = sorted(name for name in os.listdir(path) if name.endswith(".jsonl"))
        if len(logs) == 1:
            return os.path.join(path, logs[0])
    return candidate


def find_runs(root: str, max_depth: int = 3) -> list[str]:
    """Run directories under root (root included): those holding a metrics log, sorted by path."""
    runs = []
    root_depth = os.path.abspath(root).rstrip(os.sep).count(os.sep)
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        if os.path.abspath(directory).count(os.sep) - root_depth >= max_depth:
            subdirectories[:] = []
        if METRICS_FILE in files:
            runs.append(os.path.normpath(directory))
    return sorted(runs)


def _read_config(directory: str) -> dict:
    for name in CONFIG_FILES:
        path = os.path.join(directory, name)
        try:
            if name.endswith(".json"):
                with open(path, "r", encoding="utf-8") as f:
                    config = json.load(f)
            else:
                import tomllib
                with open(path, "rb") as f:
                    config = tomllib.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(config, dict):
            return config
    return {}


@dataclass
class Progress:
    """Where a run stands, from its last records and its config."""
    records: int = 0
    epoch: int | None = None
    epochs: int | None = None
    step: int | None = None
    split: str | None = None
    last: dict[str, dict[str, float]] = field(default_factory=dict)  # split -> metric -> last value
    lr: float | None = None
    samples_per_second: float | None = None
    elapsed: float | None = None
    updated: float | None = None  # wall time of the last record

    @property
    def fraction(self) -> float | None:
        """Epochs done / epochs in total, when both are known."""
        if self.epoch is None or not self.epochs:
            return None
        return min(1.0, max(0.0, self.epoch / self.epochs))


class RunLog:
    """The records of one run's metrics log, updated by :meth:`poll`.

    Args:
        path: a run directory (its ``metrics.jsonl``) or a metrics log file. The file need not exist yet.

    Attributes:
        records: every complete record so far, in file order.
        skipped: lines that were not JSON objects (left out, counted).
        config: the run's resolved config (``config.json`` or ``config.toml`` beside the log), or {}.
        error: why the last poll could not read the log (None if it could, or if the log does not exist yet).
    """

    def __init__(self, path: str):
        self.path = find_metrics_file(path)
        self.directory = os.path.dirname(os.path.abspath(self.path))
        self.name = os.path.basename(self.directory) if os.path.basename(self.path) == METRICS_FILE \
            else os.path.basename(self.path)
        self.records: list[dict] = []
        self.skipped = 0
        self.config: dict = {}
        self._position = 0
        self._pending = ""
        self._identity = None
        self._state = Progress()
        self.error: str | None = None
        self.poll()

    def poll(self) -> int:
        """Read what was appended since the last poll; the number of new records (0 if none)."""
        try:
            with open(self.path, "r", encoding="utf-8", errors="replace") as f:
                status = os.fstat(f.fileno())
                identity = (status.st_dev, status.st_ino)
                if identity != self._identity or status.st_size < self._position:
                    self._reset(identity)
                f.seek(self._position)
                chunk = f.read()
                self._position = f.tell()
        except OSError as error:  # not there yet, or unreadable for now: the next poll tries again
            self.error = None if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
            return 0
        self.error = None
        if not self.config:
            self.config = _read_config(self.directory)
        self._pending += chunk
        *lines, self._pending = self._pending.split("\n")
        added = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                self.records.append(record)
                self._advance(record)
                added += 1
            else:
                self.skipped += 1
        return added

    def _reset(self, identity) -> None:
        self.records, self.skipped, self._position, self._pending = [], 0, 0, ""
        self._state = Progress()
        self._identity = identity
        self.config = {}

    def splits(self) -> list[str]:
        """The splits the log has records for, in order of first appearance ('train' before 'test' ...)."""
        seen = []
        for record in self.records:
            split = str(record.get("split", "train"))
            if split not in seen:
                seen.append(split)
        return seen

    def series(self, metric: str, split: str | None = None) -> list[tuple[float, float]]:
        """(x, value) of a metric over the run, for one split (all if None). x is the record's step when
        every such record has one, else its epoch, else its position in the log. Where a split has both
        per-step records and per-epoch summaries (``kind`` "step" and "epoch", as ``axonml train`` writes),
        the curve is the per-step one."""
        chosen = [r for r in self.records
                  if (split is None or str(r.get("split", "train")) == split) and value_of(r, metric) is not None]
        if any(r.get("kind") == "step" for r in chosen):  # per-step records: leave out the per-epoch summaries
            chosen = [r for r in chosen if r.get("kind") != "epoch"]
        for axis in ("step", "epoch"):
            if chosen and all(isinstance(r.get(axis), (int, float)) for r in chosen):
                return [(float(r[axis]), value_of(r, metric)) for r in chosen]
        return [(float(i), value_of(r, metric)) for i, r in enumerate(chosen)]

    def progress(self) -> Progress:
        """The run's last state: last epoch and step, the last loss and accuracy of each split, the last learning
        rate and throughput, the time since the logger opened; the epochs in total from the config."""
        state = dataclasses.replace(self._state, last={k: dict(v) for k, v in self._state.last.items()})
        epochs = self.config.get("epochs")
        state.epochs = int(epochs) if isinstance(epochs, (int, float)) and epochs > 0 else None
        return state

    def _advance(self, record: dict) -> None:
        """Fold one new record into the running state (so that a long log is not re-read at every poll)."""
        state = self._state
        state.records += 1
        if isinstance(record.get("epoch"), (int, float)):
            state.epoch = int(record["epoch"])
        if isinstance(record.get("step"), (int, float)):
            state.step = int(record["step"])
        state.split = str(record.get("split", "train"))
        for metric in ("loss", "accuracy"):
            value = value_of(record, metric)
            if value is not None:
                state.last.setdefault(state.split, {})[metric] = value
        for metric, attribute in (("lr", "lr"), ("samples/s", "samples_per_second")):
            value = value_of(record, metric)
            if value is not None:
                setattr(state, attribute, value)
        for name, attribute in (("elapsed", "elapsed"), ("time", "updated")):
            if isinstance(record.get(name), (int, float)):
                setattr(state, attribute, float(record[name]))

    def seconds_since_update(self, now: float | None = None) -> float | None:
        """Seconds since the log file last changed (how stale the run is), None if it does not exist."""
        try:
            return (time.time() if now is None else now) - os.path.getmtime(self.path)
        except OSError:
            return None
