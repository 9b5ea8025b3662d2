"""dtypes as PyTorch spells them, and PyTorch's type-promotion rules.

complex64 and complex128 are NumPy's complex types (kind 'c', a category above floating point).

bfloat16 is ml_dtypes' NumPy dtype (the one JAX and TensorFlow use; NumPy has none). Its NumPy
kind is 'V'.

The float8 types (float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz, float8_e8m0fnu)
are ml_dtypes' too (kind 'V', but 'f' for float8_e5m2), and like PyTorch's they are storage
types: creation, casts both ways (with PyTorch's rounding and saturation, see ``cast_array``),
views, printing and saving; type promotion with any other type is refused, as PyTorch refuses it.

uint16, uint32 and uint64 are NumPy's unsigned integers. PyTorch promotes them only with
themselves and the floating types (any other integer or complex partner is an error); axonml
does the same.

The sub-byte types int4, uint4, int2, uint2 (integers) and float4_e2m1fn are ml_dtypes' one
element per byte (kind 'V' again, so ``dtype.is_floating_point`` rather than the NumPy kind
tells them apart): storage types for ONNX models, which pack them two or four to a byte on disk.
"""
from __future__ import annotations

import math as _math

import ml_dtypes
import numpy as np

__all__ = ["dtype", "float32", "float64", "float16", "bfloat16", "complex64", "complex128", "cfloat", "cdouble",
           "int32", "int64", "int16", "int8", "uint8", "bool", "uint16", "uint32", "uint64",
           "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
           "int4", "uint4", "int2", "uint2", "float4_e2m1fn",
           "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast", "finfo", "iinfo"]


class dtype:
    """A tensor element type: a thin, hashable name over a NumPy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype, category=None, is_signed=None):
        self.name = name
        self.np = np.dtype(np_dtype)
        # 0 bool, 1 integer, 2 floating, 3 complex: PyTorch promotes across categories, not by value.
        # ml_dtypes' types are of NumPy kind 'V' (or 'f'): the integer ones say so with category=1.
        if category is None:
            category = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}[self.np.kind]
        self._category = category
        self.is_floating_point = self._category == 2
        self.is_signed = self.np.kind in "ifVc" if is_signed is None else is_signed
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self) -> bool:
        return self._category == 3

    def to_real(self) -> "dtype":
        """The real type of the same precision (complex64 -> float32); a real type itself."""
        return _COMPLEX_TO_REAL.get(self, self)

    def to_complex(self) -> "dtype":
        """The complex type holding this floating type (float64 -> complex128; float16 and bfloat16 ->
        complex64, axonml having no complex32)."""
        if self.is_complex:
            return self
        if not self.is_floating_point:
            raise RuntimeError(f"to_complex: expected a floating point dtype, got {self}")
        return complex128 if self.itemsize == 8 else complex64

    @property
    def scalar_name(self) -> str:
        """PyTorch's name of the type in error messages: Float, Double, Long, Int, Byte, Bool ..."""
        return _SCALAR_NAMES[self.name]

    def __repr__(self) -> str:
        return "axonml." + self.name

    def __reduce__(self):
        return self.name


float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
float16 = dtype("float16", np.float16)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16)
int64 = dtype("int64", np.int64)
int32 = dtype("int32", np.int32)
int16 = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001 - PyTorch's name
complex64 = dtype("complex64", np.complex64)
complex128 = dtype("complex128", np.complex128)
uint16 = dtype("uint16", np.uint16)
uint32 = dtype("uint32", np.uint32)
uint64 = dtype("uint64", np.uint64)
float8_e4m3fn = dtype("float8_e4m3fn", ml_dtypes.float8_e4m3fn)
float8_e4m3fnuz = dtype("float8_e4m3fnuz", ml_dtypes.float8_e4m3fnuz)
float8_e5m2 = dtype("float8_e5m2", ml_dtypes.float8_e5m2)
float8_e5m2fnuz = dtype("float8_e5m2fnuz", ml_dtypes.float8_e5m2fnuz)
float8_e8m0fnu = dtype("float8_e8m0fnu", ml_dtypes.float8_e8m0fnu, is_signed=False)  # powers of two, no sign bit
int4 = dtype("int4", ml_dtypes.int4, category=1)
uint4 = dtype("uint4", ml_dtypes.uint4, category=1, is_signed=False)
int2 = dtype("int2", ml_dtypes.int2, category=1)
uint2 = dtype("uint2", ml_dtypes.uint2, category=1, is_signed=False)
float4_e2m1fn = dtype("float4_e2m1fn", ml_dtypes.float4_e2m1fn)

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
cfloat = complex64
cdouble = complex128

