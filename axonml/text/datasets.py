"""Datasets that read plain text files: labelled texts for classification, token streams for language models."""
from __future__ import annotations

import os
from typing import Callable, Iterable, Protocol

import numpy as np

from ..creation import from_numpy
from ..data.dataset import Dataset
from ..tensor import Tensor

__all__ = ["TextClassificationDataset", "LanguageModelDataset"]


class _Encoder(Protocol):
    def encode(self, text: str) -> list[int]: ...


def _read_text(path: str, encoding: str) -> str:
    try:
        with open(path, encoding=encoding, newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ValueError(f"{path!r} is not valid {encoding} text: {error}") from None


class TextClassificationDataset(Dataset):
    """Labelled texts from plain files, in one of two layouts:

    - a file with one sample a line, ``label<TAB>text`` (the label is the text before the first tab);
    - a directory with one sub-directory per class, each ``.txt`` file in it one sample (IMDB's layout).

    Classes are sorted by name and numbered from 0, as ``ImageFolder`` does.

    Args:
        root: the file or the directory.
        tokenizer: if given, samples are ``(LongTensor of token ids, label)`` from ``tokenizer.encode``;
            otherwise ``(text, label)``.
        transform: applied to the text (before the tokenizer).
        encoding: the files' text encoding.

    Example::

        >>> ds = TextClassificationDataset("reviews.tsv", tokenizer=tok)   # doctest: +SKIP
        >>> ids, label = ds[0]                                            # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike, tokenizer: _Encoder | None = None,
                 transform: Callable[[str], str] | None = None, encoding: str = "utf-8") -> None:
        root = os.fspath(root)
        texts: list[str] = []
        labels: list[str] = []
        if os.path.isdir(root):
            for name in sorted(os.listdir(root)):
                folder = os.path.join(root, name)
                if not os.path.isdir(folder):
                    continue
                for file_name in sorted(os.listdir(folder)):
                    path = os.path.join(folder, file_name)
                    if file_name.endswith(".txt") and os.path.isfile(path):
                        texts.append(_read_text(path, encoding))
                        labels.append(name)
        elif os.path.isfile(root):
            for number, line in enumerate(_read_text(root, encoding).splitlines(), 1):
                if not line.strip():
                    continue
                label, tab, text = line.partition("\t")
                if not tab or not label:
                    raise ValueError(f"{root!r} line {number}: expected 'label<TAB>text', got {line[:60]!r}")
                texts.append(text)
                labels.append(label)
        else:
            raise FileNotFoundError(f"no such file or directory: {root!r}")
        if not texts:
            raise RuntimeError(f"found no samples in {root!r}")
        self.classes = sorted(set(labels))
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.texts = texts
        self.targets = [self.class_to_idx[label] for label in labels]
        self.tokenizer = tokenizer
        self.transform = transform

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index: int) -> tuple[str | Tensor, int]:
        text = self.texts[index]
        if self.transform is not None:
            text = self.transform(text)
        if self.tokenizer is None:
            return text, self.targets[index]
        return from_numpy(np.array(self.tokenizer.encode(text), dtype=np.int64)), self.targets[index]


class LanguageModelDataset(Dataset):
    """A text file (or several) as one token stream, cut into ``(input, target)`` windows where
    ``target`` is ``input`` shifted by one token: next-token prediction.

    Args:
        paths: a text file or a list of them, read in order.
        tokenizer: anything with ``encode(text) -> list[int]``; each file is encoded whole.
        seq_len: tokens per window.
        stride: tokens between window starts (default ``seq_len``: windows do not overlap).
        encoding: the files' text encoding.

    Shape:
        - Output: ``(seq_len,)`` and ``(seq_len,)`` int64 tensors.

    Example::

        >>> ds = LanguageModelDataset("hamlet.txt", tokenizer, seq_len=128)   # doctest: +SKIP
        >>> inputs, targets = ds[0]                                          # doctest: +SKIP
    """

    def __init__(self, paths: str | os.PathLike | Iterable[str | os.PathLike], tokenizer: _Encoder, seq_len: int,
                 stride: int | None = None, encoding: str = "utf-8") -> None:
        if type(seq_len) is not int or seq_len < 1:
            raise ValueError(f"seq_len must be a positive int, got {seq_len!r}")
        stride = seq_len if stride is None else stride
        if type(stride) is not int or stride < 1:
            raise ValueError(f"stride must be a positive int, got {stride!r}")
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        ids: list[int] = []
        for path in paths:
            ids.extend(tokenizer.encode(_read_text(os.fspath(path), encoding)))
        self.tokens = np.asarray(ids, dtype=np.int64)
        self.seq_len, self.stride = seq_len, stride
        if len(self.tokens) < seq_len + 1:
            raise ValueError(f"the text has {len(self.tokens)} tokens, fewer than seq_len + 1 = {seq_len + 1}")

    def __len__(self) -> int:
        return (len(self.tokens) - self.seq_len - 1) // self.stride + 1

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(f"index {index} is out of range for a dataset of {count} windows")
        start = index * self.stride
        window = self.tokens[start:start + self.seq_len + 1]
        return from_numpy(window[:-1].copy()), from_numpy(window[1:].copy())
