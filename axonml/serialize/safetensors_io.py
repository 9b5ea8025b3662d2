"""Reading and writing safetensors files: a strict header check, one-copy reads, atomic writes.

Files are written by the ``safetensors`` library (its NumPy API), so they are byte-compatible
with every other safetensors tool. Reading parses the header here, more strictly than the
library: a tensor named twice, an unknown key, offsets that overlap, leave gaps or run past the
data, and a declared size that does not match the shape are all refused before any tensor
byte is read. Tensors are then read straight into their arrays (one copy, no mapping), or
mapped copy-on-write from the file when asked (``mmap=True``), so nothing that is not asked for
is read.
"""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile

import ml_dtypes
import numpy as np

__all__ = ["write_arrays", "read_arrays", "parse_header", "Header", "DTYPES", "MAX_HEADER_BYTES", "atomic_write"]

# safetensors dtype names <-> NumPy dtypes (all of them axonml tensor dtypes; inside axonml.save
# structures the unsigned ones also carry NumPy arrays, e.g. NumPy's RNG state). safetensors has
# no name for float8_e4m3fnuz, float8_e5m2fnuz or the sub-byte types kept one element per byte.
DTYPES = {"F64": np.dtype(np.float64), "F32": np.dtype(np.float32), "F16": np.dtype(np.float16),
          "BF16": np.dtype(ml_dtypes.bfloat16), "I64": np.dtype(np.int64), "I32": np.dtype(np.int32),
          "I16": np.dtype(np.int16), "I8": np.dtype(np.int8), "U8": np.dtype(np.uint8), "BOOL": np.dtype(np.bool_),
          "U16": np.dtype(np.uint16), "U32": np.dtype(np.uint32), "U64": np.dtype(np.uint64),
          "F8_E4M3": np.dtype(ml_dtypes.float8_e4m3fn), "F8_E5M2": np.dtype(ml_dtypes.float8_e5m2),
          "F8_E8M0": np.dtype(ml_dtypes.float8_e8m0fnu), "C64": np.dtype(np.complex64)}
_KNOWN_ELSEWHERE = {"F4", "F6_E2M3", "F6_E3M2"}
_WRITABLE = frozenset(DTYPES.values())
MAX_HEADER_BYTES = 100_000_000  # the safetensors library's own limit
_MAX_DIMS = 64


def _describe(target) -> str:
    if isinstance(target, (str, os.PathLike)):
        return f"'{os.fspath(target)}'"
    return f"<{type(target).__name__}>"


# --- writing -----------------------------------------------------------------------------------------

def write_arrays(arrays: dict[str, np.ndarray], target, metadata: dict[str, str] | None = None) -> None:
    """Write named NumPy arrays (and string metadata) to a path or a writable binary file object.

    A path is written atomically: the data goes to a temporary file in the same directory, which
    replaces the target only once it is complete and on disk, so an error never leaves a partial file.
    """
    import safetensors.numpy  # imported on first use: `import axonml` needs only NumPy and SciPy
    arrays = {name: np.array(array, order="C", copy=None) for name, array in arrays.items()}
    for name, array in arrays.items():
        if array.dtype not in _WRITABLE:
            raise ValueError(f"tensor {name!r}: safetensors has no dtype for {array.dtype}")
    if hasattr(target, "write"):
        target.write(safetensors.numpy.save(arrays, metadata=metadata))
        return
    with atomic_write(target) as temporary:
        safetensors.numpy.save_file(arrays, temporary, metadata=metadata)


class atomic_write:
    """``with atomic_write(path) as temporary:`` write temporary; on success it replaces path.

    The temporary file is in path's directory; it is fsynced, given the permissions ``open``
    would give path, renamed over path with ``os.replace``, and the directory is fsynced, so after
    a crash path holds either its old bytes or all of the new ones. On an error it is removed.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)

    def __enter__(self) -> str:
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, self.temporary = tempfile.mkstemp(prefix=".axonml-", suffix=".tmp", dir=directory)
        os.close(handle)
        return self.temporary

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            try:
                with open(self.temporary, "rb") as written:
                    os.fsync(written.fileno())
                os.chmod(self.temporary, _new_file_mode(self.path))
                os.replace(self.temporary, self.path)
                fsync_directory(os.path.dirname(os.path.abspath(self.path)))
                return
            except BaseException:
                _remove(self.temporary)
                raise
        _remove(self.temporary)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def fsync_directory(directory: str) -> None:
    """Make a rename in directory durable (a no-op where directories cannot be opened, e.g. Windows)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _new_file_mode(path: str) -> int:
    """The permissions path would get from open(): its current ones, else 0o666 less the umask.

    (The temporary file is created 0o600, which must not leak into the saved file.)
    """
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# --- the header -----------------------------------------------------------------------------------------

class Header:
    """A checked safetensors header: entries ``{name: (numpy dtype, shape, start, end)}`` in file
    order (offsets relative to the data section), the metadata, and where the data section starts."""

    __slots__ = ("entries", "metadata", "data_start", "dtype_names")

    def __init__(self, entries, metadata, data_start, dtype_names):
        self.entries, self.metadata, self.data_start, self.dtype_names = entries, metadata, data_start, dtype_names


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the header names {key[:80]!r} twice")
        out[key] = value
    return out


