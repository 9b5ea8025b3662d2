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
from .._dtype import to_dtype
from ..tensor import Tensor

__all__ = ["encode", "decode"]

_TENSOR, _ARRAY, _TUPLE, _DICT, _DTYPE, _DEVICE = "__tensor__", "__ndarray__", "__tuple__", "__dict__", "__dtype__", \
    "__device__"


def encode(obj) -> tuple[str, dict[str, np.ndarray], dict[str, Tensor]]:
    """(the structure as JSON, arrays by name, tensors by name) for obj."""
    arrays: dict[str, np.ndarray] = {}
    tensors: dict[str, Tensor] = {}
    names_by_id: dict[int, str] = {}
    open_containers: set[int] = set()

    def name_for(item, path: str) -> str:
        if id(item) in names_by_id:
            return names_by_id[id(item)]
        name, n = path or "value", 1
        while name in arrays:
            n += 1
            name = f"{path}#{n}"
        names_by_id[id(item)] = name
        if isinstance(item, Tensor):
            tensors[name] = item
            arrays[name] = item.detach().cpu().numpy()
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
            return {_TENSOR: name_for(item, path), "requires_grad": item.requires_grad}
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

    return json.dumps(walk(obj, "")), arrays, tensors


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


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
        if not isinstance(node, dict) or len(node) not in (1, 2):
            raise ValueError(f"the stored structure holds an unexpected entry {str(node)[:80]}")
        if _TENSOR in node:
            name = node[_TENSOR]
            if name not in tensors:  # one tensor saved under several references comes back as one
                tensors[name] = make_tensor(array(name), bool(node.get("requires_grad", False)))
            return tensors[name]
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
