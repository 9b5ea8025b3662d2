"""Algebraic simplification: identities that remove an op (x * 1, x + 0, -(-x)) or cheapen it (x ** 2)."""
from __future__ import annotations

import numpy as np

from ...ops import elementwise as _elementwise
from ..ir import Graph, Value

__all__ = ["simplify_algebra"]


def _is_number(x, target) -> bool:
    return isinstance(x, (int, float, np.number)) and not isinstance(x, (bool, np.bool_)) and x == target


def _identity_operand(node):
    """The argument the node returns unchanged, or None."""
    fn_cls, args = node.target, node.args
    if len(args) != 2:
        return None
    a, b = args
    if fn_cls in (_elementwise.Add, _elementwise.Sub) and _is_number(b, 0):
        return a
    if fn_cls is _elementwise.Add and _is_number(a, 0):
        return b
    if fn_cls in (_elementwise.Mul, _elementwise.Div, _elementwise.Pow) and _is_number(b, 1):
        return a
    if fn_cls is _elementwise.Mul and _is_number(a, 1):
        return b
    return None


def simplify_algebra(graph: Graph) -> int:
    """Rewrite identities in place; returns how many nodes were removed or rewritten.

    An identity is removed only when its operand has the result's shape and dtype (``x * 1`` may
    broadcast or promote otherwise) and is an op's result: an input or parameter is never returned
    as the graph's output in place of a new tensor. ``x ** 2`` becomes ``x * x``.
    """
    outputs = set(graph.output_values())
    producer_of = {value: node for node in graph.nodes for value in node.outputs}
    mapping: dict = {}
    kept, changed = [], 0
    written = {node.args[0] for node in graph.nodes if node.kind == "inplace" and isinstance(node.args[0], Value)}
    from ..ir import substitute
    for node in graph.nodes:
        if mapping:
            node.args = substitute(node.args, mapping)
        if node.kind == "call":
            out = node.outputs[0]
            operand = _identity_operand(node)
            if operand is None and node.target is _elementwise.Neg and isinstance(node.args[0], Value):
                inner = producer_of.get(node.args[0])
                if inner is not None and inner.kind == "call" and inner.target is _elementwise.Neg:
                    operand = inner.args[0]
            if isinstance(operand, Value) and operand.shape == out.shape and operand.dtype == out.dtype and \
                    (operand.kind == "op" or out not in outputs) and out not in written and operand not in written:
                mapping[out] = operand
                changed += 1
                continue
            if node.target is _elementwise.Pow and len(node.args) == 2 and isinstance(node.args[0], Value) and \
                    _is_number(node.args[1], 2) and node.args[0].dtype == out.dtype and node.args[0].shape == out.shape:
                node.target, node.op, node.args = _elementwise.Mul, "Mul", (node.args[0], node.args[0])
                changed += 1
        kept.append(node)
    graph.nodes = kept
    if mapping:
        graph.output = substitute(graph.output, mapping)
    return changed
