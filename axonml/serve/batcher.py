"""Dynamic batching: requests that arrive close together run through the model as one batch.

Each request is a job of one or more samples in a bounded asyncio queue. The worker takes the
first job, then keeps taking jobs for up to ``timeout_s`` or until ``max_batch_size`` samples,
concatenates them and runs the model in a worker thread, so the event loop keeps accepting and
answering requests meanwhile. While a batch runs, new requests queue up and form the next one.
A full queue refuses the job at once (:class:`QueueFull`), so memory stays bounded under overload.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Callable

import numpy as np

__all__ = ["DynamicBatcher", "QueueFull"]


class QueueFull(Exception):
    """The batcher's queue holds ``max_queue`` jobs already."""


class _Job:
    __slots__ = ("samples", "future")

    def __init__(self, samples: np.ndarray, future: asyncio.Future):
        self.samples, self.future = samples, future


class DynamicBatcher:
    """Collect jobs into batches and run ``run_batch(array) -> list of arrays`` on them in a thread.

    Args:
        run_batch: the model: a batch (samples first) to its outputs, each samples first.
        max_batch_size: the most samples in one batch.
        timeout_s: how long the first job of a batch waits for others to join it.
        max_queue: the most jobs waiting; more raise :class:`QueueFull`.
        on_batch: called with each batch's size (for metrics).
    """

    def __init__(self, run_batch: Callable[[np.ndarray], list], max_batch_size: int = 32, timeout_s: float = 0.005,
                 max_queue: int = 256, on_batch: Callable[[int], None] | None = None):
        if max_batch_size < 1 or max_queue < 1 or timeout_s < 0:
            raise ValueError("max_batch_size and max_queue must be positive and timeout_s non-negative")
        self.run_batch, self.max_batch_size, self.timeout_s = run_batch, max_batch_size, timeout_s
        self.on_batch = on_batch
        self.queue: asyncio.Queue[_Job] = asyncio.Queue(maxsize=max_queue)
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="axonml-serve")
        self._worker: asyncio.Task | None = None
        self._carried: _Job | None = None     # a job taken that did not fit the batch before

    @property
    def depth(self) -> int:
        """Jobs waiting (not counting the batch running)."""
        return self.queue.qsize() + (self._carried is not None)

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Finish the jobs already queued, then stop the worker and its thread."""
        while self.depth and self._worker is not None and not self._worker.done():
            await asyncio.sleep(0.005)
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def submit(self, samples: np.ndarray) -> list[np.ndarray]:
        """Queue samples (first dimension: the samples) and wait for the model's outputs for them.

        Raises:
            QueueFull: the queue is full.
        """
        job = _Job(samples, asyncio.get_running_loop().create_future())
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            raise QueueFull(f"the queue holds {self.queue.maxsize} requests") from None
        return await job.future

    async def _next_batch(self) -> list[_Job]:
        loop = asyncio.get_running_loop()
        first = self._carried or await self.queue.get()
        self._carried = None
        jobs, count = [first], len(first.samples)
        deadline = loop.time() + self.timeout_s
        while count < self.max_batch_size:
            if self.queue.empty():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                # wait for a job or the deadline; the getter is not cancelled mid-get, so no job is lost
                getter = loop.create_task(self.queue.get())
                done, _ = await asyncio.wait([getter], timeout=remaining)
                if not done:
                    getter.cancel()
                    try:
                        job = await getter          # it may have got a job while being cancelled
                    except asyncio.CancelledError:
                        break
                else:
                    job = getter.result()
            else:
                job = self.queue.get_nowait()
            if count + len(job.samples) > self.max_batch_size or job.samples.shape[1:] != first.samples.shape[1:] \
                    or job.samples.dtype != first.samples.dtype:
                self._carried = job
                break
            jobs.append(job)
            count += len(job.samples)
        return jobs

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = await self._next_batch()
            jobs = [job for job in jobs if not job.future.done()]     # clients that went away
            if not jobs:
                continue
            batch = jobs[0].samples if len(jobs) == 1 else np.concatenate([job.samples for job in jobs])
            if self.on_batch is not None:
                self.on_batch(len(batch))
            try:
                outputs = await loop.run_in_executor(self._executor, self.run_batch, batch)
            except Exception as error:          # a model error fails this batch's requests, not the server
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            start = 0
            for job in jobs:
                stop = start + len(job.samples)
                if not job.future.done():
                    job.future.set_result([output[start:stop] for output in outputs])
                start = stop
