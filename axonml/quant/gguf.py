"""GGUF files (llama.cpp's model format), versions 2 and 3: read and write.

A GGUF file is a header (magic ``GGUF``, version, tensor and key-value counts), typed key-value
metadata, one info record per tensor (name, dims, GGML type, offset), and the tensor data, each
tensor at a multiple of the alignment (``general.alignment``, 32 by default) from the start of the
data section. Dims are stored innermost first; axonml gives shapes in NumPy order.

:func:`load_gguf` maps the file and returns its metadata and tensors as :class:`QuantizedTensor`
views of the mapping: nothing is copied or decoded until used. Every count, length, offset and size
is checked against the file before it is used; a malformed file raises ``ValueError`` saying what
is wrong and where. :func:`save_gguf` writes files that ``gguf.GGUFReader`` and llama.cpp read.

Example::

    >>> f = load_gguf("model.Q4_1.gguf")
    >>> f.metadata["general.architecture"], f.tensors["token_embd.weight"]
    ('llama', QuantizedTensor(shape=(49152, 576), qtype=Q8_0, nbytes=30081024))
    >>> save_gguf("copy.gguf", f.tensors, f.metadata, f.types)
"""
from __future__ import annotations

import enum
import math
import mmap
import os
import struct
from dataclasses import dataclass, field

import numpy as np

from .formats import GGMLType, PLAIN_DTYPES, block_size, type_size
from .quantized_tensor import QuantizedTensor

__all__ = ["GGUFValueType", "GGUFFile", "load_gguf", "parse_gguf", "save_gguf", "describe_gguf", "inspect_gguf", "GGUF_MAGIC",
           "DEFAULT_ALIGNMENT"]

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
_VERSIONS = (2, 3)
_MAX_DIMS = 4           # GGML_MAX_DIMS
_MAX_ARRAY_DEPTH = 16   # arrays of arrays nest no deeper than this


class GGUFValueType(enum.IntEnum):
    """The type tags of GGUF metadata values."""

    UINT8 = 0
    INT8 = 1
    UINT16 = 2
    INT16 = 3
    UINT32 = 4
    INT32 = 5
    FLOAT32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    UINT64 = 10
    INT64 = 11
    FLOAT64 = 12


_SCALARS = {
    GGUFValueType.UINT8: np.dtype("<u1"), GGUFValueType.INT8: np.dtype("<i1"),
    GGUFValueType.UINT16: np.dtype("<u2"), GGUFValueType.INT16: np.dtype("<i2"),
    GGUFValueType.UINT32: np.dtype("<u4"), GGUFValueType.INT32: np.dtype("<i4"),
    GGUFValueType.UINT64: np.dtype("<u8"), GGUFValueType.INT64: np.dtype("<i8"),
    GGUFValueType.FLOAT32: np.dtype("<f4"), GGUFValueType.FLOAT64: np.dtype("<f8"),
    GGUFValueType.BOOL: np.dtype("u1"),
}


@dataclass
class GGUFFile:
    """What a GGUF file holds.

    Attributes:
        version: 2 or 3.
        alignment: of the tensor data, in bytes.
        metadata: ``{key: value}`` in file order; numbers and strings as Python values, numeric arrays
            as NumPy arrays of their stored type, string arrays and arrays of arrays as lists.
        types: ``{key: type path}``: ``(GGUFValueType.UINT32,)``, ``(ARRAY, STRING)``, ``(ARRAY, ARRAY, INT32)``...
        tensors: ``{name: QuantizedTensor}`` in file order (views of the file's memory map).
        data_offset: where the data section starts in the file.
    """

    version: int
    alignment: int
    metadata: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    tensors: dict = field(default_factory=dict)
    data_offset: int = 0


