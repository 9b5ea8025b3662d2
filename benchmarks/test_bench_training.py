"""Training benchmarks: whole steps of small models, axonml against PyTorch CPU eager in the same process.

    pytest benchmarks/test_bench_training.py --benchmark-columns=median,iqr,rounds -s

Both frameworks start from the same weights and inputs. Each case records ``ratio`` (axonml time
/ torch time, lower is better) and its ``target`` in the benchmark's extra_info and prints them.

Sharing one process shares the cores between two OpenMP runtimes; conftest.py lets both spin
only briefly after a parallel region so neither starves the other.
"""
import numpy as np
import torch

import axonml
import axonml.nn.functional as F
from axonml import nn, optim
from axonml.vision.models import LeNet

RNG = np.random.default_rng(0)


def _pair(shape, requires_grad=False):
    array = RNG.standard_normal(shape).astype(np.float32)
    return (axonml.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _labels(count, classes=10):
    labels = RNG.integers(0, classes, count)
    return axonml.tensor(labels), torch.tensor(labels)


def _copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    """Give the torch module axonml's parameters and buffers (the two must have the same state_dict keys)."""
    state = {name: torch.from_numpy(value.detach().numpy().copy()) for name, value in ours.state_dict().items()}
    theirs.load_state_dict(state)


def _report(compare, benchmark, ours, theirs, rounds: int, target: float, warmup: int = 3) -> float:
    ratio = compare(ours, theirs, rounds=rounds, name="torch", warmup=warmup)
    benchmark.extra_info.update({"ratio": ratio, "target": target})
    print(f"ratio {ratio:.2f}, target <= {target}: {'met' if ratio <= target else 'MISSED'}")
    return ratio


def _train_step(model, optimizer, loss_fn, x, target):
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _check_same_steps(ours, theirs, steps: int = 2) -> None:
    """Both steps start from the same weights: their losses agree over the first steps (the updates match)."""
    for _ in range(steps):
        np.testing.assert_allclose(ours().item(), theirs().item(), rtol=1e-4, atol=1e-5)


def test_mlp_adam_step(compare, benchmark):
    """MLP 784-256-128-10, batch 128, cross_entropy, Adam: zero_grad + forward + backward + step (target <= 1.3x)."""
    ours = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                 torch.nn.ReLU(), torch.nn.Linear(128, 10))
    _copy_weights(ours, theirs)
    x_ax, x_th = _pair((128, 784))
    y_ax, y_th = _labels(128)
    step_axonml = _train_step(ours, optim.Adam(ours.parameters(), lr=1e-3), F.cross_entropy, x_ax, y_ax)
    step_torch = _train_step(theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3),
                             torch.nn.functional.cross_entropy, x_th, y_th)
    _check_same_steps(step_axonml, step_torch)
    _report(compare, benchmark, step_axonml, step_torch, rounds=100, target=1.3, warmup=10)


class _TorchLeNet(torch.nn.Module):
    """torch twin of axonml.vision.models.LeNet for 1x28x28 inputs (same layers, same state_dict keys)."""

    def __init__(self):
        super().__init__()
        T = torch.nn
        self.features = T.Sequential(T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2),
                                     T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2))
        self.classifier = T.Sequential(T.Flatten(), T.Linear(16 * 5 * 5, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(),
                                       T.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def test_lenet_sgd_step(compare, benchmark):
    """LeNet-5 on 1x28x28, batch 64, cross_entropy, SGD with momentum 0.9: one training step (target <= 1.3x)."""
    ours, theirs = LeNet(in_channels=1, num_classes=10, input_size=28), _TorchLeNet()
    _copy_weights(ours, theirs)
    x_ax, x_th = _pair((64, 1, 28, 28))
    y_ax, y_th = _labels(64)
    step_axonml = _train_step(ours, optim.SGD(ours.parameters(), lr=0.01, momentum=0.9), F.cross_entropy, x_ax, y_ax)
    step_torch = _train_step(theirs, torch.optim.SGD(theirs.parameters(), lr=0.01, momentum=0.9),
                             torch.nn.functional.cross_entropy, x_th, y_th)
    _check_same_steps(step_axonml, step_torch)
    _report(compare, benchmark, step_axonml, step_torch, rounds=50, target=1.3, warmup=5)


def test_lstm_forward_backward(compare, benchmark):
    """LSTM(64 -> 128), sequence 32, batch 32: forward + backward of the output sequence (target <= 2x)."""
    ours, theirs = nn.LSTM(64, 128), torch.nn.LSTM(64, 128)
    _copy_weights(ours, theirs)
    x_ax, x_th = _pair((32, 32, 64))
    grad_ax, grad_th = _pair((32, 32, 128))

    def step(model, x, grad):
        def run():
            for p in model.parameters():
                p.grad = None
            output, _ = model(x)
            output.backward(grad)
        return run

    step_axonml, step_torch = step(ours, x_ax, grad_ax), step(theirs, x_th, grad_th)
    step_axonml()
    step_torch()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=1e-3, err_msg=name)
    _report(compare, benchmark, step_axonml, step_torch, rounds=30, target=2.0)
