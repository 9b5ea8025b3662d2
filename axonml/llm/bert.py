"""BERT (Devlin et al. 2019) with Hugging Face's module and state-dict names, so a ``config.json`` and
``model.safetensors`` saved by transformers (or sentence-transformers) load unchanged; the sequence
classification and masked-LM heads; and sentence embeddings by mean pooling.

Example::

    >>> from axonml.text import BertTokenizer
    >>> tokenizer = BertTokenizer.from_pretrained(model_dir)                   # doctest: +SKIP
    >>> model = BertModel.from_pretrained(model_dir)                           # doctest: +SKIP
    >>> embeddings = encode_sentences(model, tokenizer, ["A sentence.", "Another one."])  # (2, hidden)
"""
from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..creation import arange, from_numpy, zeros
from ..nn import functional as F
from ..tensor import Tensor
from ._pretrained import load_pretrained_weights, read_config, read_safetensors

__all__ = ["BertConfig", "BertModel", "BertForSequenceClassification", "BertForMaskedLM", "BertModelOutput",
           "SequenceClassifierOutput", "MaskedLMOutput", "mean_pooling", "encode_sentences"]


class BertConfig:
    """BERT's hyper-parameters, with transformers' names and defaults (bert-base-uncased).

    ``num_labels`` is read from ``id2label`` when config.json has one.

    Example::

        >>> config = BertConfig(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512)
        >>> config = BertConfig.from_pretrained(model_dir)               # doctest: +SKIP
    """

    _fields = {
        "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
        "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "position_embedding_type": "absolute", "classifier_dropout": None, "problem_type": None,
        "num_labels": 2,
    }

    def __init__(self, **kwargs: Any) -> None:
        id2label = kwargs.pop("id2label", None)
        kwargs.pop("label2id", None)
        if id2label and "num_labels" not in kwargs:
            kwargs["num_labels"] = len(id2label)
        for name, default in self._fields.items():
            setattr(self, name, kwargs.pop(name, default))
        self.id2label = {int(k): v for k, v in id2label.items()} if id2label else \
            {i: f"LABEL_{i}" for i in range(self.num_labels)}
        self.extra = kwargs                       # fields of config.json axonml does not use
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"BertConfig: hidden_size ({self.hidden_size}) must be a multiple of "
                             f"num_attention_heads ({self.num_attention_heads})")
        if self.position_embedding_type != "absolute":
            raise ValueError(f"BertConfig: only absolute position embeddings are supported, got "
                             f"{self.position_embedding_type!r}")
        if self.hidden_act not in _ACTIVATIONS:
            raise ValueError(f"BertConfig: unsupported hidden_act {self.hidden_act!r}; expected one of "
                             f"{sorted(_ACTIVATIONS)}")
        if self.problem_type not in (None, "regression", "single_label_classification",
                                     "multi_label_classification"):
            raise ValueError(f"BertConfig: unknown problem_type {self.problem_type!r}")

    @classmethod
    def from_dict(cls, config: dict) -> "BertConfig":
        model_type = config.get("model_type", "bert")
        if model_type != "bert":
            raise ValueError(f"BertConfig: config.json describes a {model_type!r} model, not bert")
        return cls(**{k: v for k, v in config.items() if k != "model_type"})

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike) -> "BertConfig":
        return cls.from_dict(read_config(model_dir))

    def to_dict(self) -> dict:
        return {"model_type": "bert", **{name: getattr(self, name) for name in self._fields},
                "id2label": {str(k): v for k, v in self.id2label.items()}, **self.extra}

    def __repr__(self) -> str:
        return f"BertConfig({', '.join(f'{k}={getattr(self, k)!r}' for k in self._fields)})"


_ACTIVATIONS = {
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": F.tanh,
}


class BertModelOutput:
    """BertModel's result: ``last_hidden_state`` (batch, length, hidden) and ``pooler_output`` (batch,
    hidden), the tanh-projected first token (None when the model has no pooler)."""

    __slots__ = ("last_hidden_state", "pooler_output")

    def __init__(self, last_hidden_state: Tensor, pooler_output: Tensor | None) -> None:
        self.last_hidden_state, self.pooler_output = last_hidden_state, pooler_output

    def __getitem__(self, index: int):
        return (self.last_hidden_state, self.pooler_output)[index]


