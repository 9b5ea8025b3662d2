"""Llama-family decoders (Llama, SmolLM, Mistral-style) read straight from GGUF files.

The architecture: token embeddings, then ``num_hidden_layers`` pre-norm blocks of RMSNorm ->
grouped-query self-attention with rotary position embeddings -> residual, RMSNorm -> SwiGLU MLP ->
residual, a final RMSNorm and the output head (tied to the embeddings when the file has no
``output.weight``). Every matrix stays in the GGML blocks the file stores (Q4_0, Q4_1, Q8_0, K-quants
...) and runs on the quantized kernels (:class:`axonml.quant.QuantizedLinear`): no float32 copy of a
weight matrix is made. The query/key/value projections are one product on the three matrices' block
rows stacked, as are the MLP's gate and up projections.

GGUF conventions this follows (llama.cpp's converter): the query and key rows of each head are
permuted so that rotary embeddings turn *adjacent* pairs of features (GGML's "normal" rope), not the
two halves as Hugging Face's ``rotate_half`` does; hyper-parameters are the ``llama.*`` metadata keys.

Example::

    >>> model, tokenizer = load_gguf("SmolLM2-135M-Instruct.Q4_1.gguf")                 # doctest: +SKIP
    >>> ids = tokenizer.encode("The capital of France is")                              # doctest: +SKIP
    >>> out = model.generate(ids, max_new_tokens=8)                                     # doctest: +SKIP
    >>> tokenizer.decode(out[0, len(ids):].tolist())                                    # doctest: +SKIP
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .. import nn
from ..autograd.function import ArrayFunction
from ..creation import from_numpy
from ..nn import functional as F
from ..quant.formats import padded_row_bytes
from ..quant.gguf import load_gguf as _read_gguf
from ..quant.modules import QuantizedEmbedding, QuantizedLinear
from ..quant.quantized_tensor import QuantizedTensor
from ..tensor import Tensor, _make
from .generation import CausalLMOutput, GenerationMixin, KVCache, causal_mask
from .gguf_tokenizer import GGUFTokenizer

__all__ = ["LlamaConfig", "LlamaModel", "LlamaForCausalLM", "load_gguf"]


@dataclass
class LlamaConfig:
    """Hyper-parameters of a Llama-family decoder (Hugging Face's ``LlamaConfig`` names).

    Args:
        vocab_size: tokens in the vocabulary.
        hidden_size: width of the residual stream.
        intermediate_size: width of the SwiGLU MLP.
        num_hidden_layers: decoder blocks.
        num_attention_heads: query heads.
        num_key_value_heads: key/value heads (fewer than query heads: grouped-query attention).
        head_dim: features per head (``hidden_size // num_attention_heads`` by default).
        rope_dim: leading features of each head that rotary embeddings turn (``head_dim`` by default).
        rope_theta: base of the rotary frequencies.
        rope_scaling_factor: linear position scaling (positions are divided by it).
        rms_norm_eps: added to the mean square in RMSNorm.
        max_position_embeddings: the context length.
        tie_word_embeddings: the output head is the embedding table.
    """

    vocab_size: int = 32000
    hidden_size: int = 4096
    intermediate_size: int = 11008
    num_hidden_layers: int = 32
    num_attention_heads: int = 32
    num_key_value_heads: int | None = None
    head_dim: int | None = None
    rope_dim: int | None = None
    rope_theta: float = 10000.0
    rope_scaling_factor: float = 1.0
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 2048
    tie_word_embeddings: bool = False

    def __post_init__(self) -> None:
        if self.num_key_value_heads is None:
            self.num_key_value_heads = self.num_attention_heads
        if self.head_dim is None:
            self.head_dim = self.hidden_size // self.num_attention_heads
        if self.rope_dim is None:
            self.rope_dim = self.head_dim
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError(f"LlamaConfig: {self.num_attention_heads} query heads are not a multiple of "
                             f"{self.num_key_value_heads} key/value heads")
        if self.rope_dim % 2 or self.rope_dim > self.head_dim:
            raise ValueError(f"LlamaConfig: rope_dim {self.rope_dim} must be even and at most head_dim {self.head_dim}")

    @classmethod
    def from_gguf_metadata(cls, metadata: Mapping, tensors: Mapping | None = None) -> "LlamaConfig":
        """The config a GGUF file's ``llama.*`` keys describe (``tensors`` settles the vocabulary size and
        whether the head is tied, when the metadata leaves them out)."""
        architecture = metadata.get("general.architecture")
        if architecture != "llama":
            raise NotImplementedError(f"GGUF architecture {architecture!r} is not supported; axonml runs 'llama' "
                                      "(Llama, SmolLM, Mistral-style) models")

        def key(name, default=None):
            value = metadata.get(f"llama.{name}", default)
            if value is None:
                raise ValueError(f"the GGUF file has no llama.{name} key")
            return value

        scaling_type = metadata.get("llama.rope.scaling.type", "none" if "llama.rope.scale_linear" not in metadata
                                    else "linear")
        if scaling_type not in ("none", "linear"):
            raise NotImplementedError(f"rope scaling {scaling_type!r} is not supported; axonml implements linear "
                                      "scaling")
        factor = metadata.get("llama.rope.scaling.factor", metadata.get("llama.rope.scale_linear", 1.0)) \
            if scaling_type == "linear" else 1.0
        heads = int(key("attention.head_count"))
        hidden = int(key("embedding_length"))
        tokens = metadata.get("tokenizer.ggml.tokens")
        vocab = metadata.get("llama.vocab_size")
        if vocab is None and tensors is not None and "token_embd.weight" in tensors:
            vocab = tensors["token_embd.weight"].shape[0]
        if vocab is None and tokens is not None:
            vocab = len(tokens)
        if vocab is None:
            raise ValueError("the GGUF file does not say its vocabulary size")
        head_dim = metadata.get("llama.attention.key_length")
        return cls(vocab_size=int(vocab), hidden_size=hidden, intermediate_size=int(key("feed_forward_length")),
                   num_hidden_layers=int(key("block_count")), num_attention_heads=heads,
                   num_key_value_heads=int(key("attention.head_count_kv", heads)),
                   head_dim=None if head_dim is None else int(head_dim),
                   rope_dim=int(metadata["llama.rope.dimension_count"]) if "llama.rope.dimension_count" in metadata
                   else None,
                   rope_theta=float(key("rope.freq_base", 10000.0)), rope_scaling_factor=float(factor),
                   rms_norm_eps=float(key("attention.layer_norm_rms_epsilon", 1e-5)),
                   max_position_embeddings=int(key("context_length", 2048)),
                   tie_word_embeddings=tensors is not None and "output.weight" not in tensors)


# ---------------------------------------------------------------------------------------------------------------
# rotary position embeddings

def rotary_tables(config: LlamaConfig, length: int, frequency_factors: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of the rotation angles, (length, rope_dim / 2) float32: pair ``i`` of position ``p``
    turns by ``p / scale * theta ** (-2 i / rope_dim) / factor_i`` (``frequency_factors``: Llama 3's
    ``rope_freqs.weight``)."""
    exponents = np.arange(0, config.rope_dim, 2, dtype=np.float64) / config.rope_dim
    inverse = 1.0 / config.rope_theta ** exponents
    if frequency_factors is not None:
        inverse = inverse / np.asarray(frequency_factors, np.float64)
    angles = np.outer(np.arange(length, dtype=np.float64) / config.rope_scaling_factor, inverse)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def _turn_pairs(xp, x, cos, sin):
    """x (batch, length, heads, head_dim) with its first 2 * pairs features turned pairwise by the angles."""
    pairs = cos.shape[-1]
    length = x.shape[1]
    cos = xp.reshape(cos, (length, 1, pairs))
    sin = xp.reshape(sin, (length, 1, pairs))
    even = xp.getitem(x, (Ellipsis, slice(0, 2 * pairs, 2)))
    odd = xp.getitem(x, (Ellipsis, slice(1, 2 * pairs, 2)))
    out = xp.copy(x) if 2 * pairs < x.shape[-1] else xp.empty(x.shape, x.dtype)
    xp.setitem(out, (Ellipsis, slice(0, 2 * pairs, 2)), xp.sub(xp.mul(even, cos), xp.mul(odd, sin)))
    xp.setitem(out, (Ellipsis, slice(1, 2 * pairs, 2)), xp.add(xp.mul(even, sin), xp.mul(odd, cos)))
    return out


class _RotaryAdjacentPairs(ArrayFunction):
    """Turn the adjacent feature pairs (2i, 2i+1) of the first ``2 * cos.shape[-1]`` features of each head.

    x: (batch, length, heads, head_dim); cos, sin: (length, rope_dim / 2).
    """

    def forward(ctx, x, cos, sin):
        ctx.save_for_backward(cos, sin)
        return _turn_pairs(ctx.xp, x, cos, sin)

    def backward(ctx, grad):
        cos, sin = ctx.saved_tensors
        # the rotation is orthogonal: its gradient turns by the opposite angle
        return _turn_pairs(ctx.xp, grad, cos, ctx.xp.neg(sin)), None, None


class _SplitHeadsRotary(ArrayFunction):
    """The stacked q/k/v projection (batch, length, (H + 2 H_kv) head_dim) -> query (batch, H, length, head_dim),
    key and value (batch, H_kv, length, head_dim), with rotary embeddings on query and key: one op per layer."""

    def forward(ctx, qkv, cos, sin, heads, kv_heads):
        xp = ctx.xp
        batch, length, width = qkv.shape
        head_dim = width // (heads + 2 * kv_heads)
        qkv = xp.reshape(qkv, (batch, length, heads + 2 * kv_heads, head_dim))
        query_key = _turn_pairs(xp, xp.getitem(qkv, (slice(None), slice(None), slice(0, heads + kv_heads))), cos, sin)
        ctx.save_for_backward(cos, sin)
        ctx.shape = (batch, length, heads, kv_heads, head_dim)
        heads_first = (0, 2, 1, 3)
        return (xp.transpose(xp.getitem(query_key, (slice(None), slice(None), slice(0, heads))), heads_first),
                xp.transpose(xp.getitem(query_key, (slice(None), slice(None), slice(heads, None))), heads_first),
                xp.transpose(xp.getitem(qkv, (slice(None), slice(None), slice(heads + kv_heads, None))), heads_first))

    def backward(ctx, grad_query, grad_key, grad_value):
        xp = ctx.xp
        cos, sin = ctx.saved_tensors
        batch, length, heads, kv_heads, head_dim = ctx.shape
        heads_last = (0, 2, 1, 3)
        grad_query_key = xp.concatenate([xp.transpose(grad_query, heads_last), xp.transpose(grad_key, heads_last)], 2)
        grad = xp.concatenate([_turn_pairs(xp, grad_query_key, cos, xp.neg(sin)),
                               xp.transpose(grad_value, heads_last)], 2)
        return xp.reshape(grad, (batch, length, (heads + 2 * kv_heads) * head_dim)), None, None, None, None


class _AddRMSNorm(ArrayFunction):
    """``(x + residual, rms_norm(x + residual) * weight)`` in one op: a block's residual add and the next
    block's RMSNorm (``residual=None``: the norm alone, returned with x)."""

    def forward(ctx, x, residual, weight, eps):
        xp = ctx.xp
        summed = x if residual is None else xp.add(x, residual)
        mean_square = xp.mul(xp.sum(xp.mul(summed, summed), -1, True), 1.0 / summed.shape[-1])
        scale = xp.rsqrt(xp.add(mean_square, eps))
        ctx.save_for_backward(summed, scale, weight)
        ctx.has_residual = residual is not None
        return summed, xp.mul(xp.mul(summed, scale), weight)

    def backward(ctx, grad_summed, grad_normed):
        xp = ctx.xp
        summed, scale, weight = ctx.saved_tensors
        normalized = xp.mul(summed, scale)
        grad_normalized = xp.mul(grad_normed, weight)
        # d/dx of x * rsqrt(mean(x^2) + eps): scale * (g - x_hat * mean(g * x_hat))
        projection = xp.mul(xp.sum(xp.mul(grad_normalized, normalized), -1, True), 1.0 / summed.shape[-1])
        grad_x = xp.add(grad_summed, xp.mul(scale, xp.sub(grad_normalized, xp.mul(normalized, projection))))
        grad_weight = xp.sum(xp.reshape(xp.mul(grad_normed, normalized), (-1, summed.shape[-1])), 0, False)
        return grad_x, grad_x if ctx.has_residual else None, grad_weight, None


class _SwiGLU(ArrayFunction):
    """``silu(gate) * up`` of the stacked gate/up projection (..., 2 intermediate) -> (..., intermediate)."""

    def forward(ctx, gate_up):
        xp = ctx.xp
        size = gate_up.shape[-1] // 2
        gate = xp.getitem(gate_up, (Ellipsis, slice(0, size)))
        up = xp.getitem(gate_up, (Ellipsis, slice(size, None)))
        ctx.save_for_backward(gate, up)
        return xp.mul(xp.mul(gate, xp.sigmoid(gate)), up)

    def backward(ctx, grad):
        xp = ctx.xp
        gate, up = ctx.saved_tensors
        sigmoid = xp.sigmoid(gate)
        silu = xp.mul(gate, sigmoid)
        # silu'(g) = sigmoid(g) (1 + g (1 - sigmoid(g)))
        derivative = xp.mul(sigmoid, xp.add(xp.sub(gate, silu), 1.0))
        return xp.concatenate([xp.mul(xp.mul(grad, up), derivative), xp.mul(grad, silu)], -1)


# ---------------------------------------------------------------------------------------------------------------
# layers

class _ConcatenatedLinear(nn.Module):
    """Projections of one input whose outputs are concatenated: for weights of different GGML types (a
    Q4_K_M file stores attn_v in Q6_K beside a Q4_K attn_q), whose block rows cannot be stacked."""

    def __init__(self, parts: list[QuantizedLinear]) -> None:
        super().__init__()
        self.parts = nn.ModuleList(parts)
        self.in_features = parts[0].in_features
        self.out_features = sum(part.out_features for part in parts)

    def forward(self, input: Tensor) -> Tensor:
        from ..ops.shape import cat
        return cat([part(input) for part in self.parts], -1)


def _stacked_linear(weights: list[QuantizedTensor], name: str) -> nn.Module:
    """One module computing several projections of the same input: a QuantizedLinear on their block rows
    stacked when they share a GGML type, else the projections side by side."""
    if len({w.shape[1] for w in weights}) != 1:
        raise ValueError(f"{name}: the stacked projections must share an input size, got {[w.shape for w in weights]}")
    if len({w.qtype for w in weights}) != 1:
        return _ConcatenatedLinear([QuantizedLinear.from_quantized(w) for w in weights])
    blocks = np.concatenate([np.asarray(w.blocks) for w in weights], axis=0)
    return QuantizedLinear.from_quantized(QuantizedTensor(blocks, weights[0].qtype,
                                                          (blocks.shape[0], weights[0].shape[1])))


class LlamaAttention(nn.Module):
    """Grouped-query self-attention with rotary embeddings; q, k and v come from one quantized product.

    Args:
        config: the model's :class:`LlamaConfig`.
        qkv_proj: QuantizedLinear with the query, key and value rows stacked (hidden -> (H + 2 H_kv) head_dim).
        o_proj: QuantizedLinear (H head_dim -> hidden).

    Shape:
        - Input: (batch, length, hidden); cos, sin: (length, rope_dim / 2). Output: (batch, length, hidden).
    """

    def __init__(self, config: LlamaConfig, qkv_proj: nn.Module, o_proj: QuantizedLinear) -> None:
        super().__init__()
        self.num_heads, self.num_kv_heads, self.head_dim = (config.num_attention_heads, config.num_key_value_heads,
                                                            config.head_dim)
        expected = (self.num_heads + 2 * self.num_kv_heads) * self.head_dim
        if qkv_proj.out_features != expected or o_proj.in_features != self.num_heads * self.head_dim:
            raise ValueError(f"LlamaAttention: projections of {qkv_proj.out_features} and {o_proj.in_features} "
                             f"features do not fit {self.num_heads} query / {self.num_kv_heads} key-value heads "
                             f"of {self.head_dim}")
        self.qkv_proj, self.o_proj = qkv_proj, o_proj

    def forward(self, hidden: Tensor, cos: Tensor, sin: Tensor, layer: int, cache: KVCache | None,
                mask: Tensor | None) -> Tensor:
        batch, length, _ = hidden.shape
        heads, kv_heads = self.num_heads, self.num_kv_heads
        query, key, value = _SplitHeadsRotary.apply(self.qkv_proj(hidden), cos, sin, heads, kv_heads)
        if cache is not None:
            key, value = cache.update(layer, key, value)
        causal = mask is None and length > 1 and key.shape[2] == length
        attended = F.scaled_dot_product_attention(query, key, value, attn_mask=mask, is_causal=causal,
                                                  enable_gqa=kv_heads != heads)
        return self.o_proj(attended.transpose(1, 2).reshape(batch, length, heads * self.head_dim))


class LlamaMLP(nn.Module):
    """SwiGLU: ``down(silu(gate(x)) * up(x))``, gate and up in one quantized product.

    Args:
        gate_up_proj: QuantizedLinear with the gate rows then the up rows (hidden -> 2 intermediate).
        down_proj: QuantizedLinear (intermediate -> hidden).
    """

    def __init__(self, gate_up_proj: nn.Module, down_proj: QuantizedLinear) -> None:
        super().__init__()
        if gate_up_proj.out_features != 2 * down_proj.in_features:
            raise ValueError(f"LlamaMLP: gate/up of {gate_up_proj.out_features} features do not fit a down "
                             f"projection from {down_proj.in_features}")
        self.intermediate_size = down_proj.in_features
        self.gate_up_proj, self.down_proj = gate_up_proj, down_proj

    def forward(self, hidden: Tensor) -> Tensor:
        return self.down_proj(_SwiGLU.apply(self.gate_up_proj(hidden)))


class LlamaDecoderLayer(nn.Module):
    """RMSNorm -> attention -> residual, RMSNorm -> SwiGLU MLP -> residual.

    Each residual add is fused with the RMSNorm that follows it, so the block takes the previous block's
    MLP output unadded (``residual``, None for the first block) and returns its own the same way.
    """

    def __init__(self, config: LlamaConfig, self_attn: LlamaAttention, mlp: LlamaMLP) -> None:
        super().__init__()
        self.input_layernorm = nn.RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.self_attn = self_attn
        self.post_attention_layernorm = nn.RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.mlp = mlp

    def forward(self, hidden: Tensor, residual: Tensor | None, cos: Tensor, sin: Tensor, layer: int,
                cache: KVCache | None, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        hidden, normed = _add_rms_norm(hidden, residual, self.input_layernorm)
        attended = self.self_attn(normed, cos, sin, layer, cache, mask)
        hidden, normed = _add_rms_norm(hidden, attended, self.post_attention_layernorm)
        return hidden, self.mlp(normed)


def _add_rms_norm(hidden: Tensor, residual: Tensor | None, norm: nn.RMSNorm) -> tuple[Tensor, Tensor]:
    return _AddRMSNorm.apply(hidden, residual, norm.weight, norm.eps)


class LlamaModel(nn.Module):
    """The decoder stack: quantized token embeddings, the blocks, the final RMSNorm.

    Shape:
        - Input: int64 (batch, length) ids. Output: (batch, length, hidden) float32.
    """

    def __init__(self, config: LlamaConfig, embed_tokens: QuantizedEmbedding, layers: list[LlamaDecoderLayer],
                 frequency_factors: np.ndarray | None = None) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = embed_tokens
        self.layers = nn.ModuleList(layers)
        self.norm = nn.RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.frequency_factors = frequency_factors
        self._rotary: tuple[Tensor, Tensor] | None = None

    def rotary(self, start: int, length: int, device) -> tuple[Tensor, Tensor]:
        """cos, sin of positions start .. start + length, from tables grown on demand (doubling)."""
        end = start + length
        if self._rotary is None or self._rotary[0].shape[0] < end or self._rotary[0].device != device:
            size = max(end, 2 * (self._rotary[0].shape[0] if self._rotary is not None else 0), 256)
            cos, sin = rotary_tables(self.config, size, self.frequency_factors)
            self._rotary = (from_numpy(cos).to(device), from_numpy(sin).to(device))
        cos, sin = self._rotary
        return cos[start:end], sin[start:end]

    def forward(self, input_ids: Tensor, cache: KVCache | None = None, position_offset: int = 0) -> Tensor:
        length = input_ids.shape[1]
        hidden = self.embed_tokens(input_ids)
        cos, sin = self.rotary(position_offset, length, hidden.device)
        total = (cache.length if cache is not None else 0) + length
        mask = causal_mask(length, total, device=hidden.device) if length > 1 and total > length else None
        residual = None
        for index, layer in enumerate(self.layers):
            hidden, residual = layer(hidden, residual, cos, sin, index, cache, mask)
        return _add_rms_norm(hidden, residual, self.norm)[1]


class LlamaForCausalLM(nn.Module, GenerationMixin):
    """A Llama-family decoder with its output head, on GGML-quantized weights; generates with a KV cache.

    Build it with :func:`load_gguf` (or :meth:`from_gguf`).

    Shape:
        - Input: int64 (batch, length) ids. Output: :class:`CausalLMOutput` with logits (batch, length, vocab).

    Example::

        >>> model, tokenizer = load_gguf("SmolLM2-135M-Instruct.Q4_1.gguf")               # doctest: +SKIP
        >>> model(axonml.tensor([tokenizer.encode("Hello")])).logits.shape                 # doctest: +SKIP
        axonml.Size([1, 1, 49152])
    """

    def __init__(self, config: LlamaConfig, model: LlamaModel, lm_head: QuantizedLinear) -> None:
        super().__init__()
        self.config = config
        self.model = model
        self.lm_head = lm_head

    def forward(self, input_ids: Tensor, past_key_values: KVCache | None = None, use_cache: bool = False,
                position_offset: int | None = None, attention_mask: Tensor | None = None,
                logits_to_keep: int = 0) -> CausalLMOutput:
        """The logits of every new position (of the last ``logits_to_keep`` only, when it is positive: a prompt's
        processing needs just the last, and the output head is the largest product), and the cache."""
        if not isinstance(input_ids, Tensor) or input_ids.ndim != 2:
            raise ValueError(f"LlamaForCausalLM expects (batch, length) int ids, got "
                             f"{list(input_ids.shape) if isinstance(input_ids, Tensor) else type(input_ids).__name__}")
        if attention_mask is not None:
            raise NotImplementedError("LlamaForCausalLM does not take an attention_mask: pass unpadded sequences "
                                      "of one length")
        cache = past_key_values
        if cache is None and use_cache:
            cache = self.make_cache(input_ids.shape[0])
        if position_offset is None:
            position_offset = cache.length if cache is not None else 0
        end = position_offset + input_ids.shape[1]
        if end > self.config.max_position_embeddings:
            raise ValueError(f"LlamaForCausalLM: position {end} is past the context length "
                             f"{self.config.max_position_embeddings}")
        hidden = self.model(input_ids, cache, position_offset)
        if 0 < logits_to_keep < hidden.shape[1]:
            hidden = hidden[:, hidden.shape[1] - logits_to_keep:]
        return CausalLMOutput(self.lm_head(hidden), cache)

    @classmethod
    def from_gguf(cls, path: str | os.PathLike) -> "LlamaForCausalLM":
        return load_gguf(path)[0]

    def extra_repr(self) -> str:
        return f"layers={self.config.num_hidden_layers}, hidden={self.config.hidden_size}"


# ---------------------------------------------------------------------------------------------------------------
# loading

def _float_vector(tensors: Mapping, name: str, size: int) -> np.ndarray:
    tensor = _tensor(tensors, name)
    values = np.asarray(tensor.dequantize(), np.float32).reshape(-1)
    if values.size != size:
        raise ValueError(f"GGUF tensor {name!r} has {values.size} values, expected {size}")
    return values.copy()


def _tensor(tensors: Mapping, name: str) -> QuantizedTensor:
    if name not in tensors:
        raise ValueError(f"the GGUF file has no tensor {name!r}")
    return tensors[name]


def _matrix(tensors: Mapping, name: str, rows: int, columns: int) -> QuantizedTensor:
    tensor = _tensor(tensors, name)
    if tensor.shape != (rows, columns):
        raise ValueError(f"GGUF tensor {name!r} has shape {tensor.shape}, expected {(rows, columns)}")
    return tensor


def _embedding(weight: QuantizedTensor) -> QuantizedEmbedding:
    rows, columns = weight.shape
    module = QuantizedEmbedding(rows, columns, weight.qtype)
    if weight.blocks.shape[1] != padded_row_bytes(columns, weight.qtype):
        raise ValueError(f"the embedding table's rows are {weight.blocks.shape[1]} bytes, not whole "
                         f"{weight.qtype.name} blocks of {columns} values")
    module.weight_blocks = _make(np.array(weight.blocks))
    return module


def load_gguf(path: str | os.PathLike, activation_quant: bool = False) -> tuple[LlamaForCausalLM, GGUFTokenizer]:
    """Read a Llama-family GGUF file: the model, on its quantized weights, and the tokenizer the file carries.

    Args:
        path: the .gguf file.
        activation_quant: run every product on Q8_0-quantized activations with integer block sums
            (llama.cpp's CPU arithmetic; :class:`~axonml.quant.QuantizedLinear`'s ``activation_quant``),
            instead of float32 activations. CPU only.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a well-formed GGUF file, or a tensor is missing or misshapen.
        NotImplementedError: another architecture, a tokenizer or rope scaling axonml does not implement.

    Example::

        >>> model, tokenizer = load_gguf("SmolLM2-135M-Instruct.Q4_1.gguf")   # doctest: +SKIP
    """
    gguf = _read_gguf(path)
    metadata, tensors = gguf.metadata, gguf.tensors
    config = LlamaConfig.from_gguf_metadata(metadata, tensors)
    tokenizer = GGUFTokenizer.from_metadata(metadata)
    hidden, heads, kv_heads, head_dim = (config.hidden_size, config.num_attention_heads, config.num_key_value_heads,
                                         config.head_dim)
    embedding = _matrix(tensors, "token_embd.weight", config.vocab_size, hidden)
    layers = []
    for i in range(config.num_hidden_layers):
        prefix = f"blk.{i}."
        qkv = _stacked_linear([_matrix(tensors, prefix + "attn_q.weight", heads * head_dim, hidden),
                               _matrix(tensors, prefix + "attn_k.weight", kv_heads * head_dim, hidden),
                               _matrix(tensors, prefix + "attn_v.weight", kv_heads * head_dim, hidden)],
                              prefix + "attn_qkv")
        output = QuantizedLinear.from_quantized(_matrix(tensors, prefix + "attn_output.weight", hidden,
                                                        heads * head_dim))
        gate_up = _stacked_linear([_matrix(tensors, prefix + "ffn_gate.weight", config.intermediate_size, hidden),
                                   _matrix(tensors, prefix + "ffn_up.weight", config.intermediate_size, hidden)],
                                  prefix + "ffn_gate_up")
        down = QuantizedLinear.from_quantized(_matrix(tensors, prefix + "ffn_down.weight", hidden,
                                                      config.intermediate_size))
        layer = LlamaDecoderLayer(config, LlamaAttention(config, qkv, output), LlamaMLP(gate_up, down))
        layer.input_layernorm.weight.data = from_numpy(_float_vector(tensors, prefix + "attn_norm.weight", hidden))
        layer.post_attention_layernorm.weight.data = from_numpy(_float_vector(tensors, prefix + "ffn_norm.weight",
                                                                              hidden))
        layers.append(layer)
    factors = (_float_vector(tensors, "rope_freqs.weight", config.rope_dim // 2) if "rope_freqs.weight" in tensors
               else None)
    decoder = LlamaModel(config, _embedding(embedding), layers, factors)
    decoder.norm.weight.data = from_numpy(_float_vector(tensors, "output_norm.weight", hidden))
    if config.tie_word_embeddings:
        lm_head = QuantizedLinear(hidden, config.vocab_size, embedding.qtype, bias=False)
        lm_head.weight_blocks = decoder.embed_tokens.weight_blocks  # one table serves both
    else:
        lm_head = QuantizedLinear.from_quantized(_matrix(tensors, "output.weight", config.vocab_size, hidden))
    model = LlamaForCausalLM(config, decoder, lm_head)
    for module in model.modules():
        if isinstance(module, QuantizedLinear):
            module.activation_quant = bool(activation_quant)
    model.eval()
    model.requires_grad_(False)  # the matrices are quantized for inference; the norms follow them
    return model, tokenizer
