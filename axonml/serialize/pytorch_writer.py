"""Write state dicts as PyTorch checkpoints (the zip format of ``torch.save``), without pickle.

The object pickle is emitted opcode by opcode: an ``OrderedDict`` whose values are
``torch._utils._rebuild_tensor_v2`` calls on persistent storage ids, exactly the shape of what
``torch.save(model.state_dict())`` writes, so ``torch.load(..., weights_only=True)`` reads it.
Tensors that view one buffer share one storage; storages are stored uncompressed and aligned
to 64 bytes, as torch writes them (so ``torch.load(mmap=True)`` works too).
"""
from __future__ import annotations

import os
import struct
import zipfile

import numpy as np

from .. import _dtype
from ..tensor import Tensor
from . import _structure
from .safetensors_io import atomic_write

__all__ = ["save_pytorch"]

_STORAGE_NAMES = {d: name for name, d in (
    ("FloatStorage", _dtype.float32), ("DoubleStorage", _dtype.float64), ("HalfStorage", _dtype.float16),
    ("BFloat16Storage", _dtype.bfloat16), ("LongStorage", _dtype.int64), ("IntStorage", _dtype.int32),
    ("ShortStorage", _dtype.int16), ("CharStorage", _dtype.int8), ("ByteStorage", _dtype.uint8),
    ("BoolStorage", _dtype.bool))}
_V3_DTYPES = ("uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
              "float8_e8m0fnu")
_ALIGNMENT = 64


class _Pickle:
    """Protocol-2 opcodes, with a memo for the globals and strings that repeat."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")
        self.memo: dict = {}

    def _put(self, key) -> None:
        index = len(self.memo)
        self.memo[key] = index
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)

    def _get(self, key) -> bool:
        index = self.memo.get(key)
        if index is None:
            return False
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)
        return True

    def global_(self, module: str, name: str) -> None:
        if not self._get(("global", module, name)):
            self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
            self._put(("global", module, name))

    def string(self, text: str) -> None:
        if not self._get(("str", text)):
            data = text.encode("utf-8")
            self.out += b"X" + struct.pack("<I", len(data)) + data
            self._put(("str", text))

    def int(self, value: int) -> None:
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)
        elif -2 ** 31 <= value < 2 ** 31:
            self.out += b"J" + struct.pack("<i", value)
        else:
            data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            self.out += b"\x8a" + bytes([len(data)]) + data

    def int_tuple(self, values) -> None:
        if not values:
            self.out += b")"
            return
        self.out += b"("
        for v in values:
            self.int(v)
        self.out += b"t"

    def empty_ordered_dict(self) -> None:
        self.global_("collections", "OrderedDict")
        self.out += b")R"


def save_pytorch(state_dict: dict[str, Tensor], path: str | os.PathLike) -> None:
    """Write a ``{name: tensor}`` dict as a file ``torch.load`` reads (zip format), atomically.

    Args:
        state_dict (dict): tensors by name.
        path (str or os.PathLike): where to write (conventionally ``.pth``).
    """
    if not isinstance(state_dict, dict) or not all(isinstance(k, str) and isinstance(v, Tensor)
                                                   for k, v in state_dict.items()):
        raise TypeError("save_pytorch expects a dict mapping str to Tensor")
    names = list(state_dict)
    arrays = [state_dict[n].detach().cpu().numpy() for n in names]
    storages: list[tuple[_dtype.dtype, np.ndarray]] = []     # (dtype, bytes)
    placement: dict[int, tuple[int, int, tuple]] = {}         # index -> (storage key, element offset, strides)
    for group in _structure.group_by_buffer(arrays):
        dtypes = {arrays[i].dtype for i in group}
        aligned = len(dtypes) == 1 and all(s % arrays[i].itemsize == 0 and s >= 0
                                           for i in group for s in arrays[i].strides)
        if len(group) > 1 and aligned:
            data, offsets = _structure.buffer_span([arrays[i] for i in group])
            if all(o % arrays[group[0]].itemsize == 0 for o in offsets):
                key = len(storages)
                storages.append((_dtype.from_numpy_dtype(arrays[group[0]].dtype), data))
                for i, offset in zip(group, offsets):
                    itemsize = arrays[i].itemsize
                    placement[i] = (key, offset // itemsize, tuple(s // itemsize for s in arrays[i].strides))
                continue
        for i in group:
            contiguous = arrays[i] if arrays[i].flags.c_contiguous else arrays[i].copy(order="C")
            key = len(storages)
            storages.append((_dtype.from_numpy_dtype(contiguous.dtype), contiguous.reshape(-1).view(np.uint8)))
            placement[i] = (key, 0, tuple(s // contiguous.itemsize for s in contiguous.strides))
    pickle = _Pickle()
    pickle.empty_ordered_dict()
    pickle.out += b"("
    for i, name in enumerate(names):
        key, offset, strides = placement[i]
        dtype, data = storages[key]
        # dtypes without a typed storage class (uint16/32/64, float8) go as torch writes them: an
        # UntypedStorage of bytes and the dtype as the last argument of _rebuild_tensor_v3
        typed = dtype in _STORAGE_NAMES
        pickle.string(name)
        pickle.global_("torch._utils", "_rebuild_tensor_v2" if typed else "_rebuild_tensor_v3")
        pickle.out += b"(("
        pickle.string("storage")
        if typed:
            pickle.global_("torch", _STORAGE_NAMES[dtype])
        else:
            pickle.global_("torch.storage", "UntypedStorage")
        pickle.string(str(key))
        pickle.string("cpu")
        pickle.int(data.size // dtype.itemsize if typed else data.size)
        pickle.out += b"tQ"                              # the persistent id tuple, BINPERSID
        pickle.int(offset)
        pickle.int_tuple(arrays[i].shape)
        pickle.int_tuple(strides)
        pickle.out += b"\x88" if state_dict[name].requires_grad else b"\x89"
        pickle.empty_ordered_dict()
        if not typed:
            if dtype.name not in _V3_DTYPES:
                raise TypeError(f"save_pytorch: tensor {name!r} is {dtype}, which PyTorch files cannot hold")
            pickle.global_("torch", dtype.name)
        pickle.out += b"tR"
    pickle.out += b"u."
    with atomic_write(path) as temporary:
        _write_zip(temporary, bytes(pickle.out), storages)


def _write_zip(path: str, data_pkl: bytes, storages) -> None:
    prefix = "archive/"
    with open(path, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
        def write(name: str, payload: bytes, align: bool = False) -> None:
            info = zipfile.ZipInfo(prefix + name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            if align:
                start = raw.tell() + 30 + len(info.filename.encode())
                padding = (-(start + 4)) % _ALIGNMENT
                info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
            archive.writestr(info, payload)

        write("data.pkl", data_pkl)
        write(".format_version", b"1")
        write(".storage_alignment", b"64")
        write("byteorder", b"little" if np.little_endian else b"big")
        for key, (_, data) in enumerate(storages):
            write(f"data/{key}", data.tobytes(), align=True)
        write("version", b"3\n")
