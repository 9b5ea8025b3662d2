"""Text generation shared by every causal language model: the KV cache, the model output, the logits
processors (Hugging Face's definitions) and :class:`GenerationMixin.generate`.

The forward contract a causal model keeps so that :meth:`GenerationMixin.generate` can drive it::

    def forward(self, input_ids, past_key_values=None, use_cache=False, position_offset=None,
                attention_mask=None) -> CausalLMOutput

- ``input_ids``: an int64 Tensor (batch, new_len), the tokens not yet seen by the cache.
- ``past_key_values``: a :class:`KVCache` or None. With a cache, each attention layer ``i`` calls
  ``k_all, v_all = cache.update(i, k, v)`` with this step's keys and values (batch, num_kv_heads,
  new_len, head_dim) and attends over ``k_all, v_all``; the causal mask between the new queries and
  all cached keys is :func:`causal_mask` (bottom-right aligned). ``update`` of the last layer
  advances ``cache.length`` by ``new_len``: a forward never calls :meth:`KVCache.advance` itself.
- ``use_cache``: when True and no cache is given, the model makes one with :meth:`make_cache`
  (sized to its maximum context) and returns it in ``past_key_values``.
- ``position_offset``: the position of ``input_ids[:, 0]``; None means ``cache.length`` with a
  cache and 0 without. Positions (learned embeddings, rotary angles) start there.
- ``attention_mask``: optional (batch, total_len) with 1 for real tokens and 0 for padding; models
  may reject it.
- The result's ``logits`` are (batch, new_len, vocab); ``past_key_values`` is the cache (or None).
- Optionally ``logits_to_keep``: when positive, only the last that many positions' logits are
  computed; ``generate`` passes 1 to a forward that has the parameter.
- Optionally ``position_ids`` (batch, new_len): each token's position, overriding
  ``position_offset``; ``generate`` passes them, counted over the real tokens of a left-padded
  ``attention_mask`` as transformers does, to a forward that has the parameter.

A model also says how big its cache is, by overriding :meth:`GenerationMixin.cache_shape` or by a
``config`` with ``num_hidden_layers``, ``num_attention_heads``, ``hidden_size`` and optionally
``num_key_value_heads``, ``head_dim`` and ``max_position_embeddings``.
"""
from __future__ import annotations

import inspect
from typing import Callable, Sequence

import numpy as np

from .._dtype import float32
from ..autograd import no_grad
from ..creation import from_numpy, zeros
from ..tensor import Tensor

__all__ = ["KVCache", "CausalLMOutput", "GenerationMixin", "causal_mask", "RepetitionPenaltyLogitsProcessor",
           "TemperatureLogitsWarper", "TopKLogitsWarper", "TopPLogitsWarper"]


