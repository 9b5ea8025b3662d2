"""SGD, Adam, AdamW and RMSprop against torch.optim: same parameters, same gradients, same trajectory."""
import itertools

import numpy as np
import pytest
import torch

import axonml
from axonml import optim
from tests.optim.trajectory import STEPS, Pair, assert_states_close, require_primitives, run_trajectory

_PRIMITIVES = ("sgd_step", "adam_step", "rmsprop_step")


class _Pair(Pair):
    def __init__(self, dtype, device, maximize=False):
        require_primitives(device, *_PRIMITIVES)
        super().__init__(dtype, device, maximize)


def _run(ours_cls, theirs_cls, options, dtype, device, steps=STEPS):
    require_primitives(device, *_PRIMITIVES)
    run_trajectory(ours_cls, theirs_cls, options, dtype, device, steps)


def _sgd_options():
    for momentum, dampening, nesterov, weight_decay, maximize in itertools.product(
            (0.0, 0.9), (0.0, 0.1), (False, True), (0.0, 0.01), (False, True)):
        if nesterov and (momentum == 0 or dampening != 0):
            continue
        yield dict(lr=0.05, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
                   maximize=maximize)


def _adam_options(weight_decays):
    for amsgrad, weight_decay, maximize in itertools.product((False, True), weight_decays, (False, True)):
        yield dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=weight_decay, amsgrad=amsgrad,
                   maximize=maximize)


def _rmsprop_options():
    for centered, momentum, weight_decay, maximize in itertools.product(
            (False, True), (0.0, 0.9), (0.0, 0.01), (False, True)):
        yield dict(lr=0.01, alpha=0.9, eps=1e-6, centered=centered, momentum=momentum, weight_decay=weight_decay,
                   maximize=maximize)


CASES = ([("SGD", o) for o in _sgd_options()] + [("Adam", o) for o in _adam_options((0.0, 0.1))]
         + [("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=amsgrad))
            for amsgrad in (False, True)]
         + [("AdamW", o) for o in _adam_options((0.0, 0.05))] + [("RMSprop", o) for o in _rmsprop_options()])


def _case_id(case):
    name, options = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in options.items() if k not in ("lr", "eps", "betas", "alpha"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case, dtype, device):
    name, options = case
    _run(getattr(optim, name), getattr(torch.optim, name), options, dtype, device)


@pytest.mark.parametrize("name, options", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                           ("Adam", dict(lr=0.01, amsgrad=True)),
                                           ("AdamW", dict(lr=0.01, weight_decay=0.1)),
                                           ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5))])
def test_state_dict_round_trip_continues_like_torch(name, options, device, tmp_path):
    dtype = "float32"
    pair = _Pair(dtype, device)
    ours, theirs = getattr(optim, name)(pair.ours, **options), getattr(torch.optim, name)(pair.theirs, **options)
    for step in range(STEPS // 2):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    axonml.save(ours.state_dict(), tmp_path / "optimizer.safetensors")
    params = [p.detach().clone().requires_grad_() for p in pair.ours]
    pair.set_gradients(STEPS)
    ours.step()  # the original optimizer moves on; the saved state must not
    pair.ours = params
    restored = getattr(optim, name)(params, **{**options, "lr": 123.0})
    restored.load_state_dict(axonml.load(tmp_path / "optimizer.safetensors"))
    assert restored.param_groups[0]["lr"] == options["lr"]
    for step in range(STEPS // 2, STEPS):
        pair.set_gradients(step)
        restored.step()
        theirs.step()
    pair.assert_close(dtype, f"{name} resumed from a state_dict")
    assert_states_close(restored, theirs, dtype)


def test_param_groups_with_their_own_options():
    pair = _Pair("float64", "cpu")
    groups = lambda ps: [{"params": ps[:2], "lr": 0.1}, {"params": ps[2:], "momentum": 0.5, "weight_decay": 0.1}]
    ours, theirs = optim.SGD(groups(pair.ours), lr=0.01), torch.optim.SGD(groups(pair.theirs), lr=0.01)
    for step in range(10):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    pair.assert_close("float64", "SGD with two param groups")
    assert_states_close(ours, theirs, "float64")
    assert [g["lr"] for g in ours.param_groups] == [0.1, 0.01]


def test_add_param_group_and_its_errors():
    a, b = axonml.zeros(3, requires_grad=True), axonml.zeros(2, requires_grad=True)
    optimizer = optim.Adam([a], lr=0.1)
    optimizer.add_param_group({"params": b, "lr": 0.5})
    assert optimizer.param_groups[1]["params"] == [b] and optimizer.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optimizer.add_param_group([a])
    with pytest.raises(TypeError, match="ordered collections"):
        optimizer.add_param_group({"params": {axonml.zeros(1, requires_grad=True)}})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([a, a], lr=0.1)


@pytest.mark.parametrize("name, options", [
    ("SGD", dict(lr=-1.0)), ("SGD", dict(lr=0.1, momentum=-0.5)), ("SGD", dict(lr=0.1, weight_decay=-1.0)),
    ("SGD", dict(lr=0.1, nesterov=True)), ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-0.1)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-0.1)), ("Adam", dict(betas=(0, 0.999))),
    ("AdamW", dict(betas=(0.9, 1.5))), ("RMSprop", dict(alpha=-0.1)), ("RMSprop", dict(momentum=-0.1)),
    ("RMSprop", dict(eps=-0.1)),
])
def test_invalid_arguments_raise_like_torch(name, options):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([axonml.zeros(2, requires_grad=True)], **options)
    assert str(ours.value) == str(theirs.value)


