"""Rule-based tokenizers (whitespace, character, word-punctuation, n-gram) with a :class:`Vocab` for the ids."""
from __future__ import annotations

import json
import os
from typing import Any, Iterable

import regex

from ._io import atomic_write_text, read_json
from .vocab import Vocab, build_vocab_from_iterator

__all__ = ["WhitespaceTokenizer", "CharacterTokenizer", "WordPunctTokenizer", "NGramTokenizer"]


class _RuleTokenizer:
    """Shared by the rule-based tokenizers: ``tokenize`` is the rule, the vocabulary maps tokens to ids.

    Args:
        vocab: the token table (``None``: build one with :meth:`train` before encoding).
        lowercase: lower-case the text before splitting.
    """

    _separator = " "

    def __init__(self, vocab: Vocab | None = None, lowercase: bool = False) -> None:
        self.vocab = vocab
        self.lowercase = lowercase

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)

    def tokenize(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise TypeError(f"{type(self).__name__} expects a str, got {type(text).__name__}")
        return self._split(text.lower() if self.lowercase else text)

    def _split(self, text: str) -> list[str]:
        raise NotImplementedError

    def train(self, texts: Iterable[str], min_freq: int = 1, max_tokens: int | None = None,
              specials: Iterable[str] = ("<unk>",), unk_token: str | None = "<unk>") -> Vocab:
        """Build the vocabulary from ``texts``: most frequent tokens first, after the specials.

        Tokens not in the vocabulary then encode as ``unk_token`` (which must be among ``specials``;
        ``None``: encoding an unknown token raises ``RuntimeError``).
        """
        specials = list(specials)
        if unk_token is not None and unk_token not in specials:
            raise ValueError(f"unk_token {unk_token!r} must be one of the specials {specials}")
        self.vocab = build_vocab_from_iterator((self.tokenize(t) for t in texts), min_freq, specials,
                                               max_tokens=max_tokens)
        if unk_token is not None:
            self.vocab.set_default_index(self.vocab[unk_token])
        return self.vocab

    def _require_vocab(self) -> Vocab:
        if self.vocab is None:
            raise RuntimeError(f"{type(self).__name__} has no vocabulary; call train() or pass vocab=")
        return self.vocab

    def encode(self, text: str) -> list[int]:
        return self._require_vocab().lookup_indices(self.tokenize(text))

    def decode(self, ids: Iterable[int]) -> str:
        """Join the tokens of ``ids`` (with a space; characters with nothing). Whitespace the rule
        dropped is not restored."""
        return self._separator.join(self._require_vocab().lookup_tokens(int(i) for i in ids))

    def _config(self) -> dict[str, Any]:
        return {"lowercase": self.lowercase}

    def save(self, path: str | os.PathLike) -> None:
        """Write the settings and the vocabulary as one JSON file."""
        vocab = self._require_vocab()
        payload = {"format": f"axonml.text.{type(self).__name__}", "config": self._config(),
                   "itos": vocab.get_itos(), "default_index": vocab.get_default_index()}
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False))

    @classmethod
    def load(cls, path: str | os.PathLike):
        """Read a tokenizer written by :meth:`save` of the same class."""
        payload = read_json(path)
        if not isinstance(payload, dict) or payload.get("format") != f"axonml.text.{cls.__name__}":
            raise ValueError(f"{os.fspath(path)!r} is not a saved axonml.text.{cls.__name__}")
        config = payload.get("config")
        itos, default = payload.get("itos"), payload.get("default_index")
        if not isinstance(config, dict) or not isinstance(itos, list) or not all(isinstance(t, str) for t in itos):
            raise ValueError(f"{os.fspath(path)!r}: malformed tokenizer file")
        vocab = Vocab(itos)
        try:
            vocab.set_default_index(default)
            tokenizer = cls(vocab=vocab, **config)
        except (TypeError, IndexError) as error:
            raise ValueError(f"{os.fspath(path)!r}: malformed tokenizer file: {error}") from None
        return tokenizer

    def __repr__(self) -> str:
        size = len(self.vocab) if self.vocab is not None else None
        return f"{type(self).__name__}(vocab_size={size}, lowercase={self.lowercase})"