class KVCache:
    """Preallocated per-layer key and value buffers for incremental decoding.

    Each layer owns two (batch, num_kv_heads, max_length, head_dim) buffers. :meth:`update` writes the
    new positions in place and returns views of everything cached so far, so a step costs its own
    tokens, never a copy of the prefix. ``length`` (positions cached) advances when the last layer
    is updated, once per forward.

    Args:
        num_layers: attention layers in the model.
        batch: sequences decoded together.
        num_kv_heads: key/value heads per layer (fewer than query heads under grouped-query attention).
        head_dim: features per head.
        max_length: positions the buffers hold (prompt plus new tokens).
        dtype, device: of the buffers; the model's.

    Example::

        >>> cache = KVCache(num_layers=2, batch=1, num_kv_heads=4, head_dim=64, max_length=128)
        >>> k_all, v_all = cache.update(0, k, v)      # k, v: (1, 4, new_len, 64)
    """

    def __init__(self, num_layers: int, batch: int, num_kv_heads: int, head_dim: int, max_length: int,
                 dtype=float32, device=None) -> None:
        for name, value in (("num_layers", num_layers), ("batch", batch), ("num_kv_heads", num_kv_heads),
                            ("head_dim", head_dim), ("max_length", max_length)):
            if int(value) < 1:
                raise ValueError(f"KVCache: {name} must be positive, got {value}")
        self.num_layers, self.batch, self.num_kv_heads = int(num_layers), int(batch), int(num_kv_heads)
        self.head_dim, self.max_length = int(head_dim), int(max_length)
        shape = (self.batch, self.num_kv_heads, self.max_length, self.head_dim)
        self.keys = [zeros(*shape, dtype=dtype, device=device) for _ in range(self.num_layers)]
        self.values = [zeros(*shape, dtype=dtype, device=device) for _ in range(self.num_layers)]
        self.length = 0

    def update(self, layer: int, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        """Append this step's ``key``, ``value`` (batch, num_kv_heads, new_len, head_dim) to ``layer`` and
        return views of all its cached keys and values (batch, num_kv_heads, length + new_len, head_dim)."""
        if not 0 <= layer < self.num_layers:
            raise IndexError(f"KVCache: layer {layer} out of range for {self.num_layers} layers")
        expected = (self.batch, self.num_kv_heads)
        if tuple(key.shape[:2]) != expected or key.shape[3] != self.head_dim or tuple(value.shape) != tuple(key.shape):
            raise ValueError(f"KVCache.update: expected key and value of shape ({self.batch}, {self.num_kv_heads}, "
                             f"new_len, {self.head_dim}), got {list(key.shape)} and {list(value.shape)}")
        start = self.length
        end = start + key.shape[2]
        if end > self.max_length:
            raise RuntimeError(f"KVCache: {end} positions exceed the cache's max_length {self.max_length}")
        self.keys[layer][:, :, start:end] = key
        self.values[layer][:, :, start:end] = value
        if layer == self.num_layers - 1:
            self.length = end
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def advance(self, n: int) -> None:
        """Move ``length`` on by ``n`` positions, for a model that writes the buffers itself."""
        if self.length + n > self.max_length or n < 0:
            raise RuntimeError(f"KVCache: cannot advance {self.length} by {n} within max_length {self.max_length}")
        self.length += n

    def reset(self) -> None:
        """Forget every cached position (the buffers are kept for reuse)."""
        self.length = 0

    def __repr__(self) -> str:
        return (f"KVCache(num_layers={self.num_layers}, batch={self.batch}, num_kv_heads={self.num_kv_heads}, "
                f"head_dim={self.head_dim}, length={self.length}, max_length={self.max_length})")


class CausalLMOutput:
    """What a causal model's forward returns: ``logits`` (batch, seq, vocab), ``past_key_values``
    (the :class:`KVCache`, or None without one) and ``loss`` (when the forward was given labels)."""

    __slots__ = ("logits", "past_key_values", "loss")

    def __init__(self, logits: Tensor, past_key_values: KVCache | None = None, loss: Tensor | None = None) -> None:
        self.logits = logits
        self.past_key_values = past_key_values
        self.loss = loss

    def __repr__(self) -> str:
        return f"CausalLMOutput(logits={list(self.logits.shape)}, past_key_values={self.past_key_values!r})"


def causal_mask(query_len: int, key_len: int, device=None, attention_mask: Tensor | None = None) -> Tensor | None:
    """The boolean attention mask (True = attend) of ``query_len`` new queries over ``key_len`` keys, the
    queries being the last ``query_len`` positions (bottom-right aligned, as with a KV cache).

    Without padding, a single query sees every key and None is returned (no mask to apply).
    ``attention_mask`` (batch, key_len), 1 for tokens and 0 for padding, masks padded keys too; the
    result is then (batch, 1, query_len, key_len), else (query_len, key_len).
    """
    if key_len < query_len:
        raise ValueError(f"causal_mask: {query_len} queries cannot follow only {key_len} keys")
    if attention_mask is not None:
        padding = np.asarray(attention_mask.cpu().numpy() if isinstance(attention_mask, Tensor) else attention_mask)
        if padding.ndim != 2 or padding.shape[1] != key_len:
            raise ValueError(f"attention_mask must be (batch, {key_len}), got {list(padding.shape)}")
    elif query_len == 1:
        return None
    offset = key_len - query_len
    allowed = np.arange(key_len)[None, :] <= (offset + np.arange(query_len))[:, None]
    if attention_mask is not None:
        allowed = allowed[None, None, :, :] & (padding != 0)[:, None, None, :]
    return from_numpy(np.ascontiguousarray(allowed)).to(device) if device is not None else from_numpy(allowed)


# --- logits processors: Hugging Face's definitions, on (batch, vocab) float arrays ----------------------------

class RepetitionPenaltyLogitsProcessor:
    """Discourage tokens already in the sequence (CTRL, Keskar et al. 2019): their score is divided by
    ``penalty`` when positive and multiplied by it when negative."""

    def __init__(self, penalty: float) -> None:
        if not penalty > 0:
            raise ValueError(f"repetition_penalty must be a strictly positive float, got {penalty}")
        self.penalty = float(penalty)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        rows = np.arange(scores.shape[0])[:, None]
        seen = scores[rows, input_ids]
        scores = scores.copy()
        scores[rows, input_ids] = np.where(seen < 0, seen * self.penalty, seen / self.penalty)
        return scores


class TemperatureLogitsWarper:
    """Divide the scores by ``temperature``: below 1 sharpens the distribution, above 1 flattens it."""

    def __init__(self, temperature: float) -> None:
        if not temperature > 0:
            raise ValueError(f"temperature must be a strictly positive float, got {temperature}")
        self.temperature = float(temperature)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return scores / np.asarray(self.temperature, dtype=scores.dtype)


class TopKLogitsWarper:
    """Keep the ``top_k`` highest scores (ties with the k-th included), set the others to ``filter_value``."""

    def __init__(self, top_k: int, filter_value: float = -float("inf"), min_tokens_to_keep: int = 1) -> None:
        if not isinstance(top_k, (int, np.integer)) or top_k <= 0:
            raise ValueError(f"top_k must be a strictly positive integer, got {top_k}")
        self.top_k = max(int(top_k), min_tokens_to_keep)
        self.filter_value = filter_value

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        cut = scores.shape[-1] - min(self.top_k, scores.shape[-1])     # the k-th largest sits here once partitioned
        kth = np.partition(scores, cut, axis=-1)[:, cut:cut + 1]
        return np.where(scores < kth, np.asarray(self.filter_value, dtype=scores.dtype), scores)


class TopPLogitsWarper:
    """Nucleus sampling (Holtzman et al. 2019): keep the smallest set of most likely tokens whose
    probabilities add up to more than ``top_p``, set the others to ``filter_value``."""

    def __init__(self, top_p: float, filter_value: float = -float("inf"), min_tokens_to_keep: int = 1) -> None:
        top_p = float(top_p)
        if not 0 < top_p <= 1:
            raise ValueError(f"top_p must be a float in (0, 1], got {top_p}")
        self.top_p, self.filter_value, self.min_tokens_to_keep = top_p, filter_value, int(min_tokens_to_keep)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        order = np.argsort(scores, axis=-1, kind="stable")          # ascending, as transformers sorts
        sorted_scores = np.take_along_axis(scores, order, axis=-1)
        cumulative = np.cumsum(_softmax(sorted_scores), axis=-1)
        remove_sorted = cumulative <= (1 - self.top_p)
        remove_sorted[:, -self.min_tokens_to_keep:] = False
        remove = np.zeros_like(remove_sorted)
        np.put_along_axis(remove, order, remove_sorted, axis=-1)
        return np.where(remove, np.asarray(self.filter_value, dtype=scores.dtype), scores)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def _processors(do_sample, temperature, top_k, top_p, repetition_penalty) -> list:
    """The processors transformers' generate would build, in its order: the penalty always, the warpers
    only when sampling."""
    processors = []
    if repetition_penalty is not None and repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(repetition_penalty))
    if do_sample:
        if temperature is not None and temperature != 1.0:
            processors.append(TemperatureLogitsWarper(temperature))
        if top_k is not None and top_k != 0:
            processors.append(TopKLogitsWarper(top_k))
        if top_p is not None and top_p < 1.0:
            processors.append(TopPLogitsWarper(top_p))
    return processors


