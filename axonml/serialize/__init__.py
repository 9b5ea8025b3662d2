"""Saving and loading without pickle: axonml.save/load, safetensors, PyTorch checkpoints, archives.

A flat ``{name: tensor}`` dict (a model's state_dict) is an ordinary safetensors file, readable
by any safetensors tool. Anything else that is nested data (an optimizer's state_dict, a
checkpoint dict with epochs and metrics) is stored as a safetensors file holding its tensors,
with the structure as JSON in the file's metadata (the format is in docs/serialization.md).
``axonml.load`` also reads PyTorch checkpoints, interpreting their pickle instead of running it.

Also here: :mod:`~axonml.serialize.safetensors` (the ``safetensors.torch`` API),
:class:`CheckpointManager` (crash-safe training checkpoints), ``.axonml`` HDF5 model archives
(:func:`save_archive`, :func:`load_archive`) and :func:`extract_archive` for zip/tar files.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .._device import device as _device
from ..tensor import Tensor
from . import _structure
from ._pickle_machine import UnsafeCheckpointError
from . import safetensors
from .archive import load_archive, save_archive
from .checkpoint import CheckpointInfo, CheckpointManager
from .extract import ArchiveError, extract_archive
from .safetensors_io import read_arrays, write_arrays

__all__ = ["save", "load", "save_state_dict", "load_state_dict", "UnsafeCheckpointError", "FORMAT_VERSION",
           "CheckpointManager", "CheckpointInfo", "save_archive", "load_archive", "extract_archive", "ArchiveError", "safetensors"]

FORMAT_VERSION = 1                   # of the files axonml.save writes; load refuses newer ones
_FORMAT_KEY = "axonml.format"
_ORDER_KEY = "axonml.keys"           # the state dict's key order (safetensors sorts tensors by size)
_ALIASES_KEY = "axonml.aliases"      # {name: name it is the same tensor as}: tied weights stored once
_STRUCTURE_KEY = "axonml.structure"  # JSON of a nested object, for axonml.save
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # an .axonml archive: load gives its weights


def _is_tensor_dict(obj) -> bool:
    return isinstance(obj, dict) and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items())


def _target_device(map_location):
    if map_location is None:
        return None
    if isinstance(map_location, (str, _device)):
        return _device(map_location)
    raise TypeError(f"map_location must be a device or a device string, got {type(map_location).__name__}")


def _to_tensor(array: np.ndarray, device, requires_grad: bool = False) -> Tensor:
    from .._dtype import _BY_NUMPY
    from ..creation import from_numpy
    if array.dtype not in _BY_NUMPY:
        raise ValueError(f"a tensor of NumPy dtype {array.dtype}, which axonml tensors do not have")
    tensor = from_numpy(array if array.flags.writeable else array.copy())
    if device is not None and device != tensor.device:
        tensor = tensor.to(device)
    if requires_grad and tensor.is_floating_point():
        tensor.requires_grad_(True)
    return tensor


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape
            and a.strides == b.strides and a.dtype == b.dtype)


def save_state_dict(state_dict: dict[str, Tensor], path: str | os.PathLike) -> None:
    """Write a ``{name: tensor}`` dict as a safetensors file (atomically when path is a path).

    A tensor saved under several names (a tied embedding and output weight) is stored once, with
    the other names recorded as aliases. Tensors that are different views of one buffer are stored
    as that buffer once (see docs/serialization.md), as ``axonml.save`` does.

    Args:
        state_dict (dict): tensors by name, e.g. ``model.state_dict()``.
        path (str or os.PathLike or file object): where to write.

    Example::

        >>> axonml.serialize.save_state_dict(model.state_dict(), "model.safetensors")
    """
    if not _is_tensor_dict(state_dict):
        raise TypeError("save_state_dict expects a dict mapping str to Tensor; use axonml.save for other objects")
    names = list(state_dict)
    arrays = [state_dict[name].detach().cpu().numpy() for name in names]
    aliases: dict[str, str] = {}
    for group in _structure.group_by_buffer(arrays):
        first = group[0]
        if not all(_same_view(arrays[i], arrays[first]) for i in group):
            _save_structure(state_dict, path)   # partial views of one buffer: keep them views
            return
        aliases.update((names[i], names[first]) for i in group[1:])
    metadata = {_FORMAT_KEY: str(FORMAT_VERSION), _ORDER_KEY: json.dumps(names)}
    if aliases:
        metadata[_ALIASES_KEY] = json.dumps(aliases)
    write_arrays({name: array for name, array in zip(names, arrays) if name not in aliases}, path, metadata)


def _save_structure(obj, f) -> None:
    structure, arrays, _ = _structure.encode(obj)
    write_arrays(arrays, f, {_FORMAT_KEY: str(FORMAT_VERSION), _STRUCTURE_KEY: structure})


def load_state_dict(path: str | os.PathLike, device: str | _device | None = "cpu") -> dict[str, Tensor]:
    """Read a ``{name: tensor}`` file (safetensors, or a PyTorch state dict) in the order it was saved.

    Args:
        path (str or os.PathLike or file object): the file.
        device (str or axonml.device): where to put the tensors. Default: ``"cpu"``.

    Raises:
        ValueError: the file is truncated, corrupt, not a tensor file, or holds more than tensors by name.
    """
    state = load(path, map_location=device)
    if not _is_tensor_dict(state):
        raise ValueError(f"{_describe(path)} holds a {type(state).__name__}, not a dict of tensors by name")
    return state


def _ordered_names(arrays, metadata, source) -> list[str]:
    aliases = _json_entry(metadata, _ALIASES_KEY, dict, source) or {}
    if not all(isinstance(k, str) and isinstance(v, str) and v in arrays and k not in arrays
               for k, v in aliases.items()):
        raise ValueError(f"{_describe(source)} has aliases that do not name its tensors")
    order = _json_entry(metadata, _ORDER_KEY, list, source)
    if order is None:
        return list(arrays) + list(aliases)
    if sorted(map(str, order)) != sorted(list(arrays) + list(aliases)):
        raise ValueError(f"{_describe(source)} has a key order that does not match its tensors")
    return order


def _json_entry(metadata, key, kind, source):
    text = metadata.get(key)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        value = None
    if not isinstance(value, kind):
        raise ValueError(f"{_describe(source)} has a malformed {key} entry")
    return value


def _check_format(metadata, source) -> None:
    version = metadata.get(_FORMAT_KEY)
    if version is None:
        return  # a safetensors file from another tool, or from axonml before the format was versioned
    if not version.isdigit():
        raise ValueError(f"{_describe(source)} has a malformed format version {version[:20]!r}")
    if int(version) > FORMAT_VERSION:
        raise ValueError(f"{_describe(source)} was written in axonml file format {int(version)}; this axonml reads "
                         f"format {FORMAT_VERSION} and older: upgrade axonml to load it")


def _describe(source) -> str:
    return f"'{os.fspath(source)}'" if isinstance(source, (str, os.PathLike)) else f"<{type(source).__name__}>"


def save(obj: Any, f: str | os.PathLike) -> None:
    """Save tensors, or nested data holding tensors, to a safetensors file (PyTorch's torch.save).

    A ``{name: tensor}`` dict is written as a plain safetensors file; other objects (an optimizer
    state_dict, a checkpoint dict, a single tensor) may nest dicts, lists and tuples of tensors,
    NumPy arrays, numbers, strings, None, dtypes and devices. Tensors that view one buffer are
    stored once and come back as views of one buffer. Paths are written atomically.

    Args:
        obj: what to save.
        f (str or os.PathLike or file object): where to write.

    Example::

        >>> axonml.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3},
        ...             "checkpoint.safetensors")
    """
    if _is_tensor_dict(obj) and obj:
        save_state_dict(obj, f)
        return
    _save_structure(obj, f)


def _head(f) -> bytes:
    if hasattr(f, "read"):
        position = f.tell()
        head = f.read(16)
        f.seek(position)
        return head
    with open(f, "rb") as handle:
        return handle.read(16)


def load(f: str | os.PathLike, map_location: str | _device | None = None, mmap: bool = False, *,
         weights_only: bool = True) -> Any:
    """Load what ``axonml.save`` wrote, any safetensors file, or a PyTorch checkpoint (``torch.save``).

    Loading never executes code. axonml and safetensors files hold only arrays and JSON; a
    PyTorch checkpoint's pickle is interpreted, not run: only tensors, parameters, storages and
    containers are rebuilt, and any other callable it names raises :class:`UnsafeCheckpointError`.

    Args:
        f (str or os.PathLike or file object): the file.
        map_location (str or axonml.device, optional): where to put the tensors. Default: the CPU.
        mmap (bool): map tensors from the file instead of reading them (PyTorch zip checkpoints).
        weights_only (bool): accepted for PyTorch compatibility; loading is always data-only.

    Raises:
        UnsafeCheckpointError: a PyTorch checkpoint that would run code if unpickled.
        ValueError: the file is truncated, corrupt, hostile or of no format axonml reads.

    Example::

        >>> model.load_state_dict(axonml.load("resnet18.pth"))
    """
    from .pytorch import is_pytorch_checkpoint, load_pytorch
    if not hasattr(f, "read") and not os.path.exists(f):
        raise FileNotFoundError(f"No such file or directory: {_describe(f)}")
    head = _head(f)
    if is_pytorch_checkpoint(head):
        return load_pytorch(f, map_location=map_location, mmap=mmap)
    if head[:8] == _HDF5_SIGNATURE:
        if hasattr(f, "read"):
            raise ValueError(".axonml archives are read from a path, not a file object")
        from .archive import read_archive
        target = _target_device(map_location)
        return {name: _to_tensor(array, target) for name, array in read_archive(f)["weights"].items()}
    arrays, metadata = read_arrays(f, mmap=mmap)
    _check_format(metadata, f)
    target = _target_device(map_location)
    structure = metadata.get(_STRUCTURE_KEY)
    if structure is None:
        names = _ordered_names(arrays, metadata, f)
        aliases = _json_entry(metadata, _ALIASES_KEY, dict, f) or {}
        try:
            tensors = {name: _to_tensor(array, target) for name, array in arrays.items()}
        except ValueError as error:
            raise ValueError(f"{_describe(f)} holds {error}") from None
        return {name: tensors[aliases.get(name, name)] for name in names}
    try:
        return _structure.decode(structure, lambda array, requires_grad: _to_tensor(array, target, requires_grad),
                                 arrays)
    except ValueError as error:
        raise ValueError(f"{_describe(f)} is not a valid axonml file: {error}") from None
