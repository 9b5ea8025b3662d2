"""Scaled dot-product attention as one fused op: softmax(Q K^T * scale + mask) V.

The backend's ``attention_forward`` never materialises the (L, S) score matrix: it walks blocks
of keys with an online softmax (flash attention) and keeps one logsumexp per query row, from
which ``attention_backward`` recomputes each block's probabilities. Batches are flattened to
one axis here; key, value and mask batches that broadcast (or serve a group of query heads,
enable_gqa) are read through per-batch index arrays rather than copied.
"""
from __future__ import annotations

import math

import numpy as np

from .._dtype import float32
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..random import default_generator
from ..tensor import Tensor
from .elementwise import cast

__all__ = ["scaled_dot_product_attention"]


class _Layout:
    """How the flat (B, ...) operands of one call map onto the broadcast batch shape."""

    def __init__(self, batch, q_batch, k_batch, v_batch, mask_batch, mask_rows, mask_cols, length, source):
        self.batch = batch
        self.q_batch, self.k_batch, self.v_batch, self.mask_batch = q_batch, k_batch, v_batch, mask_batch
        self.k_index = _slab_index(k_batch, batch)
        self.v_index = _slab_index(v_batch, batch)
        self.mask_index = None if mask_batch is None else _slab_index(mask_batch, batch) * (mask_rows * mask_cols)
        # a stride of 0 reads one mask row (or column) for every query (or key)
        self.mask_row_stride = mask_cols if mask_rows == length else 0
        self.mask_col_stride = 1 if mask_cols == source else 0


def _slab_index(own_batch: tuple, batch: tuple) -> np.ndarray:
    """For each flat batch entry, the index of the operand's (rows, cols) slab it reads."""
    count = int(np.prod(own_batch, dtype=np.int64))
    index = np.arange(count, dtype=np.int64).reshape(own_batch)
    return np.ascontiguousarray(np.broadcast_to(index, batch).reshape(-1))


def _flat(xp, a, own_batch, batch):
    """a (*own_batch, rows, cols) as a contiguous (prod(batch), rows, cols) array, broadcast if it must be."""
    if tuple(own_batch) != tuple(batch):
        a = xp.broadcast_to(xp.reshape(a, tuple(own_batch) + a.shape[-2:]), tuple(batch) + a.shape[-2:])
    return xp.ascontiguousarray(xp.reshape(a, (-1,) + a.shape[-2:]))


def _slabs(xp, a):
    """a (*own_batch, rows, cols) as contiguous (prod(own_batch), rows, cols) slabs, read through an index."""
    return xp.ascontiguousarray(xp.reshape(a, (-1,) + a.shape[-2:]))