class SequenceClassifierOutput:
    """``logits`` (batch, num_labels) and ``loss`` (when labels were given)."""

    __slots__ = ("logits", "loss")

    def __init__(self, logits: Tensor, loss: Tensor | None = None) -> None:
        self.logits, self.loss = logits, loss


class MaskedLMOutput:
    """``logits`` (batch, length, vocab_size) and ``loss`` (when labels were given)."""

    __slots__ = ("logits", "loss")

    def __init__(self, logits: Tensor, loss: Tensor | None = None) -> None:
        self.logits, self.loss = logits, loss


class BertEmbeddings(nn.Module):
    """Word, position and token-type embeddings, summed, layer-normalised and dropped out."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor, position_ids: Tensor) -> Tensor:
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """Multi-head self-attention with separate query, key and value projections (transformers' names)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob

    def _heads(self, x: Tensor) -> Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, hidden: Tensor, mask: Tensor | None) -> Tensor:
        batch, length, width = hidden.shape
        context = F.scaled_dot_product_attention(
            self._heads(self.query(hidden)), self._heads(self.key(hidden)), self._heads(self.value(hidden)),
            attn_mask=mask, dropout_p=self.dropout_p if self.training else 0.0)
        return context.transpose(1, 2).reshape(batch, length, width)


class BertSelfOutput(nn.Module):
    """The attention's output projection and the residual LayerNorm after it."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        setattr(self, "self", BertSelfAttention(config))      # transformers' name: attention.self.query ...
        self.output = BertSelfOutput(config)

    def forward(self, hidden: Tensor, mask: Tensor | None) -> Tensor:
        return self.output(getattr(self, "self")(hidden, mask), hidden)


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = _ACTIVATIONS[config.hidden_act]

    def forward(self, hidden: Tensor) -> Tensor:
        return self.act(self.dense(hidden))


class BertOutput(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertLayer(nn.Module):
    """One post-norm encoder layer: attention, then the feed-forward block, each with a residual LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden: Tensor, mask: Tensor | None) -> Tensor:
        attended = self.attention(hidden, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden: Tensor, mask: Tensor | None) -> Tensor:
        for layer in self.layer:
            hidden = layer(hidden, mask)
        return hidden


class BertPooler(nn.Module):
    """tanh(dense(first token)): the sentence summary the next-sentence objective trained."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden: Tensor) -> Tensor:
        return F.tanh(self.dense(hidden[:, 0]))


class _BertPretrained(nn.Module):
    """What BERT models share: the config, weight initialisation and loading."""

    base_prefix = ""
    ignored_prefixes: tuple = ("cls.",)
    new_prefixes: tuple = ()
    _loading = False                   # set while from_pretrained builds a model whose weights it replaces

    def __init__(self, config: BertConfig | None) -> None:
        super().__init__()
        self.config = config if config is not None else BertConfig()

    def _init_weights(self) -> None:
        """transformers' initialisation: normal(0, initializer_range) weights, zero biases, unit LayerNorms."""
        if _BertPretrained._loading:
            return
        std = self.config.initializer_range
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=std)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike, **config_overrides: Any) -> "_BertPretrained":
        """The model in a Hugging Face directory (``config.json`` and ``model.safetensors``), in eval mode.

        ``config_overrides`` replace config.json's fields (``num_labels=3`` for a new classifier). A task
        head the checkpoint lacks keeps its random initialisation, with a warning, as in transformers.
        """
        config = read_config(model_dir)
        config.update(config_overrides)
        config = BertConfig.from_dict(config)
        tensors = read_safetensors(model_dir)
        _BertPretrained._loading = True
        try:
            model = cls(config)
        finally:
            _BertPretrained._loading = False
        fresh = load_pretrained_weights(model, tensors, cls.base_prefix,
                                        ignored_suffixes=("position_ids",), ignored_prefixes=cls.ignored_prefixes,
                                        new_prefixes=cls.new_prefixes, tied=cls._tied())
        for name in fresh:
            parameter = model.get_parameter(name)
            if name.endswith("bias"):
                nn.init.zeros_(parameter)
            else:
                nn.init.normal_(parameter, std=config.initializer_range)
        return model.eval()

    @classmethod
    def _tied(cls) -> dict:
        return {}


