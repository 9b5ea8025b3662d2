"""Module.to('opencl') keeps its parameters, and its state_dict round-trips through the CPU."""
import numpy as np

import axonml
from axonml import nn
from axonml.serialize import load_state_dict, save_state_dict
from axonml.vision.models import LeNet


def test_module_to_opencl_state_dict_round_trips_through_cpu(tmp_path):
    axonml.manual_seed(0)
    cpu_model = LeNet(in_channels=1, num_classes=10, input_size=28)
    expected = {k: np.asarray(v) for k, v in cpu_model.state_dict().items()}
    parameters = list(cpu_model.parameters())
    model = cpu_model.to("opencl")
    assert model is cpu_model and list(model.parameters())[0] is parameters[0]  # identity kept, as torch
    state = model.state_dict()
    assert all(v.device == axonml.device("opencl:0") for v in state.values())
    for key, value in state.items():
        np.testing.assert_array_equal(np.asarray(value.cpu()), expected[key], err_msg=key)
    save_state_dict({k: v.cpu() for k, v in state.items()}, tmp_path / "lenet.safetensors")
    fresh = LeNet(in_channels=1, num_classes=10, input_size=28)
    fresh.load_state_dict(load_state_dict(tmp_path / "lenet.safetensors"))
    x = axonml.randn(2, 1, 28, 28)
    with axonml.no_grad():
        on_device = model(x.to("opencl")).cpu()
        on_cpu = fresh(x)
    np.testing.assert_allclose(np.asarray(on_device), np.asarray(on_cpu), rtol=1e-4, atol=1e-5)


def test_state_dict_loads_into_opencl_module_from_cpu_tensors():
    cpu_layer = nn.Linear(4, 3)
    device_layer = nn.Linear(4, 3).to("opencl")
    device_layer.load_state_dict(cpu_layer.state_dict())
    assert device_layer.weight.device == axonml.device("opencl:0")
    np.testing.assert_array_equal(np.asarray(device_layer.weight.detach().cpu()), np.asarray(cpu_layer.weight.detach()))
