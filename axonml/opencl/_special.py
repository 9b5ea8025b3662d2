"""Special functions on an OpenCL device (special.cl): the `special` primitive.

Operands are strided layouts broadcast by zero strides, as in _elementwise; a host scalar operand
is passed by value. Every operand is computed in the floating type of the arrays (float32, or
float64 where the device has it).
"""
from __future__ import annotations

import numpy as np

from ._array import CLArray
from ._elementwise import is_scalar, scalar_value
from ._layout import broadcast_strides, coalesce, layout_arg, scalar_layout, shape_arg

__all__ = ["special"]


def special(backend, name: str, *args):
    """The special function name (an sp_<name> kernel of special.cl) of one or two operands."""
    arrays = [backend._device_array(x) for x in args if not is_scalar(x)]
    if not arrays:
        raise ValueError(f"special '{name}': at least one operand must be an array")
    compute = np.result_type(*(x.dtype for x in arrays))
    if compute.kind != "f":
        compute = np.dtype(np.float64 if backend.has_float64 else np.float32)
    kernel = backend.kernel("special", "sp_" + name, backend._elementwise_defines(compute))
    operands = [backend.astype(backend._device_array(x), compute) if not is_scalar(x) else scalar_value(x)
                for x in args]
    shape = np.broadcast_shapes(*(x.shape for x in operands if isinstance(x, CLArray)))
    out = backend.new(shape, compute)
    if out.size == 0:
        return out
    devices = [x for x in operands if isinstance(x, CLArray)]
    merged, merged_strides = coalesce(shape, *(broadcast_strides(x.shape, x.estrides, shape) for x in devices))
    layouts = iter(merged_strides)
    call = [out.buffer, shape_arg(merged, out.size)]
    if len(operands) == 1:
        call += [operands[0].buffer, layout_arg(operands[0].offset, next(layouts))]
    else:
        for x in operands:
            if isinstance(x, CLArray):
                call += [x.buffer, layout_arg(x.offset, next(layouts)), compute.type(0)]
            else:
                call += [None, scalar_layout, compute.type(x)]
    backend.launch(kernel, out.size, *call)
    return out
