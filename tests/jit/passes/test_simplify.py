import axonml
from axonml.jit.passes import eliminate_dead_code, simplify_algebra

from ._graphs import assert_same, ops, traced


def test_identities_are_removed():
    f = lambda x: (-(-((x.exp() * 1.0 + 0.0) / 1.0)) - 0.0).tanh()  # noqa: E731
    graph = traced(f, axonml.randn(4))
    assert simplify_algebra(graph) == 5
    eliminate_dead_code(graph)  # the inner negation, now unread
    assert ops(graph) == ["Exp", "Tanh"]
    assert_same(graph, f, axonml.randn(4))


def test_square_becomes_a_product():
    f = lambda x: x.exp() ** 2  # noqa: E731
    graph = traced(f, axonml.randn(4))
    assert simplify_algebra(graph) == 1
    assert ops(graph) == ["Exp", "Mul"]
    assert_same(graph, f, axonml.randn(4))


def test_broadcasting_or_promoting_identities_are_kept():
    graph = traced(lambda x: x.exp() * axonml.ones(3, 4), axonml.randn(4))
    assert simplify_algebra(graph) == 0
    f = lambda x: x * 1.0  # noqa: E731  (int * float: the cast stays, the multiply goes)
    graph = traced(f, axonml.tensor([1, 2]))
    assert simplify_algebra(graph) == 1
    assert ops(graph) == ["Cast"]
    assert_same(graph, f, axonml.tensor([3, 4]))


def test_input_is_not_returned_as_the_output():
    graph = traced(lambda x: x * 1.0, axonml.randn(4))
    assert simplify_algebra(graph) == 0


def test_a_value_written_in_place_is_not_aliased():
    def f(x):
        y = x.exp()
        z = y * 1.0
        z.add_(1)
        return y, z
    graph = traced(f, axonml.randn(4))
    assert simplify_algebra(graph) == 0
