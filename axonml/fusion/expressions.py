"""The elementwise ops a fused kernel can hold, each as one C expression.

The expressions are valid both in C (with ``<tgmath.h>``, so ``exp`` of a float is ``expf``) and
in OpenCL C (whose built-ins are overloaded the same way); ``T`` is the element type. They
follow the NaN behaviour of the backend primitives the ops call (NumPy's ``maximum`` keeps a
NaN, so relu and maximum here do too). An op's gradient is not here: a fused group's backward
replays the group's own ops (axonml/ops), where each op's math lives.
"""
from __future__ import annotations

import math

from ..ops import activation as _activation
from ..ops import elementwise as _elementwise

__all__ = ["EXPRESSIONS", "c_literal", "expression"]


def c_literal(value, dtype) -> str:
    """A Python or NumPy number as a C literal of element type dtype (float32 gets the f suffix)."""
    value = float(value)
    if math.isnan(value):
        return "((T)NAN)"
    if math.isinf(value):
        return "((T)INFINITY)" if value > 0 else "((T)-INFINITY)"
    text = repr(value)
    if "e" not in text and "." not in text:
        text += ".0"
    return f"((T){text}{'f' if dtype.itemsize == 4 else ''})"


def _maximum(a, b):
    return f"(({a}) != ({a}) || ({a}) > ({b}) ? ({a}) : ({b}))"


def _minimum(a, b):
    return f"(({a}) != ({a}) || ({a}) < ({b}) ? ({a}) : ({b}))"


def _pow(a, b):
    return f"(({a}) * ({a}))" if b == "((T)2.0)" or b == "((T)2.0f)" else f"pow({a}, {b})"


def _gelu(a, approximate):
    if approximate == "tanh":
        inner = f"((T)0.7978845608028654 * (({a}) + (T)0.044715 * ({a}) * ({a}) * ({a})))"
        return f"((T)0.5 * ({a}) * ((T)1 + tanh({inner})))"
    return f"((T)0.5 * ({a}) * ((T)1 + erf(({a}) * (T)0.7071067811865476)))"


# Function class -> (number of operands, builder(*operand expressions, *other literal arguments))
EXPRESSIONS: dict = {
    _elementwise.Add: (2, lambda a, b: f"({a} + {b})"),
    _elementwise.Sub: (2, lambda a, b: f"({a} - {b})"),
    _elementwise.Mul: (2, lambda a, b: f"({a} * {b})"),
    _elementwise.Div: (2, lambda a, b: f"({a} / {b})"),
    _elementwise.Neg: (1, lambda a: f"(-{a})"),
    _elementwise.Abs: (1, lambda a: f"fabs({a})"),
    _elementwise.Exp: (1, lambda a: f"exp({a})"),
    _elementwise.Log: (1, lambda a: f"log({a})"),
    _elementwise.Log1p: (1, lambda a: f"log1p({a})"),
    _elementwise.Expm1: (1, lambda a: f"expm1({a})"),
    _elementwise.Sqrt: (1, lambda a: f"sqrt({a})"),
    _elementwise.Rsqrt: (1, lambda a: f"((T)1 / sqrt({a}))"),
    _elementwise.Reciprocal: (1, lambda a: f"((T)1 / {a})"),
    _elementwise.Sin: (1, lambda a: f"sin({a})"),
    _elementwise.Cos: (1, lambda a: f"cos({a})"),
    _elementwise.Tanh: (1, lambda a: f"tanh({a})"),
    _elementwise.Erf: (1, lambda a: f"erf({a})"),
    _elementwise.Sigmoid: (1, lambda a: f"((T)1 / ((T)1 + exp(-{a})))"),
    _elementwise.Maximum: (2, _maximum),
    _elementwise.Minimum: (2, _minimum),
    _elementwise.Pow: (2, _pow),
    _activation.Relu: (1, lambda a: f"({a} < (T)0 ? (T)0 : {a})"),
    _activation.Silu: (1, lambda a: f"({a} / ((T)1 + exp(-{a})))"),
    _activation.Gelu: (1, _gelu),
}


def expression(fn_cls, operands: list, literals: list) -> str:
    """The C expression of one op applied to operand expressions (and its non-tensor arguments)."""
    _, build = EXPRESSIONS[fn_cls]
    return build(*operands, *literals)
