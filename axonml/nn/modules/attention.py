"""MultiheadAttention, with PyTorch's parameters (in_proj_weight, in_proj_bias, out_proj) and masks."""
from __future__ import annotations

import math

from ... import creation
from ... import functional as _ops
from ...ops.attention import attention_heads_last
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention.out_proj (so reprs match).

    Args:
        in_features, out_features, bias, device, dtype: as :class:`Linear`.

    Shape:
        As :class:`Linear`.

    Example::

        >>> nn.MultiheadAttention(8, 2).out_proj
        NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)
    """


def _float_mask(mask: Tensor | None, dtype, name: str) -> Tensor | None:
    """A bool mask (True = masked out) as an additive float mask (-inf where masked); float masks pass through."""
    if mask is None:
        return None
    if mask.dtype.name == "bool":
        return creation.zeros(*mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


class MultiheadAttention(Module):
    r"""Attention over ``num_heads`` subspaces: :math:`\text{Concat}(head_1, ..., head_h) W^O`,
    :math:`head_i = \text{Attention}(Q W_i^Q, K W_i^K, V W_i^V)`.

    Args:
        embed_dim: model dimension E (split across the heads).
        num_heads: number of heads; E must be divisible by it.
        dropout: dropout on the attention weights (training only). Default: 0.0.
        bias: biases in the input and output projections. Default: ``True``.
        add_bias_kv: append learned bias vectors to the key and value sequences. Default: ``False``.
        add_zero_attn: append a zero key and value to every sequence. Default: ``False``.
        kdim: features of the key. Default: embed_dim.
        vdim: features of the value. Default: embed_dim.
        batch_first: inputs and output are (N, L, E) instead of (L, N, E). Default: ``False``.

    Inputs:
        query (L, N, E), key (S, N, kdim), value (S, N, vdim) (or unbatched (L, E) ...).
        key_padding_mask: (N, S), True (bool) or -inf (float) for keys to ignore.
        need_weights: also return the attention weights. Default: ``True``.
        attn_mask: (L, S) or (N * num_heads, L, S), True (bool) or added (float) to the scores.
        average_attn_weights: average the returned weights over heads. Default: ``True``.
        is_causal: a hint that attn_mask is the causal mask.

    Outputs: attn_output (L, N, E), attn_weights (N, L, S) or (N, num_heads, L, S) or ``None``.

    Shape:
        - query: :math:`(L, N, E)` ((N, L, E) with batch_first, or unbatched (L, E)); key :math:`(S, N, kdim)`, value
          :math:`(S, N, vdim)`.
        - attn_output: :math:`(L, N, E)`; attn_weights: :math:`(N, L, S)`, or :math:`(N, num\_heads, L, S)` with
          average_attn_weights=False.

    Example::

        >>> mha = nn.MultiheadAttention(64, 8)
        >>> query = key = value = axonml.randn(10, 2, 64)
        >>> out, weights = mha(query, key, value)
        >>> out.shape, weights.shape
        (axonml.Size([10, 2, 64]), axonml.Size([2, 10, 10]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        factory = dict(device=device, dtype=dtype)
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(creation.empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(creation.empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(creation.empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(creation.empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(creation.empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _project(self, query: Tensor, key: Tensor, value: Tensor):
        e = self.embed_dim
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = self.in_proj_bias[:e], self.in_proj_bias[e:2 * e], self.in_proj_bias[2 * e:]
        if self._qkv_same_embed_dim:
            if query is key and key is value:
                # self-attention: one (L*N, E) x (E, 3E) product for all three projections
                return F.linear(query, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
            w_q, w_k, w_v = self.in_proj_weight[:e], self.in_proj_weight[e:2 * e], self.in_proj_weight[2 * e:]
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)

    def _fused_attention(self, query: Tensor, key: Tensor, attn_mask: Tensor | None,
                         key_padding_mask: Tensor | None, dropout_p: float, is_causal: bool, tgt_len: int,
                         src_len: int, bsz: int) -> Tensor:
        """Attention through the fused kernel in the inputs' layout ((L, N, E), or (N, L, E) when batch_first),
        for self-attention or for a key that is also the value (a decoder reading its memory).

        The packed projections are read as (N, H, length, head_dim) heads where they lie (the attention
        kernel takes strided views); the masks stay (N or 1, H or 1, L, S) broadcasts. The heads' output is
        written in (N, L, H, head_dim) order: the out_proj's (N L, E) rows, without a copy. Sequence-first
        inputs are (L, N, E), so their heads are permuted to (N, L, H, head_dim) order once at the end.
        """
        heads, head_dim, e = self.num_heads, self.head_dim, self.embed_dim

        def split_heads(projected: Tensor, length: int, count: int):
            if self.batch_first:
                heads_first = projected.reshape(bsz, length, count, heads, head_dim).permute(2, 0, 3, 1, 4)
            else:
                heads_first = projected.reshape(length, bsz, count, heads, head_dim).permute(2, 1, 3, 0, 4)
            return heads_first.unbind(0)

        weight, bias = self.in_proj_weight, self.in_proj_bias
        if query is key:
            q, k, v = split_heads(F.linear(query, weight, bias), tgt_len, 3)
        else:
            q, = split_heads(F.linear(query, weight[:e], None if bias is None else bias[:e]), tgt_len, 1)
            k, v = split_heads(F.linear(key, weight[e:], None if bias is None else bias[e:]), src_len, 2)
        if attn_mask is not None:
            attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
                attn_mask.reshape(bsz, heads, tgt_len, src_len)
        if key_padding_mask is not None:
            padding = key_padding_mask.reshape(bsz, 1, 1, src_len)
            attn_mask = padding if attn_mask is None else attn_mask + padding
        out = attention_heads_last(q, k, v, attn_mask, dropout_p, is_causal)  # (N, L, H, head_dim)
        if not self.batch_first:
            out = out.permute(1, 0, 2, 3)
        out = F.linear(out.reshape(bsz * tgt_len, e), self.out_proj.weight, self.out_proj.bias)
        return out.reshape(query.shape)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        is_batched = query.dim() == 3
        # without weights, a key that is also the value: projected in the inputs' layout, copied once into heads
        fused = (not need_weights and is_batched and key is value and self._qkv_same_embed_dim
                 and self.bias_k is None and not self.add_zero_attn)
        if self.batch_first and is_batched and not fused:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = query.transpose(1, 0), key.transpose(1, 0), value.transpose(1, 0)
        if not is_batched:
            same_kv, same_qkv = key is value, query is key and key is value
            query = query.unsqueeze(1)
            key = query if same_qkv else key.unsqueeze(1)
            value = key if same_kv else value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        if fused and self.batch_first:
            bsz, tgt_len, embed_dim = query.shape
        else:
            tgt_len, bsz, embed_dim = query.shape
        if embed_dim != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but got {embed_dim}")
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        source_len = key.shape[1 if fused and self.batch_first else 0]
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        key_padding_mask = _float_mask(key_padding_mask, query.dtype, "key_padding_mask")
        if is_causal and key_padding_mask is None and not need_weights:
            attn_mask = None  # the attention op builds the causal mask itself
        else:
            attn_mask = _float_mask(attn_mask, query.dtype, "attn_mask")
            if key_padding_mask is not None:
                is_causal = False
        if attn_mask is not None:
            if attn_mask.dim() == 2:
                if tuple(attn_mask.shape) != (tgt_len, source_len):
                    raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                       f"{(tgt_len, source_len)}.")
                attn_mask = attn_mask.unsqueeze(0)
            elif attn_mask.dim() == 3:
                if tuple(attn_mask.shape) != (bsz * self.num_heads, tgt_len, source_len):
                    raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                       f"{(bsz * self.num_heads, tgt_len, source_len)}.")
            else:
                raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (bsz, source_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, source_len)}, but got "
                                 f"{key_padding_mask.shape}")
        dropout_p = self.dropout if self.training else 0.0
        if fused:
            return self._fused_attention(query, key, attn_mask, key_padding_mask, dropout_p, is_causal, tgt_len,
                                         source_len, bsz), None

        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = _ops.cat([k, self.bias_k.repeat(1, bsz, 1)])
            v = _ops.cat([v, self.bias_v.repeat(1, bsz, 1)])
            attn_mask = F.pad(attn_mask, (0, 1)) if attn_mask is not None else None
            key_padding_mask = F.pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
        heads, head_dim = self.num_heads, self.head_dim
        q = q.reshape(tgt_len, bsz * heads, head_dim).transpose(0, 1)
        k = k.reshape(k.shape[0], bsz * heads, head_dim).transpose(0, 1)
        v = v.reshape(v.shape[0], bsz * heads, head_dim).transpose(0, 1)
        if self.add_zero_attn:
            zeros = creation.zeros(bsz * heads, 1, head_dim, dtype=q.dtype, device=q.device)
            k = _ops.cat([k, zeros], dim=1)
            v = _ops.cat([v, zeros], dim=1)
            attn_mask = F.pad(attn_mask, (0, 1)) if attn_mask is not None else None
            key_padding_mask = F.pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
        src_len = k.shape[1]
        if key_padding_mask is not None:
            padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, heads, -1, -1)
            padding = padding.reshape(bsz * heads, 1, src_len)
            attn_mask = padding if attn_mask is None else attn_mask + padding

        if need_weights:
            scores = _ops.bmm(q * (1.0 / math.sqrt(head_dim)), k.transpose(-2, -1))
            if attn_mask is not None:
                scores = scores + attn_mask
            weights = F.softmax(scores, dim=-1)
            if dropout_p > 0.0:
                weights = F.dropout(weights, p=dropout_p)
            attn_output = _ops.bmm(weights, v)
            attn_output = attn_output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
            attn_output = F.linear(attn_output, self.out_proj.weight, self.out_proj.bias)
            attn_output = attn_output.reshape(tgt_len, bsz, embed_dim)
            weights = weights.reshape(bsz, heads, tgt_len, src_len)
            if average_attn_weights:
                weights = weights.mean(dim=1)
            if not is_batched:
                attn_output, weights = attn_output.squeeze(1), weights.squeeze(0)
        else:
            if attn_mask is not None:
                attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
                    attn_mask.reshape(bsz, heads, -1, src_len)
            q = q.reshape(bsz, heads, tgt_len, head_dim)
            k = k.reshape(bsz, heads, src_len, head_dim)
            v = v.reshape(bsz, heads, src_len, head_dim)
            attn_output = F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
            attn_output = attn_output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
            attn_output = F.linear(attn_output, self.out_proj.weight, self.out_proj.bias)
            attn_output = attn_output.reshape(tgt_len, bsz, embed_dim)
            weights = None
            if not is_batched:
                attn_output = attn_output.squeeze(1)
        if self.batch_first and is_batched:
            attn_output = attn_output.transpose(1, 0)
        return attn_output, weights
