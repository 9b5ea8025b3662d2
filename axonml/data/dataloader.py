"""DataLoader: batches from a dataset, in the main process or in parallel worker processes."""
from __future__ import annotations

import itertools
import multiprocessing
import queue
from typing import Callable, Iterable

from ..random import Generator
from . import _worker
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]


class _InfiniteConstantSampler(Sampler):
    """For an iterable dataset: an endless stream of ``None`` (the dataset decides what comes next)."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterates over a dataset in batches, optionally shuffled, optionally with worker processes.

    Args:
        dataset: a map-style :class:`Dataset` or an :class:`IterableDataset`.
        batch_size (int, optional): samples per batch; ``None`` turns automatic batching off.
            Default: 1.
        shuffle (bool, optional): reshuffle the indices every epoch.
        sampler (Sampler or Iterable, optional): the order of indices (excludes ``shuffle``).
        batch_sampler (Sampler or Iterable, optional): yields whole index lists (excludes
            ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers (int, optional): worker processes; 0 loads in the main process. Default: 0.
        collate_fn (Callable, optional): merges a list of samples into a batch.
            Default: :func:`default_collate` (or :func:`default_convert` without batching).
        pin_memory (bool, optional): accepted for PyTorch compatibility; host memory needs no
            pinning here, so it has no effect.
        drop_last (bool, optional): drop the last batch if it is incomplete.
        timeout (float, optional): seconds to wait for a batch from the workers (0: forever).
        worker_init_fn (Callable, optional): called with the worker id in each worker after seeding.
        multiprocessing_context (str or context, optional): e.g. ``"fork"`` or ``"spawn"``;
            default: the platform's default.
        generator (Generator, optional): draws the shuffle order and the workers' base seed.
        prefetch_factor (int, optional): batches requested ahead per worker. Default: 2.
        persistent_workers (bool, optional): keep the workers alive between epochs.
        in_order (bool, optional): return batches in sampler order (default); ``False`` returns
            them as workers finish them.

    Batches come in sampler order and depend only on the seed: worker ``i`` seeds Python's
    ``random``, NumPy's global RNG and axonml's default generator from ``base_seed + i``, where
    the base seed is drawn in the main process (see :func:`get_worker_info`). An exception in a
    worker is raised again in the main process with the worker's traceback in its message.

    Example::

        >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, num_workers=2)
        >>> for inputs, targets in loader:
        ...     ...
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context=None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator
        self._is_iterable = isinstance(dataset, IterableDataset)

        if self._is_iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None or self._iterator._shutdown:
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self) -> int:
        if self._is_iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


def _draw_base_seed(generator: Generator | None) -> int:
    from ..creation import randint
    return int(randint(0, 2 ** 63 - 1, (), generator=generator).item())


class _BaseIter:
    def __init__(self, loader: DataLoader):
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._base_seed = _draw_base_seed(loader.generator)
        self._sampler_iter = iter(loader._index_sampler)
        self._length = None
        try:
            self._length = len(loader)
        except TypeError:
            pass

    def __iter__(self):
        return self

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this DataLoader has no length: its dataset or sampler has none")
        return self._length


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._fetcher = _worker.make_fetcher(self._is_iterable, self._dataset, self._auto_collation,
                                             self._collate_fn, self._drop_last)

    def __next__(self):
        index = next(self._sampler_iter)
        return self._fetcher.fetch(index)


class _MultiProcessIter(_BaseIter):
    """Sends index batches round-robin to the workers and returns their batches in order.

    ``_task_info[task_id]`` is ``(worker_id,)`` while a task is out and ``(worker_id, payload)``
    once it came back early; ``_rcvd_idx`` is the next task to return.
    """

    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._in_order = loader.in_order
        self._shutdown = False
        context = loader.multiprocessing_context
        if context is None:
            context = multiprocessing.get_context()
        elif isinstance(context, str):
            context = multiprocessing.get_context(context)
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        self._index_queues, self._workers = [], []
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            process = context.Process(
                target=_worker.worker_loop, daemon=True,
                args=(self._is_iterable, self._dataset, index_queue, self._result_queue, self._done_event,
                      self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                      loader.worker_init_fn, worker_id, self._num_workers))
            process.start()
            self._index_queues.append(index_queue)
            self._workers.append(process)
        self._start_epoch()

    def _start_epoch(self) -> None:
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _reset(self, loader: DataLoader) -> None:
        """A new epoch on persistent workers: drop what is still in flight, then start over."""
        self._base_seed = _draw_base_seed(loader.generator)
        self._sampler_iter = iter(loader._index_sampler)
        for index_queue in self._index_queues:
            index_queue.put(_worker.ResumeIteration())
        acknowledged = 0
        while acknowledged < self._num_workers:
            task_id, _ = self._get_result()
            if isinstance(task_id, _worker.ResumeIteration):
                acknowledged += 1
        self._start_epoch()

    def _try_put_index(self) -> None:
        try:
            indices = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id]:
                break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, indices))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_result(self):
        """The next (task_id, payload) from any worker, watching for dead workers and the timeout."""
        waited = 0.0
        while True:
            wait = _worker.STATUS_CHECK_INTERVAL
            if self._timeout > 0:
                wait = min(wait, self._timeout - waited)
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                waited += wait
            dead = [w.pid for i, w in enumerate(self._workers) if self._workers_active[i] and not w.is_alive()]
            if dead:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited unexpectedly")
            if self._timeout > 0 and waited >= self._timeout:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def __next__(self):
        if self._shutdown:
            raise StopIteration
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._workers_active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])

            task_id, payload = self._get_result()
            self._tasks_outstanding -= 1
            data = _worker.decode_batch(payload)
            if isinstance(data, _worker.IterableDatasetStopIteration):
                self._workers_active[data.worker_id] = False
                self._task_info.pop(task_id, None)
                self._try_put_index()
                continue
            if task_id == self._rcvd_idx:
                del self._task_info[task_id]
                self._rcvd_idx += 1
                return self._process(data)
            if not self._in_order:
                del self._task_info[task_id]
                return self._process(data)
            self._task_info[task_id] += (data,)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            if not self._persistent:
                self._shutdown_workers()
            data.reraise()
        return data

    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                index_queue.put(None)
            for process in self._workers:
                process.join(timeout=_worker.STATUS_CHECK_INTERVAL)
            for index_queue in self._index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
        finally:
            for process in self._workers:
                if process.is_alive():
                    process.terminate()

    def __del__(self):
        if getattr(self, "_workers", None) is not None:
            self._shutdown_workers()
