"""Elementwise ops on an OpenCL device (elementwise.cl): unary and binary ops, where, clip.

Operands are strided layouts, broadcast by zero strides and coalesced into as few dims as
they allow, so views and broadcasts reach the kernels without copies; a host scalar operand
is passed by value. Type promotion is NumPy's (``np.result_type``).
"""
from __future__ import annotations

import numbers

import numpy as np

from ._array import CLArray
from ._layout import broadcast_strides, coalesce, layout_arg, scalar_layout, shape_arg

__all__ = ["BINARY_UFUNCS", "UNARY_NAMES", "is_scalar", "scalar_value", "binary", "unary", "where", "clip"]

_BOOL = np.dtype(np.bool_)
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)
_FLOAT_ONLY_UNARY = ("exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan", "tanh",
                     "sigmoid", "erf", "log2", "log10", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
                     "atanh")
_PREDICATES = {"eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
               "isnan", "isinf", "isfinite"}
_BOOL_ALIASES = {"add": "logical_or", "mul": "logical_and", "sub": "logical_xor"}
BINARY_UFUNCS = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "pow": np.power,
    "maximum": np.maximum, "minimum": np.minimum, "floor_divide": np.floor_divide, "remainder": np.remainder,
    "fmod": np.fmod, "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
    "ge": np.greater_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor, "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor, "atan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign,
    "left_shift": np.left_shift, "right_shift": np.right_shift,
}
UNARY_NAMES = ("logical_not", "neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal",
               "sin", "cos", "tan", "tanh", "sigmoid", "erf", "floor", "ceil", "round", "trunc", "log2", "log10",
               "isnan", "isinf", "isfinite", "bitwise_not", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
               "atanh")


def is_scalar(x) -> bool:
    """Whether x is a host scalar (a Python or NumPy number, or a 0-d NumPy array)."""
    return isinstance(x, (numbers.Number, np.generic)) or (isinstance(x, np.ndarray) and x.ndim == 0)


def scalar_value(x):
    """A host scalar as a Python number."""
    return x.item() if isinstance(x, (np.generic, np.ndarray)) else x


def _operand(backend, x):
    """(array or None, scalar or None, dtype-or-python-scalar for result_type)."""
    if isinstance(x, CLArray):
        if x.backend is not backend:
            backend._device_array(x)  # raises the cross-device error
        return x, None, x.dtype
    if is_scalar(x):
        value = scalar_value(x)
        return None, value, (x.dtype if isinstance(x, (np.generic, np.ndarray)) else value)
    array = backend._device_array(x)
    return array, None, array.dtype


def binary(backend, name: str, a, b):
    """The binary op name (a key of BINARY_UFUNCS) of arrays and host scalars, broadcast, with NumPy's type promotion."""
    a_arr, a_val, a_key = _operand(backend, a)
    b_arr, b_val, b_key = _operand(backend, b)
    if a_arr is None and b_arr is None:
        # two host scalars: nothing is on the device yet; NumPy gives the value, uploaded as a 0-d array
        return backend.asarray(BINARY_UFUNCS[name](np.asarray(a), np.asarray(b)))
    compute = np.result_type(a_key, b_key)
    if name == "div" and compute.kind in "biu":
        compute = _FLOAT64 if backend.has_float64 else _FLOAT32
    if compute == _BOOL and name in _BOOL_ALIASES:
        name = _BOOL_ALIASES[name]
    out_dtype = _BOOL if name in _PREDICATES else compute
    operands = []
    for arr, val in ((a_arr, a_val), (b_arr, b_val)):
        operands.append(backend.astype(arr, compute) if arr is not None else val)
    shape = np.broadcast_shapes(*(op.shape for op in operands if isinstance(op, CLArray)))
    return _run_binary(backend, name, compute, out_dtype, operands[0], operands[1], shape)


def _op_kernel(backend, name: str, compute):
    """The ew_<name> kernel for dtype compute."""
    defines = backend._elementwise_defines(compute)  # NotImplementedError for a type the device lacks
    try:
        return backend.kernel("elementwise", "ew_" + name, defines)
    except NotImplementedError:  # the type exists, the op is not defined for it (neg of bool ...)
        raise TypeError(f"'{name}' is not supported for {compute} on device {backend.device}") from None


def _run_binary(backend, name, compute, out_dtype, a, b, shape):
    out = backend.new(shape, out_dtype)
    if out.size == 0:
        return out
    arrays = [x for x in (a, b) if isinstance(x, CLArray)]
    merged, merged_strides = coalesce(shape, *(broadcast_strides(x.shape, x.estrides, shape) for x in arrays))
    layouts = iter(merged_strides)
    args = [out.buffer, shape_arg(merged, out.size)]
    for x in (a, b):
        if isinstance(x, CLArray):
            args += [x.buffer, layout_arg(x.offset, next(layouts)), compute.type(0)]
        else:
            args += [None, scalar_layout, compute.type(x)]
    kernel = _op_kernel(backend, name, compute)
    backend.launch(kernel, out.size, *args)
    return out


def unary(backend, name: str, a):
    """The unary op name (one of UNARY_NAMES) of a; float-only ops compute integer input as float."""
    a = backend._device_array(a)
    compute = a.dtype
    if name in _FLOAT_ONLY_UNARY and compute.kind not in "fV":
        compute = _FLOAT64 if backend.has_float64 else _FLOAT32
        a = backend.astype(a, compute)
    out_dtype = _BOOL if name in _PREDICATES else compute
    out = backend.new(a.shape, out_dtype)
    if out.size == 0:
        return out
    shape, (strides,) = coalesce(a.shape, a.estrides)
    kernel = _op_kernel(backend, name, compute)
    backend.launch(kernel, out.size, out.buffer, shape_arg(shape, out.size), a.buffer, layout_arg(a.offset, strides))
    return out


def where(backend, cond, a, b):
    """a where cond else b, broadcast together (a and b may be host scalars)."""
    cond = backend._device_array(cond)
    if cond.dtype != _BOOL:
        cond = backend.ne(cond, 0)
    a_arr, a_val, a_key = _operand(backend, a)
    b_arr, b_val, b_key = _operand(backend, b)
    compute = np.result_type(a_key, b_key)
    operands = [backend.astype(arr, compute) if arr is not None else val
                for arr, val in ((a_arr, a_val), (b_arr, b_val))]
    shape = np.broadcast_shapes(cond.shape, *(x.shape for x in operands if isinstance(x, CLArray)))
    out = backend.new(shape, compute)
    if out.size == 0:
        return out
    arrays = [cond] + [x for x in operands if isinstance(x, CLArray)]
    merged, merged_strides = coalesce(shape, *(broadcast_strides(x.shape, x.estrides, shape) for x in arrays))
    layouts = iter(merged_strides)
    args = [out.buffer, shape_arg(merged, out.size), cond.buffer, layout_arg(cond.offset, next(layouts))]
    for x in operands:
        if isinstance(x, CLArray):
            args += [x.buffer, layout_arg(x.offset, next(layouts)), compute.type(0)]
        else:
            args += [None, scalar_layout, compute.type(x)]
    backend.launch(backend.kernel("elementwise", "ew_where", backend._elementwise_defines(compute)), out.size, *args)
    return out


def clip(backend, a, lo, hi):
    """a clamped to [lo, hi] (either bound may be None)."""
    if lo is not None:
        a = backend.maximum(a, lo)
    if hi is not None:
        a = backend.minimum(a, hi)
    return a
