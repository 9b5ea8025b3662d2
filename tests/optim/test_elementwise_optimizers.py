"""Adadelta, Adagrad, Adamax, NAdam, RAdam, ASGD and Rprop against torch.optim (same gradients, same
trajectory), and state dicts that move between axonml and torch for every element-wise optimizer."""
import itertools

import numpy as np
import pytest
import torch

import axonml
from axonml import optim
from tests.optim.trajectory import STEPS, Pair, assert_states_close, require_primitives, run_trajectory

PRIMITIVE = {"Adadelta": "adadelta_step", "Adagrad": "adagrad_step", "Adamax": "adamax_step", "NAdam": "nadam_step",
             "RAdam": "radam_step", "ASGD": "asgd_step", "Rprop": "rprop_step", "SGD": "sgd_step",
             "Adam": "adam_step", "AdamW": "adam_step", "RMSprop": "rmsprop_step"}


def _grid(**axes):
    """Every combination of the listed option values."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*axes.values())]


CASES = (
    [("Adadelta", dict(lr=1.0, **o)) for o in _grid(rho=(0.9, 0.5), weight_decay=(0.0, 0.01), maximize=(False, True))]
    + [("Adagrad", dict(lr=0.1, **o)) for o in _grid(lr_decay=(0.0, 0.05), weight_decay=(0.0, 0.01),
                                                     maximize=(False, True))]
    + [("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6))]
    + [("Adamax", dict(lr=0.01, betas=(0.8, 0.99), **o)) for o in _grid(weight_decay=(0.0, 0.01),
                                                                         maximize=(False, True))]
    + [("NAdam", dict(lr=0.01, **o)) for o in _grid(weight_decay=(0.0, 0.05), decoupled_weight_decay=(False, True),
                                                    maximize=(False, True)) if o["weight_decay"] or
       not o["decoupled_weight_decay"]]
    + [("NAdam", dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.05))]
    # beta2 = 0.9 rectifies from step 6; with 0.999 the first five steps are momentum only
    + [("RAdam", dict(lr=0.01, betas=(0.9, beta2), **o)) for beta2 in (0.9, 0.999)
       for o in _grid(weight_decay=(0.0, 0.05), decoupled_weight_decay=(False, True), maximize=(False, True))
       if o["weight_decay"] or not o["decoupled_weight_decay"]]
    + [("ASGD", dict(lr=0.05, lambd=0.01, **o)) for o in _grid(t0=(1e6, 10.0), weight_decay=(0.0, 0.01),
                                                               maximize=(False, True))]
    + [("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=0.0))]
    + [("Rprop", dict(lr=0.01, **o)) for o in _grid(maximize=(False, True))]
    + [("Rprop", dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05), maximize=maximize))
       for maximize in (False, True)]
)


def _case_id(case):
    name, options = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in options.items() if k != "lr")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case, dtype, device):
    name, options = case
    require_primitives(device, PRIMITIVE[name])
    run_trajectory(getattr(optim, name), getattr(torch.optim, name), options, dtype, device)


# --- state dicts ---------------------------------------------------------------------------------
STATE_CASES = [("Adadelta", dict(lr=0.5, weight_decay=0.01)), ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
               ("Adamax", dict(lr=0.01)), ("NAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.01)),
               ("RAdam", dict(lr=0.01, betas=(0.9, 0.9))), ("ASGD", dict(lr=0.05, t0=5.0, lambd=0.01)),
               ("Rprop", dict(lr=0.01)), ("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
               ("AdamW", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5))]
STATE_IDS = [name for name, _ in STATE_CASES]


def _to_axonml(value):
    if isinstance(value, torch.Tensor):
        return axonml.from_numpy(value.detach().numpy().copy())
    if isinstance(value, dict):
        return {k: _to_axonml(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_axonml(v) for v in value]
    return value


def _to_torch(value):
    if isinstance(value, axonml.Tensor):
        return torch.tensor(np.asarray(value.detach().cpu()))  # a copy: torch.tensor always copies
    if isinstance(value, dict):
        return {k: _to_torch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_torch(v) for v in value]
    return value


def _half_way(name, options, device, dtype="float32"):
    require_primitives(device, PRIMITIVE[name])
    pair = Pair(dtype, device)
    ours, theirs = getattr(optim, name)(pair.ours, **options), getattr(torch.optim, name)(pair.theirs, **options)
    for step in range(STEPS // 2):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    return pair, ours, theirs


def _finish(pair, ours, theirs, dtype="float32"):
    for step in range(STEPS // 2, STEPS):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    pair.assert_close(dtype, f"{type(ours).__name__} resumed")
    assert_states_close(ours, theirs, dtype)


@pytest.mark.parametrize("name, options", STATE_CASES, ids=STATE_IDS)
def test_state_dict_round_trip_continues_like_torch(name, options, device, tmp_path):
    pair, ours, theirs = _half_way(name, options, device)
    axonml.save(ours.state_dict(), tmp_path / "optimizer.safetensors")
    params = [p.detach().clone().requires_grad_() for p in pair.ours]
    pair.set_gradients(STEPS)
    ours.step()  # the original optimizer moves on; the saved state must not
    pair.ours = params
    restored = getattr(optim, name)(params, **{**options, "lr": 123.0})
    restored.load_state_dict(axonml.load(tmp_path / "optimizer.safetensors"))
    assert restored.param_groups[0]["lr"] == options["lr"]
    _finish(pair, restored, theirs)


@pytest.mark.parametrize("name, options", STATE_CASES, ids=STATE_IDS)
def test_loads_a_torch_state_dict_and_continues_like_torch(name, options, device):
    pair, _, theirs = _half_way(name, options, device)
    ours = getattr(optim, name)(pair.ours, **{**options, "lr": 123.0})
    ours.load_state_dict(_to_axonml(theirs.state_dict()))
    for p in pair.ours:
        for value in ours.state[p].values():
            if isinstance(value, axonml.Tensor) and value.shape == p.shape and value.ndim:
                assert value.device == p.device and value.dtype == p.dtype
    _finish(pair, ours, theirs)


@pytest.mark.parametrize("name, options", STATE_CASES, ids=STATE_IDS)
def test_torch_loads_our_state_dict_and_continues_like_us(name, options, device):
    pair, ours, theirs = _half_way(name, options, device)
    fresh = [p.detach().clone().requires_grad_() for p in pair.theirs]
    pair.theirs = fresh
    theirs = getattr(torch.optim, name)(fresh, **{**options, "lr": 123.0})
    theirs.load_state_dict(_to_torch(ours.state_dict()))
    _finish(pair, ours, theirs)


def test_adagrad_creates_its_state_in_the_constructor_like_torch():
    pair = Pair("float64", "cpu")
    ours = optim.Adagrad(pair.ours, initial_accumulator_value=0.25)
    theirs = torch.optim.Adagrad(pair.theirs, initial_accumulator_value=0.25)
    assert_states_close(ours, theirs, "float64")


def test_param_groups_with_their_own_options():
    pair = Pair("float64", "cpu")
    groups = lambda ps: [{"params": ps[:2], "lr": 0.1}, {"params": ps[2:], "weight_decay": 0.1, "betas": (0.5, 0.9)}]
    ours, theirs = optim.NAdam(groups(pair.ours), lr=0.01), torch.optim.NAdam(groups(pair.theirs), lr=0.01)
    for step in range(10):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    pair.assert_close("float64", "NAdam with two param groups")
    assert_states_close(ours, theirs, "float64")


# --- arguments -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, options", [
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-0.1)), ("Adagrad", dict(lr=-1.0)), ("Adagrad", dict(lr_decay=-0.1)),
    ("Adagrad", dict(weight_decay=-0.1)), ("Adagrad", dict(initial_accumulator_value=-0.1)),
    ("Adagrad", dict(eps=-1.0)), ("Adamax", dict(lr=-1.0)), ("Adamax", dict(eps=-1.0)),
    ("Adamax", dict(betas=(1.0, 0.9))), ("Adamax", dict(betas=(0.9, 1.0))), ("Adamax", dict(weight_decay=-1.0)),
    ("NAdam", dict(lr=-1.0)), ("NAdam", dict(betas=(0.9, -0.5))), ("NAdam", dict(momentum_decay=-0.1)),
    ("NAdam", dict(weight_decay=-1.0)), ("RAdam", dict(lr=-1.0)), ("RAdam", dict(eps=-1.0)),
    ("RAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(weight_decay=-1.0)), ("ASGD", dict(lr=-1.0)),
    ("ASGD", dict(weight_decay=-1.0)), ("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.5, 1.2))),
    ("Rprop", dict(etas=(0.5, 0.9))), ("Rprop", dict(etas=(0.0, 1.2))),
])
def test_invalid_arguments_raise_like_torch(name, options):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([axonml.zeros(2, requires_grad=True)], **options)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["Adadelta", "Adagrad", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_defaults_and_repr_are_torchs(name):
    ours = getattr(optim, name)([axonml.zeros(2, requires_grad=True)])
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert ours.defaults == theirs.defaults
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_unfusable_options_are_refused(name):
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(optim, name)([axonml.zeros(2, requires_grad=True)], differentiable=True)


@pytest.mark.parametrize("name", ["Adadelta", "Adagrad", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_step_skips_parameters_without_grad_and_bumps_versions(name):
    a, b = axonml.ones(3, requires_grad=True), axonml.ones(2, requires_grad=True)
    optimizer = getattr(optim, name)([a, b])
    a.grad = axonml.ones(3)
    version = a._version
    optimizer.step()
    assert a._version == version + 1
    assert not np.array_equal(np.asarray(a.detach()), np.ones(3, np.float32))
    np.testing.assert_array_equal(np.asarray(b.detach()), np.ones(2, np.float32))
    assert (b in optimizer.state) == (name == "Adagrad")  # Adagrad's constructor fills every state


@pytest.mark.parametrize("name", ["Adadelta", "Adagrad", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_half_precision_parameters_follow_the_float32_update(name):
    values = np.linspace(-1, 1, 6, dtype=np.float32)
    half = axonml.from_numpy(values.astype(np.float16)).requires_grad_()
    single = axonml.from_numpy(values.astype(np.float16).astype(np.float32)).requires_grad_()
    ours_half, ours_single = getattr(optim, name)([half], lr=0.01), getattr(optim, name)([single], lr=0.01)
    for step in range(3):
        grad = np.cos(values * (step + 1))
        half.grad = axonml.from_numpy(grad.astype(np.float16))
        single.grad = axonml.from_numpy(grad.astype(np.float16).astype(np.float32))
        ours_half.step()
        ours_single.step()
        single.data = single.detach().to(axonml.float16).to(axonml.float32)
    assert half.dtype == axonml.float16
    np.testing.assert_allclose(np.asarray(half.detach()).astype(np.float32), np.asarray(single.detach()), atol=2e-3)
