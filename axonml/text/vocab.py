"""Vocab: a bijection between tokens and ids, built from counted tokens (torchtext's ``Vocab``)."""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Iterable, Mapping

from ._io import atomic_write_text, read_json

__all__ = ["Vocab", "vocab", "build_vocab_from_iterator"]

_FORMAT = "axonml.text.Vocab"


class Vocab:
    """An ordered token-to-id table with an optional default index for unknown tokens.

    Ids are positions in :meth:`get_itos`. Looking up a token that is not in the table raises
    ``RuntimeError`` unless :meth:`set_default_index` was called (usually with the id of ``"<unk>"``).

    Args:
        tokens: the tokens in id order; each must be a string and appear once.

    Example::

        >>> v = build_vocab_from_iterator([["a", "b", "a"]], specials=["<unk>"])
        >>> v.set_default_index(v["<unk>"])
        >>> v(["a", "zzz"])
        [1, 0]
    """

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        self._itos: list[str] = []
        self._stoi: dict[str, int] = {}
        self._default_index: int | None = None
        for token in tokens:
            self.append_token(token)

    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token: object) -> bool:
        return token in self._stoi

    def __getitem__(self, token: str) -> int:
        index = self._stoi.get(token)
        if index is not None:
            return index
        if self._default_index is None:
            raise RuntimeError(f"Token {token!r} not found and default index is not set")
        return self._default_index

    def __call__(self, tokens: Iterable[str]) -> list[int]:
        return self.lookup_indices(tokens)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self._itos == other._itos and self._default_index == other._default_index

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, default_index={self._default_index})"

    def set_default_index(self, index: int | None) -> None:
        """Make ``index`` the id of every token not in the table (``None``: raise instead)."""
        if index is not None and not 0 <= index < len(self._itos):
            raise IndexError(f"default index {index} is out of range for a vocabulary of {len(self)} tokens")
        self._default_index = index

    def get_default_index(self) -> int | None:
        return self._default_index

    def insert_token(self, token: str, index: int) -> None:
        """Insert ``token`` at ``index``, shifting the ids of the tokens from there on by one."""
        _check_token(token)
        if token in self._stoi:
            raise RuntimeError(f"Token {token!r} already exists in the Vocab with index {self._stoi[token]}")
        if not 0 <= index <= len(self._itos):
            raise IndexError(f"index {index} is out of range for insertion into a vocabulary of {len(self)} tokens")
        self._itos.insert(index, token)
        self._stoi = {t: i for i, t in enumerate(self._itos)}
        if self._default_index is not None and self._default_index >= index:
            self._default_index += 1

    def append_token(self, token: str) -> None:
        """Add ``token`` with the next id."""
        _check_token(token)
        if token in self._stoi:
            raise RuntimeError(f"Token {token!r} already exists in the Vocab with index {self._stoi[token]}")
        self._stoi[token] = len(self._itos)
        self._itos.append(token)

    def lookup_token(self, index: int) -> str:
        if not 0 <= index < len(self._itos):
            raise IndexError(f"index {index} is out of range for a vocabulary of {len(self)} tokens")
        return self._itos[index]

    def lookup_tokens(self, indices: Iterable[int]) -> list[str]:
        return [self.lookup_token(i) for i in indices]

    def lookup_indices(self, tokens: Iterable[str]) -> list[int]:
        stoi, default = self._stoi, self._default_index
        if default is not None:
            return [stoi.get(t, default) for t in tokens]
        return [self[t] for t in tokens]

    def get_stoi(self) -> dict[str, int]:
        return dict(self._stoi)

    def get_itos(self) -> list[str]:
        return list(self._itos)

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as JSON (the tokens in id order and the default index)."""
        payload = {"format": _FORMAT, "itos": self._itos, "default_index": self._default_index}
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save`; a file of another shape raises ``ValueError``."""
        payload = read_json(path)
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{os.fspath(path)!r} is not a saved axonml.text.Vocab")
        itos, default = payload.get("itos"), payload.get("default_index")
        if not isinstance(itos, list) or not all(isinstance(t, str) for t in itos):
            raise ValueError(f"{os.fspath(path)!r}: 'itos' must be a list of strings")
        if len(set(itos)) != len(itos):
            raise ValueError(f"{os.fspath(path)!r}: 'itos' holds a token twice")
        if default is not None and (type(default) is not int or not 0 <= default < len(itos)):
            raise ValueError(f"{os.fspath(path)!r}: 'default_index' {default!r} is not an index into 'itos'")
        result = cls(itos)
        result._default_index = default
        return result


def vocab(ordered_dict: Mapping[str, int], min_freq: int = 1, specials: list[str] | None = None,
          special_first: bool = True) -> Vocab:
    """A Vocab from token frequencies, keeping tokens seen at least ``min_freq`` times in the mapping's order.

    Args:
        ordered_dict: token -> frequency, in the order the ids should follow (sort it first).
        min_freq: the smallest frequency a token needs to be kept.
        specials: tokens added whatever their frequency (e.g. ``["<unk>", "<pad>"]``).
        special_first: put the specials before (True) or after (False) the other tokens.
    """
    if min_freq < 1:
        raise ValueError(f"min_freq must be at least 1, got {min_freq}")
    specials = list(specials or [])
    special_set = set(specials)
    tokens = [t for t, freq in ordered_dict.items() if freq >= min_freq and t not in special_set]
    return Vocab(specials + tokens if special_first else tokens + specials)


def build_vocab_from_iterator(iterator: Iterable[Iterable[str]], min_freq: int = 1,
                              specials: list[str] | None = None, special_first: bool = True,
                              max_tokens: int | None = None) -> Vocab:
    """Count the tokens of an iterable of token lists and build a Vocab, most frequent first.

    Tokens of equal frequency are ordered lexicographically (torchtext's rule).

    Args:
        iterator: yields lists (or other iterables) of tokens.
        min_freq: the smallest count a token needs to be kept.
        specials: tokens always present (first or last, see ``special_first``).
        special_first: put the specials first.
        max_tokens: the most tokens the vocabulary holds, specials included.

    Example::

        >>> v = build_vocab_from_iterator([["to", "be", "or", "not", "to", "be"]], specials=["<unk>"])
        >>> v.get_itos()
        ['<unk>', 'be', 'to', 'not', 'or']
    """
    counter: Counter[str] = Counter()
    for tokens in iterator:
        counter.update(tokens)
    specials = list(specials or [])
    if max_tokens is not None and max_tokens < len(specials):
        raise ValueError(f"max_tokens ({max_tokens}) is smaller than the number of specials ({len(specials)})")
    ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    if max_tokens is not None:
        special_set = set(specials)
        ordered = [item for item in ordered if item[0] not in special_set][:max_tokens - len(specials)]
    return vocab(dict(ordered), min_freq=min_freq, specials=specials, special_first=special_first)


def _check_token(token: object) -> None:
    if not isinstance(token, str):
        raise TypeError(f"a token must be a str, got {type(token).__name__}")
