"""GPT-2 (Radford et al. 2019) with Hugging Face's module and state-dict names, so a ``config.json`` and
``model.safetensors`` saved by transformers load unchanged, and KV-cached generation.

GPT-2 keeps its projections in ``Conv1D`` layers whose weight is (in_features, out_features), the
transpose of ``nn.Linear``'s; :class:`Conv1D` keeps that layout (so checkpoints need no conversion) and
multiplies by the weight's transposed view, which BLAS reads through a flag rather than a copy.
"""
from __future__ import annotations

import math
import os
from typing import Any

from .. import nn
from ..nn import functional as F
from ..creation import arange, empty
from ..tensor import Tensor
from ._pretrained import load_pretrained_weights, read_config, read_safetensors
from .generation import CausalLMOutput, GenerationMixin, KVCache, causal_mask

__all__ = ["GPT2Config", "GPT2Model", "GPT2LMHeadModel", "Conv1D"]


class GPT2Config:
    """GPT-2's hyper-parameters, with transformers' names and defaults (the 124M model).

    ``hidden_size``, ``num_attention_heads``, ``num_hidden_layers`` and ``max_position_embeddings``
    read ``n_embd``, ``n_head``, ``n_layer`` and ``n_positions``, as in transformers.

    Example::

        >>> config = GPT2Config(n_layer=2, n_embd=64, n_head=4)
        >>> config = GPT2Config.from_pretrained("gpt2")            # a directory with config.json
    """

    _fields = {
        "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": None,
        "activation_function": "gelu_new", "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
        "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "scale_attn_weights": True,
        "scale_attn_by_inverse_layer_idx": False, "reorder_and_upcast_attn": False, "bos_token_id": 50256,
        "eos_token_id": 50256, "tie_word_embeddings": True,
    }

    def __init__(self, **kwargs: Any) -> None:
        for name, default in self._fields.items():
            setattr(self, name, kwargs.pop(name, default))
        self.extra = kwargs                       # fields of config.json axonml does not use
        if self.n_embd % self.n_head:
            raise ValueError(f"GPT2Config: n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        if self.activation_function not in _ACTIVATIONS:
            raise ValueError(f"GPT2Config: unsupported activation_function {self.activation_function!r}; "
                             f"expected one of {sorted(_ACTIVATIONS)}")

    hidden_size = property(lambda self: self.n_embd)
    num_attention_heads = property(lambda self: self.n_head)
    num_hidden_layers = property(lambda self: self.n_layer)
    max_position_embeddings = property(lambda self: self.n_positions)

    @classmethod
    def from_dict(cls, config: dict) -> "GPT2Config":
        model_type = config.get("model_type", "gpt2")
        if model_type != "gpt2":
            raise ValueError(f"GPT2Config: config.json describes a {model_type!r} model, not gpt2")
        return cls(**{k: v for k, v in config.items() if k != "model_type"})

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike) -> "GPT2Config":
        return cls.from_dict(read_config(model_dir))

    def to_dict(self) -> dict:
        return {"model_type": "gpt2", **{name: getattr(self, name) for name in self._fields}, **self.extra}

    def __repr__(self) -> str:
        return f"GPT2Config({', '.join(f'{k}={getattr(self, k)!r}' for k in self._fields)})"


_ACTIVATIONS = {
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu": F.gelu,
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
}


class Conv1D(nn.Module):
    """GPT-2's projection: ``x @ weight + bias`` with ``weight`` of shape (in_features, out_features).

    Args:
        out_features: size of each output sample (named ``nf`` in transformers).
        in_features: size of each input sample (``nx``).

    Shape:
        - Input: (*, in_features). Output: (*, out_features).

    Example::

        >>> proj = Conv1D(2304, 768)
        >>> proj(axonml.randn(1, 5, 768)).shape
        axonml.Size([1, 5, 2304])
    """

    def __init__(self, out_features: int, in_features: int) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(nn.init.normal_(empty(in_features, out_features), std=0.02))
        self.bias = nn.Parameter(nn.init.zeros_(empty(out_features)))

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight.t(), self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


