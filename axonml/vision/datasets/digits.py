"""The UCI handwritten digits (8×8), shipped inside the package: a dataset that needs no download."""
from __future__ import annotations

import gzip
import importlib.resources
import os
from typing import Callable

import numpy as np

from ...tensor import Tensor, _make
from .vision import VisionDataset

__all__ = ["Digits"]

_FILENAME = "digits.csv.gz"
_COUNT = 1797


def _split_order(n: int) -> np.ndarray:
    """A fixed pseudo-random order of range(n), the same on every machine and NumPy version
    (Knuth's multiplicative hash, not a seeded RNG)."""
    keys = (np.arange(n, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(2 ** 32)
    return np.argsort(keys, kind="stable")


class Digits(VisionDataset):
    """The UCI Optical Recognition of Handwritten Digits test set: 1,797 grey 8×8 images of the
    digits 0-9, pixel values 0..16 (Alpaydin and Kaynak, 1998; CC BY 4.0).

    The data ships with axonml, so this dataset works offline. A fixed, deterministic split puts
    ``test_fraction`` of the images in the test set and the rest in the training set.

    Args:
        root (optional): a folder holding ``digits.csv.gz``; default: the copy in the package.
        train: the training part if True, else the test part.
        transform (callable, optional): applied to each image, an (8, 8) uint8 array with
            values 0..16 (``axonml.data.transforms.Scale(1 / 16)`` after ``ToTensor`` maps it to [0, 1]).
        target_transform (callable, optional): applied to each label (an int).
        test_fraction: the share of images in the test part. Default: 0.2.

    Attributes:
        data (Tensor): the part's images, uint8, shape (N, 8, 8).
        targets (Tensor): the part's labels, int64, shape (N,).

    Example::

        >>> train = Digits(train=True)
        >>> len(train), len(Digits(train=False))
        (1438, 359)
    """

    classes = [str(d) for d in range(10)]
    max_value = 16

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 test_fraction: float = 0.2):
        super().__init__(root, transform, target_transform)
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
        self.train = train
        self.test_fraction = test_fraction
        images, labels = self._load()
        order = _split_order(len(images))
        n_test = int(round(len(images) * test_fraction))
        chosen = np.sort(order[n_test:] if train else order[:n_test])
        self._images = np.ascontiguousarray(images[chosen])
        self._labels = labels[chosen]

    def _load(self):
        if self.root is not None:
            path = os.path.join(self.root, _FILENAME)
            with open(path, "rb") as f:
                raw = f.read()
        else:
            resource = importlib.resources.files(__package__).joinpath("_embedded", _FILENAME)
            path = str(resource)
            raw = resource.read_bytes()
        try:
            text = gzip.decompress(raw).decode("ascii")
            table = np.array([[int(v) for v in line.split(",")] for line in text.splitlines() if line.strip()],
                             dtype=np.int64)
        except (OSError, EOFError, ValueError, UnicodeDecodeError) as error:
            raise RuntimeError(f"{path}: not a valid digits file ({error})") from None
        if table.ndim != 2 or table.shape[1] != 65:
            raise RuntimeError(f"{path}: expected rows of 64 pixels and a label")
        pixels, labels = table[:, :64], table[:, 64]
        if pixels.min() < 0 or pixels.max() > self.max_value or labels.min() < 0 or labels.max() > 9:
            raise RuntimeError(f"{path}: pixel values must be 0..16 and labels 0..9")
        return pixels.astype(np.uint8).reshape(-1, 8, 8), labels

    @property
    def data(self) -> Tensor:
        return _make(self._images)

    @property
    def targets(self) -> Tensor:
        return _make(self._labels)

    def __getitem__(self, index: int):
        return self._apply(self._images[index], int(self._labels[index]))

    def __len__(self) -> int:
        return len(self._images)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'} (test_fraction={self.test_fraction})"
