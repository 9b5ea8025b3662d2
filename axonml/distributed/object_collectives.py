"""Object collectives (broadcast_object_list, all_gather_object, gather_object) without pickle.

A peer's bytes are decoded as typed JSON, never unpickled: what can travel is None, bool, int,
float, str, list, tuple, dict (any keys of these types), bytes, NumPy arrays and Tensors (which
arrive as CPU tensors, or on ``device``). Anything else is a TypeError on the sending rank.
"""
from __future__ import annotations

import base64
import json

import numpy as np

from .. import _dtype
from ..tensor import Tensor
from ._host import DTYPE_NAMES
from .process_group import ProcessGroup, _allgather_bytes, _check_agreement, _resolve, _wait

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "encode_object", "decode_object"]

_TAG = "__axonml__"


def _encode_value(value, what: str):
    if isinstance(value, np.generic):  # before float: np.float64 is a float
        return _encode_array(np.asarray(value), "scalar")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, list):
        return [_encode_value(v, what) for v in value]
    if isinstance(value, tuple):
        return {_TAG: "tuple", "items": [_encode_value(v, what) for v in value]}
    if isinstance(value, dict):
        return {_TAG: "dict", "items": [[_encode_value(k, what), _encode_value(v, what)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {_TAG: "bytes", "data": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Tensor):
        array = value.detach().cpu().numpy()
        encoded = _encode_array(array, "tensor")
        encoded["requires_grad"] = bool(value.requires_grad)
        return encoded
    if isinstance(value, np.ndarray):
        return _encode_array(value, "ndarray")
    raise TypeError(f"{what}: an object of type {type(value).__name__} cannot be sent: axonml sends no pickle, only "
                    "None, bool, int, float, str, list, tuple, dict, bytes, NumPy arrays and Tensors")


def _encode_array(array: np.ndarray, kind: str) -> dict:
    try:
        name = _dtype.from_numpy_dtype(array.dtype).name
    except TypeError:
        name = None
    if name not in DTYPE_NAMES:
        raise TypeError(f"arrays of dtype {array.dtype} cannot be sent: axonml sends no pickle, only arrays of "
                        f"{', '.join(DTYPE_NAMES)}")
    data = np.ascontiguousarray(array).tobytes()
    return {_TAG: kind, "dtype": name, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def encode_object(value, what: str = "object collective") -> bytes:
    """value as typed JSON bytes (TypeError for types that need pickle)."""
    return json.dumps(_encode_value(value, what), separators=(",", ":"), allow_nan=True).encode()


def _decode_array(node: dict) -> np.ndarray:
    name, shape = node.get("dtype"), node.get("shape")
    if name not in DTYPE_NAMES or not isinstance(shape, list) or \
            not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ValueError("malformed array in a received object")
    dtype = getattr(_dtype, name).np
    data = base64.b64decode(node.get("data", ""), validate=True)
    count = 1
    for d in shape:
        count *= d
    if len(data) != count * dtype.itemsize:
        raise ValueError(f"received array data has {len(data)} bytes, but {name}{tuple(shape)} needs "
                         f"{count * dtype.itemsize}")
    return np.frombuffer(data, dtype).reshape(shape).copy()


def _decode_value(node, device):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode_value(v, device) for v in node]
    if not isinstance(node, dict) or _TAG not in node:
        raise ValueError("malformed received object: a JSON object without a type tag")
    kind = node[_TAG]
    if kind == "tuple":
        return tuple(_decode_value(v, device) for v in _items(node))
    if kind == "dict":
        pairs = _items(node)
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise ValueError("malformed received dict")
        try:
            return {_decode_value(k, device): _decode_value(v, device) for k, v in pairs}
        except TypeError as error:  # an unhashable key
            raise ValueError(f"malformed received dict: {error}") from None
    if kind == "bytes":
        return base64.b64decode(node.get("data", ""), validate=True)
    if kind in ("ndarray", "scalar"):
        array = _decode_array(node)
        return array[()] if kind == "scalar" else array
    if kind == "tensor":
        from .. import from_numpy
        tensor = from_numpy(_decode_array(node))
        if device is not None:
            tensor = tensor.to(device)
        if node.get("requires_grad") is True:
            tensor.requires_grad_(True)
        return tensor
    raise ValueError(f"malformed received object: unknown type tag {kind!r}")


def _items(node: dict) -> list:
    items = node.get("items")
    if not isinstance(items, list):
        raise ValueError("malformed received object: items must be a list")
    return items


def decode_object(payload: bytes, device=None):
    """The value encode_object made; ValueError for bytes that are not such an encoding."""
    try:
        tree = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"received object is not valid typed JSON: {error}") from None
    try:
        return _decode_value(tree, device)
    except (ValueError, TypeError) as error:  # binascii.Error is a ValueError
        raise ValueError(f"received object is not valid typed JSON: {error}") from None


def broadcast_object_list(object_list: list, src: int = 0, group: ProcessGroup | None = None, device=None) -> None:
    """Replace object_list's entries on every rank by those of rank src (the lists have one length everywhere).

    Example::

        >>> objects = [{"epoch": 3}, "config"] if dist.get_rank() == 0 else [None, None]
        >>> dist.broadcast_object_list(objects, src=0)
    """
    what = "broadcast_object_list"
    if not isinstance(object_list, list):
        raise TypeError(f"{what}: object_list must be a list, got {type(object_list).__name__}")
    pg = _resolve(group)
    if pg is None:
        return
    from mpi4py import MPI
    root = pg.group_rank(src, "src")
    _check_agreement(pg, what, f"{len(object_list)} objects src={src}")
    failure = None
    lengths = np.zeros(len(object_list) + 1, np.int64)  # the last entry: -1 when src cannot encode
    if pg.rank() == root:
        try:
            payloads = [encode_object(obj, what) for obj in object_list]
            lengths[:-1] = [len(p) for p in payloads]
        except TypeError as error:
            failure, lengths[-1] = error, -1
    _wait([pg._control.Ibcast(lengths, root=root)], pg, what, keep_alive=lengths)
    if failure is not None:
        raise failure
    if lengths[-1] == -1:
        raise RuntimeError(f"{what}: rank {src} could not encode its objects (see its error)")
    lengths = lengths[:-1]
    if pg.rank() == root:
        data = np.frombuffer(b"".join(payloads), np.uint8).copy()
    else:
        data = np.empty(int(lengths.sum()), np.uint8)
    _wait([pg._control.Ibcast([data, MPI.BYTE], root=root)], pg, what, keep_alive=data)
    if pg.rank() != root:
        offset = 0
        for i, n in enumerate(lengths.tolist()):
            object_list[i] = decode_object(data[offset:offset + n].tobytes(), device)
            offset += n


def all_gather_object(object_list: list, obj, group: ProcessGroup | None = None) -> None:
    """Fill object_list (one entry per rank of the group) with every rank's obj."""
    what = "all_gather_object"
    pg = _resolve(group)
    if pg is None:
        return
    if not isinstance(object_list, list) or len(object_list) != pg.size():
        raise ValueError(f"{what}: object_list must be a list with one entry per rank ({pg.size()})")
    for i, received in enumerate(_gather_encoded(pg, obj, what)):
        object_list[i] = decode_object(received)


def _gather_encoded(pg: ProcessGroup, obj, what: str) -> list[bytes]:
    """Every rank's encoded obj; a rank that cannot encode raises its TypeError and the others a RuntimeError."""
    failure = None
    try:
        payload = encode_object(obj, what)
    except TypeError as error:
        failure, payload = error, None
    received = _allgather_bytes(pg, payload, what)
    if failure is not None:
        raise failure
    if None in received:
        ranks = [pg.global_rank(i) for i, r in enumerate(received) if r is None]
        raise RuntimeError(f"{what}: rank(s) {ranks} could not encode their objects (see their errors)")
    return received


def gather_object(obj, object_gather_list: list | None = None, dst: int = 0,
                  group: ProcessGroup | None = None) -> None:
    """Fill object_gather_list on rank dst with every rank's obj (the other ranks pass None)."""
    what = "gather_object"
    pg = _resolve(group)
    if pg is None:
        return
    root = pg.group_rank(dst, "dst")
    if pg.rank() == root and (not isinstance(object_gather_list, list) or len(object_gather_list) != pg.size()):
        raise ValueError(f"{what}: object_gather_list must be a list with one entry per rank ({pg.size()}) on dst")
    if pg.rank() != root and object_gather_list is not None:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on non-destination ranks.")
    received = _gather_encoded(pg, obj, what)
    if pg.rank() == root:
        for i, payload in enumerate(received):
            object_gather_list[i] = decode_object(payload)
