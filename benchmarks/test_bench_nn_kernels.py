"""nn kernel benchmarks: log_softmax and cross_entropy, axonml against torch, on one thread and on every core.

    pytest benchmarks/test_bench_nn_kernels.py --benchmark-columns=median,iqr,rounds -s

Each case records ``ratio`` (axonml time / torch time, lower is better) in the benchmark's
extra_info and prints it.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F

ALL_THREADS = axonml.get_num_threads()
SHAPES = [(4096, 1000), (128, 10)]


@pytest.fixture(params=[1, ALL_THREADS], ids=["1-thread", "all-threads"])
def threads(request):
    """Overrides the benchmarks' thread fixture: the same count for both frameworks, restored afterwards."""
    axonml.set_num_threads(request.param)
    torch.set_num_threads(request.param)
    yield request.param
    axonml.set_num_threads(ALL_THREADS)
    torch.set_num_threads(ALL_THREADS)


def _inputs(shape):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal(shape).astype(np.float32) * 3
    labels = rng.integers(0, shape[1], shape[0])
    return (axonml.from_numpy(logits), torch.from_numpy(logits),
            axonml.from_numpy(labels), torch.from_numpy(labels))


def _rounds(shape) -> int:
    return 30 if shape[0] * shape[1] > 100_000 else 500


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_log_softmax_forward(compare, benchmark, shape):
    x_ax, x_th, _, _ = _inputs(shape)
    benchmark.extra_info["ratio"] = compare(lambda: F.log_softmax(x_ax, 1), lambda: TF.log_softmax(x_th, 1),
                                            rounds=_rounds(shape), name="torch", warmup=5)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cross_entropy_forward(compare, benchmark, shape):
    x_ax, x_th, t_ax, t_th = _inputs(shape)
    benchmark.extra_info["ratio"] = compare(lambda: F.cross_entropy(x_ax, t_ax), lambda: TF.cross_entropy(x_th, t_th),
                                            rounds=_rounds(shape), name="torch", warmup=5)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cross_entropy_forward_backward(compare, benchmark, shape):
    x_ax, x_th, t_ax, t_th = _inputs(shape)
    x_ax.requires_grad_()
    x_th.requires_grad_()

    def step_axonml():
        x_ax.grad = None
        F.cross_entropy(x_ax, t_ax).backward()

    def step_torch():
        x_th.grad = None
        TF.cross_entropy(x_th, t_th).backward()

    benchmark.extra_info["ratio"] = compare(step_axonml, step_torch, rounds=_rounds(shape), name="torch", warmup=5)
