"""The files view's model: the entries of a directory that matter to a user of runs, and a description of one.

Directories are marked as runs (they hold a metrics log) or checkpoint directories (a
``checkpoints.json`` manifest); files as models (a suffix ``axonml inspect`` reads), logs or configs.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from .runlog import CONFIG_FILES, METRICS_FILE, RunLog

__all__ = ["Entry", "list_directory", "describe_entry", "MODEL_SUFFIXES", "human_size"]

MODEL_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin", ".ckpt", ".axonml", ".gguf", ".onnx")


@dataclass(frozen=True)
class Entry:
    """One row of the files view. kind: "parent", "run", "checkpoints", "dir", "model", "log", "config" or "file"."""
    name: str
    path: str
    kind: str
    size: int | None = None
    modified: float | None = None


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("B", "K", "M", "G"):
        if size < 1024 or unit == "G":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return ""


def _kind(path: str, name: str, is_dir: bool) -> str:
    if is_dir:
        if os.path.exists(os.path.join(path, METRICS_FILE)):
            return "run"
        if os.path.exists(os.path.join(path, "checkpoints.json")):
            return "checkpoints"
        return "dir"
    lower = name.lower()
    if lower.endswith(MODEL_SUFFIXES):
        return "model"
    if lower.endswith(".jsonl"):
        return "log"
    if name in CONFIG_FILES or lower.endswith((".toml", ".json")):
        return "config"
    return "file"


def list_directory(directory: str, show_hidden: bool = False) -> list[Entry]:
    """The entries of `directory`: its parent first, then directories, then files, each group by name."""
    entries = []
    parent = os.path.dirname(os.path.abspath(directory))
    if parent != os.path.abspath(directory):
        entries.append(Entry("..", parent, "parent"))
    with os.scandir(directory) as scan:
        found = []
        for item in scan:
            if item.name.startswith(".") and not show_hidden:
                continue
            try:
                is_dir = item.is_dir()
                status = item.stat()
            except OSError:
                continue
            found.append(Entry(item.name, item.path, _kind(item.path, item.name, is_dir),
                               None if is_dir else status.st_size, status.st_mtime))
    found.sort(key=lambda e: (e.kind not in ("run", "checkpoints", "dir"), e.name.lower()))
    return entries + found


def _age(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length:
            return f"{seconds / length:.0f}{unit} ago"
    return f"{seconds:.0f}s ago"


def describe_entry(entry: Entry, max_lines: int = 200) -> list[str]:
    """Lines describing an entry: a model file's tensors (through ``axonml inspect``), a run's progress and
    config, a checkpoint manifest, the head of a text file."""
    if entry.kind in ("run", "checkpoints", "dir", "parent"):
        return _describe_directory(entry)[:max_lines]
    if entry.kind == "model":
        from ..cli.errors import CommandError
        from ..cli.inspect import describe
        try:
            info = describe(entry.path)
        except CommandError as error:
            return [f"cannot read {entry.name}: {error}"]
        lines = [f"{entry.name}: {info['format']}",
                 f"{len(info['tensors'])} tensors, {info['parameters']:,} parameters", ""]
        width = max((len(row["name"]) for row in info["tensors"]), default=0)
        lines += [f"{row['name']:<{width}}  {row['dtype']:<8} {list(row['shape'])}" for row in info["tensors"]]
        metadata = {k: v for k, v in (info.get("metadata") or {}).items() if not k.startswith("extra.history")}
        if metadata:
            lines += ["", "metadata:"] + [f"  {k}: {str(v)[:120]}" for k, v in metadata.items()]
        return lines[:max_lines]
    try:
        with open(entry.path, "r", encoding="utf-8", errors="replace") as f:
            head = [line.rstrip("\n") for _, line in zip(range(max_lines), f)]
    except OSError as error:
        return [f"cannot read {entry.name}: {error.strerror}"]
    return [f"{entry.name}: {human_size(entry.size)}", ""] + head


def _describe_directory(entry: Entry) -> list[str]:
    lines = [f"{entry.name}/  ({entry.kind})"]
    if entry.kind == "run":
        log = RunLog(entry.path)
        state = log.progress()
        lines.append(f"{state.records} records in {METRICS_FILE}"
                     + (f", {log.skipped} unreadable lines" if log.skipped else ""))
        if state.epoch is not None:
            lines.append(f"epoch {state.epoch}" + (f" of {state.epochs}" if state.epochs else "")
                         + (f", step {state.step}" if state.step is not None else ""))
        for split, values in state.last.items():
            lines.append(f"last {split}: " + "  ".join(f"{k} {v:.6g}" for k, v in values.items()))
        if state.lr is not None:
            lines.append(f"last lr: {state.lr:.6g}")
        stale = log.seconds_since_update()
        if stale is not None:
            lines.append(f"log updated {_age(max(stale, 0.0))}")
        if log.config:
            lines += ["", "config:"] + [f"  {k} = {json.dumps(v)}" for k, v in sorted(log.config.items())]
    manifest = os.path.join(entry.path, "checkpoints.json")
    if os.path.exists(manifest):
        try:
            from ..serialize import CheckpointManager
            checkpoints = CheckpointManager(entry.path, max_to_keep=None).checkpoints()
            lines += ["", "checkpoints:"] + [
                f"  {os.path.basename(c.path)}  epoch {c.epoch}  "
                + " ".join(f"{k}={v:.4g}" for k, v in c.metrics.items())
                for c in checkpoints]
        except (ValueError, OSError) as error:
            lines.append(f"checkpoints.json unreadable: {error}")
    try:
        children = list_directory(entry.path)
    except OSError as error:
        return lines + [f"cannot list: {error.strerror}"]
    listed = [c for c in children if c.kind != "parent"]
    lines += ["", f"{len(listed)} entries:"] + [
        f"  {c.name}{'/' if c.size is None else ''}  {human_size(c.size)}  "
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(c.modified)) if c.modified else ''}" for c in listed[:40]]
    return lines