_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
                 "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                 "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
                 "float8_e4m3fn": "Float8_e4m3fn", "float8_e4m3fnuz": "Float8_e4m3fnuz", "float8_e5m2": "Float8_e5m2",
                 "float8_e5m2fnuz": "Float8_e5m2fnuz", "float8_e8m0fnu": "Float8_e8m0fnu", "int4": "Int4",
                 "uint4": "UInt4", "int2": "Int2", "uint2": "UInt2", "float4_e2m1fn": "Float4_e2m1fn"}
_FLOAT8 = (float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz, float8_e8m0fnu)
_SUB_BYTE = (int4, uint4, int2, uint2, float4_e2m1fn)
# PyTorch's "barebones" unsigned types: promoted with themselves and floating types only
_BAREBONES_UNSIGNED = (uint16, uint32, uint64, uint4, uint2, int4, int2)
_ALL = (float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool, complex64, complex128,
        uint16, uint32, uint64) + _FLOAT8 + _SUB_BYTE
_COMPLEX_TO_REAL = {complex64: float32, complex128: float64}
_BY_NUMPY = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(float=float32, double=float64, half=float16, long=int64, int=int32, short=int16, cfloat=complex64,
                cdouble=complex128)

_default = float32


def get_default_dtype() -> dtype:
    return _default


def set_default_dtype(d: dtype) -> None:
    global _default
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert NumPy array of type {np.dtype(np_dtype)}: the supported types are "
                        "float64, float32, float16, bfloat16, complex64, complex128, int64, int32, int16, int8, uint64, "
                        "uint32, uint16, uint8, bool, the float8 types, int4, uint4, int2, uint2 and float4_e2m1fn"
                        ) from None


def to_dtype(d) -> dtype:
    """Accept an axonml dtype, a NumPy dtype/type, a Python type or a name."""
    if type(d) is dtype:
        return d
    if d is None:
        return _default
    if d is builtins_float:
        return _default
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool
    if d is builtins_complex:
        return default_complex_dtype()
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"{d!r} is not a dtype") from None


import builtins as _builtins  # noqa: E402

builtins_float, builtins_int, builtins_bool = _builtins.float, _builtins.int, _builtins.bool
builtins_complex = _builtins.complex


def default_complex_dtype() -> dtype:
    """The complex type of the default float type (complex64 for float32, complex128 for float64)."""
    return _default.to_complex()


def _combine_complex(higher: dtype, lower: dtype) -> dtype:
    """PyTorch's combine_categories when one side is complex: a complex side in the higher-priority group
    wins; a complex side in the lower group lends its category but keeps the higher side's float precision."""
    if higher.is_complex:
        return higher
    return higher.to_complex() if higher.is_floating_point else lower


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: the smallest type both convert to without losing category."""
    if a is b:
        return a
    if a in _FLOAT8 or b in _FLOAT8 or a is float4_e2m1fn or b is float4_e2m1fn:
        raise RuntimeError(f"Promotion for Float8 Types is not supported, attempted to promote {a.scalar_name} and "
                           f"{b.scalar_name}")
    if a in _BAREBONES_UNSIGNED or b in _BAREBONES_UNSIGNED:
        other = b if a in _BAREBONES_UNSIGNED else a
        if other.is_floating_point:
            return other
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                           f"{a.scalar_name} and {b.scalar_name}")
    if a._category == 3 or b._category == 3:
        if a._category == b._category:
            return a if a.itemsize >= b.itemsize else b
        complex_side, other = (a, b) if a._category == 3 else (b, a)
        if other.is_floating_point and other.itemsize == 8:
            return complex128
        return complex_side
    if a._category != b._category:
        return a if a._category > b._category else b
    if a.is_floating_point:
        if a.itemsize == b.itemsize:  # float16 with bfloat16: neither holds the other
            return float32
        return a if a.itemsize > b.itemsize else b
    return _BY_NUMPY[np.promote_types(a.np, b.np)]


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether type promotion may cast from_ to to: never to a lower category (float to int, int to bool)."""
    return to_dtype(from_)._category <= to_dtype(to)._category


def result_type(*operands) -> dtype:
    """PyTorch's result_type over tensors and Python scalars.

    Dimensioned tensors win within a category; zero-dim tensors and Python scalars only raise the
    category (an int tensor times 2.5 becomes the default float type, not float64).
    """
    from .tensor import Tensor
    dim_type = zero_dim_type = None
    scalar_category = -1
    for x in operands:
        if isinstance(x, Tensor):
            d = x.dtype
            if x.ndim:
                dim_type = d if dim_type is None else promote_types(dim_type, d)
            else:
                zero_dim_type = d if zero_dim_type is None else promote_types(zero_dim_type, d)
        elif isinstance(x, builtins_bool):
            scalar_category = max(scalar_category, 0)
        elif isinstance(x, builtins_int):
            scalar_category = max(scalar_category, 1)
        elif isinstance(x, builtins_float):
            scalar_category = max(scalar_category, 2)
        elif isinstance(x, builtins_complex):
            scalar_category = max(scalar_category, 3)
        else:
            raise TypeError(f"result_type: unsupported operand {type(x).__name__}")
    result = dim_type
    if zero_dim_type is not None:
        if result is None:
            result = zero_dim_type
        elif zero_dim_type._category > result._category:
            result = _combine_complex(result, zero_dim_type) if zero_dim_type.is_complex else zero_dim_type
    if scalar_category >= 0:
        if result is None:
            result = (bool, int64, _default, default_complex_dtype())[scalar_category]
        elif scalar_category > result._category:
            if scalar_category == 3:
                result = _combine_complex(result, default_complex_dtype())
            else:
                result = int64 if scalar_category == 1 else _default
    return result


