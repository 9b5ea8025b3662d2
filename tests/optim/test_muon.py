"""optim.Muon (axonml/optim/muon.py) against torch.optim.Muon: the orthogonalisation and whole trajectories."""
import numpy as np
import pytest
import torch

import axonml
from axonml.optim.muon import _zeropower_via_newtonschulz

COEFFICIENTS = (3.4445, -4.7750, 2.0315)
STEPS = 20


def _gradient(values, step):
    """The gradient of a quadratic pulling towards a fixed target, plus step-seeded noise: the same function of
    each framework's parameters."""
    rng = np.random.default_rng(step)
    target = np.random.default_rng(99).standard_normal(values.shape)
    return (values - target + 0.3 * rng.standard_normal(values.shape)).astype(np.float32)


def _trajectory(lib, initial, options, device="cpu", gradient_dtype=np.float32):
    if lib is torch:
        param = torch.tensor(initial, requires_grad=True)
        optimizer = torch.optim.Muon([param], lr=0.02, **options)
    else:
        param = axonml.tensor(initial, device=device, requires_grad=True)
        optimizer = axonml.optim.Muon([param], lr=0.02, **options)
    values = []
    for step in range(STEPS):
        current = np.array(param.detach().cpu() if lib is axonml else param.detach().numpy())
        grad = _gradient(current.astype(gradient_dtype), step).astype(np.float32)
        param.grad = torch.from_numpy(grad) if lib is torch else axonml.tensor(grad, device=device)
        optimizer.step()
        values.append(np.array(param.detach().cpu() if lib is axonml else param.detach().numpy()))
    return np.array(values)


@pytest.mark.parametrize("shape", [(8, 5), (5, 8), (24, 24)])
def test_newton_schulz_matches_torch(shape):
    """Bit for bit where the bfloat16 gemms sum in the same order; within torch's own bfloat16 error otherwise."""
    grad = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    theirs = torch.optim._muon._zeropower_via_newtonschulz(torch.tensor(grad), COEFFICIENTS, 5, 1e-7)
    ours = _zeropower_via_newtonschulz(axonml.tensor(grad), COEFFICIENTS, 5, 1e-7)
    assert ours.dtype == axonml.bfloat16
    np.testing.assert_array_equal(np.asarray(ours.float()), theirs.float().numpy())


@pytest.mark.parametrize("shape, options", [
    ((8, 5), {}),
    ((5, 8), dict(nesterov=False, adjust_lr_fn="match_rms_adamw")),
    ((6, 6), dict(weight_decay=0.0, momentum=0.9, ns_steps=3)),
    ((7, 4), dict(ns_coefficients=(2.0, -1.5, 0.5), eps=1e-5, adjust_lr_fn="original")),
], ids=str)
def test_trajectory_matches_torch(shape, options, device):
    initial = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    theirs = _trajectory(torch, initial, options)
    ours = _trajectory(axonml, initial, options, device)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def _newton_schulz_float64(grad, steps=5):
    a, b, c = COEFFICIENTS
    x = grad.T if grad.shape[0] > grad.shape[1] else grad
    x = x / np.linalg.norm(x)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if grad.shape[0] > grad.shape[1] else x


def test_large_trajectory_within_torchs_own_bfloat16_error():
    """Where the bfloat16 gemms sum in another order, rounding flips make trajectories drift apart: each step
    by no more than torch's own bfloat16 orthogonalisation is off from the exact one."""
    shape = (40, 32)
    initial = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    theirs = _trajectory(torch, initial, {})
    deviation = np.abs(_trajectory(axonml, initial, {}) - theirs).max()
    grad = _gradient(initial, 0)
    bfloat16_error = np.abs(torch.optim._muon._zeropower_via_newtonschulz(
        torch.tensor(grad), COEFFICIENTS, 5, 1e-7).double().numpy() - _newton_schulz_float64(grad.astype(np.float64)))
    adjusted_lr = 0.02 * np.sqrt(shape[0] / shape[1])
    assert deviation <= STEPS * adjusted_lr * bfloat16_error.max(), deviation
    assert np.abs(theirs[-1] - initial).max() > 20 * deviation  # the parameters did move


def test_errors_match_torch():
    with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
        axonml.optim.Muon([axonml.zeros(3, requires_grad=True)])
    for options in (dict(lr=-1.0), dict(momentum=-0.1), dict(weight_decay=-1.0), dict(adjust_lr_fn="rms")):
        with pytest.raises(ValueError):
            torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], **options)
        with pytest.raises(ValueError):
            axonml.optim.Muon([axonml.zeros(2, 2, requires_grad=True)], **options)
    param = axonml.zeros(2, 2, requires_grad=True)
    param.grad = axonml.ones(2, 2)
    with pytest.raises(ValueError, match="less than 100"):
        axonml.optim.Muon([param], ns_steps=100).step()
    with pytest.raises(ValueError, match="exactly 3"):
        axonml.optim.Muon([param], ns_coefficients=(1.0, 2.0)).step()


def test_state_dict_round_trip():
    param = axonml.randn(4, 3, requires_grad=True)
    optimizer = axonml.optim.Muon([param], lr=0.05)
    param.grad = axonml.randn(4, 3)
    optimizer.step()
    state = optimizer.state_dict()
    assert set(state["state"][0]) == {"momentum_buffer"}
    assert state["param_groups"][0]["nesterov"] is True and state["param_groups"][0]["ns_steps"] == 5
    other = axonml.optim.Muon([param])
    other.load_state_dict(state)
    np.testing.assert_array_equal(np.asarray(other.state[param]["momentum_buffer"]),
                                  np.asarray(optimizer.state[param]["momentum_buffer"]))
