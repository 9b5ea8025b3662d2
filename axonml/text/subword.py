"""Trainable subword tokenizers: byte-level BPE (GPT-2's), WordPiece (BERT's) and unigram (SentencePiece's).

Each is a :class:`~axonml.text.Tokenizer` with a fixed pipeline and a ``train`` method; ``save``
writes a Hugging Face ``tokenizer.json`` that the ``tokenizers`` library loads, and ``from_file``
reads one back (ours or theirs).
"""
from __future__ import annotations

import os
from collections import Counter
from typing import Iterable

from . import decoders, normalizers, pre_tokenizers, processors
from ._io import read_json
from .bpe import BPE, train_bpe
from .tokenizer import Tokenizer
from .unigram import Unigram, train_unigram
from .wordpiece import WordPiece

__all__ = ["ByteLevelBPETokenizer", "WordPieceTokenizer", "UnigramTokenizer"]


def _count_words(tokenizer: Tokenizer, texts: Iterable[str]) -> Counter[str]:
    """How often each pre-tokenized piece occurs in ``texts`` (added tokens left out)."""
    counts: Counter[str] = Counter()
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"train expects an iterable of str, got an element of type {type(text).__name__}")
        for span, added_id in tokenizer._split_added(text):
            if added_id is None:
                counts.update(tokenizer.pre_tokenize(span))
    return counts


class _Trainable(Tokenizer):
    _model_type: type

    @classmethod
    def from_json(cls, spec: dict, where: str = "tokenizer.json"):
        tokenizer = super().from_json(spec, where)
        if not isinstance(tokenizer.model, cls._model_type):
            raise ValueError(f"{where}: {cls.__name__} needs a {cls._model_type.__name__} model, the file has "
                             f"{type(tokenizer.model).__name__}; load it with axonml.text.Tokenizer.from_file")
        tokenizer._after_load()
        return tokenizer

    def _after_load(self) -> None:
        """Set what ``__init__`` would have set beyond the pipeline (a loaded file skips ``__init__``)."""

    def _reset_added(self, special_tokens: list[str]) -> None:
        """Replace the added tokens with the special tokens of a newly trained model."""
        self._added.clear()
        self._added_by_id.clear()
        self._split_pattern = None
        self._split_contents = []
        self.add_special_tokens(special_tokens)


class ByteLevelBPETokenizer(_Trainable):
    """GPT-2's tokenizer: UTF-8 bytes spelled as printable characters, split by GPT-2's pattern, BPE-merged.

    Every string encodes (there are no unknown tokens) and ``decode(encode(text)) == text`` exactly.

    Args:
        vocab, merges: a trained model (``None``: an empty model, to be trained with :meth:`train`).
        add_prefix_space: put a space before the text, so that its first word encodes like the others.

    Example::

        >>> tok = ByteLevelBPETokenizer()
        >>> tok.train(["the cat sat on the mat"] * 10, vocab_size=270, special_tokens=["<|endoftext|>"])
        >>> tok.decode(tok.encode("the cat"))
        'the cat'
    """

    _model_type = BPE

    def __init__(self, vocab: dict[str, int] | None = None, merges: list[tuple[str, str]] | None = None,
                 add_prefix_space: bool = False) -> None:
        if vocab is None:
            vocab = {char: i for i, char in enumerate(pre_tokenizers.ByteLevel.alphabet())}
        super().__init__(BPE(vocab, merges or []), None, pre_tokenizers.ByteLevel(add_prefix_space),
                         processors.ByteLevel(), decoders.ByteLevel())

    @classmethod
    def from_vocab_merges(cls, vocab_file: str | os.PathLike, merges_file: str | os.PathLike,
                          add_prefix_space: bool = False) -> "ByteLevelBPETokenizer":
        """Build the tokenizer from GPT-2's original files: ``vocab.json`` (token -> id) and ``merges.txt``
        (one ``left right`` pair a line, after an optional ``#version`` line)."""
        vocab = read_json(vocab_file)
        try:
            with open(merges_file, encoding="utf-8") as handle:
                lines = handle.read().split("\n")
        except UnicodeDecodeError as error:
            raise ValueError(f"{os.fspath(merges_file)!r} is not UTF-8 text: {error}") from None
        merges = []
        for number, line in enumerate(lines, 1):
            if not line or (number == 1 and line.startswith("#version")):
                continue
            parts = line.split(" ")
            if len(parts) != 2:
                raise ValueError(f"{os.fspath(merges_file)!r} line {number}: expected 'left right', got {line!r}")
            merges.append((parts[0], parts[1]))
        try:
            return cls(vocab, merges, add_prefix_space)
        except ValueError as error:
            raise ValueError(f"{os.fspath(vocab_file)!r}, {os.fspath(merges_file)!r}: {error}") from None

    def train(self, texts: Iterable[str], vocab_size: int = 30000, min_frequency: int = 2,
              special_tokens: Iterable[str] = (), limit_alphabet: int | None = None,
              max_token_length: int | None = None) -> None:
        """Learn the merges from ``texts`` (an iterable of strings, e.g. a file's lines).

        Args:
            vocab_size: the final vocabulary size: special tokens, the 256 byte characters and the merges.
            min_frequency: a pair seen fewer times in the corpus is not merged.
            special_tokens: tokens given the first ids and matched verbatim when encoding.
            limit_alphabet, max_token_length: see :func:`~axonml.text.train_bpe`.
        """
        special_tokens = list(special_tokens)
        counts = _count_words(self, texts)
        vocab, merges = train_bpe(counts, vocab_size, min_frequency, special_tokens,
                                  pre_tokenizers.ByteLevel.alphabet(), limit_alphabet,
                                  max_token_length=max_token_length)
        self.model = BPE(vocab, merges)
        self._reset_added(special_tokens)