class BertModel(_BertPretrained):
    """The BERT encoder: embeddings, ``num_hidden_layers`` post-norm layers and (optionally) the pooler.

    Args:
        config: a :class:`BertConfig`.
        add_pooling_layer: build the pooler (``pooler_output``).

    Shape:
        - input_ids, attention_mask, token_type_ids: (batch, length).
        - last_hidden_state: (batch, length, hidden_size); pooler_output: (batch, hidden_size).

    Example::

        >>> model = BertModel.from_pretrained(model_dir)                       # doctest: +SKIP
        >>> out = model(batch["input_ids"], attention_mask=batch["attention_mask"])
        >>> out.last_hidden_state.shape
        axonml.Size([2, 7, 384])
    """

    def __init__(self, config: BertConfig | None = None, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = BertEmbeddings(self.config)
        self.encoder = BertEncoder(self.config)
        self.pooler = BertPooler(self.config) if add_pooling_layer else None
        self._init_weights()

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None) -> BertModelOutput:
        if input_ids.ndim != 2:
            raise ValueError(f"BertModel: input_ids must be (batch, length), got {list(input_ids.shape)}")
        batch, length = input_ids.shape
        if length > self.config.max_position_embeddings:
            raise ValueError(f"BertModel: {length} tokens exceed max_position_embeddings "
                             f"{self.config.max_position_embeddings}; truncate the input")
        device = input_ids.device
        if token_type_ids is None:
            token_type_ids = zeros(batch, length, dtype=input_ids.dtype, device=device)
        if position_ids is None:
            position_ids = arange(length, device=device)
        hidden = self.embeddings(input_ids, token_type_ids, position_ids)
        hidden = self.encoder(hidden, _padding_mask(attention_mask, batch, length, device))
        pooled = self.pooler(hidden) if self.pooler is not None else None
        return BertModelOutput(hidden, pooled)


def _padding_mask(attention_mask, batch: int, length: int, device) -> Tensor | None:
    """The (batch, 1, 1, length) boolean key mask of a (batch, length) 1/0 attention mask; None when
    nothing is padded (attention then needs no mask)."""
    if attention_mask is None:
        return None
    mask = np.asarray(attention_mask.cpu().numpy() if isinstance(attention_mask, Tensor) else attention_mask)
    if mask.shape != (batch, length):
        raise ValueError(f"attention_mask must be ({batch}, {length}) like input_ids, got {list(mask.shape)}")
    if mask.all():
        return None
    keys = from_numpy(np.ascontiguousarray((mask != 0)[:, None, None, :]))
    return keys.to(device) if device != keys.device else keys


class BertForSequenceClassification(_BertPretrained):
    """BERT with a linear classifier on the pooled output.

    The loss follows ``config.problem_type`` (inferred as transformers does when unset): mean squared
    error for one label, cross entropy for integer labels, binary cross entropy with logits for
    multi-label float targets.

    Args:
        config: a :class:`BertConfig` (``num_labels`` outputs).

    Shape:
        - logits: (batch, num_labels).

    Example::

        >>> model = BertForSequenceClassification.from_pretrained(model_dir, num_labels=3)   # doctest: +SKIP
        >>> out = model(batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels)
        >>> out.loss.backward()
    """

    base_prefix = "bert."
    new_prefixes = ("classifier.",)

    def __init__(self, config: BertConfig | None = None) -> None:
        super().__init__(config)
        config = self.config
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self._init_weights()

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None, labels: Tensor | None = None) -> SequenceClassifierOutput:
        pooled = self.bert(input_ids, attention_mask, token_type_ids, position_ids).pooler_output
        logits = self.classifier(self.dropout(pooled))
        return SequenceClassifierOutput(logits, None if labels is None else self._loss(logits, labels))

    def _loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        problem = self.config.problem_type
        if problem is None:
            if self.num_labels == 1:
                problem = "regression"
            elif not labels.is_floating_point():
                problem = "single_label_classification"
            else:
                problem = "multi_label_classification"
        if problem == "regression":
            return F.mse_loss(logits.squeeze(-1) if self.num_labels == 1 else logits,
                              labels.squeeze(-1) if self.num_labels == 1 else labels)
        if problem == "single_label_classification":
            return F.cross_entropy(logits.reshape(-1, self.num_labels), labels.reshape(-1))
        return F.binary_cross_entropy_with_logits(logits, labels)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = _ACTIVATIONS[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden: Tensor) -> Tensor:
        return self.LayerNorm(self.act(self.dense(hidden)))