class GPT2Attention(nn.Module):
    """Causal multi-head self-attention with a packed query/key/value projection (``c_attn``)."""

    def __init__(self, config: GPT2Config, layer_idx: int) -> None:
        super().__init__()
        self.num_heads, self.head_dim = config.n_head, config.n_embd // config.n_head
        self.layer_idx = layer_idx
        self.c_attn = Conv1D(3 * config.n_embd, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, config.n_embd)
        self.attn_dropout_p = config.attn_pdrop
        self.resid_dropout = nn.Dropout(config.resid_pdrop)
        scale = 1.0 / math.sqrt(self.head_dim) if config.scale_attn_weights else 1.0
        if config.scale_attn_by_inverse_layer_idx:
            scale /= layer_idx + 1
        self.scale = scale

    def forward(self, hidden: Tensor, cache: KVCache | None, attention_mask: Tensor | None) -> Tensor:
        batch, length, width = hidden.shape
        qkv = self.c_attn(hidden).view(batch, length, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]                 # (batch, heads, length, head_dim)
        if cache is not None:
            key, value = cache.update(self.layer_idx, key, value)
        key_len = key.shape[2]
        mask = causal_mask(length, key_len, hidden.device, attention_mask)
        context = F.scaled_dot_product_attention(
            query, key, value, attn_mask=mask, dropout_p=self.attn_dropout_p if self.training else 0.0,
            scale=self.scale)
        context = context.transpose(1, 2).reshape(batch, length, width)
        return self.resid_dropout(self.c_proj(context))