def _four_d(xp, a, own_batch, batch=None):
    """a (*own_batch, rows, cols), broadcast to batch if given, as (outer, inner, rows, cols) with inner the last
    batch dim: a view where the strides allow (the forward kernel reads views in place), else a copy."""
    rows_cols = tuple(a.shape[-2:])
    a = _reshaped(xp, a, tuple(own_batch) + rows_cols)
    lead = tuple(own_batch)
    if batch is not None and tuple(batch) != lead:
        a, lead = xp.broadcast_to(a, tuple(batch) + rows_cols), tuple(batch)
    inner = lead[-1] if lead else 1
    return _reshaped(xp, a, (math.prod(lead) // inner if inner else 0, inner) + rows_cols)


def _reshaped(xp, a, shape):
    view = xp.view(a, shape)
    return view if view is not None else xp.reshape(xp.ascontiguousarray(a), shape)


class ScaledDotProductAttention(ArrayFunction):
    """softmax(q k^T * scale + mask) v, with dropout on the attention weights; rows whose every key is
    masked out get zero output (PyTorch's safe softmax) rather than nan."""

    def forward(ctx, q, k, v, mask, layout, is_causal, scale, dropout_p, seed, offset, heads_last):
        xp = ctx.xp
        float_mask = None
        if mask is not None:
            if mask.dtype == np.bool_:
                mask = xp.where(mask, q.dtype.type(0), q.dtype.type(-np.inf))
            float_mask = xp.reshape(xp.ascontiguousarray(mask), (-1,))
        out, lse = xp.attention_forward(_four_d(xp, q, layout.q_batch, layout.batch), _four_d(xp, k, layout.k_batch),
                                        _four_d(xp, v, layout.v_batch), layout.k_index, layout.v_index, float_mask,
                                        layout.mask_index, layout.mask_row_stride, layout.mask_col_stride, is_causal,
                                        scale, dropout_p, seed, offset, heads_last)
        if any(ctx.needs_input_grad[:4]):
            ctx.save_for_backward(q, k, v)
            ctx.float_mask, ctx.out, ctx.lse, ctx.layout, ctx.heads_last = float_mask, out, lse, layout, heads_last
            ctx.shapes = (q.shape, k.shape, v.shape, None if mask is None else mask.shape)
            ctx.call = (is_causal, scale, dropout_p, seed, offset)
        if heads_last:
            return out
        return xp.reshape(out, tuple(layout.batch) + out.shape[-2:])

    def backward(ctx, grad):
        xp = ctx.xp
        q, k, v = ctx.saved_tensors
        layout = ctx.layout
        needs_q, needs_k, needs_v, needs_mask = ctx.needs_input_grad[:4]
        out = ctx.out
        if ctx.heads_last:  # (B1, L, B2, Ev) -> (B1 B2, L, Ev), as the backward kernel reads them
            grad, out = (xp.transpose(a, (0, 2, 1, 3)) for a in (grad, out))
        out = xp.ascontiguousarray(xp.reshape(out, (-1,) + out.shape[-2:]))
        grad3 = xp.ascontiguousarray(xp.reshape(grad, out.shape))
        q3 = _flat(xp, q, layout.q_batch, layout.batch)
        k3, v3 = _slabs(xp, k), _slabs(xp, v)
        dq, dk, dv, grad_scores = xp.attention_backward(
            grad3, q3, k3, v3, out, ctx.lse, layout.k_index, layout.v_index, ctx.float_mask, layout.mask_index,
            layout.mask_row_stride, layout.mask_col_stride, *ctx.call, bool(needs_mask))
        q_shape, k_shape, v_shape, mask_shape = ctx.shapes
        batch = tuple(layout.batch)

        def back_to(g, own_batch, shape):
            g = xp.sum_to(xp.reshape(g, batch + g.shape[-2:]), tuple(own_batch) + g.shape[-2:])
            return xp.reshape(g, shape)

        grad_mask = None
        if needs_mask:
            grad_scores = xp.reshape(grad_scores, batch + grad_scores.shape[-2:])
            grad_mask = xp.reshape(xp.sum_to(grad_scores, tuple(layout.mask_batch) + mask_shape[-2:]), mask_shape)
        return (back_to(dq, layout.q_batch, q_shape) if needs_q else None,
                back_to(dk, layout.k_batch, k_shape) if needs_k else None,
                back_to(dv, layout.v_batch, v_shape) if needs_v else None,
                grad_mask, None, None, None, None, None, None, None)


def _check(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None, dropout_p: float,
           is_causal: bool) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 2:
            raise RuntimeError(f"scaled_dot_product_attention: {name} must be at least 2-D, got shape "
                               f"{list(t.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if not query.is_floating_point():
        raise RuntimeError(f"scaled_dot_product_attention: expected a floating-point query, got {query.dtype}")
    if not query.device == key.device == value.device:
        raise RuntimeError(f"Expected query, key, and value to be on the same device, got {query.device}, "
                           f"{key.device} and {value.device}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query {list(query.shape)}, key {list(key.shape)} and "
                           f"value {list(value.shape)} do not fit: need query (..., L, E), key (..., S, E), "
                           "value (..., S, Ev)")
    if attn_mask is not None:
        if attn_mask._data.dtype != np.bool_ and attn_mask._data.dtype != query._data.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {attn_mask.dtype} and  query.dtype: {query.dtype} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _group_heads(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None):
    """Batch shapes for grouped-query attention: query heads (..., Hq) become (..., Hk, Hq / Hk), key and
    value heads (..., Hk, 1), so that a key/value head serves Hq / Hk consecutive query heads."""
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if kv_heads == 0 or heads % kv_heads or value.shape[-3] != kv_heads:
        raise RuntimeError(f"scaled_dot_product_attention: number of heads in key/value ({kv_heads}, "
                           f"{value.shape[-3]}) must divide the number of heads in query ({heads})")
    group = heads // kv_heads
    q_batch = tuple(query.shape[:-3]) + (kv_heads, group)
    k_batch = tuple(key.shape[:-3]) + (kv_heads, 1)
    v_batch = tuple(value.shape[:-3]) + (kv_heads, 1)
    mask_batch = None
    if attn_mask is not None:
        mask_batch = tuple(attn_mask.shape[:-2])
        if len(mask_batch) >= 1 and mask_batch[-1] == heads:
            mask_batch = mask_batch[:-1] + (kv_heads, group)
        elif len(mask_batch) >= 1:
            mask_batch = mask_batch + (1,)  # a head axis of 1 broadcasts over both new axes
    return q_batch, k_batch, v_batch, mask_batch


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    r"""Attention: :math:`\mathrm{softmax}(QK^T \cdot scale + mask)\,V`, fused (flash attention).

    Args:
        query: (..., L, E). key: (..., S, E). value: (..., S, Ev); batch dims broadcast.
        attn_mask: a bool mask (True = attend) or a float mask added to the scores, broadcastable to
            (..., L, S). Not allowed together with is_causal.
        dropout_p: dropout probability applied to the attention weights.
        is_causal: mask out keys after each query (the lower-triangular L x S mask, top-left aligned).
        scale: the score scale; 1 / sqrt(E) by default.
        enable_gqa: let query have a multiple of key/value's heads (dim -3); each key/value head serves a
            group of consecutive query heads.

    Shape:
        output: (..., L, Ev).

    Example::

        >>> q, k, v = axonml.randn(2, 8, 128, 64), axonml.randn(2, 8, 128, 64), axonml.randn(2, 8, 128, 64)
        >>> out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    """
    _check(query, key, value, attn_mask, dropout_p, is_causal)
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, False)


def attention_heads_last(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                         dropout_p: float = 0.0, is_causal: bool = False) -> Tensor:
    """scaled_dot_product_attention of (N, H, L, E) heads, returned as (N, L, H, Ev): the layout an output
    projection reads as (N L, H Ev) rows, written there by the kernel instead of permuted and copied after.

    For multi-head attention; query, key and value may be strided views of a packed projection.
    """
    _check(query, key, value, attn_mask, dropout_p, is_causal)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise RuntimeError(f"attention_heads_last: expected 4-D (N, H, L, E) heads, got query {list(query.shape)}, "
                           f"key {list(key.shape)} and value {list(value.shape)}")
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, None, False, True)


def _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, heads_last):
    if query._data.dtype.itemsize < 4:
        # float16 / bfloat16: the kernels compute in float32 (as PyTorch's CPU kernel accumulates) and round once
        half = query.dtype
        if attn_mask is not None and attn_mask.is_floating_point():
            attn_mask = cast(attn_mask, float32)
        out = _attention(cast(query, float32), cast(key, float32), cast(value, float32), attn_mask, dropout_p,
                         is_causal, scale, enable_gqa, heads_last)
        return cast(out, half)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else math.inf
    length, source = query.shape[-2], key.shape[-2]
    mask_batch = mask_rows = mask_cols = None
    if attn_mask is not None:
        if attn_mask.ndim < 2:
            attn_mask = attn_mask.reshape((1,) * (2 - attn_mask.ndim) + tuple(attn_mask.shape))
        mask_rows, mask_cols = attn_mask.shape[-2:]
        if mask_rows not in (1, length) or mask_cols not in (1, source):
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {list(attn_mask.shape)} does not "
                               f"broadcast to the scores' (..., {length}, {source})")
        mask_batch = tuple(attn_mask.shape[:-2])
    grouped = enable_gqa and query.ndim >= 3 and key.ndim >= 3 and key.shape[-3] != query.shape[-3]
    if grouped:
        q_batch, k_batch, v_batch, mask_batch = _group_heads(query, key, value, attn_mask)
    else:
        q_batch, k_batch, v_batch = (tuple(t.shape[:-2]) for t in (query, key, value))
    operands = [q_batch, k_batch, v_batch] + ([mask_batch] if attn_mask is not None else [])
    try:
        batch = np.broadcast_shapes(*operands)
    except ValueError:
        raise RuntimeError(f"scaled_dot_product_attention: the batch dims of query {list(query.shape)}, key "
                           f"{list(key.shape)}, value {list(value.shape)}"
                           + ("" if attn_mask is None else f" and attn_mask {list(attn_mask.shape)}")
                           + " do not broadcast") from None
    pad = lambda shape: None if shape is None else (1,) * (len(batch) - len(shape)) + tuple(shape)  # noqa: E731
    layout = _Layout(batch, pad(q_batch), pad(k_batch), pad(v_batch), pad(mask_batch), mask_rows, mask_cols,
                     length, source)
    seed = offset = 0
    if dropout_p > 0.0:
        # a counter-based stream: the backward regenerates the forward's keep mask from (seed, offset)
        seed = default_generator.initial_seed() & 0xFFFF_FFFF_FFFF_FFFF
        offset = default_generator.next_offset(int(np.prod(batch, dtype=np.int64)) * length * source)
    out = apply(ScaledDotProductAttention, query, key, value, attn_mask, layout, bool(is_causal), float(scale),
                float(dropout_p), seed, offset, heads_last)
    if grouped:
        out = out.reshape(tuple(batch[:-2]) + (query.shape[-3],) + tuple(out.shape[-2:]))
    return out
