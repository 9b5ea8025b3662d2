"""PyTorch's gradient convention for complex values, in one helper.

For a real loss L of a complex z = x + iy, axonml (as PyTorch) stores ``grad = dL/dx + i dL/dy``
(twice the conjugate Wirtinger derivative dL/dz*), so the chain rule through a holomorphic f
multiplies the incoming gradient by ``conj(f'(z))``. Real arrays pass through unchanged.
"""
from __future__ import annotations

__all__ = ["conj_if_complex"]


def conj_if_complex(xp, x):
    """conj(x) for a complex array, x itself for a real array or a Python scalar (no copy)."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "c":
        return xp.conj(x)
    if type(x) is complex:
        return x.conjugate()
    return x
