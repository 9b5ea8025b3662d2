"""Nested Python structures <-> (named arrays, JSON): how axonml.save stores what is not a flat dict of tensors.

Tensors go to the safetensors payload under readable path-like names; everything else becomes
JSON in the file's metadata. Tuples and dicts (with keys of any JSON-able hashable type, such as
an optimizer state's integer indices) are tagged so they come back as they went in. Decoding is
pure data: an unknown tag or a dangling tensor name is an error, never code.
"""
from __future__ import annotations

import json
import numbers

import numpy as np

from .._device import device as _device
from .._dtype import dtype as _dtype
from .._dtype import from_numpy_dtype, to_dtype
from ..tensor import Tensor

__all__ = ["encode", "decode"]

_TENSOR, _ARRAY, _TUPLE, _DICT, _DTYPE, _DEVICE = "__tensor__", "__ndarray__", "__tuple__", "__dict__", "__dtype__", \
    "__device__"
_VIEW = "view"  # [dtype, byte offset, shape, byte strides] of a tensor stored as part of a shared buffer


def encode(obj) -> tuple[str, dict[str, np.ndarray], dict[str, Tensor]]:
    """(the structure as JSON, arrays by name, tensors by name) for obj.

    Tensors that view one buffer (slices, transposes, a tied weight saved under two names) are
    stored once, as that buffer's bytes, and each is described by its dtype, byte offset, shape
    and byte strides, so they come back as views of one buffer.
    """
    arrays: dict[str, np.ndarray] = {}
    tensors: dict[str, Tensor] = {}
    names_by_id: dict[int, str] = {}
    open_containers: set[int] = set()
    tensor_nodes: list[tuple[dict, np.ndarray]] = []
    node_by_id: dict[int, dict] = {}

    def unique(path: str) -> str:
        name, n = path or "value", 1
        while name in arrays or name in tensors:
            n += 1
            name = f"{path or 'value'}#{n}"
        return name

    def name_for(item, path: str) -> str:
        if id(item) in names_by_id:
            return names_by_id[id(item)]
        name = unique(path)
        names_by_id[id(item)] = name
        if isinstance(item, Tensor):
            tensors[name] = item
        else:
            arrays[name] = item
        return name

    def walk(item, path: str):
        if item is None or isinstance(item, (bool, str)):
            return item
        if isinstance(item, np.bool_):
            return bool(item)
        if isinstance(item, numbers.Integral):
            return int(item)
        if isinstance(item, numbers.Real):
            return float(item)
        if isinstance(item, Tensor):
            if id(item) not in node_by_id:   # the same node object everywhere: grouping below edits it once
                node_by_id[id(item)] = {_TENSOR: name_for(item, path), "requires_grad": item.requires_grad}
                tensor_nodes.append((node_by_id[id(item)], item.detach().cpu().numpy()))
            return node_by_id[id(item)]
        if isinstance(item, np.ndarray):
            return {_ARRAY: name_for(item, path)}
        if isinstance(item, _dtype):
            return {_DTYPE: str(item).removeprefix("axonml.")}
        if isinstance(item, _device):
            return {_DEVICE: str(item)}
        if isinstance(item, (list, tuple, dict)):
            if id(item) in open_containers:
                raise ValueError("axonml.save cannot store a structure that contains itself")
            open_containers.add(id(item))
            try:
                if isinstance(item, dict):
                    return {_DICT: [[walk(k, ""), walk(v, _join(path, k))] for k, v in item.items()]}
                encoded = [walk(v, _join(path, i)) for i, v in enumerate(item)]
                return encoded if isinstance(item, list) else {_TUPLE: encoded}
            finally:
                open_containers.discard(id(item))
        raise TypeError(f"axonml.save cannot store an object of type {type(item).__module__}.{type(item).__name__}: "
                        "only tensors, NumPy arrays, numbers, strings, None, dtypes, devices and "
                        "lists/tuples/dicts of them")

    tree = walk(obj, "")
    for group in group_by_buffer([array for _, array in tensor_nodes]):
        if len(group) == 1:
            node, array = tensor_nodes[group[0]]
            arrays[node[_TENSOR]] = array
            continue
        members = [tensor_nodes[i] for i in group]
        storage, offsets = buffer_span([array for _, array in members])
        storage_name = unique(members[0][0][_TENSOR] + ".storage")
        arrays[storage_name] = storage
        for (node, array), offset in zip(members, offsets):
            node[_TENSOR] = storage_name
            node[_VIEW] = [str(from_numpy_dtype(array.dtype)).removeprefix("axonml."), offset, list(array.shape),
                           list(array.strides)]
    return json.dumps(tree), arrays, tensors


def _root(array: np.ndarray) -> np.ndarray:
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _extent(array: np.ndarray) -> tuple[int, int]:
    """[first byte, one past the last byte] that array touches, as addresses."""
    start = array.__array_interface__["data"][0]
    if array.size == 0:
        return start, start
    low = start + sum((n - 1) * s for n, s in zip(array.shape, array.strides) if s < 0)
    high = start + sum((n - 1) * s for n, s in zip(array.shape, array.strides) if s > 0) + array.itemsize
    return low, high


