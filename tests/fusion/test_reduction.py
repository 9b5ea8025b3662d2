"""FusedReduction built from a recipe, against PyTorch: values, gradients, errors."""
import numpy as np
import pytest
import torch

import axonml
from axonml.fusion import FusedReduction
from axonml.fusion.elementwise import Input, Member
from axonml.ops import activation, elementwise, nn, norm


def _tensors(dtype, *shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    return ([axonml.tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True)
                                                                       for a in arrays])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scaled_masked_softmax_matches_torch(dtype):
    kernel = FusedReduction([(elementwise.Mul, [Input(0), 0.25]), (elementwise.Add, [Member(0), Input(1)])],
                            ["full", "suffix"], dtype, (3, 8, 16), "softmax", {}, (nn.Softmax, [Member(1), 2]))
    (x, mask), (tx, tmask) = _tensors(dtype, (3, 8, 16), (8, 16))
    out, want = kernel(x, mask), torch.softmax(tx * 0.25 + tmask, -1)
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=tol * 10, atol=tol)
    grad = np.random.default_rng(1).standard_normal((3, 8, 16)).astype(dtype)
    out.backward(axonml.tensor(grad))
    want.backward(torch.tensor(grad))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol * 100, atol=tol * 10)
    np.testing.assert_allclose(mask.grad.numpy(), tmask.grad.numpy(), rtol=tol * 100, atol=tol * 10)


def test_residual_layer_norm_matches_torch():
    members = [(activation.Relu, [Input(1)]), (elementwise.Add, [Input(0), Member(0)])]
    options = {"normalized_ndim": 1, "eps": 1e-5, "weight": True, "bias": True}
    kernel = FusedReduction(members, ["full", "full"], "float32", (64, 600), "layer_norm", options,
                            (norm.LayerNorm, [Member(1), Input(2), Input(3), 1, 1e-5]))
    (x, y, w, b), (tx, ty, tw, tb) = _tensors(np.float32, (64, 600), (64, 600), (600,), (600,))
    out = kernel(x, y, w, b)  # 38400 elements: the threaded loop
    want = torch.nn.functional.layer_norm(tx + ty.relu(), (600,), tw, tb, 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    out.sum().backward()
    (want * 1.0).sum().backward()
    for got, expected in zip((x, y, w, b), (tx, ty, tw, tb)):
        np.testing.assert_allclose(got.grad.numpy(), expected.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_recipe_errors():
    with pytest.raises(ValueError, match="kind"):
        FusedReduction([], ["full"], "float32", (2, 3), "argmax", {}, (nn.Softmax, [Input(0), 1]))
    with pytest.raises(TypeError, match="float32 or float64"):
        FusedReduction([], ["full"], "int32", (2, 3), "softmax", {}, (nn.Softmax, [Input(0), 1]))
    kernel = FusedReduction([], ["full"], "float32", (2, 3), "softmax", {}, (nn.Softmax, [Input(0), 1]))
    with pytest.raises(ValueError, match="shape"):
        kernel(axonml.randn(3, 2))
