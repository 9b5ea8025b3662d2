import axonml
from axonml.jit.passes import eliminate_common_subexpressions

from ._graphs import assert_same, ops, traced


def test_repeated_ops_run_once():
    def f(x, y):
        return (x * y).exp() + (x * y).exp()
    graph = traced(f, axonml.randn(4), axonml.randn(4))
    assert eliminate_common_subexpressions(graph) == 2
    assert ops(graph) == ["Mul", "Exp", "Add"]
    assert_same(graph, f, axonml.randn(4), axonml.randn(4))


def test_different_literals_are_not_merged():
    graph = traced(lambda x: x * 2 + x * 3, axonml.randn(4))
    assert eliminate_common_subexpressions(graph) == 0


def test_not_merged_across_an_in_place_write():
    def f(x):
        a = x.exp()
        x.mul_(2)
        b = x.exp()
        return a, b
    graph = traced(f, axonml.randn(4))
    assert eliminate_common_subexpressions(graph) == 0


def test_a_result_written_in_place_is_not_shared():
    def f(x):
        a = x.exp()
        b = x.exp()
        a.add_(1)
        return a, b
    graph = traced(f, axonml.randn(4))
    assert eliminate_common_subexpressions(graph) == 0
    x = axonml.randn(4)
    assert_same(graph, f, x.clone())


def test_random_ops_are_not_merged():
    graph = traced(lambda x: axonml.rand_like(x) + axonml.rand_like(x), axonml.randn(4))
    assert eliminate_common_subexpressions(graph) == 0
