"""Common-subexpression elimination: one pure op applied twice to the same arguments runs once."""
from __future__ import annotations

import numpy as np

from ..ir import ArrayOf, Graph, Value
from ._purity import is_pure, segments

__all__ = ["eliminate_common_subexpressions"]


def _key(template):
    """A hashable key of an argument template (None when an argument cannot be compared)."""
    if isinstance(template, Value):
        return ("value", template.index)
    if isinstance(template, ArrayOf):
        return ("array", template.value.index)
    if isinstance(template, (tuple, list)):
        parts = tuple(_key(item) for item in template)
        return None if any(part is None for part in parts) else (type(template).__name__, parts)
    if isinstance(template, np.generic):
        return ("scalar", template.dtype.str, template.item())
    if isinstance(template, float) and template != template:
        return None  # NaN compares unequal to itself
    try:
        hash(template)
    except TypeError:
        return None
    return (type(template).__name__, template)


def eliminate_common_subexpressions(graph: Graph) -> int:
    """Replace each repeat of a pure op on identical arguments by the first one's outputs; returns how many.

    A repeat is only merged within a segment (no in-place write or random op between the two), and never
    when one of its outputs is written in place later.
    """
    segment_of = segments(graph)
    written = {node.args[0] for node in graph.nodes if node.kind == "inplace" and isinstance(node.args[0], Value)}
    seen: dict = {}
    mapping: dict = {}
    kept, merged = [], 0
    for node in graph.nodes:
        if mapping:
            node.args = _substitute(node.args, mapping)
        if is_pure(node) and not any(value in written for value in node.outputs):
            key = _key(node.args)
            if key is not None:
                key = (node.target, segment_of[node], key)
                first = seen.get(key)
                if first is not None:
                    mapping.update(zip(node.outputs, first.outputs))
                    merged += 1
                    continue
                seen[key] = node
        kept.append(node)
    graph.nodes = kept
    if mapping:
        graph.output = _substitute(graph.output, mapping)
    return merged


def _substitute(template, mapping):
    from ..ir import substitute
    return substitute(template, mapping)
