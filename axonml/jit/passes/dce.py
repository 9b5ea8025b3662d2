"""Dead-code elimination: drop pure ops whose results nothing reads."""
from __future__ import annotations

from ..ir import Graph
from ._purity import is_pure

__all__ = ["eliminate_dead_code"]


def eliminate_dead_code(graph: Graph) -> int:
    """Remove pure nodes none of whose outputs is read by a later node or the output; returns how many.

    In-place writes, random ops and Python-level nodes are kept even when unused (their effect is the point).
    """
    live = set(graph.output_values())
    kept, removed = [], 0
    for node in reversed(graph.nodes):
        if is_pure(node) and not any(value in live for value in node.outputs):
            removed += 1
            continue
        kept.append(node)
        live.update(node.input_values())
    graph.nodes = kept[::-1]
    used = live
    graph.externals = [value for value in graph.externals if value in used]
    return removed
