"""MNIST and Fashion-MNIST from their IDX files (raw or gzip-compressed)."""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from typing import Callable

import numpy as np

from ...tensor import Tensor, _make
from . import _download
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type codes (third byte of the magic number) -> big-endian NumPy dtypes.
_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    """The file's bytes, decompressed if it is gzip (by its magic bytes, not its name)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise RuntimeError(f"{path}: corrupt or truncated gzip data ({error})") from None


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (the MNIST format), raw or gzip-compressed, checking its header and size.

    Raises:
        RuntimeError: naming the file, if the magic number is wrong or the size does not match
            the header (truncated or padded files).
    """
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise RuntimeError(f"{path}: truncated IDX file ({len(raw)} bytes, not even a header)")
    type_code, ndim = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or type_code not in _IDX_TYPES or ndim == 0:
        raise RuntimeError(f"{path}: not an IDX file (bad magic number 0x{raw[:4].hex()})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path}: truncated IDX header ({len(raw)} bytes, {header} needed)")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_TYPES[type_code]
    count = int(np.prod(dims, dtype=np.int64))
    expected = header + count * dtype.itemsize
    if len(raw) < expected:
        raise RuntimeError(f"{path}: truncated IDX file: the header announces shape {dims} ({expected} bytes) but "
                           f"the data has {len(raw)} bytes")
    if len(raw) > expected:
        raise RuntimeError(f"{path}: corrupt IDX file: {len(raw) - expected} bytes after the {dims} data the header "
                           f"announces")
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))   # a writable copy in native byte order


class MNIST(VisionDataset):
    """`MNIST <http://yann.lecun.com/exdb/mnist/>`_: 28×28 grey handwritten digits, 60,000 train
    and 10,000 test images.

    The IDX files (``train-images-idx3-ubyte`` ..., raw or ``.gz``) are looked for in
    ``root/MNIST/raw/`` (torchvision's layout) and then directly in ``root``.

    Args:
        root: the dataset folder.
        train: the training set if True, else the test set.
        transform (callable, optional): applied to each image, an (H, W) uint8 NumPy array.
        target_transform (callable, optional): applied to each label (an int).
        download: fetch the files into ``root/MNIST/raw/`` if they are missing. Mirrors are tried
            in order (``MNIST.mirrors``, preceded by any in ``$AXONML_DATASETS_MIRROR``) and each
            file's MD5 is checked.

    Attributes:
        data (Tensor): all images, uint8, shape (N, 28, 28).
        targets (Tensor): all labels, int64, shape (N,).

    Example::

        >>> train = MNIST("data", train=True, transform=vision.transforms.Compose([
        ...     vision.transforms.ToTensor(), vision.transforms.Normalize((0.1307,), (0.3081,))]))
        >>> image, label = train[0]        # image: (1, 28, 28) float32
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False):
        super().__init__(root, transform, target_transform)
        self.train = train
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images_path = self._find(f"{prefix}-images-idx3-ubyte")
        labels_path = self._find(f"{prefix}-labels-idx1-ubyte")
        self._images = self._read_images(images_path)
        self._labels = self._read_labels(labels_path)
        if len(self._images) != len(self._labels):
            raise RuntimeError(f"{images_path} holds {len(self._images)} images but {labels_path} holds "
                               f"{len(self._labels)} labels")

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def data(self) -> Tensor:
        return _make(self._images)

    @property
    def targets(self) -> Tensor:
        return _make(self._labels)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _find(self, stem: str) -> str:
        candidates = [os.path.join(folder, name) for folder in (self.raw_folder, self.root)
                      for name in (stem, stem + ".gz")]
        for path in candidates:
            if os.path.isfile(path):
                return path
        raise RuntimeError(f"Dataset not found: none of {candidates} exists. You can use download=True to "
                           f"download it")

    @staticmethod
    def _read_images(path: str) -> np.ndarray:
        images = read_idx(path)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise RuntimeError(f"{path}: expected uint8 images of shape (N, H, W), got {images.dtype} of shape "
                               f"{images.shape}")
        return images

    def _read_labels(self, path: str) -> np.ndarray:
        labels = read_idx(path)
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise RuntimeError(f"{path}: expected uint8 labels of shape (N,), got {labels.dtype} of shape "
                               f"{labels.shape}")
        if labels.size and labels.max() >= len(self.classes):
            raise RuntimeError(f"{path}: label {int(labels.max())} is out of range for {len(self.classes)} classes")
        return labels.astype(np.int64)

    def _check_exists(self) -> bool:
        try:
            for filename, _ in self.resources:
                self._find(filename[:-3])
        except RuntimeError:
            return False
        return True

    def download(self) -> None:
        """Fetch the missing files into ``raw_folder`` (MD5-checked, written atomically)."""
        if self._check_exists():
            return
        for filename, md5 in self.resources:
            _download.download_file(self.mirrors, filename, self.raw_folder, md5)

    def __getitem__(self, index: int):
        return self._apply(self._images[index], int(self._labels[index]))

    def __len__(self) -> int:
        return len(self._images)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """`Fashion-MNIST <https://github.com/zalandoresearch/fashion-mnist>`_: 28×28 grey images of
    clothing in 10 classes, the same files and layout as :class:`MNIST` (``root/FashionMNIST/raw/``).
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
