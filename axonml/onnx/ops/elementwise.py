"""Arithmetic, comparison, logic, unary math and type casts."""
from __future__ import annotations

import ml_dtypes
import numpy as np

from ... import _dtype, functional as T
from ...creation import ones_like, zeros_like
from ...nn import functional as F
from ...tensor import Tensor
from .. import _dtypes
from .._registry import register
from ._util import const

_UNARY = {
    "Abs": T.abs, "Neg": T.neg, "Sqrt": T.sqrt, "Exp": T.exp, "Log": T.log, "Reciprocal": T.reciprocal,
    "Floor": T.floor, "Ceil": T.ceil, "Sign": T.sign, "Sin": T.sin, "Cos": T.cos, "Tan": T.tan, "Asin": T.asin,
    "Acos": T.acos, "Atan": T.atan, "Sinh": T.sinh, "Cosh": T.cosh, "Asinh": T.asinh, "Acosh": T.acosh,
    "Atanh": T.atanh, "Erf": lambda x: _same_type(T.erf(x), x), "Round": T.round, "Not": T.logical_not, "IsNaN": T.isnan,
    "Identity": lambda x: x,
}


def _unary(function):
    return lambda ctx, x: function(x)


for _name, _function in _UNARY.items():
    register(_name, since=1)(_unary(_function))


@register("Add", since=7)
def add(ctx, a, b):
    return _same_type(T.add(a, b), a)


@register("Sub", since=7)
def sub(ctx, a, b):
    return _same_type(T.sub(a, b), a)


@register("Mul", since=7)
def mul(ctx, a, b):
    return _same_type(T.mul(a, b), a)


@register("Div", since=7)
def div(ctx, a, b):
    if a.dtype.is_floating_point:
        return T.div(a, b)
    return _same_type(T.div(a, b, rounding_mode="trunc"), a)


def _same_type(result: Tensor, like: Tensor) -> Tensor:
    """ONNX binary ops keep their inputs' type (torch would promote uint8 - uint8 the same; int8 + float not)."""
    return result if result.dtype == like.dtype else result.to(like.dtype)


@register("Pow", since=7)
def pow_(ctx, base, exponent):
    if exponent.ndim == 0 or exponent.numel() == 1 and exponent.ndim <= base.ndim:
        if exponent.dtype.is_floating_point and base.dtype.is_floating_point:
            value = exponent.reshape(()).item() if not exponent.requires_grad else None
            if value == 2.0:
                return _same_type(T.mul(base, base), base)
            if value == 0.5:
                return _same_type(T.sqrt(base), base)
    if not base.dtype.is_floating_point:
        return T.pow(base.double(), exponent.double()).to(base.dtype)
    return _same_type(T.pow(base, exponent.to(base.dtype) if not exponent.dtype.is_floating_point else exponent), base)


@register("Mod", since=10, attrs=("fmod",))
def mod(ctx, a, b):
    if ctx.attr("fmod", 0):
        return T.fmod(a, b)
    return T.remainder(a, b)


def _variadic(function):
    def run(ctx, *inputs):
        result = inputs[0]
        for other in inputs[1:]:
            result = function(result, other)
        return result
    return run


register("Max", since=8)(_variadic(T.maximum))
register("Min", since=8)(_variadic(T.minimum))
register("Sum", since=8)(_variadic(T.add))


@register("Mean", since=8)
def mean(ctx, *inputs):
    return _variadic(T.add)(ctx, *inputs) / len(inputs)


_COMPARE = {"Equal": T.eq, "Greater": T.gt, "GreaterOrEqual": T.ge, "Less": T.lt, "LessOrEqual": T.le,
            "And": T.logical_and, "Or": T.logical_or, "Xor": T.logical_xor}


def _binary(function):
    return lambda ctx, a, b: function(a, b)


for _name, _function in _COMPARE.items():
    register(_name, since=7)(_binary(_function))


@register("BitwiseAnd", since=18)
def bitwise_and(ctx, a, b):
    return T.bitwise_and(a, b)


@register("BitwiseOr", since=18)
def bitwise_or(ctx, a, b):
    return T.bitwise_or(a, b)


@register("BitwiseXor", since=18)
def bitwise_xor(ctx, a, b):
    return T.bitwise_xor(a, b)


