"""Byte-pair encoding: the model (a vocabulary and a ranked merge list) and its trainer.

The model is built from a vocabulary and merges alone, whatever produced them (``train_bpe``, a
Hugging Face ``tokenizer.json``, a GGUF file's metadata), so loading and training stay separate.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from typing import Any, Iterable, Mapping

from ._model import Model, check_vocab

__all__ = ["BPE", "train_bpe"]


class BPE(Model):
    """A BPE model: each piece starts as characters, then the adjacent pair of lowest merge rank is
    merged until no ranked pair remains.

    Args:
        vocab: token -> id.
        merges: ``(left, right)`` pairs in rank order; merging them gives ``left + right`` (less
            ``continuing_subword_prefix`` at the start of ``right``), which must be in ``vocab``.
        unk_token: the token for characters not in ``vocab`` (``None``: such characters are dropped).
        continuing_subword_prefix: marks every symbol that does not start a piece (``"##"`` in
            WordPiece-style vocabularies; empty for byte-level BPE).
        end_of_word_suffix: marks the last symbol of a piece.
        fuse_unk: encode a run of unknown characters as one unknown token.
        byte_fallback: spell an unknown character as its UTF-8 bytes ``<0xAB>`` when those are in the vocabulary.
        ignore_merges: a piece that is itself in the vocabulary is one token, whatever the merges say.

    Example::

        >>> bpe = BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")])
        >>> bpe.tokenize("abba")
        [2, 1, 0]
    """

    def __init__(self, vocab: Mapping[str, int], merges: Iterable[tuple[str, str]], unk_token: str | None = None,
                 continuing_subword_prefix: str = "", end_of_word_suffix: str = "", fuse_unk: bool = False,
                 byte_fallback: bool = False, ignore_merges: bool = False) -> None:
        self.vocab = check_vocab(dict(vocab), "BPE")
        self._index()
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix or ""
        self.end_of_word_suffix = end_of_word_suffix or ""
        self.fuse_unk = fuse_unk
        self.byte_fallback = byte_fallback
        self.ignore_merges = ignore_merges
        if unk_token is not None and unk_token not in self.vocab:
            raise ValueError(f"BPE: unk_token {unk_token!r} is not in the vocabulary")
        self.merges: list[tuple[str, str]] = []
        # (left, right) -> (rank, merged token): the rank table every encode looks up
        self._ranks: dict[tuple[str, str], tuple[int, str]] = {}
        prefix_length = len(self.continuing_subword_prefix)
        for rank, merge in enumerate(merges):
            if isinstance(merge, str):
                parts = merge.split(" ")
                merge = tuple(parts) if len(parts) == 2 else None
            if not isinstance(merge, (tuple, list)) or len(merge) != 2 or not all(isinstance(m, str) for m in merge):
                raise ValueError(f"BPE: merge {rank} is not a pair of strings: {merge!r}")
            left, right = merge
            if prefix_length and right.startswith(self.continuing_subword_prefix):
                merged = left + right[prefix_length:]
            else:
                merged = left + right
            for token in (left, right, merged):
                if token not in self.vocab:
                    raise ValueError(f"BPE: merge {rank} ({left!r}, {right!r}) uses {token!r}, "
                                     "which is not in the vocabulary")
            self.merges.append((left, right))
            self._ranks.setdefault((left, right), (rank, merged))
        self._cache: dict[str, list[int]] = {}

    def tokenize(self, piece: str) -> list[int]:
        cached = self._cache.get(piece)
        if cached is None:
            cached = self._encode_uncached(piece)
            if len(self._cache) < 200_000:
                self._cache[piece] = cached
        return cached

    def _initial_symbols(self, piece: str) -> list[str | None]:
        """The piece's characters as vocabulary symbols; ``None`` for one with no symbol."""
        vocab, prefix, suffix = self.vocab, self.continuing_subword_prefix, self.end_of_word_suffix
        last = len(piece) - 1
        symbols: list[str | None] = []
        for i, char in enumerate(piece):
            symbol = char
            if i and prefix:
                symbol = prefix + symbol
            if i == last and suffix:
                symbol = symbol + suffix
            if symbol in vocab:
                symbols.append(symbol)
                continue
            if self.byte_fallback:
                spelled = [f"<0x{b:02X}>" for b in char.encode("utf-8")]
                if all(s in vocab for s in spelled):
                    symbols.extend(spelled)
                    continue
            symbols.append(None)
        return symbols

    def _encode_uncached(self, piece: str) -> list[int]:
        vocab = self.vocab
        if self.ignore_merges and piece in vocab:
            return [vocab[piece]]
        symbols = self._initial_symbols(piece)
        ranks = self._ranks
        missing = (1 << 62, None)
        while len(symbols) > 1:
            best_rank, best_pair, merged = 1 << 62, None, None
            for pair in zip(symbols, symbols[1:]):
                rank, result = ranks.get(pair, missing)
                if rank < best_rank:
                    best_rank, best_pair, merged = rank, pair, result
            if best_pair is None:
                break
            left, right = best_pair
            out: list[str | None] = []
            i, count = 0, len(symbols)
            while i < count:
                if i + 1 < count and symbols[i] == left and symbols[i + 1] == right:
                    out.append(merged)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            symbols = out
        ids: list[int] = []
        unk_id = vocab[self.unk_token] if self.unk_token is not None else None
        previous_unknown = False
        for symbol in symbols:
            if symbol is not None:
                ids.append(vocab[symbol])
                previous_unknown = False
            elif unk_id is not None:
                if not (self.fuse_unk and previous_unknown):
                    ids.append(unk_id)
                previous_unknown = True
        return ids

    def to_json(self) -> dict[str, Any]:
        return {"type": "BPE", "dropout": None, "unk_token": self.unk_token,
                "continuing_subword_prefix": self.continuing_subword_prefix or None,
                "end_of_word_suffix": self.end_of_word_suffix or None, "fuse_unk": self.fuse_unk,
                "byte_fallback": self.byte_fallback, "ignore_merges": self.ignore_merges,
                "vocab": dict(sorted(self.vocab.items(), key=lambda item: item[1])),
                "merges": [list(m) for m in self.merges]}

    @classmethod
    def from_json(cls, spec: dict) -> "BPE":
        if spec.get("dropout") not in (None, 0, 0.0):
            raise ValueError("BPE dropout is not supported; the model encodes deterministically")
        merges = spec.get("merges")
        if not isinstance(merges, list):
            raise ValueError("BPE: 'merges' must be a list")
        return cls(spec.get("vocab"), merges, spec.get("unk_token"), spec.get("continuing_subword_prefix") or "",
                   spec.get("end_of_word_suffix") or "", bool(spec.get("fuse_unk", False)),
                   bool(spec.get("byte_fallback", False)), bool(spec.get("ignore_merges", False)))


