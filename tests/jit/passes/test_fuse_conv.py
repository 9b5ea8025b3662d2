import numpy as np

import axonml
import axonml.nn.functional as F
from axonml import nn
from axonml.jit.interpreter import Interpreter
from axonml.jit.passes import fuse_conv_activation

from ._graphs import assert_same, ops, traced


def _gradients(fn, x, params):
    x = axonml.tensor(x.numpy(), requires_grad=True)
    for p in params:
        p.grad = None
    out = fn(x)
    (out * out).sum().backward()
    return [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in params]


def test_conv_bias_and_activations_become_one_op():
    conv1, conv2, conv3 = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 4, 3, stride=2, bias=False), nn.Conv1d(2, 3, 2)

    def f(x):
        return F.gelu(conv2(F.relu(conv1(x))) * 2.0).tanh()
    x = axonml.randn(2, 3, 9, 9)
    graph = traced(f, x)
    assert fuse_conv_activation(graph) == 2
    assert ops(graph) == ["FusedConv[ConvNd+Relu]", "FusedConv[ConvNd+Mul+Gelu+Tanh]"]
    assert_same(graph, f, axonml.randn(2, 3, 9, 9))
    params = list(conv1.parameters()) + list(conv2.parameters())
    for got, want in zip(_gradients(Interpreter(graph), x, params), _gradients(f, x, params)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    g = lambda x: F.silu(conv3(x))  # noqa: E731  unbatched 1-d input
    graph = traced(g, axonml.randn(2, 7))
    assert fuse_conv_activation(graph) == 1
    assert_same(graph, g, axonml.randn(2, 7))


def test_float64_conv_epilogue():
    conv = nn.Conv2d(2, 3, 3, dtype=axonml.float64)
    f = lambda x: conv(x).sigmoid()  # noqa: E731
    x = axonml.randn(1, 2, 6, 6, dtype=axonml.float64)
    graph = traced(f, x)
    assert fuse_conv_activation(graph) == 1
    np.testing.assert_allclose(Interpreter(graph)(x).detach().numpy(), f(x).detach().numpy(), rtol=1e-13)


def test_what_must_not_be_fused():
    conv = nn.Conv2d(3, 3, 3, padding=1)
    x = axonml.randn(1, 3, 5, 5)

    def read_twice(x):
        y = conv(x)
        return y.relu() + y

    def in_place(x):
        return conv(x).relu_()

    def returned(x):
        y = conv(x)
        return y.relu(), y
    cases = {"output read twice": (read_twice, ["ConvNd", "Relu", "Add"]),
             "an in-place activation": (in_place, ["ConvNd", "Relu", "inplace"]),
             "an activation of two tensors": (lambda x: conv(x) + x, ["ConvNd", "Add"]),
             "the conv's output is returned": (returned, ["ConvNd", "Relu"]),
             "no activation": (lambda x: conv(x), ["ConvNd"]),
             "a random op between": (lambda x: F.dropout(conv(x), 0.5, True).relu(), ["ConvNd", "dropout", "Relu"])}
    for name, (f, expected) in cases.items():
        graph = traced(f, x)
        assert fuse_conv_activation(graph) == 0, name
        assert ops(graph) == expected, name
        if name != "a random op between":
            assert_same(graph, f, x)
