"""The unigram language model (SentencePiece's): Viterbi encoding and EM training with pruning.

Kudo (2018), "Subword Regularization": every piece has a log-probability; a word's encoding is the
segmentation of highest total log-probability. Training starts from many frequent substrings and
alternates EM re-estimation with pruning the pieces whose removal costs the corpus least.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import regex
from scipy.special import digamma

from ._model import Model

__all__ = ["Unigram", "train_unigram"]

_UNK_PENALTY = 10.0  # an unknown character scores this far below the least likely piece (SentencePiece)


class Unigram(Model):
    """A unigram model: pieces with log-probability scores, encoded by Viterbi search.

    Args:
        vocab: ``(piece, score)`` pairs in id order.
        unk_id: the id of the unknown piece, used for characters no piece covers.
        byte_fallback: spell uncovered characters as their UTF-8 bytes ``<0xAB>`` when those are pieces.
        fuse_unk: encode a run of uncovered characters as one unknown piece.

    Example::

        >>> model = Unigram([("<unk>", 0.0), ("a", -1.0), ("b", -1.0), ("ab", -1.5)], unk_id=0)
        >>> model.tokenize("abb")
        [3, 2]
    """

    def __init__(self, vocab: Sequence[tuple[str, float]], unk_id: int | None = 0, byte_fallback: bool = False,
                 fuse_unk: bool = True) -> None:
        pieces: list[tuple[str, float]] = []
        for entry in vocab:
            if (not isinstance(entry, (tuple, list)) or len(entry) != 2 or not isinstance(entry[0], str)
                    or not isinstance(entry[1], (int, float)) or not math.isfinite(entry[1])):
                raise ValueError(f"Unigram: bad vocabulary entry {entry!r}; expected [piece, finite score]")
            pieces.append((entry[0], float(entry[1])))
        if unk_id is not None and not 0 <= unk_id < len(pieces):
            raise ValueError(f"Unigram: unk_id {unk_id} is out of range for {len(pieces)} pieces")
        self.pieces = pieces
        self.vocab = {}
        for index, (piece, _) in enumerate(pieces):
            self.vocab.setdefault(piece, index)
        self._itos = {i: p for i, (p, _) in enumerate(pieces)}
        self.unk_id = unk_id
        self.byte_fallback = byte_fallback
        self.fuse_unk = fuse_unk
        self._scores = {piece: pieces[index][1] for piece, index in self.vocab.items() if index != unk_id}
        self._max_length = max((len(p) for p in self._scores), default=1)
        self._unk_score = (min(self._scores.values(), default=0.0)) - _UNK_PENALTY
        self._cache: dict[str, list[int]] = {}

    def get_vocab_size(self) -> int:
        return len(self.pieces)

    def tokenize(self, piece: str) -> list[int]:
        cached = self._cache.get(piece)
        if cached is None:
            cached = self._ids(viterbi(piece, self._scores, self._max_length, self._unk_score))
            if len(self._cache) < 200_000:
                self._cache[piece] = cached
        return cached

    def _ids(self, segments: list[tuple[str, bool]]) -> list[int]:
        ids: list[int] = []
        previous_unknown = False
        vocab = self.vocab
        for text, known in segments:
            if known:
                ids.append(vocab[text])
                previous_unknown = False
                continue
            if self.byte_fallback:
                spelled = [f"<0x{b:02X}>" for b in text.encode("utf-8")]
                if all(s in vocab for s in spelled):
                    ids.extend(vocab[s] for s in spelled)
                    previous_unknown = False
                    continue
            if self.unk_id is None:
                raise ValueError(f"Unigram: {text!r} has no piece and the model has no unknown piece")
            if not (self.fuse_unk and previous_unknown):
                ids.append(self.unk_id)
            previous_unknown = True
        return ids

    def to_json(self) -> dict[str, Any]:
        return {"type": "Unigram", "unk_id": self.unk_id, "vocab": [[p, s] for p, s in self.pieces],
                "byte_fallback": self.byte_fallback}

    @classmethod
    def from_json(cls, spec: dict) -> "Unigram":
        vocab = spec.get("vocab")
        if not isinstance(vocab, list):
            raise ValueError("Unigram: 'vocab' must be a list of [piece, score] pairs")
        return cls(vocab, spec.get("unk_id"), bool(spec.get("byte_fallback", False)))


# Scripts a piece may not mix (Kana counts as Han, as in SentencePiece); the space marker counts as none.
_SCRIPTS = ("Latin", "Common", "Greek", "Cyrillic", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew",
            "Thai", "Devanagari", "Bengali", "Tamil", "Telugu", "Georgian", "Armenian", "Ethiopic", "Inherited")
_SCRIPT_PATTERNS = [(name, regex.compile(rf"\p{{Script={name}}}")) for name in _SCRIPTS]
_script_cache: dict[str, str] = {}


def _script(char: str) -> str:
    script = _script_cache.get(char)
    if script is None:
        script = next((name for name, pattern in _SCRIPT_PATTERNS if pattern.match(char)), "Unknown")
        if script in ("Hiragana", "Katakana"):
            script = "Han"
        _script_cache[char] = script
    return script


def _single_script(piece: str, space: str) -> bool:
    """No two characters of the piece belong to different Unicode scripts (SentencePiece's seed rule)."""
    seen = None
    for char in piece:
        if char == space or char == " ":
            continue
        script = _script(char)
        if seen is None:
            seen = script
        elif script != seen:
            return False
    return True


def viterbi(text: str, scores: Mapping[str, float], max_length: int, unk_score: float) -> list[tuple[str, bool]]:
    """The segmentation of ``text`` of highest total score, as ``(piece, is_known)`` pairs.

    A position no piece starts from is crossed by a one-character unknown piece scoring ``unk_score``.
    Among equal scores the earliest-found path (longest first piece) is kept, as ``tokenizers`` does.
    """
    length = len(text)
    best = [-math.inf] * (length + 1)
    back: list[tuple[int, bool]] = [(0, True)] * (length + 1)
    best[0] = 0.0
    for start in range(length):
        base = best[start]
        if base == -math.inf:
            continue
        covered_single = False
        for end in range(start + 1, min(length, start + max_length) + 1):
            score = scores.get(text[start:end])
            if score is None:
                continue
            if end == start + 1:
                covered_single = True
            candidate = base + score
            if candidate > best[end]:
                best[end] = candidate
                back[end] = (start, True)
        if not covered_single and base + unk_score > best[start + 1]:
            best[start + 1] = base + unk_score
            back[start + 1] = (start, False)
    segments: list[tuple[str, bool]] = []
    end = length
    while end > 0:
        start, known = back[end]
        segments.append((text[start:end], known))
        end = start
    segments.reverse()
    return segments


class _Lattices:
    """Every word's candidate segments over the seed pieces, flattened into arrays once, so that an E step
    is a few array operations per character position rather than a Python loop per segment."""

    def __init__(self, words: list[tuple[str, int]], seed_index: Mapping[str, int], max_length: int) -> None:
        word_ids, starts, ends, piece_ids = [], [], [], []
        for w, (word, _) in enumerate(words):
            length = len(word)
            for start in range(length):
                for end in range(start + 1, min(length, start + max_length) + 1):
                    piece = seed_index.get(word[start:end])
                    if piece is not None:
                        word_ids.append(w)
                        starts.append(start)
                        ends.append(end)
                        piece_ids.append(piece)
        self.word = np.array(word_ids, dtype=np.int64)
        self.start = np.array(starts, dtype=np.int64)
        self.end = np.array(ends, dtype=np.int64)
        self.piece = np.array(piece_ids, dtype=np.int64)
        self.lengths = np.array([len(word) for word, _ in words], dtype=np.int64)
        self.counts = np.array([count for _, count in words], dtype=np.float64)
        self.longest = int(self.lengths.max())

    def expected_counts(self, scores: np.ndarray) -> tuple[np.ndarray, float]:
        """The E step: each piece's expected count over all segmentations of all words (forward-backward in
        log space), and the corpus log-likelihood. ``scores`` holds -inf for pieces no longer in the model."""
        alive = np.isfinite(scores[self.piece])
        word, start, end, piece = self.word[alive], self.start[alive], self.end[alive], self.piece[alive]
        log_p = scores[piece]
        count = len(self.lengths)
        alpha = np.full((self.longest + 1, count), -np.inf)
        alpha[0] = 0.0
        beta = np.full((self.longest + 1, count), -np.inf)
        beta[self.lengths, np.arange(count)] = 0.0
        by_end = np.argsort(end, kind="stable")
        bounds = np.searchsorted(end[by_end], np.arange(self.longest + 2))
        for position in range(1, self.longest + 1):
            index = by_end[bounds[position]:bounds[position + 1]]
            np.logaddexp.at(alpha[position], word[index], alpha[start[index], word[index]] + log_p[index])
        by_start = np.argsort(start, kind="stable")
        bounds = np.searchsorted(start[by_start], np.arange(self.longest + 2))
        for position in range(self.longest - 1, -1, -1):
            index = by_start[bounds[position]:bounds[position + 1]]
            np.logaddexp.at(beta[position], word[index], beta[end[index], word[index]] + log_p[index])
        total = alpha[self.lengths, np.arange(count)]
        segmented = np.isfinite(total)  # a word with a character no piece covers any more has no segmentation
        keep = segmented[word]
        posterior = alpha[start[keep], word[keep]] + log_p[keep] + beta[end[keep], word[keep]] - total[word[keep]]
        expected = np.bincount(piece[keep], weights=self.counts[word[keep]] * np.exp(posterior),
                               minlength=len(scores))
        return expected, float((self.counts[segmented] * total[segmented]).sum())


    def viterbi_frequency(self, scores: np.ndarray) -> np.ndarray:
        """How often each piece occurs in the best segmentations of all words (weighted by word counts).

        Among equal-scoring paths the piece starting earliest wins, as :func:`viterbi` decides.
        """
        alive = np.isfinite(scores[self.piece])
        edges = np.flatnonzero(alive)
        word, start, end = self.word[edges], self.start[edges], self.end[edges]
        log_p = scores[self.piece[edges]]
        count = len(self.lengths)
        best = np.full((self.longest + 1, count), -np.inf)
        best[0] = 0.0
        back = np.full((self.longest + 1, count), -1, dtype=np.int64)
        by_end = np.argsort(end, kind="stable")  # within one end, edges stay in order of start
        bounds = np.searchsorted(end[by_end], np.arange(self.longest + 2))
        for position in range(1, self.longest + 1):
            index = by_end[bounds[position]:bounds[position + 1]]
            values = best[start[index], word[index]] + log_p[index]
            np.maximum.at(best[position], word[index], values)
            winners = index[(values == best[position][word[index]]) & np.isfinite(values)]
            _, first = np.unique(word[winners], return_index=True)
            back[position, word[winners[first]]] = winners[first]
        frequency = np.zeros(len(scores))
        words = np.flatnonzero(np.isfinite(best[self.lengths, np.arange(count)]))
        position = self.lengths[words]
        while len(words):
            edge = back[position, words]
            np.add.at(frequency, self.piece[edges[edge]], self.counts[words])
            position = start[edge]
            more = position > 0
            words, position = words[more], position[more]
        return frequency


def _maximize(scores: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The M step with SentencePiece's Bayesian estimate: score = digamma(count) - digamma(total);
    pieces expected less than half a time are dropped (score -inf)."""
    kept = np.isfinite(scores) & (expected >= 0.5)
    result = np.full_like(scores, -np.inf)
    if kept.any():
        result[kept] = digamma(expected[kept]) - digamma(expected[kept].sum())
    return result


def _prune(pieces: list[tuple[str, float]], frequency: Sequence[float], total_words: float, desired_size: int,
           shrinking_factor: float) -> list[tuple[str, float]]:
    """Keep the pieces whose removal would lower the corpus likelihood most (SentencePiece's pruning).

    ``frequency[i]`` is how often piece ``i`` occurs in the corpus's Viterbi segmentations. A piece
    whose best segmentation is itself has, as its alternative, the best segmentation without it; the
    loss of removing it is its share of the corpus times the log-probability it saves over the alternative.
    """
    scores = dict(pieces)
    max_length = max(len(p) for p in scores)
    index = {piece: i for i, (piece, _) in enumerate(pieces)}
    always_keep = [True] * len(pieces)
    alternatives: list[list[int]] = [[] for _ in pieces]
    for i, (piece, score) in enumerate(pieces):
        if len(piece) == 1:
            continue
        del scores[piece]
        alternative = viterbi(piece, scores, max_length, -math.inf)
        scores[piece] = score
        if not all(known for _, known in alternative):
            continue  # no other segmentation: keep it
        alternative_score = sum(scores[p] for p, _ in alternative)
        if alternative_score > score:
            always_keep[i] = False  # the piece is never its own best segmentation
        else:
            alternatives[i] = [index[p] for p, _ in alternative]

    total = float(sum(frequency))
    log_total = math.log(total)
    kept: list[tuple[str, float]] = []
    candidates: list[tuple[float, int]] = []
    for i, (piece, score) in enumerate(pieces):
        if frequency[i] == 0.0 or not always_keep[i]:
            continue  # in no best segmentation, or never its own best one: removing it loses nothing
        if not alternatives[i]:
            kept.append((piece, score))
            continue
        log_prob = math.log(frequency[i]) - log_total
        log_total_alternative = math.log(total + frequency[i] * (len(alternatives[i]) - 1))
        log_prob_alternative = sum(math.log(frequency[n] + frequency[i]) - log_total_alternative
                                   for n in alternatives[i])
        candidates.append((frequency[i] / total_words * (log_prob - log_prob_alternative), i))
    target = max(desired_size, int(shrinking_factor * len(pieces)))
    candidates.sort(key=lambda item: -item[0])
    for _, i in candidates:
        if len(kept) >= target:
            break
        kept.append(pieces[i])
    return kept


def train_unigram(word_counts: Mapping[str, int], vocab_size: int, special_tokens: Iterable[str] = (),
                  unk_token: str | None = "<unk>", shrinking_factor: float = 0.75, max_piece_length: int = 16,
                  n_sub_iterations: int = 2, seed_size: int = 1_000_000, space: str = "▁"
                  ) -> tuple[list[tuple[str, float]], int | None]:
    """Train a unigram model on word frequencies, as SentencePiece does.

    1. Seed: every character, and the ``seed_size`` substrings (up to ``max_piece_length``
       characters, seen at least twice, not mixing Unicode scripts, ``space`` only first) of largest
       frequency x length; scores are log frequencies.
    2. Repeat ``n_sub_iterations`` EM steps (forward-backward expected counts, then the digamma
       M step), then prune to ``shrinking_factor`` of the pieces, until at most 1.1 x ``vocab_size`` remain.
    3. Keep the ``vocab_size`` best-scoring pieces (every character kept), special tokens first.

    Args:
        word_counts: pre-tokenized word (with its ``"▁"``) -> frequency.
        vocab_size: the size of the final vocabulary, special tokens included.
        special_tokens: pieces put first with score 0.
        unk_token: the unknown piece (added to the special tokens if absent); ``None`` for none.

    Returns:
        ``(pieces, unk_id)`` for :class:`Unigram`.
    """
    special_tokens = list(dict.fromkeys(special_tokens))
    if unk_token is not None and unk_token not in special_tokens:
        special_tokens.insert(0, unk_token)
    if vocab_size <= len(special_tokens):
        raise ValueError(f"vocab_size ({vocab_size}) must exceed the number of special tokens "
                         f"({len(special_tokens)})")
    words = [(word, count) for word, count in word_counts.items() if word and count > 0]
    if not words:
        raise ValueError("train_unigram needs at least one non-empty word")

    characters: dict[str, int] = defaultdict(int)
    substrings: dict[str, int] = defaultdict(int)
    for word, count in words:
        length = len(word)
        for start in range(length):
            characters[word[start]] += count
            for end in range(start + 2, min(length, start + max_piece_length) + 1):
                substrings[word[start:end]] += count
    frequent = sorted(((freq * len(s), s) for s, freq in substrings.items()
                       if freq >= 2 and space not in s[1:] and _single_script(s, space)), reverse=True)
    seeds = [(c, float(freq)) for c, freq in sorted(characters.items(), key=lambda item: -item[1])]
    seeds += [(s, float(score)) for score, s in frequent[:max(0, seed_size - len(seeds))]]
    seed_pieces = [piece for piece, _ in seeds]
    frequencies = np.array([freq for _, freq in seeds])
    scores = np.log(frequencies) - math.log(frequencies.sum())
    lattices = _Lattices(words, {piece: i for i, piece in enumerate(seed_pieces)}, max_piece_length)

    target = vocab_size - len(special_tokens)
    desired = target * 11 // 10
    while True:
        for _ in range(n_sub_iterations):
            expected, _ = lattices.expected_counts(scores)
            scores = _maximize(scores, expected)
        alive = np.flatnonzero(np.isfinite(scores))
        if len(alive) <= desired:
            break
        frequency = lattices.viterbi_frequency(scores)[alive]
        pruned = _prune([(seed_pieces[i], float(scores[i])) for i in alive], frequency, float(lattices.counts.sum()),
                        desired, shrinking_factor)
        if len(pruned) >= len(alive):
            break
        kept = {piece for piece, _ in pruned}
        scores = np.where([piece in kept for piece in seed_pieces], scores, -np.inf)
    pieces = [(seed_pieces[i], float(scores[i])) for i in np.flatnonzero(np.isfinite(scores))]

    final: dict[str, float] = {}
    scores = dict(pieces)
    lowest = min(scores.values())
    penalty = 0.0
    for char, _ in sorted(characters.items(), key=lambda item: -item[1]):
        if char in scores:
            final[char] = scores[char]
        else:
            penalty += 1e-4
            final[char] = lowest - penalty
    for piece, score in sorted(pieces, key=lambda item: -item[1]):
        if len(final) >= target:
            break
        final.setdefault(piece, score)
    ordered = sorted(final.items(), key=lambda item: -item[1])
    vocab = [(token, 0.0) for token in special_tokens] + [(p, s) for p, s in ordered if p not in special_tokens]
    unk_id = special_tokens.index(unk_token) if unk_token is not None else None
    return vocab, unk_id
