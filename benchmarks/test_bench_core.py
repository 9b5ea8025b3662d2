"""Core benchmarks: axonml against NumPy/PyTorch CPU in the same process; the ratios are the result.

    pytest benchmarks/test_bench_core.py --benchmark-columns=median,iqr,rounds -s

Each case records ``ratio_vs_<reference>`` (axonml time / reference time, lower is better) in
the benchmark's extra_info and prints it.
"""
import numpy as np
import torch

import axonml

RNG = np.random.default_rng(0)


def _pair(shape, requires_grad=False, scale=1.0):
    array = (RNG.standard_normal(shape) * scale).astype(np.float32)
    return (axonml.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def test_matmul_1024_float32(compare, benchmark):
    """(a) 1024x1024 float32 matmul: axonml's BLAS gemm against NumPy's (target: >= 0.9x NumPy's GFLOPS)."""
    a_np = RNG.standard_normal((1024, 1024)).astype(np.float32)
    b_np = RNG.standard_normal((1024, 1024)).astype(np.float32)
    a, b = axonml.from_numpy(a_np), axonml.from_numpy(b_np)
    ratio = compare(lambda: a @ b, lambda: a_np @ b_np, rounds=30, name="numpy", warmup=30, blocks=1)
    flops = 2 * 1024 ** 3
    benchmark.extra_info["axonml_gflops"] = flops / benchmark.stats.stats.median / 1e9
    benchmark.extra_info["gflops_vs_numpy"] = 1 / ratio
    print(f"GFLOPS: axonml {benchmark.extra_info['axonml_gflops']:.0f}, axonml/numpy {1 / ratio:.2f}")


def test_per_op_overhead(compare):
    """(b) 50 x (y = y * 1.01 + 0.1) on 8 elements requiring grad, then backward: the cost of an op."""
    x_ax, x_th = _pair((8,), requires_grad=True)

    def chain(x):
        y = x
        for _ in range(50):
            y = y * 1.01 + 0.1
        y.sum().backward()

    compare(lambda: chain(x_ax), lambda: chain(x_th), rounds=100, name="torch", warmup=5)


def test_conv2d_forward_backward(compare):
    """(c) conv2d 64->64, 3x3, padding 1, batch 32, 32x32, forward + backward (target: <= 1.5x torch)."""
    x_ax, x_th = _pair((32, 64, 32, 32), requires_grad=True)
    w_ax, w_th = _pair((64, 64, 3, 3), requires_grad=True, scale=0.05)
    b_ax, b_th = _pair((64,), requires_grad=True)
    grad_np = RNG.standard_normal((32, 64, 32, 32)).astype(np.float32)
    grad_ax, grad_th = axonml.from_numpy(grad_np), torch.from_numpy(grad_np)

    def step_axonml():
        x_ax.grad = w_ax.grad = b_ax.grad = None
        axonml.conv2d(x_ax, w_ax, b_ax, padding=1).backward(grad_ax)

    def step_torch():
        x_th.grad = w_th.grad = b_th.grad = None
        torch.nn.functional.conv2d(x_th, w_th, b_th, padding=1).backward(grad_th)

    compare(step_axonml, step_torch, rounds=10, name="torch", warmup=2)


def test_mlp_forward_backward(compare):
    """(d) MLP 784-256-128-10, batch 128, ReLU, cross_entropy, forward + backward."""
    sizes = [784, 256, 128, 10]
    params_ax, params_th = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        for shape in ((fan_out, fan_in), (fan_out,)):
            p_ax, p_th = _pair(shape, requires_grad=True, scale=fan_in ** -0.5)
            params_ax.append(p_ax)
            params_th.append(p_th)
    x_ax, x_th = _pair((128, 784))
    target_np = RNG.integers(0, 10, 128)
    target_ax, target_th = axonml.tensor(target_np), torch.tensor(target_np)

    def step(F, x, params, target):
        for p in params:
            p.grad = None
        h = x
        for i in range(0, len(params), 2):
            h = F.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = F.relu(h)
        F.cross_entropy(h, target).backward()

    compare(lambda: step(axonml, x_ax, params_ax, target_ax),
            lambda: step(torch.nn.functional, x_th, params_th, target_th), rounds=50, name="torch", warmup=5)