class WhitespaceTokenizer(_RuleTokenizer):
    """Split on runs of whitespace (Unicode White_Space, as the ``tokenizers`` WhitespaceSplit).

    Example::

        >>> WhitespaceTokenizer()("to be,  or not")
        ['to', 'be,', 'or', 'not']
    """

    _pattern = regex.compile(r"\P{White_Space}+")

    def _split(self, text: str) -> list[str]:
        return self._pattern.findall(text)


class CharacterTokenizer(_RuleTokenizer):
    """Every character is a token; ``decode`` restores the text exactly (for characters in the vocabulary).

    Example::

        >>> CharacterTokenizer()("to be")
        ['t', 'o', ' ', 'b', 'e']
    """

    _separator = ""

    def _split(self, text: str) -> list[str]:
        return list(text)


class WordPunctTokenizer(_RuleTokenizer):
    r"""Runs of word characters and runs of punctuation, as NLTK's ``wordpunct_tokenize`` (``\w+|[^\w\s]+``).

    Example::

        >>> WordPunctTokenizer()("Don't stop!")
        ['Don', "'", 't', 'stop', '!']
    """

    _pattern = regex.compile(r"\w+|[^\w\s]+")

    def _split(self, text: str) -> list[str]:
        return self._pattern.findall(text)


class NGramTokenizer(_RuleTokenizer):
    """The words of the text, then every n-gram of 2 to ``ngrams`` words (torchtext's ``ngrams_iterator``),
    for bag-of-n-grams models.

    Args:
        ngrams: the longest n-gram.
        word_tokenizer: splits the text into words (default: :class:`WordPunctTokenizer`).

    Example::

        >>> NGramTokenizer(2)("to be or")
        ['to', 'be', 'or', 'to be', 'be or']
    """

    def __init__(self, ngrams: int = 2, vocab: Vocab | None = None, lowercase: bool = False,
                 word_tokenizer: str = "wordpunct") -> None:
        if type(ngrams) is not int or ngrams < 1:
            raise ValueError(f"ngrams must be a positive int, got {ngrams!r}")
        if word_tokenizer not in _WORD_TOKENIZERS:
            raise ValueError(f"word_tokenizer must be one of {sorted(_WORD_TOKENIZERS)}, got {word_tokenizer!r}")
        super().__init__(vocab, lowercase)
        self.ngrams = ngrams
        self.word_tokenizer = word_tokenizer
        self._words = _WORD_TOKENIZERS[word_tokenizer]()

    def _split(self, text: str) -> list[str]:
        words = self._words._split(text)
        tokens = list(words)
        for n in range(2, self.ngrams + 1):
            tokens.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
        return tokens

    def decode(self, ids: Iterable[int]) -> str:
        """The words of an encoded text joined by spaces: ``encode`` puts the ``k`` words first, then the
        n-grams, so ``k`` follows from the number of ids."""
        tokens = self._require_vocab().lookup_tokens(int(i) for i in ids)
        words = 0
        while words < len(tokens) and _ngram_count(words, self.ngrams) < len(tokens):
            words += 1
        if _ngram_count(words, self.ngrams) != len(tokens):
            raise ValueError(f"{len(tokens)} ids are not the encoding of any text with {self.ngrams}-grams")
        return " ".join(tokens[:words])

    def _config(self) -> dict[str, Any]:
        return {"ngrams": self.ngrams, "lowercase": self.lowercase, "word_tokenizer": self.word_tokenizer}


def _ngram_count(words: int, ngrams: int) -> int:
    """How many tokens a text of ``words`` words has with n-grams up to ``ngrams``."""
    return sum(max(0, words - n + 1) for n in range(1, ngrams + 1))


_WORD_TOKENIZERS = {"whitespace": WhitespaceTokenizer, "wordpunct": WordPunctTokenizer}
