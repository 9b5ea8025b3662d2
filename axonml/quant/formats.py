"""GGML's block formats: type ids, block geometry, and ``quantize`` / ``dequantize`` on whole arrays.

A row of values is cut into blocks of ``block_size`` values, each stored in ``type_size`` bytes
(a scale, sometimes a minimum, and the packed integers). A quantized array keeps every dimension
but the last, which becomes the row's bytes: ``(*shape[:-1], shape[-1] // block_size * type_size)``,
the layout of the ``gguf`` package and of GGUF files. Quantizing and decoding are GGML's to the
bit (its reference rounding, fp16 scales rounded to nearest even).
"""
from __future__ import annotations

import enum
import math

import numpy as np

from .._ext import _quant
from ..tensor import Tensor

__all__ = ["GGMLType", "QUANTIZE_TYPES", "DEQUANTIZE_TYPES", "qtype_of", "block_size", "type_size",
           "quantized_shape", "values_shape", "padded_row_bytes", "quantize", "quantize_padded", "dequantize"]


class GGMLType(enum.IntEnum):
    """GGML's tensor type ids, as stored in GGUF files (``gguf.GGMLQuantizationType``)."""

    F32 = 0
    F16 = 1
    Q4_0 = 2
    Q4_1 = 3
    Q5_0 = 6
    Q5_1 = 7
    Q8_0 = 8
    Q8_1 = 9
    Q2_K = 10
    Q3_K = 11
    Q4_K = 12
    Q5_K = 13
    Q6_K = 14
    Q8_K = 15
    IQ2_XXS = 16
    IQ2_XS = 17
    IQ3_XXS = 18
    IQ1_S = 19
    IQ4_NL = 20
    IQ3_S = 21
    IQ2_S = 22
    IQ4_XS = 23
    I8 = 24
    I16 = 25
    I32 = 26
    I64 = 27
    F64 = 28
    IQ1_M = 29
    BF16 = 30
    TQ1_0 = 34
    TQ2_0 = 35
    MXFP4 = 39
    NVFP4 = 40
    Q1_0 = 41


_QK_K = 256
# (values per block, bytes per block), ggml's type traits
_GEOMETRY = {
    GGMLType.F32: (1, 4), GGMLType.F16: (1, 2), GGMLType.BF16: (1, 2), GGMLType.F64: (1, 8),
    GGMLType.I8: (1, 1), GGMLType.I16: (1, 2), GGMLType.I32: (1, 4), GGMLType.I64: (1, 8),
    GGMLType.Q4_0: (32, 18), GGMLType.Q4_1: (32, 20), GGMLType.Q5_0: (32, 22), GGMLType.Q5_1: (32, 24),
    GGMLType.Q8_0: (32, 34), GGMLType.Q8_1: (32, 40), GGMLType.IQ4_NL: (32, 18), GGMLType.MXFP4: (32, 17),
    GGMLType.Q2_K: (_QK_K, 84), GGMLType.Q3_K: (_QK_K, 110), GGMLType.Q4_K: (_QK_K, 144),
    GGMLType.Q5_K: (_QK_K, 176), GGMLType.Q6_K: (_QK_K, 210), GGMLType.Q8_K: (_QK_K, 292),
    GGMLType.IQ2_XXS: (_QK_K, 66), GGMLType.IQ2_XS: (_QK_K, 74), GGMLType.IQ3_XXS: (_QK_K, 98),
    GGMLType.IQ1_S: (_QK_K, 50), GGMLType.IQ3_S: (_QK_K, 110), GGMLType.IQ2_S: (_QK_K, 82),
    GGMLType.IQ4_XS: (_QK_K, 136), GGMLType.IQ1_M: (_QK_K, 56), GGMLType.TQ1_0: (_QK_K, 54),
    GGMLType.TQ2_0: (_QK_K, 66), GGMLType.NVFP4: (64, 36), GGMLType.Q1_0: (128, 18),
}

# the NumPy dtype of the types that are plain arrays rather than blocks
PLAIN_DTYPES = {
    GGMLType.F32: np.dtype("<f4"), GGMLType.F64: np.dtype("<f8"), GGMLType.I8: np.dtype("i1"),
    GGMLType.I16: np.dtype("<i2"), GGMLType.I32: np.dtype("<i4"), GGMLType.I64: np.dtype("<i8"),
}

