import numpy as np
import pytest
import torch

import axonml
from axonml.fusion import FusedLinear


def test_fused_linear_matches_torch_linear_relu():
    layer = FusedLinear(6, 5)
    x = np.random.default_rng(0).standard_normal((7, 6)).astype(np.float32)
    reference = torch.nn.Linear(6, 5)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.detach().numpy()))
        reference.bias.copy_(torch.tensor(layer.bias.detach().numpy()))
    xa, xt = axonml.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = layer(xa), torch.relu(reference(xt))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert "activation='relu'" in repr(layer)
    assert set(layer.state_dict()) == {"weight", "bias"}


def _avx512_kernels_or_skip():
    from axonml.fusion.linear import _avx512_kernels
    if _avx512_kernels() is None:
        pytest.skip("no AVX-512 core or no gcc: the AVX-512 Linear kernel does not run here")


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("bias_shape", [(33,), (1,), None])
@pytest.mark.parametrize("x_shape", [(70, 45), (3, 5, 45)])
@pytest.mark.parametrize("kernel, dtype", [("_TransposedLinear", np.float32), ("_TransposedLinear", np.float64),
                                           ("_Avx512Linear", np.float32), ("_Avx512Linear8", np.float32),
                                           ("_Avx512Linear16", np.float32)])
def test_linear_kernels_match_torch_values_and_gradients(kernel, dtype, activation, bias_shape, x_shape):
    from axonml._ext import _autograd
    from axonml.fusion import linear
    if kernel.startswith("_Avx512Linear"):
        _avx512_kernels_or_skip()
        tile = kernel[len("_Avx512Linear"):]
        kernel_class = linear._avx512_linear(int(tile)) if tile else linear._Avx512Linear
    else:
        kernel_class = getattr(linear, kernel)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape).astype(dtype)
    weight = rng.standard_normal((33, 45)).astype(dtype)
    bias = None if bias_shape is None else rng.standard_normal(bias_shape).astype(dtype)
    ours = [axonml.tensor(a, requires_grad=True) if a is not None else None for a in (x, weight, bias)]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, weight, bias)]
    out = _autograd.apply(kernel_class, *ours, activation)
    expected = torch.nn.functional.linear(*theirs)
    expected = torch.relu(expected) if activation == "relu" else expected
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    grad = rng.standard_normal(expected.shape).astype(dtype)
    out.backward(axonml.tensor(grad))
    expected.backward(torch.tensor(grad))
    for a, b in zip(ours, theirs):
        if a is not None:
            assert a.grad.shape == a.shape
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-4)


def test_avx512_linear_reads_a_transposed_weight_and_skips_gradients_nobody_wants():
    _avx512_kernels_or_skip()
    from axonml._ext import _autograd
    from axonml.fusion.linear import _Avx512Linear
    rng = np.random.default_rng(2)
    x = axonml.tensor(rng.standard_normal((8, 20)).astype(np.float32))  # no grad: grad_x is not computed
    weight = axonml.tensor(rng.standard_normal((20, 12)).astype(np.float32), requires_grad=True)
    out = _autograd.apply(_Avx512Linear, x, weight.t(), None, "relu")
    expected = np.maximum(x.numpy() @ weight.detach().numpy(), 0)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    mask = (expected > 0).astype(np.float32)
    np.testing.assert_allclose(weight.grad.numpy(), x.numpy().T @ mask, rtol=1e-5, atol=1e-4)
    assert x.grad is None


def test_the_autotuner_offers_the_avx512_kernel_in_each_tile_width_for_float32_only():
    _avx512_kernels_or_skip()
    from axonml.fusion.linear import AutotunedLinear, _Avx512Linear, _avx512_linear
    from axonml.ops.linalg import Linear
    float32 = AutotunedLinear.candidates(axonml.randn(2, 3), axonml.randn(4, 3), axonml.randn(4))
    float64 = AutotunedLinear.candidates(axonml.randn(2, 3, dtype=axonml.float64),
                                         axonml.randn(4, 3, dtype=axonml.float64), None)
    assert float32[0] is Linear and float32[2:] == [_avx512_linear(8), _Avx512Linear, _avx512_linear(16)]
    assert _avx512_linear(12) is _Avx512Linear and _avx512_linear(8).tile == 8
    assert float64[0] is Linear and not any(issubclass(k, _Avx512Linear) for k in float64)


def test_the_autotuner_times_the_backward_too_without_touching_the_tensors():
    from axonml.fusion import linear
    timed = []
    original = linear._run_once

    def spy(kernel, arrays, activation, needs, grad):
        timed.append((needs, grad is not None))
        return original(kernel, arrays, activation, needs, grad)
    x, weight, bias = axonml.randn(8, 5), axonml.randn(3, 5, requires_grad=True), axonml.randn(3, requires_grad=True)
    linear._run_once = spy
    try:
        choice = linear.AutotunedLinear(rounds=2)._tune(x, weight, bias, "relu")
        with axonml.no_grad():
            linear.AutotunedLinear(rounds=2)._tune(x, weight, bias, None)
    finally:
        linear._run_once = original
    assert choice in linear.AutotunedLinear.candidates(x, weight, bias)
    training, inference = timed[:len(timed) // 2], timed[len(timed) // 2:]
    assert all(needs == (False, True, True, False) and backward for needs, backward in training)
    assert all(not any(needs) and not backward for needs, backward in inference)
    assert weight.grad is None and bias.grad is None and weight.grad_fn is None


@pytest.mark.parametrize("rows, in_features, out_features", [(64, 784, 256), (256, 300, 64), (40, 100, 1100)])
def test_avx512_linear_splits_large_products_over_threads_without_changing_them(rows, in_features, out_features):
    """Products of 4M multiply-adds and more are cut into blocks of output rows or columns, one per thread."""
    _avx512_kernels_or_skip()
    from axonml._ext import _autograd
    from axonml.fusion.linear import _Avx512Linear
    rng = np.random.default_rng(3)
    x, weight, bias, grad = (rng.standard_normal(shape).astype(np.float32) for shape in
                             ((rows, in_features), (out_features, in_features), (out_features,), (rows, out_features)))
    previous = axonml.get_num_threads()
    axonml.set_num_threads(2)
    try:
        ours = [axonml.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        out = _autograd.apply(_Avx512Linear, *ours, "relu")
        out.backward(axonml.tensor(grad))
    finally:
        axonml.set_num_threads(previous)
    expected = np.maximum(x.astype(np.float64) @ weight.T + bias, 0)
    masked = grad * (expected > 0)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours[0].grad.numpy(), masked @ weight, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours[1].grad.numpy(), masked.T @ x, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours[2].grad.numpy(), masked.sum(0), rtol=1e-4, atol=1e-3)
