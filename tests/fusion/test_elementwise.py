"""FusedElementwise and fused_elementwise against eager axonml and PyTorch: values, gradients, errors, cache."""
import os

import numpy as np
import pytest
import torch

import axonml
from axonml.fusion import FusedElementwise, compiler, fused_elementwise
from axonml.fusion.elementwise import Input, Member
from axonml.ops import activation, elementwise


def _chain(a, b):
    return (((a * 1.5 + b).relu() - 0.25) * b / (a.abs() + 1.0)).sigmoid().tanh()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch(dtype):
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((64, 33)).astype(dtype), rng.standard_normal((64, 33)).astype(dtype)
    a, b = axonml.tensor(a_np, requires_grad=True), axonml.tensor(b_np, requires_grad=True)
    out = fused_elementwise(_chain, a, b)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    expected = _chain(ta, tb)
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=tol * 10, atol=tol)
    grad = rng.standard_normal((64, 33)).astype(dtype)
    out.backward(axonml.tensor(grad))
    expected.backward(torch.tensor(grad))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol * 100, atol=tol * 10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=tol * 100, atol=tol * 10)


def test_large_input_runs_on_threads_and_broadcasts_rows():
    x, bias = axonml.randn(300, 1000), axonml.randn(1000)
    f = lambda x, bias: (x + bias).relu() * 2.0  # noqa: E731
    np.testing.assert_allclose(fused_elementwise(f, x, bias).numpy(), f(x, bias).numpy(), rtol=1e-6)


def test_nan_and_inf_follow_eager():
    x = axonml.tensor([float("nan"), float("inf"), -float("inf"), -1.0, 0.0, 2.0])
    for f in (lambda t: t.relu() + 1, lambda t: axonml.maximum(t, t * 0.5).exp(), lambda t: t.sigmoid() * t):
        np.testing.assert_allclose(fused_elementwise(f, x).numpy(), f(x).numpy(), rtol=1e-6)  # NaN where eager has NaN


def test_kernel_checks_its_inputs():
    kernel = FusedElementwise([(elementwise.Mul, (Input(0), 2.0)), (activation.Relu, (Member(0),))],
                              ["full"], np.float32, (4,))
    with pytest.raises(ValueError, match=r"input 0 has shape \[5\]"):
        kernel(axonml.randn(5))
    with pytest.raises(TypeError, match="float64"):
        kernel(axonml.randn(4, dtype=axonml.float64))
    with pytest.raises(ValueError, match="not an elementwise op"):
        FusedElementwise([(elementwise.Cast, (Input(0),))], ["full"], np.float32, (4,))


def test_not_a_chain_is_an_error():
    with pytest.raises(ValueError, match="chain of elementwise"):
        fused_elementwise(lambda t: t.exp().sum(), axonml.randn(4))


def test_library_is_cached_on_disk_by_source():
    kernel = FusedElementwise([(elementwise.Add, (Input(0), 3.25))], ["full"], np.float32, (8,))
    kernel(axonml.ones(8))
    files = [f for f in os.listdir(compiler.cache_dir()) if f.endswith(".so")]
    assert files
    again = FusedElementwise([(elementwise.Add, (Input(0), 3.25))], ["full"], np.float32, (16,))
    assert again.c_source() == kernel.c_source()  # shape-independent: the same library
    np.testing.assert_array_equal(again(axonml.ones(16)).numpy(), np.full(16, 4.25, np.float32))
    assert sorted(f for f in os.listdir(compiler.cache_dir()) if f.endswith(".so")) == sorted(files)


def test_missing_compiler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(compiler, "_compiler", None)
    monkeypatch.setattr(compiler, "_libraries", {})
    monkeypatch.setenv("CC", "no-such-compiler")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(compiler.sysconfig, "get_config_var", lambda name: None)
    kernel = FusedElementwise([(elementwise.Add, (Input(0), 7.5))], ["full"], np.float32, (2,))
    with pytest.raises(compiler.CompilerNotFoundError, match="no C compiler found"):
        kernel(axonml.ones(2))
