"""SGD, Adam, AdamW and RMSprop against torch.optim: same parameters, same gradients, same trajectory."""
import functools
import itertools

import numpy as np
import pytest
import torch

import axonml
from axonml import optim
from axonml.backends import Backend, get_backend
from tests.oracle.oracle import assert_close

# (5, 7), (7,) and () are ordinary; (3, 4, 2) is stored transposed (not contiguous); (180, 200) is
# large enough for the kernels' multi-threaded loop.
SHAPES = [(5, 7), (7,), (3, 4, 2), (180, 200), ()]
STEPS = 30


def _initial_params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(rng.standard_normal(shape), dtype=dtype) for shape in SHAPES]
    arrays[2] = np.ascontiguousarray(arrays[2].transpose(2, 1, 0)).transpose(2, 1, 0)
    assert not arrays[2].flags.c_contiguous
    return arrays


@functools.lru_cache(maxsize=None)
def _noise(shape, dtype, step, index):
    return np.asarray(np.random.default_rng(1000 * step + index).standard_normal(shape), dtype=dtype)


def _gradient(param_values, step, index, sign):
    """The gradient of a quadratic (convex for sign=1, concave for sign=-1, so that maximizing converges too)
    plus noise fixed by (step, index): both frameworks see the same function."""
    noise = _noise(param_values.shape, param_values.dtype.name, step, index)
    return np.asarray(sign * 0.5 * (param_values - 0.25) + 0.1 * noise, dtype=param_values.dtype)


def _require_fused_updates(device):
    """Skip on a backend that does not implement the optimizer primitives yet (the CPU always does)."""
    backend = get_backend(axonml.device(device))
    missing = [name for name in ("sgd_step", "adam_step", "rmsprop_step")
               if getattr(type(backend), name) is getattr(Backend, name)]
    if missing and device != "cpu":
        pytest.skip(f"the {device} backend does not implement {', '.join(missing)} yet")


class _Pair:
    """The same parameters in axonml (on device) and torch, and one call to give both their gradients."""

    def __init__(self, dtype, device, maximize=False):
        _require_fused_updates(device)
        self.device, self.sign = device, -1 if maximize else 1
        arrays = _initial_params(dtype)
        self.ours = [axonml.from_numpy(a.copy()).to(device).requires_grad_() for a in arrays]
        self.theirs = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]

    def set_gradients(self, step):
        for i, (ours, theirs) in enumerate(zip(self.ours, self.theirs)):
            g_ours = _gradient(np.asarray(ours.detach().cpu()), step, i, self.sign)
            g_theirs = _gradient(theirs.detach().numpy(), step, i, self.sign)
            ours.grad = axonml.from_numpy(g_ours).to(self.device)
            theirs.grad = torch.from_numpy(g_theirs)

    def assert_close(self, dtype, what):
        for i, (ours, theirs) in enumerate(zip(self.ours, self.theirs)):
            assert_close(ours, theirs, dtype, what=f"{what}: param {i}")


def _assert_states_close(ours, theirs, dtype):
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert sorted(ours_sd["state"]) == sorted(theirs_sd["state"])
    for index, state in theirs_sd["state"].items():
        assert sorted(ours_sd["state"][index]) == sorted(state), f"state keys of param {index}"
        for key, value in state.items():
            if key == "step":
                assert float(ours_sd["state"][index][key]) == float(value)
            else:
                assert_close(ours_sd["state"][index][key], value, dtype, what=f"state {index}.{key}")
    for ours_group, theirs_group in zip(ours_sd["param_groups"], theirs_sd["param_groups"]):
        assert ours_group == theirs_group


def _run(ours_cls, theirs_cls, options, dtype, device, steps=STEPS):
    pair = _Pair(dtype, device, options.get("maximize", False))
    ours, theirs = ours_cls(pair.ours, **options), theirs_cls(pair.theirs, **options)
    for step in range(steps):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    pair.assert_close(dtype, f"{ours_cls.__name__}({options}) after {steps} steps")
    _assert_states_close(ours, theirs, dtype)


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
    _assert_states_close(restored, theirs, dtype)


def test_param_groups_with_their_own_options():
    pair = _Pair("float64", "cpu")
    groups = lambda ps: [{"params": ps[:2], "lr": 0.1}, {"params": ps[2:], "momentum": 0.5, "weight_decay": 0.1}]
    ours, theirs = optim.SGD(groups(pair.ours), lr=0.01), torch.optim.SGD(groups(pair.theirs), lr=0.01)
    for step in range(10):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    pair.assert_close("float64", "SGD with two param groups")
    _assert_states_close(ours, theirs, "float64")
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
