"""FusedConv against PyTorch: the convolution with its bias and activation in one epilogue pass."""
import numpy as np
import torch

import axonml
from axonml.fusion import FusedConv
from axonml.fusion.elementwise import Input, Member
from axonml.ops import activation, elementwise


def test_conv_bias_relu_matches_torch_values_and_gradients():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in ((2, 4, 12, 12), (6, 2, 3, 3), (6,))]
    kernel = FusedConv([(activation.Relu, [Input(0)]), (elementwise.Mul, [Member(0), 0.5])], np.float32,
                       (2, 2), ((1, 1), (1, 1)), (1, 1), 2)
    x, w, b = (axonml.tensor(a, requires_grad=True) for a in arrays)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in arrays)
    out = kernel(x, w, b)
    want = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1, groups=2).relu() * 0.5
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    grad = rng.standard_normal(tuple(want.shape)).astype(np.float32)
    out.backward(axonml.tensor(grad))
    want.backward(torch.tensor(grad))
    for got, expected in zip((x, w, b), (tx, tw, tb)):
        np.testing.assert_allclose(got.grad.numpy(), expected.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_no_bias_and_no_gradient():
    kernel = FusedConv([(activation.Silu, [Input(0)])], np.float32, (1,), ((0, 0),), (1,), 1)
    x, w = axonml.randn(3, 2, 20), axonml.randn(4, 2, 5)
    with axonml.no_grad():
        out = kernel(x, w, None)
    want = torch.nn.functional.silu(torch.nn.functional.conv1d(torch.tensor(x.numpy()), torch.tensor(w.numpy())))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
