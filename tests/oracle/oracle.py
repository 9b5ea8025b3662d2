"""The one oracle helper: run the same call in axonml and in PyTorch, compare forward and backward.

    check(lambda x, y: x * y, [(3, 4), (4,)])

fn receives the framework's tensors (axonml or torch) and must use API both share; pass
torch_fn when the spellings differ. Inputs are NumPy arrays or shapes (filled with seeded
normal values); float inputs require grad. The gradient of every differentiable input is
compared after backpropagating a fixed random weighting of every output.
"""
from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

import axonml

# Stated once per dtype; never loosened for a single op.
TOLERANCES = {
    "float32": dict(rtol=1e-4, atol=1e-5),
    "float64": dict(rtol=1e-7, atol=1e-9),
    "float16": dict(rtol=2e-3, atol=2e-3),
}
DTYPES = ("float32", "float64")
REQUIRE_OPENCL = os.environ.get("AXONML_REQUIRE_OPENCL") == "1"


def namespace(x):
    """The module-level namespace of x's framework (torch or axonml), for calls spelled the same in both."""
    return torch if isinstance(x, torch.Tensor) else axonml


def distinct(shape, seed=0):
    """Values without ties (a permutation of a grid), so that max/min/argmax/sort are unambiguous."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(math.prod(shape)).reshape(shape) - math.prod(shape) / 2) / 7.0


def _make_input(spec, dtype, rng, noncontiguous):
    if isinstance(spec, tuple):
        array = rng.standard_normal(spec).astype(dtype)
    else:
        array = np.asarray(spec)
        if array.dtype.kind == "f":
            array = array.astype(dtype)
    if noncontiguous and array.ndim >= 1 and array.size > 1:
        # the same values, laid out with a stride of 2 along the last axis
        wide = np.zeros(array.shape[:-1] + (array.shape[-1] * 2,), array.dtype)
        wide[..., ::2] = array
        array = wide[..., ::2]
        assert not array.flags.c_contiguous
    return array


def _to_axonml(array, device, requires_grad):
    t = axonml.from_numpy(array)
    if device != "cpu":
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _to_torch(array, requires_grad):
    t = torch.from_numpy(array.copy()) if array.strides and min(array.strides) < 0 else torch.from_numpy(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, axonml.Tensor):
        return np.asarray(x.detach().cpu())
    return np.asarray(x)


def assert_close(actual, expected, dtype="float32", what="output"):
    actual, expected = _numpy(actual), _numpy(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    if expected.dtype.kind == "f":
        tol = TOLERANCES[str(dtype)]
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64), err_msg=what, **tol)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def check(fn, inputs, *, torch_fn=None, dtypes=DTYPES, device="cpu", grad=True, noncontiguous=(False, True),
          seed=0, grad_inputs=None, check_dtype=True):
    """Compare fn in axonml and torch for each dtype (and contiguous/strided inputs).

    On a device other than the CPU, an op the device lacks (NotImplementedError naming the
    primitive and device) skips the case, so that it is reported, not counted as supported;
    under AXONML_REQUIRE_OPENCL=1 (CI with an OpenCL platform) it fails instead.
    """
    try:
        _check(fn, inputs, torch_fn or fn, dtypes, device, grad, noncontiguous, seed, grad_inputs, check_dtype)
    except NotImplementedError as error:
        if device == "cpu" or REQUIRE_OPENCL:
            raise
        pytest.skip(f"not supported on {device}: {error}")


def _check(fn, inputs, torch_fn, dtypes, device, grad, noncontiguous, seed, grad_inputs, check_dtype):
    for dtype in dtypes:
        if device != "cpu" and dtype == "float64" and not _device_has_float64(device):
            continue
        for strided in noncontiguous:
            rng = np.random.default_rng(seed)
            arrays = [_make_input(spec, dtype, rng, strided) for spec in inputs]
            differentiable = [grad and a.dtype.kind == "f" and (grad_inputs is None or i in grad_inputs)
                              for i, a in enumerate(arrays)]
            ax_in = [_to_axonml(a, device, d) for a, d in zip(arrays, differentiable)]
            th_in = [_to_torch(a, d) for a, d in zip(arrays, differentiable)]
            ax_out = _as_tuple(fn(*ax_in))
            th_out = _as_tuple(torch_fn(*th_in))
            assert len(ax_out) == len(th_out), "different number of outputs"
            where = f"[{dtype}{', strided' if strided else ''}, {device}]"
            for k, (a, t) in enumerate(zip(ax_out, th_out)):
                if check_dtype and isinstance(t, torch.Tensor):
                    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
                        f"output {k} dtype {a.dtype} != torch's {t.dtype} {where}"
                assert_close(a, t, dtype, f"output {k} {where}")
            if not grad or not any(differentiable):
                continue
            weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in th_out]
            th_loss = sum((t * torch.from_numpy(w)).sum() for t, w in zip(th_out, weights)
                          if isinstance(t, torch.Tensor) and t.requires_grad)
            ax_loss = None
            for a, w in zip(ax_out, weights):
                if isinstance(a, axonml.Tensor) and a.requires_grad:
                    term = (a * _to_axonml(w, device, False)).sum()
                    ax_loss = term if ax_loss is None else ax_loss + term
            if not isinstance(th_loss, torch.Tensor):
                assert ax_loss is None, f"axonml output requires grad where torch's doesn't {where}"
                continue
            th_loss.backward()
            ax_loss.backward()
            for i, (a, t, d) in enumerate(zip(ax_in, th_in, differentiable)):
                if not d:
                    continue
                if t.grad is None:
                    assert a.grad is None or not np.any(_numpy(a.grad)), f"grad of input {i} should be None {where}"
                    continue
                assert a.grad is not None, f"input {i} got no gradient {where}"
                assert_close(a.grad, t.grad, dtype, f"grad of input {i} {where}")


def check_raises(fn, inputs, *, torch_fn=None, device="cpu"):
    """The same wrong call raises the same exception type in axonml and torch."""
    torch_fn = torch_fn or fn
    rng = np.random.default_rng(0)
    arrays = [_make_input(spec, "float32", rng, False) for spec in inputs]
    try:
        torch_fn(*[_to_torch(a, False) for a in arrays])
    except Exception as error:  # noqa: BLE001 - we compare exception types
        expected = type(error)
    else:
        raise AssertionError("torch did not raise: not an error case")
    try:
        fn(*[_to_axonml(a, device, False) for a in arrays])
    except Exception as error:  # noqa: BLE001
        assert isinstance(error, expected), \
            f"axonml raised {type(error).__name__}: {error}; torch raised {expected.__name__}"
    else:
        raise AssertionError(f"axonml did not raise; torch raised {expected.__name__}")


def _device_has_float64(device) -> bool:
    from axonml import opencl
    return opencl.device_info(axonml.device(device)).get("float64", False)
