"""WordPiece: greedy longest-match-first encoding over a vocabulary (BERT's subword model)."""
from __future__ import annotations

from typing import Any, Mapping

from ._model import Model, check_vocab

__all__ = ["WordPiece", "load_vocab_txt"]


class WordPiece(Model):
    """Split a word into the longest vocabulary prefix, then the longest ``##``-prefixed continuation,
    and so on; a word that does not decompose completely becomes ``unk_token``.

    Args:
        vocab: token -> id.
        unk_token: the token for words that do not decompose (must be in ``vocab``).
        continuing_subword_prefix: the marker of pieces that continue a word.
        max_input_chars_per_word: longer words are ``unk_token`` outright.

    Example::

        >>> wp = WordPiece({"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3})
        >>> wp.tokenize("unaffable"), wp.tokenize("xyz")
        ([1, 2, 3], [0])
    """

    def __init__(self, vocab: Mapping[str, int], unk_token: str = "[UNK]", continuing_subword_prefix: str = "##",
                 max_input_chars_per_word: int = 100) -> None:
        self.vocab = check_vocab(dict(vocab), "WordPiece")
        self._index()
        if unk_token not in self.vocab:
            raise ValueError(f"WordPiece: unk_token {unk_token!r} is not in the vocabulary")
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self._cache: dict[str, list[int]] = {}

    def tokenize(self, piece: str) -> list[int]:
        cached = self._cache.get(piece)
        if cached is None:
            cached = self._encode_uncached(piece)
            if len(self._cache) < 200_000:
                self._cache[piece] = cached
        return cached

    def _encode_uncached(self, piece: str) -> list[int]:
        vocab, prefix = self.vocab, self.continuing_subword_prefix
        unk = [vocab[self.unk_token]]
        if len(piece) > self.max_input_chars_per_word:
            return unk
        ids: list[int] = []
        start, length = 0, len(piece)
        while start < length:
            end = length
            found = None
            while start < end:
                candidate = piece[start:end] if start == 0 else prefix + piece[start:end]
                found = vocab.get(candidate)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return unk
            ids.append(found)
            start = end
        return ids

    def to_json(self) -> dict[str, Any]:
        return {"type": "WordPiece", "unk_token": self.unk_token,
                "continuing_subword_prefix": self.continuing_subword_prefix,
                "max_input_chars_per_word": self.max_input_chars_per_word,
                "vocab": dict(sorted(self.vocab.items(), key=lambda item: item[1]))}

    @classmethod
    def from_json(cls, spec: dict) -> "WordPiece":
        return cls(spec.get("vocab"), spec.get("unk_token", "[UNK]"), spec.get("continuing_subword_prefix", "##"),
                   int(spec.get("max_input_chars_per_word", 100)))


def load_vocab_txt(path) -> dict[str, int]:
    """Read a BERT ``vocab.txt``: one token a line, the id is the line number."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path!s} is not a UTF-8 vocabulary file: {error}") from None
    if lines and lines[-1] == "":
        lines.pop()
    vocab: dict[str, int] = {}
    for index, line in enumerate(lines):
        vocab[line] = index  # a repeated line takes its last id, as transformers reads it
    if not vocab:
        raise ValueError(f"{path!s} holds no tokens")
    return vocab
