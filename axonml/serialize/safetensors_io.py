"""Reading and writing safetensors files: atomic writes, and clear errors for bad files.

safetensors holds only raw arrays and a JSON header, so loading a file never runs code. The
Rust parser checks the header and that the data covers it exactly; every failure is
re-raised as a ValueError naming the file.
"""
from __future__ import annotations

import json
import os
import struct
import tempfile

import numpy as np

__all__ = ["write_arrays", "read_arrays"]


def _describe(target) -> str:
    if isinstance(target, (str, os.PathLike)):
        return f"'{os.fspath(target)}'"
    return f"<{type(target).__name__}>"


def write_arrays(arrays: dict[str, np.ndarray], target, metadata: dict[str, str] | None = None) -> None:
    """Write named NumPy arrays (and string metadata) to a path or a writable binary file object.

    A path is written atomically: the data goes to a temporary file in the same directory, which
    replaces the target only once it is complete, so an error never leaves a partial file.
    """
    import safetensors.numpy  # imported on first use: `import axonml` needs only NumPy and SciPy
    arrays = {name: np.array(array, order="C", copy=None) for name, array in arrays.items()}
    if hasattr(target, "write"):
        target.write(safetensors.numpy.save(arrays, metadata=metadata))
        return
    path = os.fspath(target)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".axonml-", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        safetensors.numpy.save_file(arrays, temporary, metadata=metadata)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, _new_file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


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


def read_arrays(source) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors path or readable binary file object: (arrays in file order, metadata).

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the file is not a valid safetensors file (truncated, corrupt or hostile).
    """
    import safetensors.numpy
    from safetensors import SafetensorError, safe_open
    try:
        if hasattr(source, "read"):
            data = source.read()
            metadata = _header_metadata(data)
            arrays = safetensors.numpy.load(data)
        else:
            if not os.path.exists(source):
                raise FileNotFoundError(f"No such file or directory: {_describe(source)}")
            with safe_open(os.fspath(source), framework="np") as handle:
                metadata = handle.metadata() or {}
                arrays = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, ValueError, OSError, TypeError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"{_describe(source)} is not a valid safetensors file: {error}") from None
    return arrays, metadata


def _header_metadata(data: bytes) -> dict[str, str]:
    """The __metadata__ entry of a safetensors header read from bytes (the parser validates the rest)."""
    if len(data) < 8:
        raise ValueError("header too small")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise ValueError("header length exceeds the file size")
    try:
        header = json.loads(data[8:8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"header is not valid JSON ({error})") from None
    metadata = header.get("__metadata__", {}) if isinstance(header, dict) else None
    if not isinstance(metadata, dict):
        raise ValueError("header __metadata__ is not a JSON object")
    return metadata
