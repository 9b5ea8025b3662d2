"""Neural-network primitives on an OpenCL device: row kernels (nn.cl) and compositions of primitives.

softmax runs as one work-group per row; embedding backward and the LSTM cell are short
sequences of elementwise and scatter primitives, each a single kernel over the whole tensor.
The row helpers here (_group, _float_defines, _optional) are shared with _norm.py and
_loss.py, whose kernels are also in nn.cl.
"""
from __future__ import annotations

import numpy as np

from ._layout import coalesce, layout_arg, shape_arg

__all__ = ["softmax", "softmax_backward", "embedding_backward", "lstm_cell", "lstm_cell_backward"]


def _float_defines(backend, dtype) -> tuple:
    if np.dtype(dtype).kind not in "fV":
        raise TypeError(f"expected a floating-point array, got {dtype}")
    return (("T", backend._ctype(dtype)),) + backend._type_defines(dtype)


def _group(backend, n: int) -> int:
    """A power-of-two work-group size for rows of n elements."""
    return min(backend.group, 1 << max(n - 1, 0).bit_length()) if n > 1 else 1


def _rows(axis, *arrays):
    """(outer shape, outer strides per array, step along axis per array) of same-shaped arrays' rows."""
    first = arrays[0]
    others = [d for d in range(first.ndim) if d != axis]
    shape, strides = coalesce(tuple(first.shape[d] for d in others),
                              *(tuple(a.estrides[d] for d in others) for a in arrays))
    return shape, strides, [np.int64(a.estrides[axis] if a.ndim else 1) for a in arrays]


def softmax(backend, x, axis, log_output: bool):
    x = backend._device_array(x)
    out = backend.new(x.shape, x.dtype)
    if not out.size:
        return out
    axis = axis % x.ndim if x.ndim else 0
    n = x.shape[axis] if x.ndim else 1
    rows = out.size // n
    outer, (out_strides, x_strides), (out_step, x_step) = _rows(axis, out, x)
    local = _group(backend, n)
    kernel = backend.kernel("nn", "softmax_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), out.buffer, layout_arg(0, out_strides), out_step,
                x.buffer, layout_arg(x.offset, x_strides), x_step, shape_arg(outer, rows), np.int64(n),
                np.int32(log_output), backend.cl.LocalMemory(local * x.itemsize))
    return out


def softmax_backward(backend, grad, y, axis, log_output: bool):
    grad, y = backend._device_array(grad), backend._device_array(y)
    grad = backend.astype(grad, y.dtype)
    out = backend.new(y.shape, y.dtype)
    if not out.size:
        return out
    axis = axis % y.ndim if y.ndim else 0
    n = y.shape[axis] if y.ndim else 1
    rows = out.size // n
    merged, (out_strides, g_strides, y_strides), steps = _rows(axis, out, grad, y)
    local = _group(backend, n)
    kernel = backend.kernel("nn", "softmax_backward_rows", _float_defines(backend, y.dtype))
    backend.run(kernel, (rows * local,), (local,), out.buffer, layout_arg(0, out_strides), steps[0],
                grad.buffer, layout_arg(grad.offset, g_strides), steps[1], y.buffer, layout_arg(y.offset, y_strides),
                steps[2], shape_arg(merged, rows), np.int64(n), np.int32(log_output),
                backend.cl.LocalMemory(local * y.itemsize))
    return out


def _optional(backend, a, dtype):
    """(buffer, offset, present) kernel arguments of an optional contiguous 1-D array."""
    if a is None:
        return None, np.int64(0), np.int32(0)
    a = backend.ascontiguousarray(backend.astype(backend._device_array(a), dtype))
    return a.buffer, np.int64(a.offset), np.int32(1)


def embedding_backward(backend, grad, indices, num_weights, padding_idx):
    width = grad.shape[-1]
    rows = backend.reshape(grad, (-1, width))
    index = backend.reshape(backend.astype(backend._device_array(indices), np.dtype(np.int64)), (-1,))
    out = backend.zeros((num_weights, width), grad.dtype)
    backend.index_add(out, 0, index, rows)
    if padding_idx is not None:
        backend.setitem(out, padding_idx, 0)
    return out


def lstm_cell(backend, gates, c_prev, h_out):
    """The lstm_cell primitive (its formula is in backends/base.py), one elementwise kernel per term."""
    hidden = gates.shape[1] // 4
    blocks = [backend.getitem(gates, (slice(None), slice(k * hidden, (k + 1) * hidden))) for k in range(4)]
    i, f, g, o = (backend.tanh(block) if k == 2 else backend.sigmoid(block) for k, block in enumerate(blocks))
    for block, activation in zip(blocks, (i, f, g, o)):
        backend.copy_into(block, activation)
    c = backend.add(backend.mul(f, c_prev), backend.mul(i, g))
    tanh_c = backend.tanh(c)
    backend.copy_into(h_out, backend.mul(o, tanh_c))
    return c, tanh_c


def lstm_cell_backward(backend, grad_h, dh_next, dc_next, act, c_prev, tanh_c, d_gates):
    hidden = act.shape[1] // 4
    i, f, g, o = (backend.getitem(act, (slice(None), slice(k * hidden, (k + 1) * hidden))) for k in range(4))
    one_minus = lambda a: backend.sub(1, a)  # noqa: E731
    dh = backend.add(grad_h, dh_next)
    dc = backend.add(dc_next, backend.mul(backend.mul(dh, o), one_minus(backend.mul(tanh_c, tanh_c))))
    parts = (backend.mul(backend.mul(dc, g), backend.mul(i, one_minus(i))),
             backend.mul(backend.mul(dc, c_prev), backend.mul(f, one_minus(f))),
             backend.mul(backend.mul(dc, i), one_minus(backend.mul(g, g))),
             backend.mul(backend.mul(dh, tanh_c), backend.mul(o, one_minus(o))))
    for k, part in enumerate(parts):
        backend.copy_into(backend.getitem(d_gates, (slice(None), slice(k * hidden, (k + 1) * hidden))), part)
    return backend.mul(dc, f)
