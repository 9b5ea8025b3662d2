"""ReduceOp: how a reduction combines the ranks' tensors (torch.distributed.ReduceOp)."""
from __future__ import annotations

import enum

__all__ = ["ReduceOp", "RedOpType"]


class RedOpType(enum.IntEnum):
    """The reduction kinds, numbered as torch numbers them."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """The element-wise reduction of a collective: ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``,
    ``MAX``, and the bitwise ``BAND``, ``BOR``, ``BXOR`` (integer and bool tensors only).

    On bool tensors SUM and MAX are a logical or, PRODUCT and MIN a logical and, as in torch.
    AVG is defined for floating-point tensors only.
    """

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR

    def __init__(self, op: RedOpType):
        self.op = _as_red_op(op)

    def __eq__(self, other) -> bool:
        return isinstance(other, (ReduceOp, RedOpType)) and _as_red_op(other) is self.op

    def __hash__(self) -> int:
        return hash(self.op)

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.op.name}>"


def _as_red_op(op) -> RedOpType:
    """op (a ReduceOp, a RedOpType) as its RedOpType; anything else is a TypeError."""
    if isinstance(op, ReduceOp):
        return op.op
    if isinstance(op, RedOpType):
        return op
    raise TypeError(f"op must be a torch-style ReduceOp (e.g. ReduceOp.SUM), got {op!r}")