class _Reader:
    """Bounds-checked little-endian reads from a buffer; errors name the file and the offset."""

    def __init__(self, buffer, source: str) -> None:
        self.buffer, self.source, self.position, self.size = buffer, source, 0, len(buffer)

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.source} is not a valid GGUF file: {message}")

    def take(self, count: int, what: str) -> bytes:
        if count < 0 or count > self.size - self.position:
            raise self.error(f"{what} needs {count} bytes at byte {self.position}, but the file ends at byte "
                             f"{self.size}")
        start = self.position
        self.position += count
        return self.buffer[start:self.position]

    def scalar(self, dtype: np.dtype, what: str):
        return np.frombuffer(self.take(dtype.itemsize, what), dtype)[0]

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self.take(4, what))[0]

    def u64(self, what: str) -> int:
        return struct.unpack("<Q", self.take(8, what))[0]

    def string(self, what: str) -> str:
        length = self.u64(f"the length of {what}")
        raw = self.take(length, what)
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError as error:
            raise self.error(f"{what} at byte {self.position - length} is not UTF-8 ({error.reason})") from None

    def value_type(self, what: str) -> GGUFValueType:
        tag = self.u32(f"the type of {what}")
        try:
            return GGUFValueType(tag)
        except ValueError:
            raise self.error(f"{what} has unknown value type {tag} (byte {self.position - 4})") from None

    def value(self, kind: GGUFValueType, what: str, depth: int = 0):
        """(value, type path) of a value of type kind."""
        if kind == GGUFValueType.STRING:
            return self.string(what), (kind,)
        if kind == GGUFValueType.ARRAY:
            if depth >= _MAX_ARRAY_DEPTH:
                raise self.error(f"{what} nests arrays deeper than {_MAX_ARRAY_DEPTH}")
            item = self.value_type(f"the items of {what}")
            count = self.u64(f"the length of {what}")
            smallest = _SCALARS[item].itemsize if item in _SCALARS else (8 if item == GGUFValueType.STRING else 12)
            if count > (self.size - self.position) // smallest:
                raise self.error(f"{what} claims {count} items at byte {self.position}, more than the rest of the "
                                 f"file can hold")
            if item in _SCALARS:
                values = np.frombuffer(self.take(count * smallest, what), _SCALARS[item]).copy()
                if item == GGUFValueType.BOOL:
                    _check_bools(self, values, what)
                    values = values.astype(bool)
                return values, (kind, item)
            values, path = [], None
            for i in range(count):
                value, path = self.value(item, f"{what}[{i}]", depth + 1)
                values.append(value)
            return values, (kind,) + (path if path is not None else (item,))
        value = self.scalar(_SCALARS[kind], what)
        if kind == GGUFValueType.BOOL:
            _check_bools(self, np.asarray([value]), what)
            return bool(value), (kind,)
        return (float(value) if kind in (GGUFValueType.FLOAT32, GGUFValueType.FLOAT64) else int(value)), (kind,)


def _check_bools(reader: _Reader, values: np.ndarray, what: str) -> None:
    if values.size and values.max() > 1:
        raise reader.error(f"{what} holds a bool that is neither 0 nor 1")


def _source_name(path) -> str:
    return repr(os.fspath(path))


def load_gguf(path: str | os.PathLike) -> GGUFFile:
    """Read a GGUF v2/v3 file: its metadata and its tensors, kept in their stored formats.

    The tensors are read-only views of a memory map of the file (which stays mapped while they are referenced).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a well-formed GGUF v2/v3 file (the message says what and where).
    """
    path = os.fspath(path)
    source = _source_name(path)
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise ValueError(f"{source} is not a valid GGUF file: it is empty")
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return parse_gguf(memoryview(mapping), source)


