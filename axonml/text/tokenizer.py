"""Tokenizer: the pipeline normalizer -> pre-tokenizer -> model -> post-processor, and its decoder,
stored as a Hugging Face ``tokenizer.json`` so that files move both ways with the ``tokenizers`` library.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Iterable

import regex

from ._io import atomic_write_text, read_json
from ._model import Model
from .bpe import BPE
from .decoders import Decoder, decoder_from_json
from .normalizers import Normalizer, normalizer_from_json
from .pre_tokenizers import PreTokenizer, pre_tokenizer_from_json
from .processors import PostProcessor, post_processor_from_json
from .unigram import Unigram
from .wordpiece import WordPiece

__all__ = ["AddedToken", "Tokenizer"]

_MODELS = {"BPE": BPE, "WordPiece": WordPiece, "Unigram": Unigram}


@dataclass(frozen=True)
class AddedToken:
    """A token matched verbatim in the text before the model sees it (special tokens such as ``[CLS]``).

    Args:
        content: the token's text.
        special: skipped by ``decode(skip_special_tokens=True)``.
        lstrip, rstrip: the match swallows the whitespace on its left / right.
        normalized: kept for the file format; matching is always on the raw text here.
        single_word: kept for the file format.
    """

    content: str
    special: bool = True
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool = False
    single_word: bool = False


class Tokenizer:
    """Text to ids and back through a configurable pipeline (the ``tokenizers`` library's ``Tokenizer``).

    Encoding first splits out the added tokens, then normalizes each remaining span, pre-tokenizes
    it into pieces and encodes every piece with the model; the post-processor then adds the special
    tokens. Decoding maps ids to tokens and joins them with the decoder.

    Args:
        model: a :class:`~axonml.text.BPE`, :class:`~axonml.text.WordPiece` or :class:`~axonml.text.Unigram`.
        normalizer, pre_tokenizer, post_processor, decoder: the pipeline's other stages (``None``: none).

    Example::

        >>> tok = Tokenizer.from_file("tokenizer.json")        # doctest: +SKIP
        >>> ids = tok.encode("Hello world")                     # doctest: +SKIP
        >>> tok.decode(ids)                                     # doctest: +SKIP
        'Hello world'
    """

    def __init__(self, model: Model, normalizer: Normalizer | None = None,
                 pre_tokenizer: PreTokenizer | None = None, post_processor: PostProcessor | None = None,
                 decoder: Decoder | None = None) -> None:
        self.model = model
        self.normalizer = normalizer
        self.pre_tokenizer = pre_tokenizer
        self.post_processor = post_processor
        self.decoder = decoder
        self._added: dict[str, tuple[AddedToken, int]] = {}
        self._added_by_id: dict[int, AddedToken] = {}
        self._split_pattern = None
        self._split_contents: list[str] = []
        # a file's truncation and padding settings, written back unchanged (encode does not apply them)
        self._file_settings: dict[str, Any] = {"truncation": None, "padding": None}

    # ----- vocabulary -----------------------------------------------------------------------------
    def add_tokens(self, tokens: Iterable[str | AddedToken], special: bool = False) -> int:
        """Add tokens matched verbatim; those not in the model's vocabulary get new ids after it.

        Returns the number of tokens that were new.
        """
        added = 0
        for token in tokens:
            if isinstance(token, str):
                token = AddedToken(token, special=special)
            if not isinstance(token, AddedToken) or not token.content:
                raise ValueError(f"an added token must be a non-empty str or AddedToken, got {token!r}")
            if token.content in self._added:
                continue
            token_id = self.model.token_to_id(token.content)
            if token_id is None:
                token_id = self.get_vocab_size()
            self._register(token, token_id)
            added += 1
        return added

    def add_special_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        return self.add_tokens(tokens, special=True)

    def _register(self, token: AddedToken, token_id: int) -> None:
        if token_id in self._added_by_id and self._added_by_id[token_id].content != token.content:
            raise ValueError(f"added tokens {self._added_by_id[token_id].content!r} and {token.content!r} "
                             f"share id {token_id}")
        self._added[token.content] = (token, token_id)
        self._added_by_id[token_id] = token
        # longest first, so that "<|endoftext|>" wins over a token that is a prefix of it; group i+1 is token i
        self._split_contents = sorted(self._added, key=len, reverse=True)
        self._split_pattern = regex.compile("|".join(
            (r"\s*" if self._added[c][0].lstrip else "") + f"({regex.escape(c)})"
            + (r"\s*" if self._added[c][0].rstrip else "") for c in self._split_contents))

    def token_to_id(self, token: str) -> int | None:
        if token in self._added:
            return self._added[token][1]
        return self.model.token_to_id(token)

    def id_to_token(self, token_id: int) -> str | None:
        added = self._added_by_id.get(token_id)
        return added.content if added is not None else self.model.id_to_token(token_id)

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        vocab = self.model.get_vocab()
        if with_added_tokens:
            vocab.update({content: token_id for content, (_, token_id) in self._added.items()})
        return vocab

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        size = self.model.get_vocab_size()
        if with_added_tokens and self._added_by_id:
            size = max(size, max(self._added_by_id) + 1)
        return size

    @property
    def special_tokens(self) -> list[str]:
        return [content for content, (token, _) in self._added.items() if token.special]

    # ----- encoding -------------------------------------------------------------------------------
    def pre_tokenize(self, text: str) -> list[str]:
        """The pieces the model encodes (normalized and pre-tokenized), added tokens excluded."""
        if self.normalizer is not None:
            text = self.normalizer(text)
        if self.pre_tokenizer is None:
            return [text] if text else []
        return self.pre_tokenizer.split(text)

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """The ids of ``text``; ``add_special_tokens`` applies the post-processor (``[CLS] ... [SEP]``)."""
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        ids: list[int] = []
        tokenize = self.model.tokenize
        for span, added_id in self._split_added(text):
            if added_id is not None:
                ids.append(added_id)
                continue
            for piece in self.pre_tokenize(span):
                ids.extend(tokenize(piece))
        if add_special_tokens and self.post_processor is not None:
            ids = self.post_processor.process(ids)[0]
        return ids

    def encode_batch(self, texts: Iterable[str], add_special_tokens: bool = True) -> list[list[int]]:
        return [self.encode(text, add_special_tokens) for text in texts]

    def tokenize(self, text: str) -> list[str]:
        """The token strings of ``text``, without the post-processor's special tokens."""
        return [self.id_to_token(i) for i in self.encode(text, add_special_tokens=False)]

    def _split_added(self, text: str) -> list[tuple[str, int | None]]:
        if self._split_pattern is None:
            return [(text, None)]
        spans: list[tuple[str, int | None]] = []
        start = 0
        for match in self._split_pattern.finditer(text):
            if match.start() > start:
                spans.append((text[start:match.start()], None))
            spans.append((match.group(), self._added[self._split_contents[match.lastindex - 1]][1]))
            start = match.end()
        if start < len(text):
            spans.append((text[start:], None))
        return spans

    # ----- decoding -------------------------------------------------------------------------------
    def decode(self, ids: Iterable[int], skip_special_tokens: bool = True) -> str:
        """The text of ``ids``; ids of special tokens are dropped when ``skip_special_tokens``."""
        tokens = []
        for token_id in ids:
            token_id = int(token_id)
            added = self._added_by_id.get(token_id)
            if added is not None and added.special and skip_special_tokens:
                continue
            token = self.id_to_token(token_id)
            if token is None:
                raise IndexError(f"token id {token_id} is out of range for a vocabulary of "
                                 f"{self.get_vocab_size()} tokens")
            tokens.append(token)
        if self.decoder is None:
            return " ".join(tokens)
        return self.decoder(tokens)

    def decode_batch(self, sequences: Iterable[Iterable[int]], skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    # ----- files ----------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        added = [{"id": token_id, "content": token.content, "single_word": token.single_word,
                  "lstrip": token.lstrip, "rstrip": token.rstrip, "normalized": token.normalized,
                  "special": token.special}
                 for token, token_id in sorted(self._added.values(), key=lambda item: item[1])]
        return {"version": "1.0", **self._file_settings, "added_tokens": added,
                "normalizer": self.normalizer.to_json() if self.normalizer is not None else None,
                "pre_tokenizer": self.pre_tokenizer.to_json() if self.pre_tokenizer is not None else None,
                "post_processor": self.post_processor.to_json() if self.post_processor is not None else None,
                "decoder": self.decoder.to_json() if self.decoder is not None else None,
                "model": self.model.to_json()}

    def to_str(self, pretty: bool = False) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2 if pretty else None)

    def save(self, path: str | os.PathLike, pretty: bool = True) -> None:
        """Write the tokenizer as a Hugging Face ``tokenizer.json`` (atomically)."""
        atomic_write_text(path, self.to_str(pretty))

    @classmethod
    def from_json(cls, spec: dict, where: str = "tokenizer.json") -> "Tokenizer":
        if not isinstance(spec, dict) or not isinstance(spec.get("model"), dict):
            raise ValueError(f"{where}: not a tokenizer.json (no 'model' object)")
        model_spec = spec["model"]
        kind = model_spec.get("type")
        if kind is None:  # older files leave the type out; the fields tell it
            kind = ("BPE" if "merges" in model_spec else "Unigram" if isinstance(model_spec.get("vocab"), list)
                    else "WordPiece")
        if kind not in _MODELS:
            raise ValueError(f"{where}: unsupported model type {kind!r}; supported: {sorted(_MODELS)}")
        try:
            model = _MODELS[kind].from_json(model_spec)
            tokenizer = cls.__new__(cls)
            Tokenizer.__init__(tokenizer, model, normalizer_from_json(spec.get("normalizer")),
                               pre_tokenizer_from_json(spec.get("pre_tokenizer")),
                               post_processor_from_json(spec.get("post_processor")),
                               decoder_from_json(spec.get("decoder")))
            tokenizer._file_settings = {"truncation": spec.get("truncation"), "padding": spec.get("padding")}
            for entry in spec.get("added_tokens") or []:
                if not isinstance(entry, dict) or not isinstance(entry.get("content"), str) \
                        or type(entry.get("id")) is not int:
                    raise ValueError(f"bad added token {entry!r}")
                token = AddedToken(entry["content"], bool(entry.get("special", False)),
                                   bool(entry.get("lstrip", False)), bool(entry.get("rstrip", False)),
                                   bool(entry.get("normalized", False)), bool(entry.get("single_word", False)))
                tokenizer._register(token, entry["id"])
        except (KeyError, TypeError, AttributeError, regex.error, RecursionError) as error:
            raise ValueError(f"{where}: malformed tokenizer.json: {error!r}") from None
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        return tokenizer

    @classmethod
    def from_str(cls, text: str) -> "Tokenizer":
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON: {error}") from None
        return cls.from_json(spec, "<string>")

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Tokenizer":
        """Read a Hugging Face ``tokenizer.json``; unsupported or malformed parts raise ``ValueError``."""
        return cls.from_json(read_json(path), os.fspath(path))

    load = from_file

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={type(self.model).__name__}, vocab_size={self.get_vocab_size()})"
