"""Resampling and 3-d pooling benchmarks: F.interpolate and max/avg_pool3d, axonml against torch.

    pytest benchmarks/test_bench_interpolate.py --benchmark-columns=median,iqr,rounds -s

Each case records ``ratio`` (axonml time / torch time, lower is better) in the benchmark's
extra_info and prints it.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F

INTERPOLATIONS = [dict(scale_factor=2, mode="nearest"), dict(scale_factor=2, mode="bilinear"),
                  dict(size=(45, 90), mode="bicubic"), dict(scale_factor=0.5, mode="bilinear", align_corners=True)]


def _pair(shape, requires_grad=False):
    array = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    return (axonml.from_numpy(array).requires_grad_(requires_grad),
            torch.from_numpy(array.copy()).requires_grad_(requires_grad))


@pytest.mark.parametrize("options", INTERPOLATIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_interpolate_forward(compare, options):
    ours, theirs = _pair((8, 32, 64, 64))
    compare(lambda: F.interpolate(ours, **options), lambda: TF.interpolate(theirs, **options), 20, "torch")


@pytest.mark.parametrize("options", INTERPOLATIONS[1:3], ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_interpolate_forward_backward(compare, options):
    ours, theirs = _pair((8, 32, 64, 64), requires_grad=True)

    def step(x, functional):
        functional.interpolate(x, **options).sum().backward()
        x.grad = None

    compare(lambda: step(ours, F), lambda: step(theirs, TF), 10, "torch")


@pytest.mark.parametrize("name, options", [("max_pool3d", dict(kernel_size=3, stride=2, padding=1)),
                                           ("avg_pool3d", dict(kernel_size=2))], ids=str)
def test_pool3d_forward_backward(compare, name, options):
    ours, theirs = _pair((4, 16, 32, 32, 32), requires_grad=True)

    def step(x, functional):
        getattr(functional, name)(x, **options).sum().backward()
        x.grad = None

    compare(lambda: step(ours, F), lambda: step(theirs, TF), 10, "torch")
