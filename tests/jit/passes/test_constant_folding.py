import axonml
from axonml import nn
from axonml.jit.passes import fold_constants

from ._graphs import assert_same, ops, traced


def test_ops_on_constants_are_evaluated_once():
    def f(x):
        scale = axonml.arange(4.0).exp() * 2  # made in the forward: constant
        return x * scale
    graph = traced(f, axonml.randn(4))
    assert fold_constants(graph) >= 2
    assert ops(graph) == ["Mul"]
    assert_same(graph, f, axonml.randn(4))


def test_parameters_are_not_folded():
    model = nn.Linear(3, 2)
    graph = traced(lambda x: x @ model.weight.t().exp(), axonml.randn(5, 3))
    assert fold_constants(graph) == 0


def test_random_ops_are_not_folded():
    graph = traced(lambda x: x + axonml.rand_like(axonml.zeros(3)), axonml.randn(3))
    assert fold_constants(graph) == 0