class WordPieceTokenizer(_Trainable):
    """BERT's tokenizer: BERT's normalizer and pre-tokenizer, WordPiece, and ``[CLS] ... [SEP]`` around the ids.

    Args:
        vocab: token -> id (``None``: only the special tokens, to be trained with :meth:`train`).
        unk_token, sep_token, cls_token: the special tokens; ``sep_token``/``cls_token`` frame each
            encoded text when both are in the vocabulary.
        lowercase, strip_accents, clean_text, handle_chinese_chars: see
            :class:`~axonml.text.normalizers.BertNormalizer`.
        wordpieces_prefix: the continuation marker.

    Example::

        >>> tok = WordPieceTokenizer()
        >>> tok.train(["the quick brown fox"] * 5, vocab_size=60)
        >>> tok.tokenize("the fox")
        ['the', 'fox']
    """

    _model_type = WordPiece

    def __init__(self, vocab: dict[str, int] | None = None, unk_token: str = "[UNK]", sep_token: str = "[SEP]",
                 cls_token: str = "[CLS]", lowercase: bool = True, strip_accents: bool | None = None,
                 clean_text: bool = True, handle_chinese_chars: bool = True, wordpieces_prefix: str = "##") -> None:
        self._specials = (unk_token, sep_token, cls_token)
        if vocab is None:
            vocab = {token: i for i, token in enumerate(dict.fromkeys(["[PAD]", unk_token, cls_token, sep_token,
                                                                       "[MASK]"]))}
        super().__init__(WordPiece(vocab, unk_token, wordpieces_prefix),
                         normalizers.BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase),
                         pre_tokenizers.BertPreTokenizer(), None, decoders.WordPiece(wordpieces_prefix))
        self._frame()
        self.add_special_tokens([t for t in vocab if t in self._specials or t in ("[PAD]", "[MASK]")])

    def _after_load(self) -> None:
        specials = {token for token in self.special_tokens}
        sep = next((t for t in ("[SEP]", "</s>") if t in specials), "[SEP]")
        cls = next((t for t in ("[CLS]", "<s>") if t in specials), "[CLS]")
        self._specials = (self.model.unk_token, sep, cls)

    def _frame(self) -> None:
        _, sep, cls = self._specials
        sep_id, cls_id = self.model.token_to_id(sep), self.model.token_to_id(cls)
        self.post_processor = (processors.TemplateProcessing(f"{cls} $A {sep}", [(cls, cls_id), (sep, sep_id)],
                                                             f"{cls} $A {sep} $B:1 {sep}:1")
                               if sep_id is not None and cls_id is not None else None)

    def train(self, texts: Iterable[str], vocab_size: int = 30000, min_frequency: int = 2,
              special_tokens: Iterable[str] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
              limit_alphabet: int | None = 1000) -> None:
        """Learn the vocabulary from ``texts``: BPE merges with the ``##`` prefix, kept as a WordPiece
        vocabulary (the ``tokenizers`` library trains WordPiece the same way)."""
        special_tokens = list(special_tokens)
        if self._specials[0] not in special_tokens:
            special_tokens.insert(0, self._specials[0])
        counts = _count_words(self, texts)
        vocab, _ = train_bpe(counts, vocab_size, min_frequency, special_tokens, (), limit_alphabet,
                             continuing_subword_prefix=self.model.continuing_subword_prefix)
        self.model = WordPiece(vocab, self.model.unk_token, self.model.continuing_subword_prefix,
                               self.model.max_input_chars_per_word)
        self._reset_added(special_tokens)
        self._frame()


class UnigramTokenizer(_Trainable):
    """A SentencePiece-style unigram tokenizer: spaces become ``"▁"`` (one is put before the text),
    words are split before each ``"▁"`` and segmented by Viterbi under the unigram model.

    ``decode(encode(text)) == text`` for any text made of characters seen in training.

    Args:
        vocab: ``(piece, score)`` pairs (``None``: only the unknown piece, to be trained with :meth:`train`).
        unk_id: the id of the unknown piece.
        replacement: the character that stands for a space.

    Example::

        >>> tok = UnigramTokenizer()
        >>> tok.train(["to be or not to be"] * 20, vocab_size=20)
        >>> tok.decode(tok.encode("not to be"))
        'not to be'
    """

    _model_type = Unigram

    def __init__(self, vocab: list[tuple[str, float]] | None = None, unk_id: int = 0, replacement: str = "▁") -> None:
        super().__init__(Unigram(vocab or [("<unk>", 0.0)], unk_id),
                         normalizers.Sequence([normalizers.Prepend(replacement),
                                               normalizers.Replace(" ", replacement)]),
                         pre_tokenizers.Metaspace(replacement, prepend_scheme="never", split=True), None,
                         decoders.Sequence([decoders.Replace(replacement, " "), decoders.Fuse(),
                                            decoders.Strip(" ", 1, 0)]))
        self.add_special_tokens([self.model.pieces[unk_id][0]])

    def train(self, texts: Iterable[str], vocab_size: int = 8000, special_tokens: Iterable[str] = (),
              unk_token: str = "<unk>", shrinking_factor: float = 0.75, max_piece_length: int = 16,
              n_sub_iterations: int = 2, seed_size: int = 1_000_000) -> None:
        """Train the model on ``texts`` with SentencePiece's EM and pruning (see :func:`~axonml.text.train_unigram`)."""
        counts = _count_words(self, texts)
        pieces, unk_id = train_unigram(counts, vocab_size, special_tokens, unk_token, shrinking_factor,
                                       max_piece_length, n_sub_iterations, seed_size)
        self.model = Unigram(pieces, unk_id)
        self._reset_added([unk_token, *special_tokens])
