"""The dynamic batcher on its own: batches form within the timeout, up to the size, and the queue is bounded."""
import asyncio
import threading
import time

import numpy as np
import pytest

from axonml.serve.batcher import DynamicBatcher, QueueFull


def _recording_model(delay_s: float = 0.0):
    batches = []

    def run(batch):
        batches.append(len(batch))
        time.sleep(delay_s)
        return [batch * 2, batch.sum(axis=1)]
    return run, batches


def _run(coroutine):
    return asyncio.run(coroutine)


def test_requests_within_the_timeout_run_as_one_batch():
    run, batches = _recording_model()

    async def main():
        batcher = DynamicBatcher(run, max_batch_size=32, timeout_s=0.2)
        batcher.start()
        samples = [np.full((1, 3), i, np.float32) for i in range(5)]
        results = await asyncio.gather(*(batcher.submit(s) for s in samples))
        await batcher.stop()
        return samples, results

    samples, results = _run(main())
    assert batches == [5]
    for sample, (doubled, summed) in zip(samples, results):      # each request gets its own rows back
        np.testing.assert_array_equal(doubled, sample * 2)
        np.testing.assert_array_equal(summed, sample.sum(axis=1))


def test_batches_stop_at_max_batch_size_and_carry_the_rest():
    run, batches = _recording_model()

    async def main():
        batcher = DynamicBatcher(run, max_batch_size=4, timeout_s=0.05)
        batcher.start()
        jobs = [np.zeros((n, 2), np.float32) for n in (3, 3, 1, 4, 2)]
        results = await asyncio.gather(*(batcher.submit(j) for j in jobs))
        await batcher.stop()
        return jobs, results

    jobs, results = _run(main())
    assert max(batches) <= 4 and sum(batches) == 13
    assert [len(r[0]) for r in results] == [len(j) for j in jobs]


def test_a_lone_request_waits_at_most_the_timeout():
    run, batches = _recording_model()

    async def main():
        batcher = DynamicBatcher(run, max_batch_size=32, timeout_s=0.05)
        batcher.start()
        start = time.perf_counter()
        await batcher.submit(np.zeros((1, 2), np.float32))
        elapsed = time.perf_counter() - start
        await batcher.stop()
        return elapsed

    assert 0.04 < _run(main()) < 2.0 and batches == [1]


def test_a_full_queue_refuses_at_once():
    release = threading.Event()

    def blocking(batch):
        release.wait(10)
        return [batch]

    async def main():
        batcher = DynamicBatcher(blocking, max_batch_size=1, timeout_s=0, max_queue=2)
        batcher.start()
        first = asyncio.ensure_future(batcher.submit(np.zeros((1, 1))))
        await asyncio.sleep(0.05)                 # the first is running; two more fill the queue
        queued = [asyncio.ensure_future(batcher.submit(np.zeros((1, 1)))) for _ in range(2)]
        await asyncio.sleep(0.01)
        with pytest.raises(QueueFull):
            await batcher.submit(np.zeros((1, 1)))
        release.set()
        await asyncio.gather(first, *queued)
        await batcher.stop()

    _run(main())


def test_a_model_error_fails_its_batch_and_the_next_batch_runs():
    calls = []

    def flaky(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("boom")
        return [batch]

    async def main():
        batcher = DynamicBatcher(flaky, max_batch_size=8, timeout_s=0)
        batcher.start()
        with pytest.raises(RuntimeError, match="boom"):
            await batcher.submit(np.zeros((1, 1)))
        result = await batcher.submit(np.ones((1, 1)))
        await batcher.stop()
        return result

    np.testing.assert_array_equal(_run(main())[0], np.ones((1, 1)))


def test_samples_of_different_shapes_are_not_batched_together():
    run, batches = _recording_model()

    async def main():
        batcher = DynamicBatcher(run, max_batch_size=8, timeout_s=0.05)
        batcher.start()
        await asyncio.gather(batcher.submit(np.zeros((1, 2))), batcher.submit(np.zeros((1, 3))))
        await batcher.stop()

    _run(main())
    assert sorted(batches) == [1, 1]


@pytest.mark.parametrize("arguments", [{"max_batch_size": 0}, {"max_queue": 0}, {"timeout_s": -1}])
def test_bad_limits_are_refused(arguments):
    with pytest.raises(ValueError):
        DynamicBatcher(lambda b: [b], **arguments)
