import numpy as np

import axonml
from axonml.jit.passes import fuse_elementwise

from ._graphs import assert_same, ops, traced


def test_a_chain_becomes_one_kernel():
    f = lambda x, y, b: ((x * 1.5 + y).relu() - 0.25) * y / (x.abs() + 1.0) + b  # noqa: E731
    inputs = axonml.randn(6, 5), axonml.randn(6, 5), axonml.randn(5)
    graph = traced(f, *inputs)
    assert fuse_elementwise(graph) == 1
    assert len(graph.nodes) == 1 and graph.nodes[0].kind == "fused"
    assert graph.nodes[0].target.input_modes == ["full", "full", "suffix"]
    assert_same(graph, f, axonml.randn(6, 5), axonml.randn(6, 5), axonml.randn(5))


def test_a_shared_intermediate_ends_the_chain():
    def f(x):
        a = x.exp() * 2
        return a.sigmoid() + 1, a.sum()
    graph = traced(f, axonml.randn(8))
    fuse_elementwise(graph)
    assert ops(graph)[-1] == "Sum"
    assert all(len(n.target.members) == 2 for n in graph.nodes if n.kind == "fused")
    assert_same(graph, f, axonml.randn(8))


def test_in_place_random_and_non_elementwise_ops_are_not_fused():
    def f(x):
        y = x.exp() * 2
        y.add_(1)
        z = axonml.nn.functional.dropout(y.tanh(), 0.5, True)
        return (z @ z).neg()
    graph = traced(f, axonml.randn(4))
    fuse_elementwise(graph)
    assert "inplace" in ops(graph) and "dropout" in ops(graph)
    assert all(n.kind != "fused" for n in graph.nodes if n.kind in ("inplace", "python"))
    kinds = [n.kind for n in graph.nodes]
    assert kinds.count("fused") == 1  # exp * 2 only; add_ is a barrier
    assert kinds.index("fused") < kinds.index("inplace")


def test_float64_and_unfusable_broadcast():
    graph = traced(lambda x, y: (x + y).exp(), axonml.randn(3, 1, dtype=axonml.float64),
                   axonml.randn(3, 4, dtype=axonml.float64))
    assert fuse_elementwise(graph) == 0  # (3, 1) against (3, 4) is not a suffix broadcast
    f = lambda x: (x * 2).exp()  # noqa: E731
    graph = traced(f, axonml.randn(7, dtype=axonml.float64))
    assert fuse_elementwise(graph) == 1
    x = axonml.randn(7, dtype=axonml.float64)
    np.testing.assert_allclose(graph.nodes[0].target(x).numpy(), f(x).numpy(), rtol=1e-14)
