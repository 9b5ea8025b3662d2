"""ONNX element types (TensorProto.DataType) and the axonml dtypes that hold them."""
from __future__ import annotations

from onnx import TensorProto

from .. import _dtype

__all__ = ["to_axonml", "to_onnx", "name_of"]

_TO_AXONML = {
    TensorProto.FLOAT: _dtype.float32,
    TensorProto.DOUBLE: _dtype.float64,
    TensorProto.FLOAT16: _dtype.float16,
    TensorProto.BFLOAT16: _dtype.bfloat16,
    TensorProto.INT64: _dtype.int64,
    TensorProto.INT32: _dtype.int32,
    TensorProto.INT16: _dtype.int16,
    TensorProto.INT8: _dtype.int8,
    TensorProto.UINT8: _dtype.uint8,
    TensorProto.BOOL: _dtype.bool,
    TensorProto.UINT16: _dtype.uint16,
    TensorProto.UINT32: _dtype.uint32,
    TensorProto.UINT64: _dtype.uint64,
    TensorProto.FLOAT8E4M3FN: _dtype.float8_e4m3fn,
    TensorProto.FLOAT8E4M3FNUZ: _dtype.float8_e4m3fnuz,
    TensorProto.FLOAT8E5M2: _dtype.float8_e5m2,
    TensorProto.FLOAT8E5M2FNUZ: _dtype.float8_e5m2fnuz,
    TensorProto.FLOAT8E8M0: _dtype.float8_e8m0fnu,
    TensorProto.INT4: _dtype.int4,
    TensorProto.UINT4: _dtype.uint4,
    TensorProto.INT2: _dtype.int2,
    TensorProto.UINT2: _dtype.uint2,
    TensorProto.FLOAT4E2M1: _dtype.float4_e2m1fn,
}
_TO_ONNX = {dtype.name: code for code, dtype in _TO_AXONML.items()}


def name_of(code: int) -> str:
    return TensorProto.DataType.Name(code) if code in TensorProto.DataType.values() else str(code)


def to_axonml(code: int):
    """The axonml dtype of an ONNX element type; None when axonml has no such dtype."""
    return _TO_AXONML.get(code)


def to_onnx(dtype) -> int:
    """The ONNX element type of an axonml dtype."""
    try:
        return _TO_ONNX[dtype.name]
    except KeyError:
        raise TypeError(f"axonml dtype {dtype} has no ONNX element type") from None
