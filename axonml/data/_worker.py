"""What a DataLoader worker process does, and how batches cross the process boundary.

A worker receives ``(task_id, indices)`` on its own index queue, fetches and collates the batch,
and puts ``(task_id, payload)`` on the shared result queue. The payload is the batch pickled by
:class:`_BatchPickler`, which sends a tensor as its NumPy array (tensors refuse ordinary
pickling) and rebuilds it in the main process. An exception becomes an :class:`ExceptionWrapper`
that carries the worker's traceback text and is re-raised by the main process.
"""
from __future__ import annotations

import io
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from ..tensor import Tensor, _make

__all__ = ["WorkerInfo", "get_worker_info"]

# How often a waiting worker checks that its parent is still alive, and a waiting main process
# that its workers are (seconds).
STATUS_CHECK_INTERVAL = 5.0


@dataclass(frozen=True)
class WorkerInfo:
    """Describes the worker process that runs the current code (see :func:`get_worker_info`)."""
    id: int
    num_workers: int
    seed: int
    dataset: object

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, dataset={self.dataset!r})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its :class:`WorkerInfo` (id, num_workers, seed, dataset copy).
    In the main process: ``None``.

    Example::

        >>> class Stream(IterableDataset):
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         start = 0 if info is None else info.id
        ...         step = 1 if info is None else info.num_workers
        ...         return iter(range(start, 100, step))
    """
    return _worker_info


# --- fetching: indices -> one batch ------------------------------------------------------------------

class _MapFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.getitems = getattr(dataset, "__getitems__", None)

    def fetch(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.getitems is not None:
            return self.collate_fn(self.getitems(indices))
        dataset = self.dataset
        return self.collate_fn([dataset[i] for i in indices])


class _IterableFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.iterator = iter(dataset)
        self.ended = False

    def fetch(self, placeholder):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        batch = []
        for _ in placeholder:
            try:
                batch.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not batch or (self.ended and self.drop_last and len(batch) < len(placeholder)):
            raise StopIteration
        return self.collate_fn(batch)


def make_fetcher(is_iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    cls = _IterableFetcher if is_iterable else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


# --- crossing the process boundary ---------------------------------------------------------------------

def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    tensor = _make(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


class _BatchPickler(pickle.Pickler):
    """Pickles a batch, sending each tensor as its host array."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _rebuild_tensor, (obj.detach().numpy(force=True), obj.requires_grad)
        return NotImplemented


def encode_batch(batch) -> bytes:
    buffer = io.BytesIO()
    _BatchPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(batch)
    return buffer.getvalue()


def decode_batch(payload: bytes):
    # The payload comes from our own worker process over a private pipe, never from a file.
    return pickle.loads(payload)


class ExceptionWrapper:
    """An exception raised in a worker: its type and its formatted traceback."""

    def __init__(self, exc_info, where: str):
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(message)
        try:
            exception = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        raise exception


def _encode_exception(wrapper: ExceptionWrapper) -> bytes:
    try:
        return encode_batch(wrapper)
    except Exception:
        # An exception class that cannot be pickled travels as a RuntimeError with the same text.
        wrapper.exc_type = RuntimeError
        return encode_batch(wrapper)


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""
    worker_id: int


class ResumeIteration:
    """Sent to persistent workers at the start of a new epoch; echoed back as acknowledgement."""


# --- the worker process ------------------------------------------------------------------------------------

def _seed_worker(seed: int, base_seed: int, worker_id: int) -> None:
    from ..random import manual_seed
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))


def worker_loop(is_iterable: bool, dataset, index_queue, result_queue, done_event, auto_collation: bool,
                collate_fn, drop_last: bool, base_seed: int, init_fn, worker_id: int, num_workers: int) -> None:
    """The body of one worker process."""
    global _worker_info
    parent = os.getppid()
    try:
        seed = base_seed + worker_id
        _seed_worker(seed, base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
        iteration_ended = False
        while True:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:
                    break
                continue
            if task is None:
                break
            if isinstance(task, ResumeIteration):
                result_queue.put((task, None))
                iteration_ended = False
                fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                continue
            if done_event.is_set() or iteration_ended:
                continue
            task_id, indices = task
            if init_error is not None:
                payload, init_error = _encode_exception(init_error), None
                iteration_ended = is_iterable
            else:
                try:
                    payload = encode_batch(fetcher.fetch(indices))
                except StopIteration:
                    if not is_iterable:
                        payload = _encode_exception(
                            ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}"))
                    else:
                        payload = encode_batch(IterableDatasetStopIteration(worker_id))
                        iteration_ended = True
                except Exception:
                    payload = _encode_exception(
                        ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}"))
            result_queue.put((task_id, payload))
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        result_queue.cancel_join_thread()
        result_queue.close()
