"""Exceptions axonml raises that PyTorch gives a class of its own."""
from __future__ import annotations

__all__ = ["OutOfMemoryError"]


class OutOfMemoryError(RuntimeError):
    """A device allocation failed (torch.OutOfMemoryError, also a RuntimeError)."""
