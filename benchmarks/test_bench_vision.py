"""ResNet-18 benchmarks: inference and a training step, axonml against torch on the same weights.

    pytest benchmarks/test_bench_vision.py --benchmark-columns=median,iqr,rounds -s
    OMP_NUM_THREADS=1 pytest benchmarks/test_bench_vision.py -s    # one thread each

The torch model is the reference ResNet-18 of tests/vision (torchvision's architecture and key
names); axonml's loads its state dict. Each case records ``ratio_vs_torch`` (axonml time / torch
time, lower is better); the targets are <= 1.0 for inference and <= 1.2 for a training step.
"""
import os
import sys

import numpy as np
import pytest
import torch

import axonml
import axonml.optim
from axonml import nn
from axonml.vision import models

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "vision"))
import _torch_models as ref  # noqa: E402


def _pair(num_classes=1000):
    reference = ref.randomize(ref.resnet("resnet18", num_classes=num_classes), seed=0)
    model = models.resnet18(num_classes=num_classes)
    model.load_state_dict({k: axonml.from_numpy(v.detach().numpy().copy()) for k, v in reference.state_dict().items()})
    return model, reference


def test_resnet18_inference_batch8_224(compare, benchmark):
    model, reference = _pair()
    model.eval()
    reference.eval()
    x = np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32)
    x_ax, x_th = axonml.from_numpy(x), torch.from_numpy(x)
    with torch.no_grad(), axonml.no_grad():
        np.testing.assert_allclose(model(x_ax).numpy(), reference(x_th).numpy(), rtol=1e-3, atol=1e-3)

    def run_axonml():
        with axonml.no_grad():
            model(x_ax)

    def run_torch():
        with torch.no_grad():
            reference(x_th)

    benchmark.extra_info["ratio"] = compare(run_axonml, run_torch, rounds=6, name="torch", warmup=1)


def test_resnet18_training_step_batch16_112(compare, benchmark):
    model, reference = _pair(num_classes=10)
    model.train()
    reference.train()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3, 112, 112)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    x_ax, y_ax = axonml.from_numpy(x), axonml.from_numpy(y)
    x_th, y_th = torch.from_numpy(x), torch.from_numpy(y)
    optimizer_ax = axonml.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    optimizer_th = torch.optim.SGD(reference.parameters(), lr=0.01, momentum=0.9)
    loss_ax, loss_th = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()

    def step_axonml():
        optimizer_ax.zero_grad()
        loss_ax(model(x_ax), y_ax).backward()
        optimizer_ax.step()

    def step_torch():
        optimizer_th.zero_grad()
        loss_th(reference(x_th), y_th).backward()
        optimizer_th.step()

    benchmark.extra_info["ratio"] = compare(step_axonml, step_torch, rounds=5, name="torch", warmup=1)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s", "--benchmark-columns=median,iqr,rounds"]))
