import numpy as np

import axonml
from axonml import nn
from axonml.jit.passes import fuse_linear_activation

from ._graphs import assert_same, ops, traced


def test_linear_relu_becomes_one_op():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.ReLU())
    graph = traced(model, axonml.randn(5, 4))
    assert fuse_linear_activation(graph) == 2
    assert ops(graph) == ["Linear[relu]", "Linear[relu]"]
    assert_same(graph, model, axonml.randn(5, 4))


def test_linear_read_twice_is_kept():
    layer = nn.Linear(4, 4)

    def f(x):
        y = layer(x)
        return y.relu() + y
    graph = traced(f, axonml.randn(2, 4))
    assert fuse_linear_activation(graph) == 0


def test_bias_moves_into_the_fused_ops_after_the_gemm_without_gradients():
    from axonml.jit.passes import fuse_elementwise, fuse_reduction, split_linear_bias
    first, second, norm = nn.Linear(8, 16), nn.Linear(16, 8), nn.LayerNorm(8)

    def f(x):
        hidden = axonml.nn.functional.relu(first(x.view(6, 8)))
        return norm(x + second(hidden).view(2, 3, 8))
    x = axonml.randn(2, 3, 8)
    graph = traced(f, x)
    fuse_linear_activation(graph)
    assert split_linear_bias(graph) == 2
    fuse_reduction(graph)
    fuse_elementwise(graph)
    assert ops(graph) == ["View", "Linear", "FusedElementwise[Add+Relu]", "Linear", "View",
                          "FusedReduction[Add+Add+LayerNorm]"]
    assert all(node.args[2] is None for node in graph.nodes if node.op == "Linear")
    with axonml.no_grad():
        assert_same(graph, f, x)


def test_a_bias_whose_sum_nothing_fuses_stays_in_the_gemm():
    from axonml.jit.passes import split_linear_bias
    first, second = nn.Linear(4, 4), nn.Linear(4, 4)
    graph = traced(lambda x: second(first(x)), axonml.randn(2, 4))
    assert split_linear_bias(graph) == 0
    assert ops(graph) == ["Linear", "Linear"]


def test_autotuned_linears_keep_eager_values_and_gradients_with_every_kernel():
    from axonml.fusion.linear import AutotunedLinear
    from axonml.jit.interpreter import Interpreter
    from axonml.jit.passes import autotune_linear
    model = nn.Sequential(nn.Linear(24, 40), nn.ReLU(), nn.Linear(40, 7))
    x = axonml.randn(9, 24)
    graph = traced(model, x)
    fuse_linear_activation(graph)
    assert autotune_linear(graph) == 2
    assert ops(graph) == ["AutotunedLinear[relu]", "AutotunedLinear"]
    choices = AutotunedLinear.candidates(x, model[0].weight, model[0].bias)
    assert len(choices) >= 2  # BLAS in both orientations, and the AVX-512 gemm where it runs
    for choice in choices:
        for node in graph.nodes:
            node.target.choice = choice
        assert_same(graph, model, x)
        model.zero_grad()
        Interpreter(graph)(x).square().sum().backward()
        got = [p.grad.numpy().copy() for p in model.parameters()]
        model.zero_grad()
        model(x).square().sum().backward()
        for a, p in zip(got, model.parameters()):
            np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-5, atol=1e-5)