class finfo:
    """The numerical limits of a floating-point dtype (torch.finfo): bits, eps, max, min, tiny, resolution.

    Example::

        >>> axonml.finfo(axonml.float16).eps
        0.0009765625
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None) -> None:  # noqa: A002 - PyTorch's argument name
        d = to_dtype(type).to_real()
        if not d.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'{d.name}'")
        info = ml_dtypes.finfo(d.np)
        self.bits, self.dtype = info.bits, d.name
        number = builtins_float
        self.eps, self.max, self.min = number(info.eps), number(info.max), number(info.min)
        if d is float8_e5m2fnuz:
            self.eps = 0.125  # PyTorch's value for this type (its numeric_limits), where ml_dtypes has 2**-2
        self.tiny = self.smallest_normal = number(info.smallest_normal)
        # PyTorch's resolution: 10 ** -digits10, digits10 = floor(mantissa bits * log10(2))
        self.resolution = 10.0 ** -_math.floor(info.nmant * _math.log10(2))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype (torch.iinfo): bits, max, min."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type) -> None:  # noqa: A002
        d = to_dtype(type)
        if d.is_floating_point or d.is_complex:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{d.name}'")
        if d is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        info = ml_dtypes.iinfo(d.np)
        self.bits, self.max, self.min, self.dtype = info.bits, builtins_int(info.max), builtins_int(info.min), d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


_NARROW_FLOAT_TYPES = frozenset(d.np for d in _FLOAT8)


def cast_array(array: np.ndarray, to) -> np.ndarray:
    """A NumPy array converted to the NumPy dtype ``to`` as PyTorch converts tensors.

    NumPy's (ml_dtypes') casts are PyTorch's except into the float8 types, where PyTorch goes
    through float32 (a float64 value is rounded twice) and then: float8_e4m3fn saturates finite
    values and infinities beyond its range at +-448 (ml_dtypes makes them NaN); float8_e5m2 writes
    NaN as 0x7f/0xff (ml_dtypes 0x7e/0xfe); float8_e8m0fnu keeps only the exponent, rounded to
    nearest (a mantissa of exactly one half rounds up from a normal number), drops the sign and maps
    zero to 2**-127.
    """
    to = np.dtype(to)
    if to not in _NARROW_FLOAT_TYPES or array.dtype == to:
        return array if array.dtype == to else array.astype(to)
    x = np.asarray(array, dtype=np.float32)
    if to == float8_e8m0fnu.np:
        return float32_to_e8m0(x).view(to)
    with np.errstate(invalid="ignore", over="ignore"):
        out = x.astype(to)
    if to == float8_e4m3fn.np:
        overflow = np.isnan(out) & ~np.isnan(x)
        if overflow.any():
            out[overflow] = np.copysign(np.float32(448.0), x[overflow]).astype(to)
    elif to == float8_e5m2.np:
        nan = np.isnan(x)
        if nan.any():
            bits = out.view(np.uint8)
            bits[nan] = (x[nan].view(np.uint32) >> 24).astype(np.uint8) & 0x80 | 0x7F
    return out


def float32_to_e8m0(x: np.ndarray, round_mode: str = "nearest", saturate: bool = False) -> np.ndarray:
    """float8_e8m0fnu bits (a biased power of two, no sign) from float32 values' exponent bits; NaN and
    infinities give NaN (0xff). round_mode "nearest" is PyTorch's (c10's fp8e8m0fnu_from_fp32_value): the
    next power for a fraction of one half or more (one half exactly: only above a float32 subnormal); ONNX's
    Cast also has "up" (the next power for any fraction) and "down" (none), and saturate (stop at 2**127
    instead of NaN)."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    exponent = ((bits >> 23) & 0xFF).astype(np.uint16)
    if round_mode == "nearest":
        round_up = ((bits & 0x400000) != 0) & (((bits & 0x3FFFFF) != 0) | (exponent > 0))
    elif round_mode == "up":
        round_up = (bits & 0x7FFFFF) != 0
    else:
        round_up = np.zeros(bits.shape, np.bool_)
    round_up &= exponent != 0xFF
    if saturate:
        round_up &= exponent != 0xFE
    return (exponent + round_up).astype(np.uint8)
