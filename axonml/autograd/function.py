"""Function: one differentiable op, its forward and backward side by side.

Ops inside axonml subclass ``ArrayFunction``: their forward and backward see backend
arrays and call primitives on ``ctx.xp``. User code subclasses ``Function`` exactly as
it would ``torch.autograd.Function``: forward and backward see tensors.
"""
from __future__ import annotations

from .._ext import _autograd

__all__ = ["Function", "ArrayFunction", "FunctionCtx"]


class RecomputedSaved:
    """What a ctx holds instead of its saved tensors once they were dropped after forward
    (axonml.utils.checkpoint): ``recompute(ctx)`` brings them back, into ``ctx._saved``, when backward reads them.
    It iterates as empty, for code that scans saved arrays (none are held)."""

    __slots__ = ("recompute",)

    def __init__(self, recompute):
        self.recompute = recompute

    def __iter__(self):
        return iter(())


class Function(_autograd.FunctionBase):
    """Base class for custom differentiable operations (PyTorch's torch.autograd.Function).

    Example::

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad_output):
                y, = ctx.saved_tensors
                return grad_output * y

        y = Exp.apply(x)
    """

    _array_io = False
    _is_view = False
    # an op that must see bfloat16 arrays as they are (casts, device copies, in-place writes); every
    # other op runs on float32 copies of its bfloat16 inputs, its float32 outputs rounded back
    _bfloat16_native = False
    # an op PyTorch also runs on the storage types (float8, float4, sub-byte integers: cat, where, eq,
    # indexing ...); any other op refuses them
    _storage_native = False

    @classmethod
    def apply(cls, *args):
        return _autograd.apply(cls, *args)

    def save_for_backward(self, *tensors) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                               "tensors after they have already been freed). Specify retain_graph=True.")
        saved = self._saved
        if type(saved) is RecomputedSaved:
            saved = saved.recompute(self)
        return saved if saved is not None else ()

    def mark_non_differentiable(self, *outputs) -> None:
        """Mark output tensors of forward (such as indices) that never require grad, as in PyTorch.

        Call it in forward with the very tensors forward returns; their gradients in backward are zeros.
        """
        self._non_differentiable = outputs

    def set_materialize_grads(self, value: bool) -> None:
        if not value:
            raise NotImplementedError("axonml always materializes missing output gradients as zeros")

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")


FunctionCtx = Function


class ArrayFunction(Function):
    """An axonml op: forward and backward run on backend arrays through ``ctx.xp``.

    Save only what backward needs (``ctx.save_for_backward``), so that an in-place change
    to an input backward does not read is not reported as an error.
    """

    _array_io = True

    def mark_non_differentiable(self, *positions) -> None:
        """Outputs, by position in forward's result, that never require grad (internal ops return arrays)."""
        self._non_differentiable = set(positions)