def _as_ids(input_ids) -> np.ndarray:
    ids = np.asarray(input_ids.cpu().numpy() if isinstance(input_ids, Tensor) else input_ids)
    if ids.ndim == 1:
        ids = ids[None, :]
    if ids.ndim != 2 or ids.shape[1] == 0 or ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"input_ids must be a non-empty (batch, length) array of token ids, got shape "
                         f"{list(ids.shape)} and dtype {ids.dtype}")
    return ids.astype(np.int64)


def _eos_set(eos_token_id) -> np.ndarray | None:
    if eos_token_id is None:
        return None
    ids = [eos_token_id] if isinstance(eos_token_id, (int, np.integer)) else list(eos_token_id)
    return np.asarray(ids, dtype=np.int64)


class GenerationMixin:
    """``generate`` for a causal language model whose forward keeps the contract in this module's docstring."""

    def cache_shape(self) -> tuple[int, int, int, int]:
        """(num_layers, num_kv_heads, head_dim, max_length) of this model's KV cache, read from ``config``."""
        config = self.config
        heads = config.num_attention_heads
        kv_heads = getattr(config, "num_key_value_heads", None) or heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
        return config.num_hidden_layers, kv_heads, head_dim, config.max_position_embeddings

    def make_cache(self, batch: int, max_length: int | None = None) -> KVCache:
        """An empty :class:`KVCache` for ``batch`` sequences of up to ``max_length`` positions (the model's
        context length by default), on the model's device and in its dtype."""
        num_layers, kv_heads, head_dim, context = self.cache_shape()
        if max_length is None:
            max_length = context
        elif context is not None and max_length > context:
            raise ValueError(f"{type(self).__name__}: {max_length} positions exceed the model's context of "
                             f"{context}")
        reference = next(iter(self.parameters()), None)
        dtype = reference.dtype if reference is not None and reference.is_floating_point() else float32
        device = reference.device if reference is not None else None
        return KVCache(num_layers, batch, kv_heads, head_dim, max_length, dtype=dtype, device=device)

    def generate(self, input_ids, max_new_tokens: int = 20, do_sample: bool = False, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, repetition_penalty: float = 1.0,
                 eos_token_id: int | Sequence[int] | None = None, seed: int | None = None,
                 streamer: Callable | None = None, use_cache: bool = True, pad_token_id: int | None = None,
                 attention_mask=None) -> Tensor:
        """Continue ``input_ids`` by up to ``max_new_tokens`` tokens.

        Greedy (``do_sample=False``) takes the most likely token after the repetition penalty and is
        deterministic; sampling draws from the distribution shaped by temperature, top-k and top-p
        (transformers' processors, in its order), reproducibly for a given ``seed``. With the cache each
        new token costs one position; ``use_cache=False`` recomputes the whole sequence every step (same
        tokens, for checking).

        Args:
            input_ids: the prompt, (batch, length) or (length,) token ids (Tensor, array or lists).
            max_new_tokens: tokens to add at most.
            do_sample: sample instead of taking the argmax.
            temperature, top_k, top_p: the sampling warpers (ignored when greedy, as in transformers).
            repetition_penalty: > 1 discourages tokens already in the sequence.
            eos_token_id: a token id (or ids) that ends a sequence; finished sequences are padded with
                ``pad_token_id`` (the first eos by default) until all have finished.
            seed: seeds the sampler.
            streamer: called with each new token as it is produced: an int for one sequence, a list
                of ints (one per sequence) for a batch. An object with ``end()`` has it called at the end.
            use_cache: decode incrementally with a :class:`KVCache`.
            attention_mask: (batch, length), 0 where a prompt is (left-)padded: a batch of prompts of
                different lengths. Padding is masked out of attention and, when the model takes
                ``position_ids``, left out of the positions.

        Returns:
            the int64 Tensor (batch, length + generated) of prompt and new tokens.

        Example::

            >>> out = model.generate(tokenizer.encode("Hello"), max_new_tokens=16)
        """
        if max_new_tokens < 0:
            raise ValueError(f"max_new_tokens must be non-negative, got {max_new_tokens}")
        ids = _as_ids(input_ids)
        processors = _processors(do_sample, temperature, top_k, top_p, repetition_penalty)
        eos = _eos_set(eos_token_id)
        if pad_token_id is None and eos is not None:
            pad_token_id = int(eos[0])
        rng = np.random.default_rng(seed)
        batch, prompt_len = ids.shape
        finished = np.zeros(batch, dtype=bool)
        device = self._generation_device()
        cache = self.make_cache(batch, prompt_len + max_new_tokens) if use_cache and max_new_tokens else None
        step_input = ids
        keep_last = {"logits_to_keep": 1} if _accepts(self.forward, "logits_to_keep") else {}
        padding = _as_mask(attention_mask, ids.shape)
        counts_positions = padding is not None and _accepts(self.forward, "position_ids")
        with no_grad():
            for _ in range(max_new_tokens):
                extra = dict(keep_last)
                if padding is not None:
                    extra["attention_mask"] = _to(from_numpy(np.ascontiguousarray(padding)), device)
                    if counts_positions:
                        positions = np.where(padding == 0, 1, np.cumsum(padding, axis=1) - 1)
                        extra["position_ids"] = _to(from_numpy(np.ascontiguousarray(
                            positions[:, -step_input.shape[1]:])), device)
                tensor_ids = _to(from_numpy(np.ascontiguousarray(step_input)), device)
                output = self(tensor_ids, past_key_values=cache, use_cache=cache is not None, **extra)
                scores = output.logits[:, -1, :].cpu().numpy().astype(np.float32)
                for processor in processors:
                    scores = processor(ids, scores)
                if do_sample:
                    next_tokens = _sample(_softmax(scores.astype(np.float64)), rng)
                else:
                    next_tokens = scores.argmax(axis=-1)
                if eos is not None:
                    next_tokens = np.where(finished, pad_token_id, next_tokens)
                ids = np.concatenate([ids, next_tokens[:, None].astype(np.int64)], axis=1)
                if streamer is not None:
                    streamer(int(next_tokens[0]) if batch == 1 else [int(t) for t in next_tokens])
                if eos is not None:
                    finished |= np.isin(next_tokens, eos)
                    if finished.all():
                        break
                step_input = ids[:, -1:] if cache is not None else ids
                if padding is not None:
                    padding = np.concatenate([padding, np.ones((batch, 1), dtype=np.int64)], axis=1)
        if streamer is not None and hasattr(streamer, "end"):
            streamer.end()
        result = from_numpy(ids)
        return result.to(device) if device is not None else result

    def _generation_device(self):
        reference = next(iter(self.parameters()), None)
        if reference is None or reference.device.type == "cpu":
            return None
        return reference.device