def parse_gguf(buffer, source: str = "<buffer>") -> GGUFFile:
    """Parse GGUF bytes (a bytes object, memoryview or mmap); tensors are views of buffer."""
    reader = _Reader(buffer, source)
    magic = bytes(reader.take(4, "the magic number"))
    if magic != GGUF_MAGIC:
        raise reader.error(f"it starts with {magic!r}, not {GGUF_MAGIC!r}")
    version = reader.u32("the version")
    if version not in _VERSIONS:
        if struct.unpack(">I", struct.pack("<I", version))[0] in _VERSIONS:
            raise reader.error("it is a big-endian GGUF file; axonml reads little-endian ones")
        raise reader.error(f"version {version} is not supported (axonml reads versions 2 and 3)")
    tensor_count = reader.u64("the tensor count")
    kv_count = reader.u64("the metadata count")
    # each key-value takes at least 8 + 4 + 1 bytes, each tensor info at least 8 + 4 + 4 + 8
    if kv_count > (reader.size - reader.position) // 13 or tensor_count > (reader.size - reader.position) // 24:
        raise reader.error(f"it claims {kv_count} metadata entries and {tensor_count} tensors, more than "
                           f"its {reader.size} bytes can hold")
    gguf = GGUFFile(version=version, alignment=DEFAULT_ALIGNMENT)
    for i in range(kv_count):
        key = reader.string(f"the key of metadata entry {i}")
        if key in gguf.metadata:
            raise reader.error(f"metadata key {key!r} appears twice")
        kind = reader.value_type(f"metadata {key!r}")
        gguf.metadata[key], gguf.types[key] = reader.value(kind, f"metadata {key!r}")
    if "general.alignment" in gguf.metadata:
        alignment = gguf.metadata["general.alignment"]
        if gguf.types["general.alignment"] != (GGUFValueType.UINT32,) or alignment == 0 or alignment & (alignment - 1):
            raise reader.error(f"general.alignment must be a power of two stored as UINT32, got {alignment!r}")
        gguf.alignment = int(alignment)
    infos, names = [], set()
    for i in range(tensor_count):
        name = reader.string(f"the name of tensor {i}")
        if name in names:
            raise reader.error(f"tensor name {name!r} appears twice")
        names.add(name)
        n_dims = reader.u32(f"the dimension count of tensor {name!r}")
        if n_dims > _MAX_DIMS:
            raise reader.error(f"tensor {name!r} has {n_dims} dimensions; GGML allows at most {_MAX_DIMS}")
        dims = [reader.u64(f"dimension {d} of tensor {name!r}") for d in range(n_dims)]
        type_id = reader.u32(f"the type of tensor {name!r}")
        try:
            qtype = GGMLType(type_id)
        except ValueError:
            raise reader.error(f"tensor {name!r} has unknown GGML type {type_id}") from None
        offset = reader.u64(f"the offset of tensor {name!r}")
        infos.append((name, tuple(reversed(dims)) or (1,), qtype, offset))  # ggml's missing dims are 1
    gguf.data_offset = _align(reader.position, gguf.alignment)
    if gguf.data_offset > reader.size and infos:
        raise reader.error(f"the data section would start at byte {gguf.data_offset}, past the end of the file")
    extents = []
    for name, shape, qtype, offset in infos:
        nbytes = _tensor_nbytes(reader, name, shape, qtype)
        if offset % gguf.alignment:
            raise reader.error(f"tensor {name!r} starts at data offset {offset}, not a multiple of the alignment "
                               f"{gguf.alignment}")
        start = gguf.data_offset + offset
        if start > reader.size or nbytes > reader.size - start:
            raise reader.error(f"tensor {name!r} ({nbytes} bytes at byte {start}) runs past the end of the file "
                               f"({reader.size} bytes)")
        extents.append((start, start + nbytes, name))
        data = np.frombuffer(buffer, np.uint8, count=nbytes, offset=start)
        gguf.tensors[name] = QuantizedTensor(data, qtype, shape)
    extents.sort()
    for (_, end, first), (start, _, second) in zip(extents, extents[1:]):
        if start < end:
            raise reader.error(f"tensors {first!r} and {second!r} overlap")
    return gguf


def _align(position: int, alignment: int) -> int:
    return (position + alignment - 1) // alignment * alignment


def _tensor_nbytes(reader: _Reader, name: str, shape: tuple, qtype: GGMLType) -> int:
    values, nbytes = block_size(qtype), type_size(qtype)
    if shape and shape[-1] % values:
        raise reader.error(f"tensor {name!r} of shape {shape} has rows of {shape[-1]} values, not a whole number "
                           f"of {qtype.name} blocks of {values}")
    count = math.prod(shape) if shape else 1
    total = count // values * nbytes
    if total > reader.size:
        raise reader.error(f"tensor {name!r} of shape {shape} ({qtype.name}) would take {total} bytes, more than "
                           f"the file's {reader.size}")
    return total


# --- writing -------------------------------------------------------------------------------------------

_NUMPY_TYPES = {np.dtype(v): k for k, v in _SCALARS.items() if k != GGUFValueType.BOOL}
_NUMPY_TYPES[np.dtype(bool)] = GGUFValueType.BOOL
_DTYPE_TO_GGML = {np.dtype(np.float32): GGMLType.F32, np.dtype(np.float16): GGMLType.F16,
                  np.dtype(np.float64): GGMLType.F64, np.dtype(np.int8): GGMLType.I8,
                  np.dtype(np.int16): GGMLType.I16, np.dtype(np.int32): GGMLType.I32,
                  np.dtype(np.int64): GGMLType.I64}