def train_bpe(word_counts: Mapping[str, int], vocab_size: int, min_frequency: int = 0,
              special_tokens: Iterable[str] = (), initial_alphabet: Iterable[str] = (),
              limit_alphabet: int | None = None, continuing_subword_prefix: str = "",
              end_of_word_suffix: str = "", max_token_length: int | None = None
              ) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Learn a BPE vocabulary and merge list from word frequencies (the ``tokenizers`` BpeTrainer's algorithm).

    The vocabulary starts with ``special_tokens``, then the alphabet in code-point order. Each step
    merges the most frequent adjacent pair (ties: the pair of smaller ids), updating the counts of only
    the words that hold it; a heap with lazy re-insertion finds the next pair.

    Args:
        word_counts: pre-tokenized word -> how often it occurs.
        vocab_size: the size to stop at (special tokens and alphabet included).
        min_frequency: a pair seen fewer times is not merged.
        special_tokens: tokens given the first ids.
        initial_alphabet: characters included even if absent from the words (e.g. the 256 byte characters).
        limit_alphabet: keep at most this many characters (the most frequent) in the alphabet.
        continuing_subword_prefix: prefix of every symbol that does not start a word (``"##"`` for WordPiece).
        end_of_word_suffix: suffix of the last symbol of each word.
        max_token_length: never create a token longer than this many characters.

    Returns:
        ``(vocab, merges)``, ready for :class:`BPE`.
    """
    vocab: dict[str, int] = {}
    tokens: list[str] = []

    def add(token: str) -> int:
        token_id = vocab.get(token)
        if token_id is None:
            token_id = vocab[token] = len(tokens)
            tokens.append(token)
        return token_id

    for token in special_tokens:
        add(token)
    alphabet: dict[str, int] = defaultdict(int)
    for word, count in word_counts.items():
        for char in word:
            alphabet[char] += count
    huge = 1 << 62
    for char in initial_alphabet:
        alphabet[char] = huge
    kept = sorted(alphabet.items(), key=lambda item: -item[1])
    if limit_alphabet is not None and len(kept) > limit_alphabet:
        kept = kept[:limit_alphabet]
    kept_chars = set(char for char, _ in kept)
    for char in sorted(kept_chars, key=ord):
        add(char)

    prefix, suffix, prefix_length = continuing_subword_prefix, end_of_word_suffix, len(continuing_subword_prefix)
    words: list[list[int]] = []
    counts: list[int] = []
    for word, count in word_counts.items():
        symbols = []
        last = len(word) - 1
        for i, char in enumerate(word):
            if char not in kept_chars:
                continue
            symbol = (prefix + char) if i and prefix else char
            if i == last and suffix:
                symbol += suffix
            symbols.append(add(symbol))
        words.append(symbols)
        counts.append(count)

    pair_counts: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for index, symbols in enumerate(words):
        count = counts[index]
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += count
            where[pair].add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items() if count > 0]
    heapq.heapify(heap)

    merges: list[tuple[str, str]] = []
    while len(tokens) < vocab_size and heap:
        negative_count, pair = heapq.heappop(heap)
        current = pair_counts.get(pair, 0)
        if -negative_count != current:
            if current > 0:
                heapq.heappush(heap, (-current, pair))
            continue
        if current < 1 or current < min_frequency:
            break
        left, right = tokens[pair[0]], tokens[pair[1]]
        merged = left + (right[prefix_length:] if prefix_length and right.startswith(prefix) else right)
        if max_token_length is not None and len(merged) > max_token_length:
            pair_counts[pair] = 0
            continue
        new_id = add(merged)
        merges.append((left, right))
        pair_counts[pair] = 0
        touched: set[tuple[int, int]] = set()
        touch = touched.add
        a, b = pair
        for index in where.pop(pair, ()):
            symbols, count = words[index], counts[index]
            last = len(symbols) - 1
            i = -1
            while True:
                try:
                    i = symbols.index(a, i + 1, last)  # jump to the next left symbol (C speed)
                except ValueError:
                    break
                if symbols[i + 1] != b:
                    continue
                if i > 0:
                    before = symbols[i - 1]
                    pair_counts[(before, a)] -= count
                    new_pair = (before, new_id)
                    pair_counts[new_pair] += count
                    where[new_pair].add(index)
                    touch(new_pair)
                if i + 2 <= last:
                    after = symbols[i + 2]
                    pair_counts[(b, after)] -= count
                    new_pair = (new_id, after)
                    pair_counts[new_pair] += count
                    where[new_pair].add(index)
                    touch(new_pair)
                symbols[i] = new_id
                del symbols[i + 1]
                last -= 1
        for new_pair in touched:
            if pair_counts[new_pair] > 0:
                heapq.heappush(heap, (-pair_counts[new_pair], new_pair))
    return vocab, merges
