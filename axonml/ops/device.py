"""Moving tensors between devices, differentiably."""
from __future__ import annotations

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..backends import get_backend
from ..tensor import Tensor

__all__ = ["to_device"]


class ToDevice(ArrayFunction):
    _bfloat16_native = True

    def forward(ctx, a, target):
        ctx.source = ctx.xp
        return target.asarray(ctx.xp.to_numpy(a)) if target is not ctx.xp else ctx.xp.copy(a)

    def backward(ctx, grad):
        source = ctx.source
        return source.asarray(_backend_to_numpy(grad)), None


def _backend_to_numpy(array):
    import numpy as np
    return array if type(array) is np.ndarray else array.backend.to_numpy(array)


def to_device(input: Tensor, device) -> Tensor:
    """A copy of input on device; gradients flow back to input's device."""
    target = get_backend(device)
    out = apply(ToDevice, input, target)
    return out
