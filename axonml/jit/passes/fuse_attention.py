"""Attention for short sequences: a ScaledDotProductAttention node becomes one FusedAttention kernel.

For graphs run without gradients on the CPU: an attention of 4-D (N, H, L, E) heads with no mask,
no dropout and the same batch for queries, keys and values, whose key block per head (S * E)
fits the kernel's stack block, runs as the generated kernel of :mod:`axonml.fusion.attention`.
"""
from __future__ import annotations

import numpy as np

from ...fusion.attention import MAX_BLOCK, FusedAttention
from ...ops import attention as _attention
from ..ir import Graph, Node, Value

__all__ = ["fuse_attention"]


def fuse_attention(graph: Graph) -> int:
    """Replace the attention nodes the kernel serves; returns how many."""
    count = 0
    for position, node in enumerate(graph.nodes):
        if node.kind != "call" or node.target is not _attention.ScaledDotProductAttention or len(node.args) != 11:
            continue
        q, k, v, mask, layout, is_causal, scale, dropout_p, _, _, heads_last = node.args
        if mask is not None or dropout_p != 0.0 or not all(isinstance(t, Value) for t in (q, k, v)):
            continue
        if any(len(t.shape) != 4 or getattr(t.dtype, "np", None) not in (np.float32, np.float64) or
               t.dtype != q.dtype or str(t.device) != "cpu" for t in (q, k, v)):
            continue
        batch = tuple(layout.batch)
        if not (tuple(layout.q_batch) == tuple(layout.k_batch) == tuple(layout.v_batch) == batch == q.shape[:2]
                == k.shape[:2] == v.shape[:2]):
            continue
        length, source, width = q.shape[2], k.shape[2], q.shape[3]
        if not (length and source and width) or source * width > MAX_BLOCK or v.shape[2] != source:
            continue
        kernel = FusedAttention(q.dtype.np, scale, is_causal, heads_last, node.args[3:])
        out = node.outputs[0]
        fused = Node("fused", "FusedAttention", kernel, (q, k, v), [out])
        out.producer = fused
        graph.nodes[position] = fused
        count += 1
    return count