@register("BitwiseNot", since=18)
def bitwise_not(ctx, x):
    return T.bitwise_not(x)


@register("Where", since=9)
def where(ctx, condition, a, b):
    return T.where(condition, a, b)


@register("IsInf", since=10, attrs=("detect_negative", "detect_positive"))
def isinf(ctx, x):
    negative, positive = ctx.attr("detect_negative", 1), ctx.attr("detect_positive", 1)
    if negative and positive:
        return T.isinf(x)
    if positive:
        return T.isposinf(x)
    if negative:
        return T.isneginf(x)
    return zeros_like(x, dtype=_dtype.bool)


def _check_cast(ctx):
    code = ctx.attr("to")
    if _dtypes.to_axonml(code) is None:
        return f"cast to {_dtypes.name_of(code)}: axonml has no such dtype"
    return _check_round_mode(ctx)


def _check_round_mode(ctx):
    round_mode = ctx.attr("round_mode", "up")
    if round_mode not in ("up", "down", "nearest"):
        return f"round_mode {round_mode!r} is not one of 'up', 'down', 'nearest'"
    return None


@register("Cast", since=6, attrs=("round_mode", "saturate", "to"), check=_check_cast)
def cast(ctx, x):
    return _cast(x, _dtypes.to_axonml(ctx.attr("to")), ctx.attr("saturate", 1), ctx.attr("round_mode", "up"))


def _cast(x: Tensor, dtype, saturate: int = 1, round_mode: str = "up") -> Tensor:
    if x.dtype == dtype:
        return x
    if dtype in _STORAGE_TYPES:
        # ONNX's casts into the float8, float4 and sub-byte integer types are not PyTorch's (.to()):
        # saturation is an attribute and float8_e8m0 rounds up by default. They run on the host.
        array = _onnx_cast_array(x.detach().cpu().numpy(), dtype.np, bool(saturate), round_mode)
        return const(array, like=x, dtype=dtype)
    if x.dtype.is_floating_point and not dtype.is_floating_point and dtype.name != "bool":
        # ONNX casts floats to integers by truncation, and NaN/inf have no integer value.
        x = T.trunc(x.float() if x.dtype in _STORAGE_TYPES else x)
    return x.to(dtype)


_STORAGE_TYPES = frozenset(_dtype._FLOAT8 + _dtype._SUB_BYTE)
_SATURABLE = frozenset(d.np for d in (_dtype.float8_e4m3fn, _dtype.float8_e4m3fnuz, _dtype.float8_e5m2,
                                      _dtype.float8_e5m2fnuz))


def _onnx_cast_array(array: np.ndarray, to: np.dtype, saturate: bool, round_mode: str) -> np.ndarray:
    """ONNX's Cast (onnx.reference's cast_to): round to nearest even; with saturate, values beyond the
    float8 type's range (infinities too) become its largest finite value instead of NaN or infinity."""
    if to == _dtype.float8_e8m0fnu.np:
        return _dtype.float32_to_e8m0(array, round_mode, saturate).view(to)
    with np.errstate(invalid="ignore", over="ignore"):
        if saturate and to in _SATURABLE:
            info = ml_dtypes.finfo(to)
            array = np.clip(array, info.min, info.max)  # NaN stays NaN
        return array.astype(to)


@register("CastLike", since=15, attrs=("round_mode", "saturate"), check=_check_round_mode)
def cast_like(ctx, x, target):
    return _cast(x, target.dtype, ctx.attr("saturate", 1), ctx.attr("round_mode", "up"))


@register("Dropout", since=12, attrs=("seed",))
def dropout(ctx, x, ratio=None, training_mode=None):
    probability = float(ratio.item()) if ratio is not None else 0.5
    if training_mode is not None and bool(training_mode.item()) and probability > 0:
        y = F.dropout(x, probability, training=True)
        return (y, y != 0) if ctx.output_count > 1 else y
    if ctx.output_count > 1:
        return x, ones_like(x, dtype=_dtype.bool)
    return x


@register("Dropout", since=7, attrs=("ratio",))
def dropout_7(ctx, x):
    if ctx.output_count > 1:
        return x, ones_like(x, dtype=_dtype.bool)
    return x


register("Dropout", since=13, attrs=("seed",))(dropout)
