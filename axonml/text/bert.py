"""BERT's tokenizer: the basic tokenizer (cleaning, lower-casing, accent stripping, punctuation and CJK
splitting) in front of WordPiece, loaded from a model directory's ``vocab.txt`` (transformers' ``BertTokenizer``).
"""
from __future__ import annotations

import os
from typing import Iterable, Sequence

import numpy as np

from ..creation import from_numpy
from ._io import read_json
from .normalizers import BertNormalizer
from .pre_tokenizers import BertPreTokenizer
from .subword import WordPieceTokenizer
from .wordpiece import load_vocab_txt

__all__ = ["BasicTokenizer", "BertTokenizer", "BatchEncoding"]


class BasicTokenizer:
    """BERT's word splitter, before WordPiece: clean the text, pad CJK ideographs with spaces, lower-case and
    strip accents, then split on whitespace and around punctuation.

    Args:
        do_lower_case: lower-case (and, unless ``strip_accents`` is False, strip accents).
        never_split: tokens left whole (they are split out before anything else).
        tokenize_chinese_chars: make each CJK ideograph a word.
        strip_accents: strip accents; ``None`` follows ``do_lower_case``.

    Example::

        >>> BasicTokenizer().tokenize("Héllo, WORLD!")
        ['hello', ',', 'world', '!']
    """

    def __init__(self, do_lower_case: bool = True, never_split: Iterable[str] | None = None,
                 tokenize_chinese_chars: bool = True, strip_accents: bool | None = None) -> None:
        self.never_split = set(never_split or ())
        self.normalizer = BertNormalizer(True, tokenize_chinese_chars, strip_accents, do_lower_case)
        self.pre_tokenizer = BertPreTokenizer()

    def tokenize(self, text: str) -> list[str]:
        if not self.never_split:
            return self.pre_tokenizer.split(self.normalizer(text))
        words: list[str] = []
        for word in text.split():
            if word in self.never_split:
                words.append(word)
            else:
                words.extend(self.pre_tokenizer.split(self.normalizer(word)))
        return words


