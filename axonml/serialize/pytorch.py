"""Read PyTorch checkpoints (``torch.save`` files) without executing them.

Both formats ``torch.save`` writes are read: the zip archive of torch >= 1.6 (``<name>/data.pkl``
plus one raw file per storage under ``<name>/data/``) and the legacy format (``
_use_new_zipfile_serialization=False``: a few small pickles, the object pickle, then each
storage's bytes). The object pickle is interpreted by :class:`~axonml.serialize._pickle_machine.
PickleMachine` with an allow-list of exactly the globals that rebuild tensors, parameters,
storages and containers; anything else raises :class:`UnsafeCheckpointError` naming it.

Tensors that are views of one storage come back as axonml tensors viewing one NumPy buffer, with
the file's offsets and strides; parameters come back as :class:`axonml.nn.Parameter`.
"""
from __future__ import annotations

import io
import lzma
import os
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import _dtype
from .._device import device as _device
from ..tensor import Tensor
from ._pickle_machine import Allowed, Marker, PickleMachine, UnsafeCheckpointError, ordered_dict

__all__ = ["load_pytorch", "is_pytorch_checkpoint", "map_tensors", "UnsafeCheckpointError", "STORAGE_DTYPES"]

# torch.<Name>Storage -> the axonml dtype of its elements
STORAGE_DTYPES = {
    "FloatStorage": _dtype.float32, "DoubleStorage": _dtype.float64, "HalfStorage": _dtype.float16,
    "BFloat16Storage": _dtype.bfloat16, "LongStorage": _dtype.int64, "IntStorage": _dtype.int32,
    "ShortStorage": _dtype.int16, "CharStorage": _dtype.int8, "ByteStorage": _dtype.uint8,
    "BoolStorage": _dtype.bool, "UntypedStorage": _dtype.uint8,
}
_TORCH_DTYPES = {"float32": _dtype.float32, "float64": _dtype.float64, "float16": _dtype.float16,
                 "bfloat16": _dtype.bfloat16, "int64": _dtype.int64, "int32": _dtype.int32, "int16": _dtype.int16,
                 "int8": _dtype.int8, "uint8": _dtype.uint8, "bool": _dtype.bool, "uint16": _dtype.uint16,
                 "uint32": _dtype.uint32, "uint64": _dtype.uint64, "float8_e4m3fn": _dtype.float8_e4m3fn,
                 "float8_e4m3fnuz": _dtype.float8_e4m3fnuz, "float8_e5m2": _dtype.float8_e5m2,
                 "float8_e5m2fnuz": _dtype.float8_e5m2fnuz, "float8_e8m0fnu": _dtype.float8_e8m0fnu}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_MAX_DIMS = 64
_NATIVE_BYTEORDER = "little" if np.little_endian else "big"
_MAX_PICKLE_BYTES = 1 << 30     # data.pkl holds structure only; the tensors' bytes are separate
_MAX_COMPRESSION_RATIO = 100   # torch stores storages uncompressed: a large storage compressed
_BOMB_FLOOR = 64 << 20          # more than this many times, to over 64 MiB, is a zip bomb


class _Storage:
    """One storage of the checkpoint: its element dtype, size, and (once read) a 1-d NumPy array."""

    __slots__ = ("key", "dtype", "numel", "array")

    def __init__(self, key: str, dtype: _dtype.dtype, numel: int):
        self.key, self.dtype, self.numel, self.array = key, dtype, numel, None


