"""CheckpointManager: crash-safe training checkpoints with max-to-keep, best-model tracking and resume.

A checkpoint directory holds one file per checkpoint (``checkpoint-<step>.safetensors``, written
by ``axonml.save``) and a manifest, ``checkpoints.json``, that lists the committed ones. A save
writes the checkpoint to a temporary file, fsyncs it, renames it into place and fsyncs the
directory; only then is the manifest rewritten the same way. The manifest is the commit marker:
a checkpoint that is not in it does not exist, so a crash at any point leaves the previous
manifest and every checkpoint it lists intact. Old checkpoints are deleted only after the
manifest that drops them is on disk.
"""
from __future__ import annotations

import json
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .safetensors_io import atomic_write

__all__ = ["CheckpointManager", "CheckpointInfo"]

MANIFEST = "checkpoints.json"
_MANIFEST_VERSION = 1
_NAME = re.compile(r"^checkpoint-(\d+)\.safetensors$")
_TEMPORARY = re.compile(r"^\.axonml-.*\.tmp$")


@dataclass(frozen=True)
class CheckpointInfo:
    """One committed checkpoint: its file, step, epoch, metrics and when it was written."""

    path: str
    step: int
    epoch: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    time: float = 0.0


class CheckpointManager:
    """Save and restore training state atomically, keeping the newest ``max_to_keep`` (and the best).

    Each checkpoint holds the model's and optimizer's state dicts, the scheduler's, the step and
    epoch, the data sampler's position (whatever the caller passes as ``sampler_state``), the
    RNG states (axonml's default generator, NumPy's global one and Python's ``random``, plus any
    generators passed in) and free-form ``extra`` data.

    Args:
        directory (str or os.PathLike): where checkpoints live; created if missing.
        max_to_keep (int or None): how many of the newest checkpoints to keep; None keeps all.
            Default: 5.
        keep_best (str or None): a metric name: the checkpoint with the best value of it is kept
            besides the newest ones, and is what :meth:`best` returns. Default: None.
        mode (str): ``"min"`` or ``"max"``: which value of ``keep_best`` is best. Default: ``"min"``.

    Example::

        >>> manager = CheckpointManager("runs/exp1", max_to_keep=3, keep_best="val_loss")
        >>> manager.save(step, model=model, optimizer=optimizer, epoch=epoch, metrics={"val_loss": loss},
        ...              sampler_state={"epoch": epoch, "batch": batch})
        >>> state = manager.restore(model=model, optimizer=optimizer)   # the latest one
        >>> state["sampler_state"]
    """

    def __init__(self, directory: str | os.PathLike, max_to_keep: int | None = 5, keep_best: str | None = None,
                 mode: str = "min"):
        if max_to_keep is not None and (not isinstance(max_to_keep, int) or max_to_keep < 1):
            raise ValueError(f"max_to_keep must be a positive integer or None, got {max_to_keep!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if keep_best is not None and not isinstance(keep_best, str):
            raise TypeError(f"keep_best must be a metric name or None, got {type(keep_best).__name__}")
        self.directory = os.fspath(directory)
        self.max_to_keep = max_to_keep
        self.keep_best = keep_best
        self.mode = mode

    # -- the manifest ------------------------------------------------------------------------------

    @property
    def _manifest_path(self) -> str:
        return os.path.join(self.directory, MANIFEST)

    def checkpoints(self) -> list[CheckpointInfo]:
        """The committed checkpoints, oldest first."""
        try:
            with open(self._manifest_path, "rb") as f:
                document = json.loads(f.read())
        except FileNotFoundError:
            return []
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
            raise ValueError(f"'{self._manifest_path}' is not a valid checkpoint manifest: {error}") from None
        if not isinstance(document, dict) or not isinstance(document.get("checkpoints"), list):
            raise ValueError(f"'{self._manifest_path}' is not a valid checkpoint manifest")
        if not isinstance(document.get("version"), int) or document["version"] > _MANIFEST_VERSION:
            raise ValueError(f"'{self._manifest_path}' has manifest version {document.get('version')!r}; this axonml "
                             f"reads version {_MANIFEST_VERSION}")
        return [self._info(entry) for entry in document["checkpoints"]]

    def _info(self, entry) -> CheckpointInfo:
        bad = ValueError(f"'{self._manifest_path}' holds a malformed entry {str(entry)[:80]}")
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or not _NAME.match(entry["file"]):
            raise bad
        step, epoch, metrics = entry.get("step"), entry.get("epoch"), entry.get("metrics", {})
        if not isinstance(step, int) or not (epoch is None or isinstance(epoch, int)) or not isinstance(metrics, dict):
            raise bad
        return CheckpointInfo(os.path.join(self.directory, entry["file"]), step, epoch, metrics,
                              float(entry.get("time", 0.0)))

    def _write_manifest(self, infos: list[CheckpointInfo]) -> None:
        document = {"version": _MANIFEST_VERSION, "checkpoints": [
            {"file": os.path.basename(info.path), "step": info.step, "epoch": info.epoch, "metrics": info.metrics,
             "time": info.time} for info in infos]}
        with atomic_write(self._manifest_path) as temporary:
            with open(temporary, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=1)

    def latest(self) -> CheckpointInfo | None:
        """The newest committed checkpoint, or None if there is none."""
        infos = self.checkpoints()
        return infos[-1] if infos else None

    def best(self) -> CheckpointInfo | None:
        """The committed checkpoint with the best ``keep_best`` metric (None without keep_best or such metrics)."""
        if self.keep_best is None:
            return None
        scored = [info for info in self.checkpoints() if _is_number(info.metrics.get(self.keep_best))]
        if not scored:
            return None
        pick = min if self.mode == "min" else max
        return pick(scored, key=lambda info: info.metrics[self.keep_best])

    # -- saving -------------------------------------------------------------------------------------

    def save(self, step: int | None = None, *, model=None, optimizer=None, scheduler=None, epoch: int | None = None,
             metrics: dict[str, float] | None = None, sampler_state: Any = None, extra: Any = None,
             generators: dict[str, Any] | None = None) -> CheckpointInfo:
        """Write a checkpoint and commit it; then delete the ones no longer kept.

        Args:
            step (int, optional): the checkpoint's number. Default: one more than the latest's.
            model, optimizer, scheduler: objects with ``state_dict()`` (any may be None).
            epoch (int, optional): the epoch, stored in the manifest too.
            metrics (dict, optional): numbers by name (``keep_best`` looks here).
            sampler_state: where the data pipeline is (e.g. ``{"epoch": 3, "batch": 120}``).
            extra: any other data ``axonml.save`` can store.
            generators (dict, optional): ``axonml.Generator`` objects by name whose states to keep.

        Returns:
            CheckpointInfo: the committed checkpoint.
        """
        os.makedirs(self.directory, exist_ok=True)
        infos = self.checkpoints()
        if step is None:
            step = infos[-1].step + 1 if infos else 0
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise ValueError(f"step must be a non-negative integer, got {step!r}")
        metrics = dict(metrics or {})
        if not all(isinstance(k, str) and _is_number(v) for k, v in metrics.items()):
            raise TypeError("metrics must map names to numbers")
        import axonml
        state = {
            "step": step, "epoch": epoch, "metrics": metrics,
            "model": model.state_dict() if model is not None else None,
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "sampler_state": sampler_state, "extra": extra,
            "rng": {"axonml": axonml.get_rng_state(), "numpy": _numpy_rng_state(), "python": random.getstate(),
                    "generators": {name: g.get_state() for name, g in (generators or {}).items()}},
        }
        info = CheckpointInfo(os.path.join(self.directory, f"checkpoint-{step:09d}.safetensors"), step, epoch,
                              {k: float(v) for k, v in metrics.items()}, time.time())
        axonml.save(state, info.path)                       # atomic: temporary, fsync, rename, fsync directory
        kept = [i for i in infos if i.step != step] + [info]
        kept.sort(key=lambda i: i.step)
        kept = self._keep(kept)
        self._write_manifest(kept)                          # the commit
        self._prune(kept)
        return info

    def _keep(self, infos: list[CheckpointInfo]) -> list[CheckpointInfo]:
        if self.max_to_keep is None:
            return infos
        keep = set(id(i) for i in infos[-self.max_to_keep:])
        if self.keep_best is not None:
            scored = [i for i in infos if _is_number(i.metrics.get(self.keep_best))]
            if scored:
                pick = min if self.mode == "min" else max
                keep.add(id(pick(scored, key=lambda i: i.metrics[self.keep_best])))
        return [i for i in infos if id(i) in keep]

    def _prune(self, kept: list[CheckpointInfo]) -> None:
        """Delete checkpoint files the manifest does not list, and temporaries a crash left behind."""
        listed = {os.path.basename(i.path) for i in kept}
        for name in os.listdir(self.directory):
            if (_NAME.match(name) and name not in listed) or _TEMPORARY.match(name):
                try:
                    os.unlink(os.path.join(self.directory, name))
                except FileNotFoundError:
                    pass

    # -- restoring --------------------------------------------------------------------------------------

    def load(self, checkpoint: CheckpointInfo | str | None = None, map_location=None) -> dict:
        """The saved state of a checkpoint (default: the latest) as a dict, without applying it.

        Raises:
            FileNotFoundError: there is no committed checkpoint.
        """
        import axonml
        info = self._resolve(checkpoint)
        state = axonml.load(info.path, map_location=map_location)
        if not isinstance(state, dict) or "step" not in state or "rng" not in state:
            raise ValueError(f"'{info.path}' is not a checkpoint written by CheckpointManager")
        return state

    def _resolve(self, checkpoint) -> CheckpointInfo:
        if isinstance(checkpoint, CheckpointInfo):
            return checkpoint
        if checkpoint in (None, "latest"):
            info = self.latest()
        elif checkpoint == "best":
            info = self.best()
        else:
            raise ValueError(f"checkpoint must be a CheckpointInfo, 'latest' or 'best', got {checkpoint!r}")
        if info is None:
            raise FileNotFoundError(f"no committed checkpoint in '{self.directory}'")
        return info

    def restore(self, model=None, optimizer=None, scheduler=None, checkpoint: CheckpointInfo | str | None = None,
                *, map_location=None, restore_rng: bool = True, generators: dict[str, Any] | None = None,
                strict: bool = True) -> dict:
        """Load a checkpoint (default: the latest) into model, optimizer and scheduler, and restore the RNGs.

        Returns:
            dict: the checkpoint's ``step``, ``epoch``, ``metrics``, ``sampler_state`` and ``extra``.
        """
        state = self.load(checkpoint, map_location=map_location)
        for name, target in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
            if target is None:
                continue
            if state.get(name) is None:
                raise ValueError(f"the checkpoint has no {name} state to restore")
            if name == "model":
                target.load_state_dict(state[name], strict=strict)
            else:
                target.load_state_dict(state[name])
        if restore_rng:
            import axonml
            rng = state["rng"]
            axonml.set_rng_state(rng["axonml"])
            _set_numpy_rng_state(rng["numpy"])
            random.setstate(_as_tuples(rng["python"]))
            for name, generator in (generators or {}).items():
                if name not in rng["generators"]:
                    raise KeyError(f"the checkpoint has no state for generator {name!r}")
                generator.set_state(rng["generators"][name])
        return {key: state.get(key) for key in ("step", "epoch", "metrics", "sampler_state", "extra")}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numpy_rng_state() -> dict:
    name, keys, position, has_gauss, cached = np.random.get_state()
    return {"name": name, "keys": keys, "position": int(position), "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached)}


def _set_numpy_rng_state(state: dict) -> None:
    np.random.set_state((state["name"], np.asarray(state["keys"], dtype=np.uint32), state["position"],
                         state["has_gauss"], state["cached_gaussian"]))


def _as_tuples(value):
    return tuple(_as_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value
