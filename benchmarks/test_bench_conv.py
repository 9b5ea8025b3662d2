"""Convolution benchmarks: conv forward + backward (input, weight and bias gradients), axonml against torch.

    pytest benchmarks/test_bench_conv.py --benchmark-columns=median,iqr,rounds -s

The cases are ResNet-style layers in float32: the 3x3 stride-1 ones run the CPU's Winograd
kernels, the 7x7 stride-2 stem and the 1x1 bottleneck projection im2col + gemm (a 1x1 kernel
skips im2col). Each case records ``ratio_vs_torch`` (axonml time / torch time, lower is better)
in the benchmark's extra_info and prints it.
"""
import numpy as np
import pytest
import torch

import axonml

CASES = [
    # name, input shape, weight shape, stride, padding, rounds
    ("3x3_64to64_32x32_batch32", (32, 64, 32, 32), (64, 64, 3, 3), 1, 1, 10),
    ("3x3_128to128_28x28_batch32", (32, 128, 28, 28), (128, 128, 3, 3), 1, 1, 6),
    ("7x7_3to64_stride2_224x224_batch8", (8, 3, 224, 224), (64, 3, 7, 7), 2, 3, 6),
    ("1x1_256to64_56x56_batch8", (8, 256, 56, 56), (64, 256, 1, 1), 1, 0, 10),
    ("3d_3x3x3_32to32_8x16x16_batch4", (4, 32, 8, 16, 16), (32, 32, 3, 3, 3), 1, 1, 6),
]


@pytest.mark.parametrize("name, x_shape, w_shape, stride, padding, rounds", CASES, ids=[c[0] for c in CASES])
def test_conv_forward_backward(compare, benchmark, name, x_shape, w_shape, stride, padding, rounds):
    rng = np.random.default_rng(0)
    fan_in = int(np.prod(w_shape[1:]))
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = (rng.uniform(-1, 1, w_shape) / np.sqrt(fan_in)).astype(np.float32)
    b = (rng.uniform(-1, 1, w_shape[0]) / np.sqrt(fan_in)).astype(np.float32)
    x_ax, w_ax, b_ax = (axonml.tensor(a, requires_grad=True) for a in (x, w, b))
    x_th, w_th, b_th = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    conv_ax = axonml.conv2d if len(x_shape) == 4 else axonml.conv3d
    conv_th = torch.nn.functional.conv2d if len(x_shape) == 4 else torch.nn.functional.conv3d
    out_shape = tuple(conv_th(x_th, w_th, b_th, stride, padding).shape)
    grad = rng.standard_normal(out_shape).astype(np.float32)
    grad_ax, grad_th = axonml.from_numpy(grad), torch.from_numpy(grad)

    def step_axonml():
        x_ax.grad = w_ax.grad = b_ax.grad = None
        conv_ax(x_ax, w_ax, b_ax, stride, padding).backward(grad_ax)

    def step_torch():
        x_th.grad = w_th.grad = b_th.grad = None
        conv_th(x_th, w_th, b_th, stride, padding).backward(grad_th)

    benchmark.extra_info["ratio"] = compare(step_axonml, step_torch, rounds=rounds, name="torch", warmup=2)
