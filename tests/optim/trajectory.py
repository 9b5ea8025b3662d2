"""The same parameters in axonml and torch, fed the same gradients, stepped by two optimizers and compared."""
import functools

import numpy as np
import pytest
import torch

import axonml
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


def require_primitives(device, *names):
    """Skip on a backend that does not implement these optimizer primitives yet (the CPU always does)."""
    backend = get_backend(axonml.device(device))
    missing = [name for name in names if getattr(type(backend), name) is getattr(Backend, name)]
    if missing and device != "cpu":
        pytest.skip(f"the {device} backend does not implement {', '.join(missing)} yet")


class Pair:
    """The same parameters in axonml (on device) and torch, and one call to give both their gradients."""

    def __init__(self, dtype, device, maximize=False):
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


def assert_states_close(ours, theirs, dtype):
    """Equal state_dict layouts (keys, groups) and close state values; scalar state compared as floats."""
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert sorted(ours_sd["state"]) == sorted(theirs_sd["state"])
    for index, state in theirs_sd["state"].items():
        assert list(ours_sd["state"][index]) == list(state), f"state keys of param {index}"
        for key, value in state.items():
            ours_value = ours_sd["state"][index][key]
            assert isinstance(ours_value, axonml.Tensor) == isinstance(value, torch.Tensor), f"state {index}.{key}"
            if key == "step":
                assert float(ours_value) == float(value)
            elif isinstance(value, torch.Tensor):
                assert str(ours_value.dtype).split(".")[-1] == str(value.dtype).split(".")[-1], f"{index}.{key}"
                assert_close(ours_value, value, dtype, what=f"state {index}.{key}")
            else:
                assert ours_value == value, f"state {index}.{key}"
    for ours_group, theirs_group in zip(ours_sd["param_groups"], theirs_sd["param_groups"]):
        assert ours_group == theirs_group


def run_trajectory(ours_cls, theirs_cls, options, dtype, device, steps=STEPS):
    """steps steps of both optimizers on the same gradients; params and states must stay close."""
    pair = Pair(dtype, device, options.get("maximize", False))
    ours, theirs = ours_cls(pair.ours, **options), theirs_cls(pair.theirs, **options)
    for step in range(steps):
        pair.set_gradients(step)
        ours.step()
        theirs.step()
    pair.assert_close(dtype, f"{ours_cls.__name__}({options}) after {steps} steps")
    assert_states_close(ours, theirs, dtype)
    return pair, ours, theirs