class _Reader:
    """State of one load: the storages, where to put tensors, and the allow-listed globals."""

    def __init__(self, source: str, map_location, fetch_storage):
        self.source = source
        self.device = None if map_location is None else _device(map_location)
        self.fetch_storage = fetch_storage   # (storage) -> None: fills storage.array
        self.storages: dict[str, _Storage] = {}
        self.globals_table = self._globals()

    # -- the allow-list --------------------------------------------------------------------------

    def _globals(self) -> dict:
        table: dict = {("torch._utils", "_rebuild_tensor_v2"): Allowed("torch._utils._rebuild_tensor_v2",
                                                                       self._tensor_v2)}
        table[("torch._utils", "_rebuild_tensor")] = Allowed("torch._utils._rebuild_tensor", self._tensor)
        table[("torch._utils", "_rebuild_tensor_v3")] = Allowed("torch._utils._rebuild_tensor_v3", self._tensor_v3)
        table[("torch.storage", "UntypedStorage")] = Marker("torch.storage.UntypedStorage", _dtype.uint8)
        table[("torch._utils", "_rebuild_parameter")] = Allowed("torch._utils._rebuild_parameter", self._parameter)
        table[("torch._utils", "_rebuild_parameter_with_state")] = Allowed(
            "torch._utils._rebuild_parameter_with_state", self._parameter_with_state)
        table[("torch._tensor", "_rebuild_from_type_v2")] = Allowed("torch._tensor._rebuild_from_type_v2",
                                                                    self._from_type_v2)
        for name, dtype in STORAGE_DTYPES.items():
            table[("torch", name)] = Marker(f"torch.{name}", dtype)
        table[("torch", "Tensor")] = Marker("torch.Tensor")
        table[("torch.nn.parameter", "Parameter")] = Marker("torch.nn.parameter.Parameter")
        table[("torch", "Size")] = Allowed("torch.Size", _size)
        for name, dtype in _TORCH_DTYPES.items():
            table[("torch", name)] = dtype
        table[("collections", "OrderedDict")] = Allowed("collections.OrderedDict", ordered_dict)
        table[("_codecs", "encode")] = Allowed("_codecs.encode", _latin1_bytes)
        for module in ("builtins", "__builtin__"):
            table[(module, "set")] = Allowed("builtins.set", _set(set))
            table[(module, "frozenset")] = Allowed("builtins.frozenset", _set(frozenset))
        return table

    def machine(self, persistent: bool = True) -> PickleMachine:
        return PickleMachine(self.globals_table if persistent else {},
                             self.persistent_load if persistent else None, self._build, self.source)

    # -- storages ---------------------------------------------------------------------------------

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            kind = pid[0] if isinstance(pid, tuple) and pid else type(pid).__name__
            if kind == "module":
                raise UnsafeCheckpointError(f"{self.source}: refusing a pickled nn.Module class: this checkpoint "
                                            "holds a whole model object; save and load its state_dict()")
            raise ValueError(f"{self.source}: malformed checkpoint: unknown persistent id {str(kind)[:40]!r}")
        if len(pid) not in (5, 6):
            raise ValueError(f"{self.source}: malformed checkpoint: a storage id with {len(pid)} fields")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, Marker) or not isinstance(storage_type.value, _dtype.dtype):
            raise ValueError(f"{self.source}: malformed checkpoint: {storage_type!r} is not a storage type")
        if not isinstance(key, str) or not isinstance(numel, int) or isinstance(numel, bool) or numel < 0:
            raise ValueError(f"{self.source}: malformed checkpoint: storage id {str(pid)[:80]}")
        if len(pid) == 6 and pid[5] is not None:
            raise ValueError(f"{self.source}: storage views of the pre-1.0 legacy format are not supported")
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = _Storage(key, storage_type.value, numel)
            self.fetch_storage(storage)
        elif storage.dtype != storage_type.value:
            raise ValueError(f"{self.source}: storage {key!r} is read as both {storage.dtype} and "
                             f"{storage_type.value}")
        return storage

    # -- rebuilding tensors -----------------------------------------------------------------------------

    def _tensor_v2(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
        _no_hooks(backward_hooks)
        tensor = self._tensor(storage, storage_offset, size, stride)
        if requires_grad is True and tensor.is_floating_point():
            tensor.requires_grad_(True)
        return tensor

    def _tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                   metadata=None):
        """What torch writes for dtypes without a typed storage class: the storage holds bytes, dtype says what."""
        if not isinstance(dtype, _dtype.dtype):
            raise ValueError(f"_rebuild_tensor_v3: {str(dtype)[:40]} is not a dtype")
        if not isinstance(storage, _Storage) or storage.dtype != _dtype.uint8:
            raise ValueError("_rebuild_tensor_v3 expects an untyped storage")
        if storage.numel % dtype.itemsize:
            raise ValueError(f"a storage of {storage.numel} bytes does not hold whole {dtype} elements")
        if dtype.itemsize == 1:  # float8: the bytes' tensor, viewed (NumPy cannot stride ml_dtypes' arrays itself)
            tensor = self._tensor_v2(storage, storage_offset, size, stride, False, backward_hooks, metadata)
            return tensor.view(dtype)
        typed = _Storage(storage.key, dtype, storage.numel // dtype.itemsize)
        typed.array = storage.array.view(dtype.np)
        return self._tensor_v2(typed, storage_offset, size, stride, requires_grad, backward_hooks, metadata)

    def _tensor(self, storage, storage_offset, size, stride) -> Tensor:
        if not isinstance(storage, _Storage):
            raise ValueError(f"the storage argument is a {type(storage).__name__}")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        offset = _ints((storage_offset,), "storage offset")[0]
        if len(size) != len(stride) or len(size) > _MAX_DIMS:
            raise ValueError(f"size {size} and stride {stride} do not describe a tensor")
        itemsize = storage.dtype.itemsize
        if 0 in size:
            array = np.empty(size, dtype=storage.dtype.np)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= storage.numel:
                raise ValueError(f"a tensor of size {size}, stride {stride} at offset {offset} reaches element "
                                 f"{last} of a storage of {storage.numel}")
            array = np.lib.stride_tricks.as_strided(storage.array[offset:], shape=size,
                                                    strides=tuple(s * itemsize for s in stride))
        from ..creation import from_numpy
        tensor = from_numpy(array)
        if self.device is not None and self.device != tensor.device:
            tensor = tensor.to(self.device)
        return tensor

    def _parameter(self, data, requires_grad, backward_hooks):
        _no_hooks(backward_hooks)
        if not isinstance(data, Tensor):
            raise ValueError(f"parameter data is a {type(data).__name__}")
        from ..nn import Parameter
        return Parameter(data, requires_grad=bool(requires_grad) and data.is_floating_point())

    def _parameter_with_state(self, data, requires_grad, backward_hooks, state):
        _no_state(state, "torch._utils._rebuild_parameter_with_state")
        return self._parameter(data, requires_grad, backward_hooks)

    def _from_type_v2(self, function, new_type, args, state):
        rebuilders = (self._tensor_v2, self._tensor_v3, self._tensor, self._parameter, self._parameter_with_state)
        if not isinstance(function, Allowed) or function.function not in rebuilders:
            raise UnsafeCheckpointError(f"{self.source}: refusing _rebuild_from_type_v2 with {function!r}")
        if not isinstance(new_type, Marker) or \
                new_type.qualname not in ("torch.Tensor", "torch.nn.parameter.Parameter"):
            raise UnsafeCheckpointError(f"{self.source}: refusing to rebuild a tensor as {new_type!r}")
        if not isinstance(args, tuple):
            raise ValueError("_rebuild_from_type_v2 arguments are not a tuple")
        _no_state(state, "torch._tensor._rebuild_from_type_v2")
        tensor = function.function(*args)
        if new_type.qualname.endswith("Parameter") and not _is_parameter(tensor):
            tensor = self._parameter(tensor, tensor.requires_grad, OrderedDict())
        return tensor

    def _build(self, target, state):
        if isinstance(target, dict) and isinstance(state, dict) and set(state) <= {"_metadata"}:
            if isinstance(target, OrderedDict) and "_metadata" in state:
                target._metadata = state["_metadata"]   # what torch's state_dict() carries (module versions)
            return target
        if isinstance(target, Tensor) and (state is None or state == {} or state == ()):
            return target
        name = type(target).__name__
        raise UnsafeCheckpointError(f"{self.source}: refusing to set the state of a {name} (BUILD)")


def _ints(values, what: str) -> tuple:
    if not isinstance(values, tuple) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                for v in values):
        raise ValueError(f"the {what} {str(values)[:80]} is not a tuple of non-negative integers")
    return values


