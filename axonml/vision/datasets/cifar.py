"""CIFAR-10 and CIFAR-100 from the binary batches or torchvision's python-version folder."""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from . import _download
from ._pickle_reader import read_pickled_dict
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]

_IMAGE_BYTES = 3 * 32 * 32


class CIFAR10(VisionDataset):
    """`CIFAR-10 <https://www.cs.toronto.edu/~kriz/cifar.html>`_: 32×32 colour images in 10
    classes, 50,000 train and 10,000 test.

    Reads either layout found under ``root``:

    * the binary version, ``root/cifar-10-batches-bin/data_batch_{1..5}.bin`` and
      ``test_batch.bin`` (one label byte then 3,072 pixel bytes per image);
    * torchvision's python version, ``root/cifar-10-batches-py/data_batch_{1..5}`` and
      ``test_batch``. Those files are pickles; they are parsed by a restricted reader that
      accepts only dicts of bytes, numbers, lists and NumPy arrays, and never by ``pickle``.

    Args:
        root: the dataset folder.
        train: the training set if True, else the test set.
        transform (callable, optional): applied to each image, an (H, W, C) uint8 NumPy array.
        target_transform (callable, optional): applied to each label (an int).
        download: fetch and extract the binary version into ``root`` if neither layout is
            there (MD5-checked; mirrors in ``CIFAR10.mirrors``, preceded by any in
            ``$AXONML_DATASETS_MIRROR``).

    Attributes:
        data (np.ndarray): all images, uint8, shape (N, 32, 32, 3) as in torchvision.
        targets (list[int]): all labels.
    """

    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    archive = ("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")
    bin_folder = "cifar-10-batches-bin"
    bin_train = [f"data_batch_{i}.bin" for i in range(1, 6)]
    bin_test = ["test_batch.bin"]
    py_folder = "cifar-10-batches-py"
    py_train = [f"data_batch_{i}" for i in range(1, 6)]
    py_test = ["test_batch"]
    py_label_key = "labels"
    label_bytes = 1          # bytes before the pixels in a binary record; the last one is the label
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False):
        super().__init__(root, transform, target_transform)
        self.train = train
        if download:
            self.download()
        if self._has(self.bin_folder, self.bin_train + self.bin_test):
            images, labels = self._load_binary()
        elif self._has(self.py_folder, self.py_train + self.py_test):
            images, labels = self._load_python()
        else:
            raise RuntimeError(f"Dataset not found or incomplete: neither {os.path.join(self.root, self.bin_folder)} "
                               f"nor {os.path.join(self.root, self.py_folder)} holds the {type(self).__name__} files. "
                               f"You can use download=True to download it")
        self.data = images
        self.targets = labels.tolist()
        self._labels = labels

    def _has(self, folder: str, names: list[str]) -> bool:
        return all(os.path.isfile(os.path.join(self.root, folder, n)) for n in names)

    def _check_labels(self, labels: np.ndarray, path: str) -> None:
        if labels.size and labels.max() >= len(self.classes):
            raise RuntimeError(f"{path}: label {int(labels.max())} is out of range for {len(self.classes)} classes")

    def _load_binary(self):
        names = self.bin_train if self.train else self.bin_test
        record = self.label_bytes + _IMAGE_BYTES
        images, labels = [], []
        for name in names:
            path = os.path.join(self.root, self.bin_folder, name)
            raw = np.fromfile(path, dtype=np.uint8)
            if raw.size == 0 or raw.size % record:
                raise RuntimeError(f"{path}: {raw.size} bytes is not a whole number of {record}-byte records: the "
                                   f"file is truncated or corrupt")
            if images and raw.size // record != len(images[0]):
                raise RuntimeError(f"{path}: {raw.size // record} records where the other batches have "
                                   f"{len(images[0])}: the file is truncated or corrupt")
            rows = raw.reshape(-1, record)
            file_labels = rows[:, self.label_bytes - 1].astype(np.int64)
            self._check_labels(file_labels, path)
            images.append(rows[:, self.label_bytes:].reshape(-1, 3, 32, 32))
            labels.append(file_labels)
        return np.concatenate(images).transpose(0, 2, 3, 1).copy(), np.concatenate(labels)

    def _load_python(self):
        names = self.py_train if self.train else self.py_test
        images, labels = [], []
        for name in names:
            path = os.path.join(self.root, self.py_folder, name)
            entry = read_pickled_dict(path)
            data, file_labels = entry.get("data"), entry.get(self.py_label_key)
            if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
                    or data.shape[1] != _IMAGE_BYTES:
                raise RuntimeError(f"{path}: expected 'data' as a uint8 array of shape (N, {_IMAGE_BYTES})")
            file_labels = np.asarray(file_labels if file_labels is not None else [], dtype=np.int64)
            if file_labels.shape != (data.shape[0],):
                raise RuntimeError(f"{path}: {data.shape[0]} images but {file_labels.size} '{self.py_label_key}'")
            if file_labels.size and file_labels.min() < 0:
                raise RuntimeError(f"{path}: negative label {int(file_labels.min())}")
            self._check_labels(file_labels, path)
            images.append(data.reshape(-1, 3, 32, 32))
            labels.append(file_labels)
        return np.concatenate(images).transpose(0, 2, 3, 1).copy(), np.concatenate(labels)

    def download(self) -> None:
        """Fetch and extract the binary version into ``root`` unless a complete copy is there."""
        if self._has(self.bin_folder, self.bin_train + self.bin_test) or \
                self._has(self.py_folder, self.py_train + self.py_test):
            return
        filename, md5 = self.archive
        path = _download.download_file(self.mirrors, filename, self.root, md5)
        members = [f"{self.bin_folder}/{n}" for n in self.bin_train + self.bin_test]
        _download.extract_tar(path, self.root, members)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int):
        return self._apply(self.data[index], int(self._labels[index]))

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """`CIFAR-100 <https://www.cs.toronto.edu/~kriz/cifar.html>`_: like :class:`CIFAR10` with 100
    fine classes. Binary layout ``root/cifar-100-binary/{train,test}.bin`` (coarse label, fine
    label, pixels per record) or python layout ``root/cifar-100-python/{train,test}``; targets
    are the fine labels.
    """

    archive = ("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8")
    bin_folder = "cifar-100-binary"
    bin_train = ["train.bin"]
    bin_test = ["test.bin"]
    py_folder = "cifar-100-python"
    py_train = ["train"]
    py_test = ["test"]
    py_label_key = "fine_labels"
    label_bytes = 2
    classes = ["apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
               "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
               "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
               "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
               "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle",
               "mountain", "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear",
               "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon",
               "ray", "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail",
               "snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone",
               "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale",
               "willow_tree", "wolf", "woman", "worm"]