class BertLMPredictionHead(nn.Module):
    """transform, then the decoder onto the vocabulary; ``bias`` is the decoder's bias (one parameter
    under both names, as in transformers)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.bias = self.decoder.bias

    def forward(self, hidden: Tensor) -> Tensor:
        return self.decoder(self.transform(hidden))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, hidden: Tensor) -> Tensor:
        return self.predictions(hidden)


class BertForMaskedLM(_BertPretrained):
    """BERT with its masked-language-modelling head; the decoder shares the word embeddings.

    Args:
        config: a :class:`BertConfig`.

    Shape:
        - logits: (batch, length, vocab_size).

    Example::

        >>> model = BertForMaskedLM.from_pretrained(model_dir)                 # doctest: +SKIP
        >>> logits = model(batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        >>> predicted = logits[0, mask_position].argmax()
    """

    base_prefix = "bert."
    ignored_prefixes = ("cls.seq_relationship.", "bert.pooler.", "pooler.")

    def __init__(self, config: BertConfig | None = None) -> None:
        super().__init__(config)
        self.bert = BertModel(self.config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(self.config)
        self._init_weights()
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    @classmethod
    def _tied(cls) -> dict:
        return {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
                "cls.predictions.decoder.bias": "cls.predictions.bias"}

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None, labels: Tensor | None = None) -> MaskedLMOutput:
        """Vocabulary logits at every position; with ``labels`` (-100 where not masked) also the loss."""
        hidden = self.bert(input_ids, attention_mask, token_type_ids, position_ids).last_hidden_state
        logits = self.cls(hidden)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.reshape(-1, self.config.vocab_size), labels.reshape(-1), ignore_index=-100)
        return MaskedLMOutput(logits, loss)


def mean_pooling(last_hidden_state: Tensor, attention_mask: Tensor | None = None) -> Tensor:
    """The mean of each sequence's hidden states over its real tokens (sentence-transformers' pooling).

    Shape:
        - last_hidden_state: (batch, length, hidden); attention_mask: (batch, length). Output: (batch, hidden).
    """
    if attention_mask is None:
        return last_hidden_state.mean(dim=1)
    weights = attention_mask.to(last_hidden_state.dtype).unsqueeze(-1)
    return (last_hidden_state * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def encode_sentences(model: BertModel, tokenizer, sentences: str | Sequence[str], batch_size: int = 32,
                     normalize: bool = True, max_length: int | None = None) -> Tensor:
    """Sentence embeddings: tokenize, run the encoder, mean-pool over the attention mask and (by default)
    L2-normalise, in batches of ``batch_size`` (all-MiniLM-L6-v2's recipe).

    Returns:
        a (len(sentences), hidden_size) float Tensor.
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    if not sentences:
        raise ValueError("encode_sentences: no sentences given")
    if batch_size < 1:
        raise ValueError(f"encode_sentences: batch_size must be positive, got {batch_size}")
    if max_length is None:
        max_length = model.config.max_position_embeddings
    device = next(iter(model.parameters())).device
    chunks = []
    with no_grad():
        for start in range(0, len(sentences), batch_size):
            batch = tokenizer(list(sentences[start:start + batch_size]), padding=True, truncation=True,
                              max_length=max_length, return_tensors="ax")
            ids, mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
            hidden = model(ids, attention_mask=mask, token_type_ids=batch["token_type_ids"].to(device))
            pooled = mean_pooling(hidden.last_hidden_state, mask)
            chunks.append(F.normalize(pooled, p=2.0, dim=1) if normalize else pooled)
    from ..ops.shape import cat
    return chunks[0] if len(chunks) == 1 else cat(chunks, 0)