def _no_hooks(hooks) -> None:
    if not isinstance(hooks, dict) or hooks:
        raise UnsafeCheckpointError("refusing a tensor with backward hooks: loading them would run code")


def _no_state(state, where: str) -> None:
    if state not in (None, {}, ()) and not (isinstance(state, tuple) and all(s in (None, {}) for s in state)):
        raise UnsafeCheckpointError(f"refusing Python state on a tensor ({where})")


def _is_parameter(tensor) -> bool:
    from ..nn import Parameter
    return isinstance(tensor, Parameter)


def _size(values=()) -> tuple:
    return _ints(tuple(values) if isinstance(values, (list, tuple)) else values, "torch.Size")


def _latin1_bytes(text, encoding="latin1") -> bytes:
    """_codecs.encode(text, 'latin1'): how protocol 2 pickles bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError("_codecs.encode is allowed only as encode(str, 'latin1')")
    return text.encode("latin-1")


def _set(kind):
    def build(items=()):
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"{kind.__name__} takes a list")
        return kind(items)
    return build


# --- the two file formats ------------------------------------------------------------------------------

def _describe(source) -> str:
    return f"'{os.fspath(source)}'" if isinstance(source, (str, os.PathLike)) else f"<{type(source).__name__}>"


def is_pytorch_checkpoint(head: bytes) -> bool:
    """Whether the first bytes of a file look like torch.save output (zip, or legacy pickle)."""
    return head[:4] == b"PK\x03\x04" or _is_pickle(head)


def _is_pickle(head: bytes) -> bool:
    # A safetensors file opens with its header's length (8 bytes, little-endian) and then '{', which
    # is no pickle opcode; the length's low bytes can read as PROTO 2..5 (a header of 640 bytes
    # starts 0x80 0x02), so '{' at byte 8 decides first.
    if head[8:9] == b"{":
        return False
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    # a protocol 0/1 pickle opens with GLOBAL, MARK or an empty container
    return head[:1] in (b"c", b"(", b"]", b"}")


def _is_legacy(head: bytes) -> bool:
    # PROTO 2, then LONG1 of the 10-byte magic number
    return head[:4] == b"\x80\x02\x8a\x0a" and head[4:14] == _LEGACY_MAGIC.to_bytes(10, "little")


def load_pytorch(f, map_location=None, mmap: bool = False) -> Any:
    """Load a ``torch.save`` file (zip or legacy format) as axonml objects, without running its pickle.

    Args:
        f (str or os.PathLike or binary file object): the checkpoint.
        map_location (str or axonml.device, optional): where to put the tensors. Default: the CPU.
        mmap (bool): map the storages of a zip checkpoint from the file instead of reading them
            (copy-on-write: writes to the tensors do not reach the file). Needs a path.

    Returns:
        What was saved: for a state dict, an ``OrderedDict`` of axonml tensors.

    Raises:
        UnsafeCheckpointError: the pickle names a global outside the tensor/container allow-list.
        ValueError: the file is truncated, corrupt, or not a PyTorch checkpoint.
    """
    source = _describe(f)
    is_path = isinstance(f, (str, os.PathLike))
    if mmap and not is_path:
        raise ValueError("mmap=True needs a path, not a file object")
    handle = open(f, "rb") if is_path else f
    try:
        head = handle.read(16)
        handle.seek(0)
        if head[:4] == b"PK\x03\x04":
            return _load_zip(handle, f if (mmap and is_path) else None, source, map_location)
        if _is_legacy(head):
            return _load_legacy(handle, source, map_location)
        if _is_pickle(head):
            # a bare pickle: interpreting it names what it would run (UnsafeCheckpointError) if anything
            end = handle.seek(0, io.SEEK_END)
            handle.seek(0)
            _Reader(source, None, None).machine(persistent=False).load(handle, end)
            raise ValueError(f"{source} is a pickle, not a torch.save checkpoint (no PyTorch magic number)")
        raise ValueError(f"{source} is not a PyTorch checkpoint")
    finally:
        if is_path:
            handle.close()


def _load_zip(handle, mmap_path, source: str, map_location):
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise ValueError(f"{source} is not a valid PyTorch zip checkpoint: {error}") from None
    with archive:
        names = [info.filename for info in archive.infolist()]
        pickles = [name for name in names if name.count("/") == 1 and name.endswith("/data.pkl")]
        if any(name.count("/") == 1 and name.endswith("/constants.pkl") for name in names):
            raise ValueError(f"{source} is a TorchScript archive (torch.jit.save), which holds code; axonml loads "
                             "state dicts: save model.state_dict() with torch.save")
        if len(pickles) != 1:
            raise ValueError(f"{source} is not a PyTorch checkpoint: it is a zip file without one <name>/data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        byteorder = _small_entry(archive, prefix + "byteorder", source) or "little"
        if byteorder not in ("little", "big"):
            raise ValueError(f"{source}: unknown byte order {byteorder[:20]!r}")
        file_size = handle.seek(0, io.SEEK_END)

        def fetch(storage: _Storage) -> None:
            name = f"{prefix}data/{storage.key}"
            try:
                info = archive.getinfo(name)
            except KeyError:
                raise ValueError(f"{source}: storage {storage.key!r} has no {name} entry") from None
            nbytes = storage.numel * storage.dtype.itemsize
            if info.file_size != nbytes:
                raise ValueError(f"{source}: {name} holds {info.file_size} bytes, its storage needs {nbytes}")
            if info.compress_type == zipfile.ZIP_STORED:
                if info.compress_size != nbytes or info.header_offset + nbytes > file_size:
                    raise ValueError(f"{source}: {name} runs past the end of the file")
            elif nbytes > _BOMB_FLOOR and nbytes > _MAX_COMPRESSION_RATIO * info.compress_size:
                raise ValueError(f"{source}: {name} claims {nbytes} bytes from {info.compress_size} compressed "
                                 "(a zip bomb?)")
            dtype = storage.dtype.np.newbyteorder("<" if byteorder == "little" else ">")
            if mmap_path is not None and info.compress_type == zipfile.ZIP_STORED and byteorder == _NATIVE_BYTEORDER:
                offset = _zip_data_offset(handle, info, source)
                storage.array = np.memmap(mmap_path, dtype=storage.dtype.np, mode="c", offset=offset,
                                          shape=(storage.numel,)).view(np.ndarray) if nbytes else \
                    np.empty(0, storage.dtype.np)
                return
            array = np.empty(storage.numel, dtype=dtype)
            if info.compress_type == zipfile.ZIP_STORED:    # as torch reads it: straight from the file, one copy
                handle.seek(_zip_data_offset(handle, info, source))
                _read_into(handle, array.view(np.uint8), f"{source}: {name}")
                storage.array = _native(array)
                return
            try:
                with archive.open(info) as entry:
                    _read_into(entry, array.view(np.uint8), f"{source}: {name}")
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
                    zlib.error, lzma.LZMAError) as error:
                raise ValueError(f"{source}: cannot read {name}: {error}") from None
            storage.array = _native(array)

        reader = _Reader(source, map_location, fetch)
        info = archive.getinfo(pickles[0])
        if info.file_size > _MAX_PICKLE_BYTES:
            raise ValueError(f"{source}: data.pkl declares {info.file_size} bytes (more than the "
                             f"{_MAX_PICKLE_BYTES} a checkpoint's structure can need)")
        try:
            with archive.open(info) as entry:
                return reader.machine().load(io.BufferedReader(entry), info.file_size)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, zlib.error,
                lzma.LZMAError) as error:
            raise ValueError(f"{source}: cannot read {pickles[0]}: {error}") from None


def _native(array: np.ndarray) -> np.ndarray:
    if array.dtype.isnative:
        return array
    array.byteswap(inplace=True)
    return array.view(array.dtype.newbyteorder("="))


def _small_entry(archive: zipfile.ZipFile, name: str, source: str) -> str | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > 64:
        raise ValueError(f"{source}: {name} is {info.file_size} bytes")
    try:
        return archive.read(info).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, zlib.error,
            lzma.LZMAError) as error:
        raise ValueError(f"{source}: cannot read {name}: {error}") from None


def _zip_data_offset(handle, info: zipfile.ZipInfo, source: str) -> int:
    """Where an uncompressed entry's bytes start: after its local header, name and extra field."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError(f"{source}: bad local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_length + extra_length