def _infer_type(value, key: str) -> tuple:
    if isinstance(value, (bool, np.bool_)):
        return (GGUFValueType.BOOL,)
    if isinstance(value, np.generic) and value.dtype in _NUMPY_TYPES:
        return (_NUMPY_TYPES[value.dtype],)
    if isinstance(value, int):
        return (GGUFValueType.INT32,) if -2 ** 31 <= value < 2 ** 31 else \
            (GGUFValueType.INT64,) if -2 ** 63 <= value < 2 ** 63 else (GGUFValueType.UINT64,)
    if isinstance(value, float):
        return (GGUFValueType.FLOAT32,)
    if isinstance(value, str):
        return (GGUFValueType.STRING,)
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype not in _NUMPY_TYPES:
            raise TypeError(f"metadata {key!r}: arrays must be 1-d of a GGUF number type, got {value.dtype} "
                            f"of shape {value.shape}")
        return (GGUFValueType.ARRAY, _NUMPY_TYPES[value.dtype])
    if isinstance(value, (list, tuple)):
        if not value:
            return (GGUFValueType.ARRAY, GGUFValueType.INT32)
        paths = {_infer_type(item, key) for item in value}
        if len(paths) == 1:
            return (GGUFValueType.ARRAY,) + paths.pop()
        if all(p == (GGUFValueType.INT32,) or p == (GGUFValueType.INT64,) for p in paths):
            return (GGUFValueType.ARRAY, GGUFValueType.INT64)
        if all(p[0] in (GGUFValueType.INT32, GGUFValueType.INT64, GGUFValueType.FLOAT32) for p in paths):
            return (GGUFValueType.ARRAY, GGUFValueType.FLOAT32)
        raise TypeError(f"metadata {key!r}: array items must share one type")
    raise TypeError(f"metadata {key!r}: can't store a {type(value).__name__} in GGUF")


def _encode_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _encode_value(value, path: tuple, key: str) -> bytes:
    kind = path[0]
    if kind == GGUFValueType.STRING:
        if not isinstance(value, str):
            raise TypeError(f"metadata {key!r}: STRING needs a str, got {type(value).__name__}")
        return _encode_string(value)
    if kind == GGUFValueType.ARRAY:
        if len(path) < 2:
            raise ValueError(f"metadata {key!r}: an ARRAY type path needs the item type")
        item = path[1]
        if item in _SCALARS:
            items = np.asarray(value)
            if items.ndim != 1:
                raise ValueError(f"metadata {key!r}: an array of numbers must be 1-d")
            return (struct.pack("<IQ", item, items.size) + _scalar_array(items, item, key).tobytes())
        parts = [struct.pack("<IQ", item, len(value))]
        parts.extend(_encode_value(element, path[1:], f"{key}[{i}]") for i, element in enumerate(value))
        return b"".join(parts)
    return _scalar_array(np.asarray([value]), kind, key).tobytes()


def _scalar_array(items: np.ndarray, kind: GGUFValueType, key: str) -> np.ndarray:
    dtype = _SCALARS[kind]
    if kind == GGUFValueType.BOOL:
        return items.astype(bool).astype(dtype)
    if dtype.kind in "iu" and items.size:
        info = np.iinfo(dtype)
        if items.dtype.kind not in "iub" or items.min() < info.min or items.max() > info.max:
            raise ValueError(f"metadata {key!r}: values do not fit {kind.name}")
    return items.astype(dtype)


def _as_quantized(name: str, tensor) -> QuantizedTensor:
    if isinstance(tensor, QuantizedTensor):
        return tensor
    if hasattr(tensor, "detach"):
        tensor = tensor.detach().cpu().numpy()
    array = np.asarray(tensor)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.dtype.name == "bfloat16":
        return QuantizedTensor(array.view(np.uint16), GGMLType.BF16, array.shape)
    qtype = _DTYPE_TO_GGML.get(array.dtype.newbyteorder("=") if array.dtype.byteorder == ">" else array.dtype)
    if qtype is None:
        raise TypeError(f"tensor {name!r}: GGUF has no type for {array.dtype} (use float32, float16, bfloat16, "
                        f"float64, int8..int64, or a QuantizedTensor)")
    return QuantizedTensor(np.ascontiguousarray(array, PLAIN_DTYPES.get(qtype, array.dtype)), qtype, array.shape)