#: types ``quantize`` writes
QUANTIZE_TYPES = (GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_1,
                  GGMLType.Q5_0, GGMLType.Q5_1)
#: types ``dequantize`` and the quantized products read
DEQUANTIZE_TYPES = QUANTIZE_TYPES + (GGMLType.Q4_K, GGMLType.Q6_K)


def qtype_of(qtype) -> GGMLType:
    """A GGMLType from a GGMLType, its id, or its name in any case ('Q4_0', 'q8_0', 'f16').

    Raises ValueError for an unknown type."""
    if isinstance(qtype, GGMLType):
        return qtype
    if isinstance(qtype, str):
        try:
            return GGMLType[qtype.upper()]
        except KeyError:
            raise ValueError(f"unknown GGML type {qtype!r}; known: {', '.join(t.name for t in GGMLType)}") from None
    if isinstance(qtype, (int, np.integer)) and not isinstance(qtype, bool):
        try:
            return GGMLType(int(qtype))
        except ValueError:
            raise ValueError(f"unknown GGML type id {int(qtype)}") from None
    if hasattr(qtype, "value") and isinstance(qtype.value, int):  # gguf.GGMLQuantizationType
        return qtype_of(int(qtype.value))
    raise TypeError(f"a GGML type is a name, an id or a GGMLType, got {type(qtype).__name__}")


def block_size(qtype) -> int:
    """Values per block (1 for the plain types F32, F16, BF16, I8 ...)."""
    return _GEOMETRY[qtype_of(qtype)][0]


def type_size(qtype) -> int:
    """Bytes per block."""
    return _GEOMETRY[qtype_of(qtype)][1]