def _read_into(stream, buffer: np.ndarray, what: str) -> None:
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        count = stream.readinto(view[filled:])
        if not count:
            raise ValueError(f"{what} is truncated ({filled} of {len(view)} bytes)")
        filled += count


def _load_legacy(handle, source: str, map_location):
    end = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    budget = [end]

    def allocate(storage: _Storage) -> None:
        nbytes = storage.numel * storage.dtype.itemsize
        if nbytes > budget[0]:
            raise ValueError(f"{source}: storage {storage.key!r} declares {nbytes} bytes, more than the file holds")
        budget[0] -= nbytes
        storage.array = np.empty(storage.numel, dtype=storage.dtype.np)

    reader = _Reader(source, None, allocate)   # the bytes come after the pickle: move tensors once read
    plain = reader.machine(persistent=False)
    if plain.load(handle, end) != _LEGACY_MAGIC:
        raise ValueError(f"{source}: invalid magic number; corrupt file?")
    version = plain.load(handle, end)
    if version != _LEGACY_PROTOCOL:
        raise ValueError(f"{source}: unsupported legacy protocol version {str(version)[:20]}")
    sys_info = plain.load(handle, end)
    if not isinstance(sys_info, dict) or sys_info.get("little_endian", True) is not True:
        raise ValueError(f"{source}: only little-endian legacy checkpoints are supported")
    result = reader.machine().load(handle, end)
    keys = plain.load(handle, end)
    if not isinstance(keys, list) or sorted(keys, key=str) != sorted(reader.storages, key=str) or \
            len(set(keys)) != len(keys):
        raise ValueError(f"{source}: the storage list does not match the storages the checkpoint uses")
    for key in keys:
        storage = reader.storages[key]
        header = handle.read(8)
        if len(header) != 8:
            raise ValueError(f"{source}: truncated before storage {key!r}")
        (numel,) = struct.unpack("<q", header)
        if numel != storage.numel:
            raise ValueError(f"{source}: storage {key!r} holds {numel} elements, its tensors need {storage.numel}")
        _read_into(handle, storage.array.view(np.uint8), f"{source}: storage {key!r}")
    if map_location is None or _device(map_location) == _device("cpu"):
        return result
    target = _device(map_location)
    return map_tensors(result, lambda tensor: tensor.to(target), source)


def map_tensors(obj, function, source: str = "the checkpoint"):
    """obj with every tensor replaced by function(tensor); containers are rebuilt, shared ones once."""
    done: dict[int, Any] = {}
    open_containers: set[int] = set()

    def walk(item):
        if id(item) in done:
            return done[id(item)]
        if isinstance(item, Tensor):
            out = function(item)
        elif isinstance(item, (dict, list, tuple, set, frozenset)):
            if id(item) in open_containers:
                raise ValueError(f"{source} holds a container that contains itself")
            open_containers.add(id(item))
            if isinstance(item, dict):
                out = type(item)((key, walk(value)) for key, value in item.items())
                if hasattr(item, "_metadata"):
                    out._metadata = item._metadata
            else:
                out = type(item)(walk(value) for value in item)
            open_containers.discard(id(item))
        else:
            return item
        done[id(item)] = out
        return out

    try:
        return walk(obj)
    except RecursionError:
        raise ValueError(f"{source} is nested too deeply") from None
