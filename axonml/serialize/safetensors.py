"""safetensors files with axonml tensors: the API of ``safetensors.torch``.

Files are written by the ``safetensors`` library, so any safetensors tool reads them; reading
checks the header more strictly than the library does (a tensor named twice, overlapping or
uncovered offsets, sizes that do not match shapes are refused). ``safe_open`` maps the file and
reads only the tensors, or the slices of a tensor, that are asked for.

Example::

    >>> from axonml.serialize.safetensors import save_file, safe_open
    >>> save_file({"embedding": axonml.randn(1000, 64)}, "model.safetensors", metadata={"step": "10"})
    >>> with safe_open("model.safetensors", framework="ax") as f:
    ...     rows = f.get_slice("embedding")[:10]      # reads 10 rows, not the whole tensor
"""
from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from .._device import device as _device
from ..tensor import Tensor
from . import _structure
from .safetensors_io import atomic_write, parse_header

__all__ = ["save_file", "load_file", "save", "load", "safe_open"]

_FRAMEWORKS = ("ax", "axonml", "np", "numpy")


def _arrays_for_saving(tensors: dict[str, Tensor]) -> dict[str, np.ndarray]:
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, Tensor] but received {type(tensors).__name__}")
    for name, tensor in tensors.items():
        if not isinstance(name, str) or not isinstance(tensor, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected str and Tensor, received "
                             f"{type(name).__name__} and {type(tensor).__name__}")
    arrays = {name: tensor.detach().cpu().numpy() for name, tensor in tensors.items()}
    names = list(arrays)
    shared = [[names[i] for i in group] for group in _structure.group_by_buffer(list(arrays.values()))
              if len(group) > 1]
    if shared:
        raise RuntimeError(f"Some tensors share memory, this will lead to duplicate memory on disk and potential "
                           f"differences when loading them again: {shared}. Save them with axonml.save (which "
                           "stores one buffer once), or clone one of them.")
    for name, tensor in tensors.items():
        if not tensor.is_contiguous():
            raise ValueError(f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. It "
                             "either means you are trying to save tensors which are reference of each other in which "
                             "case it's recommended to save only the full tensors, and reslice at load time, or "
                             "simply call `.contiguous()` on your tensor to pack it before saving.")
    return arrays


def save(tensors: dict[str, Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors bytes of a ``{name: tensor}`` dict (``safetensors.torch.save``).

    Args:
        tensors (dict): contiguous tensors by name; tensors may not share memory.
        metadata (dict, optional): string keys and values for the header's ``__metadata__``.
    """
    import safetensors.numpy
    return safetensors.numpy.save(_arrays_for_saving(tensors), metadata=metadata)


def save_file(tensors: dict[str, Tensor], filename: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write a ``{name: tensor}`` dict as a safetensors file, atomically (``safetensors.torch.save_file``).

    Args:
        tensors (dict): contiguous tensors by name; tensors may not share memory.
        filename (str or os.PathLike): where to write.
        metadata (dict, optional): string keys and values for the header's ``__metadata__``.
    """
    import safetensors.numpy
    arrays = _arrays_for_saving(tensors)
    with atomic_write(filename) as temporary:
        safetensors.numpy.save_file(arrays, temporary, metadata=metadata)


def load_file(filename: str | os.PathLike, device: str | _device = "cpu") -> dict[str, Tensor]:
    """Read a safetensors file as a ``{name: tensor}`` dict (``safetensors.torch.load_file``)."""
    with safe_open(filename, framework="ax", device=device) as handle:
        return {name: handle.get_tensor(name) for name in handle.keys()}


def load(data: bytes) -> dict[str, Tensor]:
    """Read safetensors bytes as a ``{name: tensor}`` dict (``safetensors.torch.load``)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load expects bytes, got {type(data).__name__}")
    stream = io.BytesIO(data)
    header = parse_header(stream, len(data), "<bytes>")
    return {name: _tensor(np.frombuffer(data, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)),
                                        offset=header.data_start + start).reshape(shape).copy(), None)
            for name, (dtype, shape, start, _) in header.entries.items()}


def _tensor(array: np.ndarray, device):
    from ..creation import from_numpy
    tensor = from_numpy(array)
    return tensor if device is None or device == tensor.device else tensor.to(device)


class safe_open:
    """Open a safetensors file for lazy reading (``safetensors.safe_open``).

    The header is read and checked when the file is opened; tensor bytes are read only by
    ``get_tensor`` and ``get_slice``, through a read-only memory map.

    Args:
        filename (str or os.PathLike): the file.
        framework (str): ``"ax"`` for axonml tensors, ``"np"`` for NumPy arrays.
        device (str or axonml.device): where ``get_tensor`` puts tensors. Default: ``"cpu"``.

    Example::

        >>> with safe_open("model.safetensors", framework="ax") as f:
        ...     weight = f.get_tensor("fc.weight")
    """

    def __init__(self, filename: str | os.PathLike, framework: str = "ax", device: str | _device = "cpu"):
        if framework not in _FRAMEWORKS:
            raise ValueError(f"framework {framework!r} is not supported: use 'ax' (axonml tensors) or 'np'")
        self._numpy = framework in ("np", "numpy")
        self._device = None if self._numpy else _device(device)
        self._name = f"'{os.fspath(filename)}'"
        if not os.path.exists(filename):
            raise FileNotFoundError(f"No such file or directory: {self._name}")
        with open(filename, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._header = parse_header(handle, size, self._name)
        self._data = None
        if size > self._header.data_start:
            self._data = np.memmap(filename, dtype=np.uint8, mode="r", offset=self._header.data_start,
                                   shape=(size - self._header.data_start,))

    def __enter__(self) -> "safe_open":
        return self

    def __exit__(self, *exc_info) -> None:
        self._data = None

    def keys(self) -> list[str]:
        """The tensor names, sorted (as safetensors returns them)."""
        return sorted(self._header.entries)

    def offset_keys(self) -> list[str]:
        """The tensor names in the order of their bytes in the file."""
        return list(self._header.entries)

    def metadata(self) -> dict[str, str]:
        """The header's ``__metadata__`` (empty if it has none)."""
        return dict(self._header.metadata)

    def _mapped(self, name: str) -> np.ndarray:
        try:
            dtype, shape, start, end = self._header.entries[name]
        except KeyError:
            raise KeyError(f"File does not contain tensor {name}") from None
        if start == end:
            return np.empty(shape, dtype)
        return self._data[start:end].view(np.ndarray).view(dtype).reshape(shape)

    def _out(self, array: np.ndarray):
        array = np.array(array, copy=True, order="C")   # reads exactly these bytes from the map
        return array if self._numpy else _tensor(array, self._device)

    def get_tensor(self, name: str) -> Any:
        """The tensor ``name``, read from the file."""
        return self._out(self._mapped(name))

    def get_slice(self, name: str) -> "_Slice":
        """A lazy view of ``name``: index it (``f.get_slice(name)[:10, 2:]``) to read only that part."""
        self._mapped(name)
        return _Slice(self, name)


class _Slice:
    __slots__ = ("_file", "_name")

    def __init__(self, file: safe_open, name: str):
        self._file, self._name = file, name

    def get_shape(self) -> list[int]:
        return list(self._file._header.entries[self._name][1])

    def get_dtype(self) -> str:
        return self._file._header.dtype_names[self._name]

    def __getitem__(self, index) -> Any:
        return self._file._out(self._file._mapped(self._name)[index])
