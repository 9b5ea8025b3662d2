"""Linear + bias + ReLU fusion: a Linear whose only reader is a ReLU becomes one gemm with a ReLU epilogue.

The fused op is axonml's own ``Linear`` Function with ``activation="relu"``
(``axonml.ops.linalg.linear_relu``): the bias enters the gemm as its C operand and the ReLU runs in
place on the gemm's output, with ReLU's own gradient.
"""
from __future__ import annotations

from ...ops import activation as _activation
from ...ops import linalg as _linalg
from ..ir import Graph, Value

__all__ = ["fuse_linear_activation"]


def fuse_linear_activation(graph: Graph) -> int:
    """Rewrite Linear -> Relu pairs; returns how many."""
    uses = graph.uses()
    outputs = set(graph.output_values())
    producer_of = {value: node for node in graph.nodes for value in node.outputs}
    removed = set()
    mapping = {}
    count = 0
    for node in graph.nodes:
        if node.kind != "call" or node.target is not _activation.Relu or not isinstance(node.args[0], Value):
            continue
        linear_out = node.args[0]
        linear = producer_of.get(linear_out)
        if linear is None or linear.kind != "call" or linear.target is not _linalg.Linear:
            continue
        if len(linear.args) < 4 or linear.args[3] is not None or linear_out in outputs or \
                len(uses.get(linear_out, ())) != 1 or len(linear.args[1].shape) != 2:
            continue
        linear.args = linear.args[:3] + ("relu",)
        linear.op = "Linear[relu]"
        mapping[node.outputs[0]] = linear_out
        linear_out.shape, linear_out.dtype = node.outputs[0].shape, node.outputs[0].dtype
        removed.add(node)
        count += 1
    if count:
        graph.nodes = [node for node in graph.nodes if node not in removed]
        graph.replace_uses(mapping)
    return count
