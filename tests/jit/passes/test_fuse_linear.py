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
