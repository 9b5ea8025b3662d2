"""Neural-network primitives on an OpenCL device: row kernels (nn.cl) and compositions of primitives.

softmax, cross-entropy and layer norm run as one work-group per row; batch norm, embedding
backward and the LSTM cell are short sequences of elementwise, reduction and scatter
primitives, each a single kernel over the whole tensor.
"""
from __future__ import annotations

import math

import numpy as np

from ._layout import coalesce, layout_arg, shape_arg

__all__ = ["softmax", "softmax_backward", "cross_entropy", "cross_entropy_backward", "layer_norm",
           "layer_norm_backward", "batch_norm_stats", "batch_norm_apply", "batch_norm_backward",
           "embedding_backward", "lstm_cell", "lstm_cell_backward"]


def _float_defines(backend, dtype) -> tuple:
    if np.dtype(dtype).kind != "f":
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


def _dense(backend, a):
    """a contiguous from the start of its buffer, copying only when needed."""
    return a if a.offset == 0 and a.is_contiguous() else backend.copy(a)


def _optional(backend, a, dtype):
    """(buffer, offset, present) kernel arguments of an optional contiguous 1-D array."""
    if a is None:
        return None, np.int64(0), np.int32(0)
    a = backend.ascontiguousarray(backend.astype(backend._device_array(a), dtype))
    return a.buffer, np.int64(a.offset), np.int32(1)


def cross_entropy(backend, x, target, weight, ignore_index, label_smoothing):
    x = backend._device_array(x)
    target = backend.astype(backend._device_array(target), np.dtype(np.int64))
    rows, n = x.shape
    loss, lse = backend.new((rows,), x.dtype), backend.new((rows,), x.dtype)
    if not rows:
        return loss, lse, 0.0
    counted = backend.new((rows, 2), x.dtype)
    local = _group(backend, n)
    kernel = backend.kernel("nn", "cross_entropy_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), loss.buffer, lse.buffer, counted.buffer, x.buffer,
                np.int64(x.offset), np.int64(x.estrides[0]), np.int64(x.estrides[1]), target.buffer,
                np.int64(target.offset), np.int64(target.estrides[0]), *_optional(backend, weight, x.dtype),
                np.int64(n), np.int64(ignore_index), x.dtype.type(label_smoothing),
                backend.cl.LocalMemory(local * x.itemsize))
    total, bad = backend.to_numpy(backend.sum(counted, 0, False, np.float64 if backend.has_float64 else None))
    if bad:
        targets = backend.to_numpy(target)
        outside = targets[(targets != ignore_index) & ((targets < 0) | (targets >= n))]
        raise IndexError(f"Target {outside[0]} is out of bounds.")
    return loss, lse, float(total)


def cross_entropy_backward(backend, grad, x, lse, target, weight, ignore_index, label_smoothing):
    x, lse = backend._device_array(x), backend._device_array(lse)
    grad = backend.astype(backend._device_array(grad), x.dtype)
    target = backend.astype(backend._device_array(target), np.dtype(np.int64))
    rows, n = x.shape
    dx = backend.new((rows, n), x.dtype)
    if not dx.size:
        return dx
    grad = backend.broadcast_to(grad, (rows,))
    weight_sum = float(backend.to_numpy(backend.sum(weight, None, False))) if weight is not None else float(n)
    local = _group(backend, n)
    kernel = backend.kernel("nn", "cross_entropy_backward_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), dx.buffer, grad.buffer, np.int64(grad.offset),
                np.int64(grad.estrides[0]), x.buffer, np.int64(x.offset), np.int64(x.estrides[0]),
                np.int64(x.estrides[1]), _dense(backend, lse).buffer, target.buffer, np.int64(target.offset),
                np.int64(target.estrides[0]), *_optional(backend, weight, x.dtype), x.dtype.type(weight_sum),
                np.int64(n), np.int64(ignore_index), x.dtype.type(label_smoothing))
    return dx