class BatchEncoding(dict):
    """The dict ``BertTokenizer.__call__`` returns: ``input_ids``, ``token_type_ids``, ``attention_mask``,
    also readable as attributes (``batch.input_ids``)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class BertTokenizer(WordPieceTokenizer):
    """BERT's WordPiece tokenizer, with transformers' calling convention.

    Build it from a Hugging Face model directory with :meth:`from_pretrained`, or from a ``vocab.txt``.
    Words that do not decompose into the vocabulary become ``[UNK]``.

    Args:
        vocab_file: the ``vocab.txt`` (one token a line).
        do_lower_case, tokenize_chinese_chars, strip_accents: as in :class:`BasicTokenizer`.
        unk_token, sep_token, pad_token, cls_token, mask_token: the special tokens.
        model_max_length: the ``max_length`` that truncation uses when none is given.

    Example::

        >>> tok = BertTokenizer.from_pretrained("all-MiniLM-L6-v2")              # doctest: +SKIP
        >>> batch = tok(["a sentence", "another, longer sentence"], return_tensors="ax")  # doctest: +SKIP
        >>> batch["input_ids"].shape                                              # doctest: +SKIP
        axonml.Size([2, 6])
    """

    def __init__(self, vocab_file: str | os.PathLike, do_lower_case: bool = True, tokenize_chinese_chars: bool = True,
                 strip_accents: bool | None = None, unk_token: str = "[UNK]", sep_token: str = "[SEP]",
                 pad_token: str = "[PAD]", cls_token: str = "[CLS]", mask_token: str = "[MASK]",
                 model_max_length: int = 512) -> None:
        vocab = load_vocab_txt(vocab_file)
        for name, token in (("unk_token", unk_token), ("sep_token", sep_token), ("pad_token", pad_token),
                            ("cls_token", cls_token)):
            if token not in vocab:
                raise ValueError(f"{os.fspath(vocab_file)!r}: {name} {token!r} is not in the vocabulary")
        super().__init__(vocab, unk_token, sep_token, cls_token, lowercase=do_lower_case,
                         strip_accents=strip_accents, handle_chinese_chars=tokenize_chinese_chars)
        self.add_special_tokens([t for t in (pad_token, mask_token) if t in vocab])
        self._set_tokens(unk_token, sep_token, pad_token, cls_token, mask_token, model_max_length)

    def _set_tokens(self, unk_token: str, sep_token: str, pad_token: str, cls_token: str, mask_token: str,
                    model_max_length: int) -> None:
        self.unk_token, self.sep_token, self.pad_token = unk_token, sep_token, pad_token
        self.cls_token, self.mask_token = cls_token, mask_token
        pad_token_id = self.token_to_id(pad_token)
        if pad_token_id is None:
            raise ValueError(f"pad_token {pad_token!r} is not in the vocabulary")
        self.pad_token_id = pad_token_id
        self.model_max_length = model_max_length

    def _after_load(self) -> None:
        super()._after_load()
        _, sep, cls = self._specials
        self._set_tokens(self.model.unk_token, sep, "[PAD]", cls, "[MASK]", 512)

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike, **kwargs) -> "BertTokenizer":
        """Load ``vocab.txt`` and the settings of ``tokenizer_config.json`` (if present) from a model directory.

        Keyword arguments override the file's settings. Only local directories are read.
        """
        model_dir = os.fspath(model_dir)
        vocab_file = os.path.join(model_dir, "vocab.txt")
        if not os.path.isfile(vocab_file):
            raise FileNotFoundError(f"no vocab.txt in {model_dir!r}")
        settings = {}
        config_file = os.path.join(model_dir, "tokenizer_config.json")
        if os.path.isfile(config_file):
            config = read_json(config_file)
            if not isinstance(config, dict):
                raise ValueError(f"{config_file!r} does not hold a JSON object")
            for key in ("do_lower_case", "tokenize_chinese_chars", "strip_accents", "unk_token", "sep_token",
                        "pad_token", "cls_token", "mask_token", "model_max_length"):
                value = config.get(key)
                if isinstance(value, dict):  # an AddedToken written out by transformers
                    value = value.get("content")
                if value is not None or key == "strip_accents":
                    settings[key] = value
            if isinstance(settings.get("model_max_length"), (int, float)) and settings["model_max_length"] > 1e9:
                settings["model_max_length"] = 512  # transformers' "no limit" sentinel
        settings.update(kwargs)
        return cls(vocab_file, **settings)

    @property
    def vocab_size(self) -> int:
        return self.model.get_vocab_size()

    def __len__(self) -> int:
        return self.get_vocab_size()

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        unk = self.token_to_id(self.unk_token)
        if isinstance(tokens, str):
            found = self.token_to_id(tokens)
            return unk if found is None else found
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> str | list[str]:
        if isinstance(ids, (int, np.integer)):
            return self.id_to_token(int(ids))
        return [self.id_to_token(int(i)) for i in ids]

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False) -> str:
        """The text of ``ids``; unlike the ``tokenizers`` library, special tokens are kept unless asked."""
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        return super().decode(ids, skip_special_tokens)

    def __call__(self, texts: str | Sequence[str], padding: bool | str = True, truncation: bool = True,
                 max_length: int | None = None, return_tensors: str | None = "ax",
                 add_special_tokens: bool = True) -> BatchEncoding:
        """Encode one text or a batch into ``input_ids``, ``token_type_ids`` and ``attention_mask``.

        Args:
            texts: a string, or a list of strings.
            padding: ``True``/``"longest"`` pad to the longest text, ``"max_length"`` to ``max_length``,
                ``False`` not at all. Padding is on the right with ``[PAD]`` and mask 0.
            truncation: cut the text so that with its special tokens it fits ``max_length``
                (default ``model_max_length``).
            max_length: the length to truncate or pad to.
            return_tensors: ``"ax"`` for axonml int64 tensors of shape ``(batch, length)``, ``"np"``
                for NumPy arrays, ``None`` for lists (a single text then gives flat lists).
            add_special_tokens: frame each text with ``[CLS]`` and ``[SEP]``.
        """
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        if not all(isinstance(t, str) for t in batch):
            raise TypeError("BertTokenizer expects a str or a list of str")
        if return_tensors not in (None, "ax", "np"):
            raise ValueError(f"return_tensors must be 'ax', 'np' or None, got {return_tensors!r}")
        if padding is True:
            padding = "longest"
        if padding not in (False, "longest", "max_length", "do_not_pad"):
            raise ValueError(f"padding must be True, False, 'longest' or 'max_length', got {padding!r}")
        limit = max_length if max_length is not None else self.model_max_length
        extra = self.post_processor.num_special_tokens() if add_special_tokens and self.post_processor else 0
        if truncation and limit < extra:
            raise ValueError(f"max_length {limit} leaves no room for the {extra} special tokens")
        rows, types = [], []
        for text in batch:
            ids = self.encode(text, add_special_tokens=False)
            if truncation:
                ids = ids[:limit - extra]
            if add_special_tokens and self.post_processor is not None:
                ids, type_ids = self.post_processor.process(ids)
            else:
                type_ids = [0] * len(ids)
            rows.append(ids)
            types.append(type_ids)
        masks = [[1] * len(row) for row in rows]
        if padding in ("longest", "max_length"):
            width = max(len(row) for row in rows) if padding == "longest" else limit
            for row, type_ids, mask in zip(rows, types, masks):
                fill = width - len(row)
                row.extend([self.pad_token_id] * fill)
                type_ids.extend([0] * fill)
                mask.extend([0] * fill)
        if return_tensors is None:
            if single:
                rows, types, masks = rows[0], types[0], masks[0]
            return BatchEncoding(input_ids=rows, token_type_ids=types, attention_mask=masks)
        if len({len(row) for row in rows}) > 1:
            raise ValueError("the texts encode to different lengths; pass padding=True to return tensors")
        arrays = {name: np.array(value, dtype=np.int64).reshape(len(rows), -1)
                  for name, value in (("input_ids", rows), ("token_type_ids", types), ("attention_mask", masks))}
        if return_tensors == "np":
            return BatchEncoding(arrays)
        return BatchEncoding({name: from_numpy(array) for name, array in arrays.items()})