def parse_header(file, file_size: int, source: str) -> Header:
    """Read and check the header of the safetensors file open in file (at its start)."""
    prefix = file.read(8)
    if len(prefix) < 8:
        raise ValueError(f"{source} is not a valid safetensors file: {len(prefix)} bytes, too small for a header")
    (length,) = struct.unpack("<Q", prefix)
    if length > MAX_HEADER_BYTES:
        raise ValueError(f"{source} is not a valid safetensors file: header of {length} bytes "
                         f"(more than {MAX_HEADER_BYTES})")
    if length > file_size - 8:
        raise ValueError(f"{source} is not a valid safetensors file: header length {length} exceeds the file size")
    raw = file.read(length)
    if len(raw) != length:
        raise ValueError(f"{source} is not a valid safetensors file: truncated header")
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise ValueError(f"{source} is not a valid safetensors file: header is not UTF-8") from None
    except RecursionError:
        raise ValueError(f"{source} is not a valid safetensors file: header is nested too deeply") from None
    except ValueError as error:
        raise ValueError(f"{source} is not a valid safetensors file: header is not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{source} is not a valid safetensors file: header is not a JSON object")
    metadata = document.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise ValueError(f"{source} is not a valid safetensors file: __metadata__ is not an object of strings")
    data_size = file_size - 8 - length
    entries, dtype_names = {}, {}
    for name, entry in document.items():
        dtype, shape, start, end = _entry(name, entry, source)
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if end - start != nbytes:
            raise ValueError(f"{source} is not a valid safetensors file: tensor {name!r} of shape {list(shape)} "
                             f"declares {end - start} bytes, its shape needs {nbytes}")
        entries[name] = (dtype, shape, start, end)
        dtype_names[name] = entry["dtype"]
    position = 0
    for name, (_, _, start, end) in sorted(entries.items(), key=lambda item: (item[1][2], item[1][3])):
        if start != position:
            what = "overlaps the tensor before it" if start < position else "leaves a gap before it"
            raise ValueError(f"{source} is not a valid safetensors file: tensor {name!r} at bytes {start}..{end} "
                             f"{what}")
        position = end
    if position != data_size:
        raise ValueError(f"{source} is not a valid safetensors file: the tensors cover {position} bytes of a "
                         f"{data_size}-byte data section (truncated or padded)")
    return Header(entries, metadata, 8 + length, dtype_names)


def _entry(name, entry, source):
    bad = f"{source} is not a valid safetensors file: tensor {name[:80]!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"{bad} needs exactly dtype, shape and data_offsets")
    dtype_name, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype_name, str):
        raise ValueError(f"{bad} has a dtype that is not a string")
    if dtype_name not in DTYPES:
        known = "a dtype axonml has no tensors of" if dtype_name in _KNOWN_ELSEWHERE else "an unknown dtype"
        raise ValueError(f"{bad} has {known}: {dtype_name[:20]!r}")
    if not isinstance(shape, list) or len(shape) > _MAX_DIMS or not all(_natural(n) for n in shape):
        raise ValueError(f"{bad} has a shape that is not a list of non-negative integers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_natural(n) for n in offsets) \
            or offsets[0] > offsets[1]:
        raise ValueError(f"{bad} has data_offsets that are not [start, end]")
    return DTYPES[dtype_name], tuple(shape), offsets[0], offsets[1]


def _natural(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --- reading ------------------------------------------------------------------------------------------------

def read_arrays(source, mmap: bool = False) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors path or readable binary file object: (arrays in file order, metadata).

    Args:
        mmap: map the arrays copy-on-write from the file (a path only) instead of reading them.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the file is not a valid safetensors file (truncated, corrupt or hostile).
    """
    name = _describe(source)
    if hasattr(source, "read"):
        if mmap:
            raise ValueError("mmap=True needs a path, not a file object")
        data = source.read()
        return _read(io.BytesIO(data), len(data), name, None)
    if not os.path.exists(source):
        raise FileNotFoundError(f"No such file or directory: {name}")
    with open(source, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return _read(handle, size, name, os.fspath(source) if mmap else None)


def _read(handle, size: int, name: str, mmap_path: str | None):
    header = parse_header(handle, size, name)
    arrays = {}
    mapped = None
    if mmap_path is not None and size > header.data_start:
        mapped = np.memmap(mmap_path, dtype=np.uint8, mode="c", offset=header.data_start,
                           shape=(size - header.data_start,))
    for tensor, (dtype, shape, start, end) in header.entries.items():
        if mapped is not None:
            arrays[tensor] = mapped[start:end].view(np.ndarray).view(dtype).reshape(shape)
            continue
        array = np.empty(shape, dtype=dtype)
        handle.seek(header.data_start + start)
        view = memoryview(array.reshape(-1).view(np.uint8))
        filled = 0
        while filled < len(view):
            count = handle.readinto(view[filled:])
            if not count:
                raise ValueError(f"{name} is not a valid safetensors file: truncated data of tensor {tensor!r}")
            filled += count
        arrays[tensor] = array
    return arrays, header.metadata