class GPT2MLP(nn.Module):
    """The feed-forward block: ``c_proj(act(c_fc(x)))``, 4x wide unless ``n_inner`` says otherwise."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        inner = config.n_inner or 4 * config.n_embd
        self.c_fc = Conv1D(inner, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, inner)
        self.act = _ACTIVATIONS[config.activation_function]
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class GPT2Block(nn.Module):
    """One pre-norm transformer layer: ``x + attn(ln_1(x))`` then ``x + mlp(ln_2(x))``."""

    def __init__(self, config: GPT2Config, layer_idx: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = GPT2Attention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = GPT2MLP(config)

    def forward(self, x: Tensor, cache: KVCache | None, attention_mask: Tensor | None) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache, attention_mask)
        return x + self.mlp(self.ln_2(x))


class _GPT2Pretrained(nn.Module):
    """What GPT-2 models share: the config and loading."""

    base_prefix = ""

    def __init__(self, config: GPT2Config | None = None) -> None:
        super().__init__()
        self.config = config if config is not None else GPT2Config()

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike) -> "_GPT2Pretrained":
        """The model in a Hugging Face directory (``config.json`` and ``model.safetensors``), in eval mode."""
        config = GPT2Config.from_pretrained(model_dir)
        tensors = read_safetensors(model_dir)
        model = cls(config)
        load_pretrained_weights(model, tensors, cls.base_prefix,
                                ignored_suffixes=(".attn.bias", ".attn.masked_bias"),
                                tied={"lm_head.weight": "transformer.wte.weight"})
        return model.eval()


class GPT2Model(_GPT2Pretrained):
    """The GPT-2 transformer without a head: token and position embeddings, ``n_layer`` blocks and a
    final LayerNorm.

    Args:
        config: a :class:`GPT2Config`.

    Shape:
        - input_ids: (batch, length) int64. Output: (batch, length, n_embd).

    Example::

        >>> model = GPT2Model(GPT2Config(n_layer=2, n_embd=64, n_head=4))
        >>> hidden = model(axonml.tensor([[464, 2068, 7586]]))
    """

    def __init__(self, config: GPT2Config | None = None) -> None:
        super().__init__(config)
        config = self.config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList([GPT2Block(config, index) for index in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        for embedding in (self.wte, self.wpe):
            nn.init.normal_(embedding.weight, std=config.initializer_range)

    def forward(self, input_ids: Tensor, past_key_values: KVCache | None = None, use_cache: bool = False,
                position_offset: int | None = None, attention_mask: Tensor | None = None,
                position_ids: Tensor | None = None) -> Tensor:
        """The last hidden states (batch, length, n_embd). With ``past_key_values`` (a :class:`KVCache`) the
        new keys and values are appended to it and attention covers everything cached; ``use_cache`` is
        accepted for symmetry with the causal models (the caller owns the cache). ``position_ids``
        (batch, length) replace the positions ``position_offset`` counts from (left-padded batches)."""
        if input_ids.ndim != 2:
            raise ValueError(f"GPT2Model: input_ids must be (batch, length), got {list(input_ids.shape)}")
        if position_offset is None:
            position_offset = past_key_values.length if past_key_values is not None else 0
        length = input_ids.shape[1]
        if position_offset + length > self.config.n_positions:
            raise ValueError(f"GPT2Model: {position_offset + length} positions exceed n_positions "
                             f"{self.config.n_positions}")
        if position_ids is not None:
            if tuple(position_ids.shape) != tuple(input_ids.shape):
                raise ValueError(f"GPT2Model: position_ids {list(position_ids.shape)} must match input_ids "
                                 f"{list(input_ids.shape)}")
            positions = position_ids
        else:
            positions = arange(position_offset, position_offset + length, device=input_ids.device)
        x = self.drop(self.wte(input_ids) + self.wpe(positions))
        for block in self.h:
            x = block(x, past_key_values, attention_mask)
        return self.ln_f(x)


class GPT2LMHeadModel(_GPT2Pretrained, GenerationMixin):
    """GPT-2 with its language-modelling head (tied to the token embeddings), for scoring and generation.

    Args:
        config: a :class:`GPT2Config`.

    Shape:
        - input_ids: (batch, length) int64. logits: (batch, length, vocab_size).

    Example::

        >>> model = GPT2LMHeadModel.from_pretrained("gpt2")                 # doctest: +SKIP
        >>> out = model.generate(axonml.tensor([[464, 2068]]), max_new_tokens=20)
    """

    base_prefix = "transformer."

    def __init__(self, config: GPT2Config | None = None) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(self.config)
        self.lm_head = nn.Linear(self.config.n_embd, self.config.vocab_size, bias=False)
        if self.config.tie_word_embeddings:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids: Tensor, past_key_values: KVCache | None = None, use_cache: bool = False,
                position_offset: int | None = None, attention_mask: Tensor | None = None,
                labels: Tensor | None = None, logits_to_keep: int = 0,
                position_ids: Tensor | None = None) -> CausalLMOutput:
        """Next-token logits of every position (of the last ``logits_to_keep`` only, when it is positive:
        generation needs just the last, and the head is the largest product); with ``labels`` (usually
        ``input_ids``; -100 is ignored) also ``loss``, the cross entropy of each position's prediction
        against the following label."""
        if use_cache and past_key_values is None:
            past_key_values = self.make_cache(input_ids.shape[0])
        hidden = self.transformer(input_ids, past_key_values if use_cache else None, position_offset=position_offset,
                                  attention_mask=attention_mask, position_ids=position_ids)
        if 0 < logits_to_keep < hidden.shape[1] and labels is None:
            hidden = hidden[:, hidden.shape[1] - logits_to_keep:]
        logits = self.lm_head(hidden)
        output = CausalLMOutput(logits, past_key_values if use_cache else None)
        if labels is not None:
            vocab = logits.shape[-1]
            output.loss = F.cross_entropy(logits[:, :-1, :].reshape(-1, vocab), labels[:, 1:].reshape(-1),
                                          ignore_index=-100)
        return output
