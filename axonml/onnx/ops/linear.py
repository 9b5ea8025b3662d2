"""MatMul, Gemm and Einsum."""
from __future__ import annotations

from ... import functional as T
from .._registry import register


@register("MatMul", since=1)
def matmul(ctx, a, b):
    return T.matmul(a, b)


@register("Gemm", since=7, attrs=("alpha", "beta", "transA", "transB"))
def gemm(ctx, a, b, c=None):
    if ctx.attr("transA", 0):
        a = a.transpose(0, 1)
    if ctx.attr("transB", 0):
        b = b.transpose(0, 1)
    y = T.matmul(a, b)
    alpha = ctx.attr("alpha", 1.0)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        beta = ctx.attr("beta", 1.0)
        y = y + (c * beta if beta != 1.0 else c)
    return y


@register("Einsum", since=12, attrs=("equation",))
def einsum(ctx, *operands):
    return T.einsum(ctx.attr("equation").replace(" ", ""), *operands)
