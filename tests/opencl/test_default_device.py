"""set_default_device: creation functions and module parameters allocate on the default device."""
import numpy as np
import pytest

import axonml
from axonml import nn


@pytest.fixture
def opencl_default():
    axonml.set_default_device("opencl")
    yield
    axonml.set_default_device(None)


def test_creation_functions_follow_the_default_device(opencl_default):
    assert axonml.get_default_device() == axonml.device("opencl:0")
    for make in (lambda: axonml.zeros(2), lambda: axonml.ones(2, 3), lambda: axonml.tensor([1.0, 2.0]),
                 lambda: axonml.arange(4), lambda: axonml.randn(3), lambda: axonml.full((2,), 1.5),
                 lambda: axonml.eye(3), lambda: axonml.linspace(0, 1, 5)):
        assert make().device == axonml.device("opencl:0")
    assert nn.Linear(3, 2).weight.device == axonml.device("opencl:0")
    assert axonml.zeros(2, device="cpu").device == axonml.device("cpu")
    assert axonml.from_numpy(np.ones(2)).device == axonml.device("cpu")  # from_numpy always shares host memory


def test_a_model_built_under_the_default_device_trains_there(opencl_default):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = model(axonml.randn(16, 4)).square().mean()
    loss.backward()
    assert all(p.grad.device == axonml.device("opencl:0") for p in model.parameters())


def test_resetting_restores_the_cpu():
    axonml.set_default_device("opencl")
    axonml.set_default_device(None)
    assert axonml.get_default_device() == axonml.device("cpu") and axonml.zeros(1).device == axonml.device("cpu")
    axonml.set_default_device("cpu")
    assert axonml.get_default_device() == axonml.device("cpu")
