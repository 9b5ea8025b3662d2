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


def _avx512_gemm_or_skip():
    from axonml._ext import _conv
    if not _conv.avx512_gemm_available():
        pytest.skip("no AVX-512 core or no gcc build: the gemm's tile widths do not apply here")


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("bias_shape", [(33,), (1,), None])
@pytest.mark.parametrize("x_shape", [(70, 45), (3, 5, 45)])
@pytest.mark.parametrize("kernel, dtype", [("_TransposedLinear", np.float32), ("_TransposedLinear", np.float64),
                                           ("tile 8", np.float32), ("tile 16", np.float32)])
def test_linear_kernels_match_torch_values_and_gradients(kernel, dtype, activation, bias_shape, x_shape):
    from axonml._ext import _autograd
    from axonml.fusion import linear
    if kernel.startswith("tile"):
        _avx512_gemm_or_skip()
        kernel_class = linear.tiled_linear(int(kernel.split()[1]))
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


def test_the_autotuner_offers_the_other_tile_widths_for_float32_only():
    _avx512_gemm_or_skip()
    from axonml.fusion.linear import AutotunedLinear, tiled_linear
    from axonml.ops.linalg import Linear
    float32 = AutotunedLinear.candidates(axonml.randn(2, 3), axonml.randn(4, 3), axonml.randn(4))
    float64 = AutotunedLinear.candidates(axonml.randn(2, 3, dtype=axonml.float64),
                                         axonml.randn(4, 3, dtype=axonml.float64), None)
    assert float32[0] is Linear and float32[2:] == [tiled_linear(8), tiled_linear(16)]
    assert tiled_linear(8).tile == 8 and issubclass(tiled_linear(8), Linear) and Linear.tile == 0
    assert float64[0] is Linear and not any(getattr(k, "tile", 0) for k in float64)


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


def test_a_tiled_linear_splits_large_products_over_threads_without_changing_them():
    """Products of 4M multiply-adds and more are cut into blocks of output rows or columns, one per thread."""
    _avx512_gemm_or_skip()
    from axonml._ext import _autograd
    from axonml.fusion.linear import tiled_linear
    rng = np.random.default_rng(3)
    for rows, in_features, out_features in [(64, 784, 256), (256, 300, 64), (40, 100, 1100)]:
        x, weight, bias, grad = (rng.standard_normal(shape).astype(np.float32) for shape in
                                 ((rows, in_features), (out_features, in_features), (out_features,),
                                  (rows, out_features)))
        previous = axonml.get_num_threads()
        axonml.set_num_threads(2)
        try:
            ours = [axonml.tensor(a, requires_grad=True) for a in (x, weight, bias)]
            out = _autograd.apply(tiled_linear(8), *ours, "relu")
            out.backward(axonml.tensor(grad))
        finally:
            axonml.set_num_threads(previous)
        expected = np.maximum(x.astype(np.float64) @ weight.T + bias, 0)
        masked = grad * (expected > 0)
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(ours[0].grad.numpy(), masked @ weight, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(ours[1].grad.numpy(), masked.T @ x, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(ours[2].grad.numpy(), masked.sum(0), rtol=1e-4, atol=1e-3)