def _to(tensor: Tensor, device) -> Tensor:
    return tensor if device is None else tensor.to(device)


def _as_mask(attention_mask, shape) -> np.ndarray | None:
    """The (batch, length) 0/1 int64 prompt mask, or None when there is none or nothing is padded."""
    if attention_mask is None:
        return None
    mask = np.asarray(attention_mask.cpu().numpy() if isinstance(attention_mask, Tensor) else attention_mask)
    if mask.ndim == 1:
        mask = mask[None, :]
    if mask.shape != tuple(shape):
        raise ValueError(f"attention_mask must have input_ids' shape {list(shape)}, got {list(mask.shape)}")
    mask = (mask != 0).astype(np.int64)
    if not mask[:, -1].all():
        raise ValueError("attention_mask: generation continues after each prompt's last token, so pad on the "
                         "left (the last column must be all ones)")
    return None if mask.all() else mask


def _accepts(function, name: str) -> bool:
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token per row, drawn from its probabilities (inverse CDF on one uniform per row)."""
    cumulative = np.cumsum(probabilities, axis=-1)
    draws = rng.random(probabilities.shape[0]) * cumulative[:, -1]
    tokens = np.array([np.searchsorted(row, draw, side="right") for row, draw in zip(cumulative, draws)])
    return np.minimum(tokens, probabilities.shape[-1] - 1)
