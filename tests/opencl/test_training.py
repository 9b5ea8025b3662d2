"""Training on OpenCL follows the CPU: the same model, data and optimizer give the same losses."""
import copy

import numpy as np
import pytest

import axonml
from axonml import nn, optim
from axonml.vision.models import MLP, LeNet

STEPS = 50


def _trajectory(model, make_optimizer, inputs, targets, device):
    model = copy.deepcopy(model).to(device)
    optimizer = make_optimizer(model.parameters())
    x, y = axonml.from_numpy(inputs).to(device), axonml.from_numpy(targets).to(device)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses), model


def _data(shape, classes, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, classes, shape[0]).astype(np.int64)


@pytest.mark.parametrize("make_optimizer", [
    lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    lambda params: optim.Adam(params, lr=1e-2),
], ids=["sgd-momentum", "adam"])
def test_mlp_follows_the_cpu_loss_trajectory(make_optimizer):
    axonml.manual_seed(0)
    model = MLP(in_features=20, hidden_sizes=(64, 32), num_classes=5)
    inputs, targets = _data((128, 20), 5)
    cpu_losses, cpu_model = _trajectory(model, make_optimizer, inputs, targets, "cpu")
    cl_losses, cl_model = _trajectory(model, make_optimizer, inputs, targets, "opencl")
    assert cpu_losses[-1] < 0.7 * cpu_losses[0], "the model should learn"
    np.testing.assert_allclose(cl_losses, cpu_losses, rtol=2e-3, atol=2e-4)
    for (name, p_cpu), p_cl in zip(cpu_model.named_parameters(), cl_model.parameters()):
        assert p_cl.device == axonml.device("opencl:0")
        np.testing.assert_allclose(p_cl.detach().cpu().numpy(), p_cpu.detach().numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=name)


def test_lenet_follows_the_cpu_loss_trajectory():
    axonml.manual_seed(0)
    model = LeNet(in_channels=1, num_classes=10, input_size=28)
    inputs, targets = _data((32, 1, 28, 28), 10, seed=1)
    cpu_losses, _ = _trajectory(model, lambda p: optim.SGD(p, lr=0.05, momentum=0.9), inputs, targets, "cpu")
    cl_losses, _ = _trajectory(model, lambda p: optim.SGD(p, lr=0.05, momentum=0.9), inputs, targets, "opencl")
    assert cpu_losses[-1] < 0.5 * cpu_losses[0], "the model should learn"
    np.testing.assert_allclose(cl_losses, cpu_losses, rtol=5e-3, atol=1e-3)