def save_gguf(path: str | os.PathLike, tensors: dict, metadata: dict | None = None, types: dict | None = None,
              alignment: int = DEFAULT_ALIGNMENT, version: int = 3) -> None:
    """Write a GGUF file (atomically: a crash leaves the old file or the whole new one).

    Args:
        path: where to write.
        tensors: ``{name: QuantizedTensor | NumPy array | Tensor}``; arrays keep their type (float32 as F32,
            float16 as F16, bfloat16 as BF16, int8..int64, float64), QuantizedTensors their format.
        metadata: ``{key: value}``, written in order.
        types: ``{key: type path}`` for values whose GGUF type should not be inferred (as :attr:`GGUFFile.types`
            gives them); inferred otherwise: bool BOOL, int INT32 (INT64 beyond), float FLOAT32, str STRING,
            NumPy scalars and 1-d arrays their own type, lists ARRAY of their items' type.
        alignment: of each tensor's data; stored as ``general.alignment`` when not 32. Default: 32.
        version: 2 or 3. Default: 3.
    """
    if version not in _VERSIONS:
        raise ValueError(f"GGUF version must be 2 or 3, got {version}")
    if alignment <= 0 or alignment & (alignment - 1):
        raise ValueError(f"alignment must be a power of two, got {alignment}")
    metadata = dict(metadata or {})
    types = {key: tuple(GGUFValueType(t) for t in path) for key, path in (types or {}).items()}
    if "general.alignment" in metadata:
        if int(metadata["general.alignment"]) != alignment:
            raise ValueError(f"metadata general.alignment ({metadata['general.alignment']}) differs from "
                             f"alignment ({alignment})")
    elif alignment != DEFAULT_ALIGNMENT:
        metadata["general.alignment"] = alignment
    types.setdefault("general.alignment", (GGUFValueType.UINT32,))
    header = [GGUF_MAGIC, struct.pack("<IQQ", version, len(tensors), len(metadata))]
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise TypeError(f"metadata keys are strings, got {type(key).__name__}")
        path_ = types.get(key) or _infer_type(value, key)
        header += [_encode_string(key), struct.pack("<I", path_[0]), _encode_value(value, path_, key)]
    stored, offset = [], 0
    for name, tensor in tensors.items():
        quantized = _as_quantized(name, tensor)
        if len(quantized.shape) > _MAX_DIMS:
            raise ValueError(f"tensor {name!r} has {len(quantized.shape)} dimensions; GGUF allows {_MAX_DIMS}")
        dims = tuple(reversed(quantized.shape)) or (1,)
        header += [_encode_string(name), struct.pack("<I", len(dims)), struct.pack(f"<{len(dims)}Q", *dims),
                   struct.pack("<IQ", quantized.qtype, offset)]
        stored.append(quantized)
        offset = _align(offset + quantized.nbytes, alignment)
    head = b"".join(header)
    from ..serialize.safetensors_io import atomic_write
    with atomic_write(path) as temporary, open(temporary, "wb") as out:
        out.write(head)
        out.write(b"\0" * (_align(len(head), alignment) - len(head)))
        for quantized in stored:
            out.write(memoryview(np.ascontiguousarray(quantized.blocks)).cast("B"))
            out.write(b"\0" * (_align(quantized.nbytes, alignment) - quantized.nbytes))


def describe_gguf(path: str | os.PathLike) -> str:
    """A readable summary of a GGUF file: version, metadata (long arrays abridged), and every tensor's
    shape, type and size."""
    gguf = load_gguf(path)
    lines = [f"GGUF v{gguf.version}: {len(gguf.metadata)} metadata entries, {len(gguf.tensors)} tensors, "
             f"alignment {gguf.alignment}"]
    for key, value in gguf.metadata.items():
        kind = "/".join(t.name for t in gguf.types[key])
        if isinstance(value, (list, np.ndarray)):
            shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in list(value[:4]))
            text = f"[{shown}{', ...' if len(value) > 4 else ''}] ({len(value)} items)"
        else:
            text = repr(value)
        lines.append(f"  {key} ({kind}) = {text}")
    total = sum(t.nbytes for t in gguf.tensors.values())
    counts: dict = {}
    for tensor in gguf.tensors.values():
        counts[tensor.qtype.name] = counts.get(tensor.qtype.name, 0) + 1
    lines.append(f"tensors: {_size(total)} ({', '.join(f'{n} {k}' for k, n in counts.items())})")
    width = max((len(name) for name in gguf.tensors), default=0)
    for name, tensor in gguf.tensors.items():
        lines.append(f"  {name:<{width}}  {str(list(tensor.shape)):<16} {tensor.qtype.name:<6} {_size(tensor.nbytes)}")
    return "\n".join(lines)


def _size(nbytes: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if nbytes < 1024 or unit == "GiB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes} B"



def inspect_gguf(path: str | os.PathLike) -> dict:
    """The description ``axonml inspect`` prints: ``{"format", "tensors": [{"name", "dtype", "shape"}], "metadata"}``,
    dtype the GGML type name; metadata arrays longer than 8 items abridged to their first 8 and their length."""
    gguf = load_gguf(path)
    metadata = {}
    for key, value in gguf.metadata.items():
        if isinstance(value, (list, np.ndarray)):
            items = [v.item() if isinstance(v, np.generic) else v for v in list(value[:8])]
            items = [v.tolist() if isinstance(v, np.ndarray) else v for v in items]
            value = items if len(value) <= 8 else {"first": items, "length": len(value)}
        metadata[key] = value
    tensors = [{"name": name, "dtype": tensor.qtype.name, "shape": list(tensor.shape)}
               for name, tensor in gguf.tensors.items()]
    return {"format": f"GGUF v{gguf.version}", "tensors": tensors, "metadata": metadata}
