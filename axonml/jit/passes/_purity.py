"""Which nodes a pass may remove, merge, evaluate early or move: pure ops only."""
from __future__ import annotations

from ..ir import Graph, Node

_PURE_MODULES = {"axonml.ops.elementwise", "axonml.ops.activation", "axonml.ops.reduce", "axonml.ops.shape",
                 "axonml.ops.linalg", "axonml.ops.nn", "axonml.ops.norm", "axonml.ops.special"}


def is_pure(node: Node) -> bool:
    """An axonml op whose result depends on its arguments only: no randomness, no writes, no user code."""
    if node.kind != "call" or node.random:
        return False
    fn_cls = node.target
    return getattr(fn_cls, "_array_io", False) and fn_cls.__module__ in _PURE_MODULES


def segments(graph: Graph) -> dict:
    """Node -> the number of side-effecting nodes before it: nodes in different segments are not merged or moved
    across each other (an in-place write may change what a later read sees, through a view too)."""
    count, result = 0, {}
    for node in graph.nodes:
        if node.has_side_effects:
            count += 1
        result[node] = count
    return result