def layer_norm(backend, x, normalized_ndim, weight, bias, eps):
    x = backend._device_array(x)
    lead = x.shape[:x.ndim - normalized_ndim]
    rows = math.prod(lead)
    n = math.prod(x.shape[x.ndim - normalized_ndim:])
    y, mean, rstd = backend.new(x.shape, x.dtype), backend.new(lead, x.dtype), backend.new(lead, x.dtype)
    if not x.size:
        return y, mean, rstd
    x = backend.ascontiguousarray(x)  # the kernel reads rows from x.offset
    local = _group(backend, n)
    kernel = backend.kernel("nn", "layer_norm_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), y.buffer, mean.buffer, rstd.buffer, x.buffer,
                np.int64(x.offset), np.int64(n), *_optional(backend, weight, x.dtype),
                *_optional(backend, bias, x.dtype), x.dtype.type(eps), backend.cl.LocalMemory(local * x.itemsize))
    return y, mean, rstd


def layer_norm_backward(backend, grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine):
    x = _dense(backend, backend._device_array(x))
    grad = _dense(backend, backend.astype(backend._device_array(grad), x.dtype))
    mean, rstd = _dense(backend, mean), _dense(backend, rstd)
    rows = mean.size
    n = x.size // rows if rows else 0
    normalized_shape = x.shape[x.ndim - normalized_ndim:]
    dx = dweight = dbias = None
    if needs_input:
        dx = backend.new(x.shape, x.dtype)
        if x.size:
            local = _group(backend, n)
            kernel = backend.kernel("nn", "layer_norm_backward_rows", _float_defines(backend, x.dtype))
            backend.run(kernel, (rows * local,), (local,), dx.buffer, grad.buffer, x.buffer, mean.buffer,
                        rstd.buffer, np.int64(n), *_optional(backend, weight, x.dtype),
                        backend.cl.LocalMemory(local * x.itemsize))
    if needs_affine:
        x_rows, grad_rows = backend.reshape(x, (rows, n)), backend.reshape(grad, (rows, n))
        xhat = backend.mul(backend.sub(x_rows, backend.reshape(mean, (rows, 1))), backend.reshape(rstd, (rows, 1)))
        dweight = backend.reshape(backend.sum(backend.mul(grad_rows, xhat), 0, False), normalized_shape)
        dbias = backend.reshape(backend.sum(grad_rows, 0, False), normalized_shape)
    return dx, dweight, dbias


def _channel_axes(x) -> tuple:
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(backend, a, x):
    """a (C,) shaped to broadcast against x (N, C, ...)."""
    return backend.reshape(a, (1, -1) + (1,) * (x.ndim - 2))


def batch_norm_stats(backend, x):
    axes = _channel_axes(x)
    count = x.size // x.shape[1] if x.shape[1] else 0
    mean = backend.div(backend.sum(x, axes, True), count)
    centered = backend.sub(x, mean)
    var = backend.div(backend.sum(backend.mul(centered, centered), axes, False), count)
    return backend.reshape(mean, (x.shape[1],)), var


def batch_norm_apply(backend, x, mean, rstd, weight, bias):
    y = backend.mul(backend.sub(x, _per_channel(backend, mean, x)), _per_channel(backend, rstd, x))
    if weight is not None:
        y = backend.mul(y, _per_channel(backend, weight, x))
    if bias is not None:
        y = backend.add(y, _per_channel(backend, bias, x))
    return y


def batch_norm_backward(backend, grad, x, mean, rstd, weight, training):
    axes = _channel_axes(x)
    grad = backend.astype(grad, x.dtype)
    count = x.size // x.shape[1] if x.shape[1] else 0
    rstd_c = _per_channel(backend, rstd, x)
    xhat = backend.mul(backend.sub(x, _per_channel(backend, mean, x)), rstd_c)
    dbias = backend.sum(grad, axes, False)
    dweight = backend.sum(backend.mul(grad, xhat), axes, False)
    scale = rstd_c if weight is None else backend.mul(rstd_c, _per_channel(backend, weight, x))
    if training and count:
        mean_g = _per_channel(backend, backend.div(dbias, count), x)
        mean_g_xhat = _per_channel(backend, backend.div(dweight, count), x)
        dx = backend.mul(scale, backend.sub(backend.sub(grad, mean_g), backend.mul(xhat, mean_g_xhat)))
    else:
        dx = backend.mul(grad, scale)
    return dx, dweight, dbias


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
