"""QuantizedTensor: an array kept in a GGML format (blocks, or a plain type such as F32) until used."""
from __future__ import annotations

import math

import numpy as np

from .formats import (DEQUANTIZE_TYPES, GGMLType, PLAIN_DTYPES, dequantize, quantize, quantized_shape, qtype_of)

__all__ = ["QuantizedTensor"]


class QuantizedTensor:
    """An array of ``shape`` stored as ``qtype``: ``blocks`` holds the bytes, ``(*shape[:-1], row_bytes)``.

    The bytes may be a read-only view of a file (a GGUF tensor); nothing is decoded until
    :meth:`dequantize` (or a quantized kernel) reads it.

    Args:
        blocks: the stored bytes, any array whose size is the stored size (a NumPy array; any dtype, read as bytes).
        qtype: the GGML type (name, id or GGMLType).
        shape: the shape of the values.

    Example::

        >>> w = QuantizedTensor.from_float(np.random.randn(64, 128).astype(np.float32), "Q4_0")
        >>> w.shape, w.nbytes
        ((64, 128), 4608)
    """

    __slots__ = ("blocks", "qtype", "shape")

    def __init__(self, blocks, qtype, shape) -> None:
        self.qtype = qtype_of(qtype)
        self.shape = tuple(int(n) for n in shape)
        byte_shape = quantized_shape(self.shape, self.qtype)
        data = np.asarray(blocks)
        if not data.flags.c_contiguous:
            data = np.ascontiguousarray(data)
        data = data.reshape(-1).view(np.uint8)
        if data.size != math.prod(byte_shape):
            raise ValueError(f"{self.qtype.name} values of shape {self.shape} take {math.prod(byte_shape)} bytes, "
                             f"got {data.size}")
        self.blocks = data.reshape(byte_shape)

    @classmethod
    def from_float(cls, x, qtype) -> "QuantizedTensor":
        """Quantize a float array (or CPU Tensor) to qtype."""
        array = x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)
        return cls(quantize(array, qtype), qtype, array.shape)

    @property
    def nbytes(self) -> int:
        return self.blocks.nbytes

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def numel(self) -> int:
        return math.prod(self.shape)

    def dequantize(self) -> np.ndarray:
        """The values: float32 for the float and block formats; the stored dtype for I8, I16, I32, I64, F64."""
        plain = PLAIN_DTYPES.get(self.qtype)
        if plain is not None and self.qtype != GGMLType.F32:
            return self.blocks.reshape(-1).view(plain).reshape(self.shape)
        if self.qtype not in DEQUANTIZE_TYPES:
            raise NotImplementedError(f"decoding {self.qtype.name} is not implemented; axonml decodes "
                                      f"{', '.join(t.name for t in DEQUANTIZE_TYPES)}")
        return dequantize(self.blocks, self.qtype).reshape(self.shape)

    numpy = dequantize

    def __repr__(self) -> str:
        return f"QuantizedTensor(shape={self.shape}, qtype={self.qtype.name}, nbytes={self.nbytes})"