def quantized_shape(shape, qtype) -> tuple:
    """The byte shape of an array of shape ``shape`` stored as qtype (the last dim becomes bytes)."""
    qtype = qtype_of(qtype)
    shape = tuple(int(n) for n in shape)
    if not shape:
        raise ValueError(f"{qtype.name} stores rows: a 0-d array has none")
    values, nbytes = _GEOMETRY[qtype]
    if shape[-1] % values:
        raise ValueError(f"rows of {shape[-1]} values are not a whole number of {qtype.name} blocks of {values} "
                         f"(shape {shape})")
    return shape[:-1] + (shape[-1] // values * nbytes,)


def values_shape(byte_shape, qtype) -> tuple:
    """The value shape of blocks of byte shape ``byte_shape`` (the inverse of quantized_shape)."""
    qtype = qtype_of(qtype)
    byte_shape = tuple(int(n) for n in byte_shape)
    if not byte_shape:
        raise ValueError(f"{qtype.name} blocks are stored in rows: a 0-d array has none")
    values, nbytes = _GEOMETRY[qtype]
    if byte_shape[-1] % nbytes:
        raise ValueError(f"rows of {byte_shape[-1]} bytes are not a whole number of {qtype.name} blocks of "
                         f"{nbytes} bytes (shape {byte_shape})")
    return byte_shape[:-1] + (byte_shape[-1] // nbytes * values,)


def padded_row_bytes(k: int, qtype) -> int:
    """Bytes of a row of k values stored as whole blocks of qtype, the last one zero-padded."""
    values, nbytes = _GEOMETRY[qtype_of(qtype)]
    return -(-int(k) // values) * nbytes


def quantize_padded(x, qtype) -> np.ndarray:
    """Quantize the rows of a 2-d float array of any length, each zero-padded to whole blocks (the layout
    QuantizedLinear and QuantizedEmbedding keep; GGUF tensors need rows of whole blocks)."""
    qtype = qtype_of(qtype)
    array = np.asarray(x, np.float32)
    if array.ndim != 2:
        raise ValueError(f"quantize_padded takes a 2-d array, got shape {array.shape}")
    values = block_size(qtype)
    padding = -array.shape[1] % values
    return quantize(np.pad(array, ((0, 0), (0, padding))) if padding else array, qtype)


def _host_array(x, op: str) -> tuple[np.ndarray, bool]:
    if isinstance(x, Tensor):
        if x.device.type != "cpu":
            raise NotImplementedError(f"'{op}' is not implemented on device {x.device}: call it on a CPU tensor")
        return x.detach().numpy(), True
    return np.asarray(x), False


def quantize(x, qtype):
    """Quantize the rows (last dim) of a float array into GGML blocks.

    Args:
        x: a NumPy array or CPU Tensor of floats; its last dim a multiple of the block size.
        qtype: one of QUANTIZE_TYPES, by name ('Q4_0'), id or GGMLType.

    Returns:
        uint8 blocks of shape ``(*x.shape[:-1], x.shape[-1] // block_size * type_size)``, byte for byte
        what ``gguf.quants.quantize`` (and llama.cpp) produce; a Tensor if x is one.

    Example::

        >>> blocks = axonml.quant.quantize(np.ones((4, 64), np.float32), "Q8_0")
        >>> blocks.shape
        (4, 68)
    """
    qtype = qtype_of(qtype)
    if qtype not in QUANTIZE_TYPES:
        raise NotImplementedError(f"quantizing to {qtype.name} is not implemented; axonml quantizes to "
                                  f"{', '.join(t.name for t in QUANTIZE_TYPES)}")
    array, was_tensor = _host_array(x, "quantize")
    if array.dtype.kind not in "fiub" and array.dtype.name != "bfloat16":
        raise TypeError(f"quantize expects floating-point values, got {array.dtype}")
    shape = quantized_shape(array.shape, qtype)
    rows = np.ascontiguousarray(array, dtype=np.float32).reshape(math.prod(array.shape[:-1]), array.shape[-1])
    if qtype == GGMLType.F32:
        out = rows.view(np.uint8).copy()
    else:
        out = np.empty((rows.shape[0], shape[-1]), np.uint8)
        _quant.quantize_rows(rows, int(qtype), out)
    out = out.reshape(shape)
    return _wrap(out) if was_tensor else out


def dequantize(blocks, qtype):
    """The float32 values of GGML blocks.

    Args:
        blocks: uint8 blocks, shape ``(*shape, row_bytes)`` (a NumPy array or a Tensor on any device).
        qtype: one of DEQUANTIZE_TYPES (QUANTIZE_TYPES and the K-quants Q4_K, Q6_K).

    Returns:
        float32 values of shape ``(*shape, row_bytes // type_size * block_size)``, bit for bit
        ``gguf.quants.dequantize``; a Tensor on the blocks' device if blocks is one.
    """
    qtype = qtype_of(qtype)
    if qtype not in DEQUANTIZE_TYPES:
        raise NotImplementedError(f"decoding {qtype.name} is not implemented; axonml decodes "
                                  f"{', '.join(t.name for t in DEQUANTIZE_TYPES)}")
    if isinstance(blocks, Tensor):
        if blocks.dtype.name != "uint8":
            raise TypeError(f"dequantize expects uint8 blocks, got {blocks.dtype}")
        shape = values_shape(blocks.shape, qtype)
        data = blocks.detach()._data
        backend = _backend_of(data)
        rows = backend.reshape(backend.ascontiguousarray(data), (math.prod(blocks.shape[:-1]), blocks.shape[-1]))
        return _wrap(backend.reshape(decode_rows(backend, rows, qtype, shape[-1]), shape))
    array = np.asarray(blocks)
    if array.dtype != np.uint8:
        array = array.view(np.uint8) if array.dtype.kind in "fiu" else array
        if array.dtype != np.uint8:
            raise TypeError(f"dequantize expects uint8 blocks, got {np.asarray(blocks).dtype}")
    shape = values_shape(array.shape, qtype)
    rows = np.ascontiguousarray(array).reshape(math.prod(array.shape[:-1]), array.shape[-1])
    from ..backends import cpu
    return decode_rows(cpu, rows, qtype, shape[-1]).reshape(shape)


def decode_rows(backend, rows, qtype: GGMLType, k: int):
    """(R, k) float32 values of (R, row bytes) blocks, on the rows' backend."""
    if qtype == GGMLType.F32:
        return backend.view_dtype(backend.ascontiguousarray(rows), np.float32) if rows.shape[0] else \
            backend.zeros((0, k), np.float32)
    return backend.quant_dequantize(rows, int(qtype), k)


def _backend_of(data):
    from ..tensor import _backend_of as backend_of
    return backend_of(data)


def _wrap(array) -> Tensor:
    from ..tensor import _make
    return _make(array)
