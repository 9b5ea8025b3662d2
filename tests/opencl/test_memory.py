"""The caching allocator: buffers return to the pool when arrays die and are reused; clear OOM errors."""
import gc

import numpy as np
import pytest

import axonml
from axonml import opencl


def test_training_loop_reuses_buffers(backend):
    x = axonml.randn(64, 32, device="opencl")
    w = axonml.randn(32, 16, device="opencl", requires_grad=True)

    def step():
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        with axonml.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad = None
        gc.collect()  # a graph can hold reference cycles; their buffers come back when Python collects them

    step()
    step()
    before = opencl.memory_stats()
    for _ in range(5):
        step()
    after = opencl.memory_stats()
    assert after["allocated"] == before["allocated"], "a steady loop should allocate nothing new"
    assert after["reused"] > before["reused"]


def test_a_dead_array_returns_its_buffer_to_the_pool(backend):
    gc.collect()
    array = backend.zeros((1000,), np.float32)
    buffer = array.buffer
    in_use = backend.pool.stats["bytes_in_use"]
    del array
    assert backend.pool.stats["bytes_in_use"] == in_use - 4096
    again = backend.zeros((1000,), np.float32)
    assert again.buffer.int_ptr == buffer.int_ptr


def test_views_keep_their_base_buffer_alive(backend):
    base = backend.asarray(np.arange(10, dtype=np.float32))
    view = backend.getitem(base, slice(2, 8, 3))
    del base
    gc.collect()
    backend.zeros((10,), np.float32)  # would take the buffer if the view had not kept it
    np.testing.assert_array_equal(backend.to_numpy(view), [2.0, 5.0])


def test_empty_cache_releases_pooled_buffers(backend):
    backend.zeros((4096,), np.float32)
    gc.collect()
    assert opencl.memory_stats()["bytes_cached"] > 0
    opencl.empty_cache()
    assert opencl.memory_stats()["bytes_cached"] == 0


def test_out_of_memory_is_a_clear_runtime_error(backend):
    too_big = backend.cl_device.max_mem_alloc_size + 1
    with pytest.raises(RuntimeError, match=r"OpenCL out of memory on .*tried to allocate \d+ bytes"):
        backend.empty((too_big,), np.uint8)
