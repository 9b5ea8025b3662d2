"""Adafactor against torch.optim.Adafactor: factored and unfactored moments, every option, state_dict."""
import pytest
import torch

import axonml
from axonml import optim
from tests.optim.trajectory import run_trajectory

# each option away from its default at least once, with and without maximize
OPTIONS = [dict(), dict(maximize=True), dict(beta2_decay=-0.5, weight_decay=0.1),
           dict(eps=(1e-20, 1e-2), d=1.5, maximize=True), dict(lr=0.05, weight_decay=0.05, d=2.0)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", OPTIONS, ids=[str(i) for i in range(len(OPTIONS))])
def test_adafactor_trajectory_matches_torch(dtype, options, device):
    run_trajectory(optim.Adafactor, torch.optim.Adafactor, options, dtype, device, steps=12)


def test_adafactor_state_is_factored_for_matrices():
    weight, bias = axonml.randn(6, 4, requires_grad=True), axonml.randn(4, requires_grad=True)
    optimizer = optim.Adafactor([weight, bias])
    (weight.sum() + bias.sum()).backward()
    optimizer.step()
    assert sorted(optimizer.state[weight]) == ["col_var", "row_var", "step"]
    assert tuple(optimizer.state[weight]["row_var"].shape) == (6, 1)
    assert tuple(optimizer.state[weight]["col_var"].shape) == (1, 4)
    assert sorted(optimizer.state[bias]) == ["step", "variance"]


@pytest.mark.parametrize("bad", [dict(lr=-1.0), dict(beta2_decay=0.1), dict(eps=(-1.0, 1e-3)), dict(d=0.5),
                                 dict(weight_decay=-0.1)])
def test_adafactor_rejects_what_torch_rejects(bad):
    with pytest.raises(ValueError):
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **bad)
    with pytest.raises(ValueError):
        optim.Adafactor([axonml.zeros(2, requires_grad=True)], **bad)
