import axonml
from axonml.jit.passes import eliminate_dead_code

from ._graphs import assert_same, ops, traced


def test_unused_pure_ops_are_removed():
    def f(x):
        unused = (x.exp() * 2).sum()  # noqa: F841
        return x + 1
    graph = traced(f, axonml.randn(3))
    assert eliminate_dead_code(graph) == 3
    assert ops(graph) == ["Add"]
    assert_same(graph, f, axonml.randn(3))


def test_in_place_and_random_ops_are_kept():
    def f(x):
        y = x * 1.0
        y.add_(1)  # result unused, but it writes y
        axonml.nn.functional.dropout(x, 0.5, True)  # random: kept though unused
        axonml.rand_like(x)
        return x - 1
    graph = traced(f, axonml.randn(3))
    before = ops(graph)
    assert eliminate_dead_code(graph) == 0
    assert ops(graph) == before