def test_zero_grad_step_skips_missing_grads_and_bumps_versions():
    a, b = axonml.ones(3, requires_grad=True), axonml.ones(2, requires_grad=True)
    optimizer = optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = axonml.ones(3)
    version = a._version
    optimizer.step()
    assert a._version == version + 1
    np.testing.assert_array_equal(np.asarray(a.detach()), np.full(3, 0.5, np.float32))
    np.testing.assert_array_equal(np.asarray(b.detach()), np.ones(2, np.float32))
    assert b not in optimizer.state and "momentum_buffer" in optimizer.state[a]
    grad = a.grad
    optimizer.zero_grad(set_to_none=False)
    assert a.grad is grad and not a.grad.requires_grad
    np.testing.assert_array_equal(np.asarray(a.grad), np.zeros(3, np.float32))
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_with_closure_returns_its_loss_and_uses_its_gradients():
    x = axonml.tensor([1.0, -2.0], requires_grad=True)
    optimizer = optim.SGD([x], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with axonml.no_grad():
        loss = optimizer.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(np.asarray(x.detach()), [0.5, -1.0])


def test_load_state_dict_rejects_a_different_layout():
    a, b = axonml.zeros(3, requires_grad=True), axonml.zeros(2, requires_grad=True)
    source = optim.Adam([a, b])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(source.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam([a]).load_state_dict(source.state_dict())


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    a = axonml.ones(3, requires_grad=True)
    source = optim.Adam([a], lr=0.1)
    a.grad = axonml.ones(3)
    source.step()
    b = axonml.ones(3, dtype=axonml.float64, requires_grad=True)
    target = optim.Adam([b], lr=0.1)
    target.load_state_dict(source.state_dict())
    assert target.state[b]["exp_avg"].dtype == axonml.float64
    assert target.state[b]["step"].dtype == axonml.float32
    assert target.state[b]["exp_avg"] is not source.state[a]["exp_avg"]


@pytest.mark.parametrize("shape", [(4,), ()])
def test_half_precision_parameters_are_updated_through_a_float32_copy(shape):
    p = axonml.ones(*shape, dtype=axonml.float16, requires_grad=True)
    p.grad = axonml.ones(*shape, dtype=axonml.float16)
    optimizer = optim.Adam([p], lr=0.125)
    optimizer.step()
    assert p.dtype == axonml.float16 and optimizer.state[p]["exp_avg"].dtype == axonml.float16
    assert p.shape == shape
    np.testing.assert_allclose(np.asarray(p.detach()).astype(np.float32), np.full(shape, 0.875), atol=1e-3)
    np.testing.assert_allclose(np.asarray(optimizer.state[p]["exp_avg"]).astype(np.float32), np.full(shape, 0.1),
                               atol=1e-3)


def test_repr_is_torchs():
    groups = lambda make: [{"params": [make()]}, {"params": [make()], "lr": 0.5}]
    ours = optim.SGD(groups(lambda: axonml.zeros(1, requires_grad=True)), lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD(groups(lambda: torch.zeros(1, requires_grad=True)), lr=0.1, momentum=0.9)
    assert repr(ours) == repr(theirs)
