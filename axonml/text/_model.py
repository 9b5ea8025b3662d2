"""The interface every subword model (BPE, WordPiece, Unigram) gives the tokenizer pipeline."""
from __future__ import annotations

from typing import Any

__all__ = ["Model"]


class Model:
    """Encodes one pre-tokenized piece into ids; holds the token <-> id table."""

    vocab: dict[str, int]

    def tokenize(self, piece: str) -> list[int]:
        raise NotImplementedError

    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, token_id: int) -> str | None:
        return self._itos.get(token_id)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def _index(self) -> None:
        self._itos = {i: t for t, i in self.vocab.items()}
        if len(self._itos) != len(self.vocab):
            raise ValueError("the vocabulary gives the same id to two tokens")


def check_vocab(vocab: object, where: str) -> dict[str, int]:
    """A ``{token: id}`` mapping with string keys and non-negative integer ids, or ``ValueError``."""
    if not isinstance(vocab, dict):
        raise ValueError(f"{where}: the vocabulary must be a mapping of token to id, got {type(vocab).__name__}")
    for token, token_id in vocab.items():
        if not isinstance(token, str) or type(token_id) is not int or token_id < 0:
            raise ValueError(f"{where}: bad vocabulary entry {token!r}: {token_id!r}")
    return dict(vocab)
