"""Constant folding: a pure op whose tensor arguments are all constants is evaluated once, at compile time."""
from __future__ import annotations

from ..._ext import _autograd
from ...autograd.grad_mode import no_grad
from ..interpreter import _resolver
from ..ir import Graph, Value
from ._purity import is_pure

__all__ = ["fold_constants"]


def fold_constants(graph: Graph) -> int:
    """Evaluate pure nodes that read only ``const`` values (tensors the forward made, not parameters or
    buffers, and not requiring grad); their outputs become constants. Returns how many nodes were folded.

    Only nodes before the first side-effecting node are folded (an in-place write could change a constant).
    """
    folded = 0
    kept = []
    stop = False
    for node in graph.nodes:
        if node.has_side_effects:
            stop = True
        values = node.input_values()
        if stop or not is_pure(node) or not values or any(value.kind != "const" for value in values):
            kept.append(node)
            continue
        env = {value.index: value.tensor for value in values}
        args = [_resolver(arg)(env) for arg in node.args]
        with no_grad():
            out = _autograd.apply(node.target, *args)
        outs = out if node.multiple else (out,)
        for value, tensor in zip(node.outputs, outs):
            value.kind, value.tensor, value.producer = "const", tensor, None
            graph.externals.append(value)
        folded += 1
    graph.nodes = kept
    return folded