def group_by_buffer(arrays: list[np.ndarray]) -> list[list[int]]:
    """Indices of arrays grouped by the memory they share (overlapping views of one root buffer)."""
    by_root: dict[int, list[int]] = {}
    groups = []
    for index, array in enumerate(arrays):
        root = _root(array)
        if _root_bytes(root) is None:
            groups.append([index])   # a view of memory NumPy did not allocate in one block: stored alone
        else:
            by_root.setdefault(id(root), []).append(index)
    for members in by_root.values():
        # within one root buffer, only views whose bytes overlap must be stored together
        spans = sorted(members, key=lambda i: _extent(arrays[i]))
        current, current_end = [], None
        for i in spans:
            low, high = _extent(arrays[i])
            if current and (low < current_end or (low == high == current_end)):
                current.append(i)
                current_end = max(current_end, high)
            else:
                if current:
                    groups.append(current)
                current, current_end = [i], high
        groups.append(current)
    return [sorted(group) for group in groups]


def _root_bytes(root: np.ndarray) -> np.ndarray | None:
    """root's memory as a 1-d uint8 array (a view), or None if root is not one contiguous block."""
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return None
    return root.ravel(order="K").view(np.uint8)


def buffer_span(arrays: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """A copy of the bytes that arrays (overlapping views of one buffer) cover, and each array's byte offset in it."""
    extents = [_extent(a) for a in arrays]
    low, high = min(e[0] for e in extents), max(e[1] for e in extents)
    root = _root(arrays[0])
    root_start = root.__array_interface__["data"][0]
    storage = _root_bytes(root)[low - root_start:high - root_start].copy()
    return storage, [a.__array_interface__["data"][0] - low for a in arrays]


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def view_of(storage: np.ndarray, view) -> np.ndarray:
    """The array that a [dtype, byte offset, shape, byte strides] entry describes in a uint8 storage."""
    if not (isinstance(view, list) and len(view) == 4 and isinstance(view[0], str) and _is_int(view[1])
            and view[1] >= 0 and isinstance(view[2], list) and isinstance(view[3], list)
            and len(view[2]) == len(view[3]) <= 64 and all(_is_int(n) and n >= 0 for n in view[2])
            and all(_is_int(s) for s in view[3])):
        raise ValueError(f"the stored structure holds a malformed view {str(view)[:80]}")
    if storage.dtype != np.uint8 or storage.ndim != 1:
        raise ValueError("the stored structure views an array that is not a byte storage")
    try:
        dtype = to_dtype(view[0]).np
    except (TypeError, ValueError, KeyError):
        raise ValueError(f"the stored structure holds an unknown dtype {view[0][:40]!r}") from None
    offset, shape, strides = view[1], tuple(view[2]), tuple(view[3])
    if 0 in shape:
        return np.empty(shape, dtype)
    low = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    high = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0) + dtype.itemsize
    if low < 0 or high > storage.size:
        raise ValueError(f"a stored view (shape {list(shape)}, strides {list(strides)}, offset {offset}) reaches "
                         f"outside its {storage.size}-byte storage")
    return np.ndarray(shape, dtype, buffer=storage, offset=offset, strides=strides)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode(text: str, make_tensor, arrays: dict[str, np.ndarray]):
    """Rebuild the structure from its JSON; make_tensor(array, requires_grad) builds each tensor.

    Raises ValueError for anything encode could not have written.
    """
    try:
        tree = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"the stored structure is not valid JSON ({error})") from None

    tensors = {}

    def array(name):
        if not isinstance(name, str) or name not in arrays:
            raise ValueError(f"the stored structure refers to a tensor {name!r} that the file does not hold")
        return arrays[name]

    def walk(node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict) or len(node) not in (1, 2, 3):
            raise ValueError(f"the stored structure holds an unexpected entry {str(node)[:80]}")
        if _TENSOR in node:
            if set(node) - {_TENSOR, "requires_grad", _VIEW}:
                raise ValueError(f"the stored structure holds an unexpected entry {str(node)[:80]}")
            name, view = node[_TENSOR], node.get(_VIEW)
            key = (name, json.dumps(view))
            if key not in tensors:  # one tensor saved under several references comes back as one
                data = array(name) if view is None else view_of(array(name), view)
                tensors[key] = make_tensor(data, bool(node.get("requires_grad", False)))
            return tensors[key]
        if len(node) != 1:
            raise ValueError(f"the stored structure holds an unexpected entry {str(node)[:80]}")
        (tag, value), = node.items()
        if tag == _ARRAY:
            return array(value).copy()
        if tag == _TUPLE and isinstance(value, list):
            return tuple(walk(v) for v in value)
        if tag == _DICT and isinstance(value, list):
            out = {}
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ValueError("the stored structure holds a malformed dict entry")
                key, item = walk(pair[0]), walk(pair[1])
                try:
                    out[key] = item
                except TypeError:
                    raise ValueError("the stored structure holds an unhashable dict key") from None
            return out
        if tag in (_DTYPE, _DEVICE) and isinstance(value, str):
            try:
                return to_dtype(value) if tag == _DTYPE else _device(value)
            except (TypeError, ValueError, RuntimeError, KeyError):
                raise ValueError(f"the stored structure holds an unknown {tag.strip('_')} {value[:40]!r}") from None
        raise ValueError(f"the stored structure holds an unknown entry {tag!r}")

    try:
        return walk(tree)
    except RecursionError:
        raise ValueError("the stored structure is nested too deeply") from None
