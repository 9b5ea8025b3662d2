"""Convolution on an OpenCL device: im2col/col2im (conv.cl) with the batched gemm.

As on the CPU, the last len(kernel) axes are spatial and the axes before them a stack of
independent planes, and every image is a (C, D, H, W) volume: a 2-D convolution runs the kernels
with a unit depth, a 1-D one with a unit depth and height. padding is per spatial dim, an int or
a (before, after) pair.
"""
from __future__ import annotations

import math
import struct

import numpy as np

from ._array import dense
__all__ = ["im2col", "col2im", "conv_nd", "conv_nd_backward"]

_GEOMETRY = struct.Struct("<19q")


def _defines(backend, dtype) -> tuple:
    if np.dtype(dtype).kind not in "fV":
        raise TypeError(f"convolution and pooling need floating-point input, got {dtype}")
    return (("T", backend._ctype(dtype)),) + backend._type_defines(dtype)


def _output_size(spatial, kernel, stride, pads, dilation):
    return tuple((size + before + after - d * (k - 1) - 1) // s + 1
                 for size, k, s, (before, after), d in zip(spatial, kernel, stride, pads, dilation))


def _image_shape(x_shape, ndim) -> tuple:
    """(N, C) + spatial of x: the leading axes folded into a batch and a channel axis."""
    lead = tuple(x_shape[:len(x_shape) - ndim])
    return (lead[0] if lead else 1, math.prod(lead[1:])) + tuple(x_shape[len(x_shape) - ndim:])


def _size_3d(size, unit=1) -> tuple:
    return (unit,) * (3 - len(size)) + tuple(size)


def _volumes(backend, x, ndim):
    """x as dense (N, C, D, H, W) volumes (unit D, and H, below three spatial dims)."""
    shape = _image_shape(x.shape, ndim)
    return backend.reshape(dense(x), shape[:2] + _size_3d(shape[2:]))


def _conv_geometry(kernel, stride, padding, dilation, spatial):
    """(kernel, stride, padding pairs, dilation, output size) as (D, H, W) triples, for input volumes of
    size spatial (D, H, W)."""
    pads = _size_3d(tuple(p if isinstance(p, tuple) else (p, p) for p in padding), (0, 0))
    kernel, stride, dilation = _size_3d(kernel), _size_3d(stride), _size_3d(dilation)
    return kernel, stride, pads, dilation, _output_size(spatial, kernel, stride, pads, dilation)


def _geometry(channels, spatial, kernel, stride, pads, dilation, out_size) -> bytes:
    """conv.cl's geometry_t: every size a (D, H, W) triple, the padding the zeros before each axis."""
    return _GEOMETRY.pack(channels, *spatial, *kernel, *stride, *(before for before, _ in pads), *dilation,
                          *out_size)


def im2col(backend, x, kernel, stride, padding, dilation):
    images = _volumes(backend, backend._device_array(x), len(kernel))
    kernel3, stride3, pads, dilation3, out_size = _conv_geometry(kernel, stride, padding, dilation,
                                                                images.shape[2:])
    n, channels = images.shape[:2]
    columns = backend.new((n, channels * math.prod(kernel3), math.prod(out_size)), images.dtype)
    if columns.size:
        geometry = _geometry(channels, images.shape[2:], kernel3, stride3, pads, dilation3, out_size)
        backend.launch(backend.kernel("conv", "im2col", _defines(backend, images.dtype)), columns.size,
                       columns.buffer, images.buffer, geometry, np.int64(columns.size))
    return columns


def col2im(backend, cols, x_shape, kernel, stride, padding, dilation):
    image_shape = tuple(x_shape[:2]) + _size_3d(x_shape[2:])
    kernel3, stride3, pads, dilation3, out_size = _conv_geometry(kernel, stride, padding, dilation, image_shape[2:])
    columns = dense(backend._device_array(cols))
    images = backend.new(image_shape, cols.dtype)
    if images.size:
        geometry = _geometry(image_shape[1], image_shape[2:], kernel3, stride3, pads, dilation3, out_size)
        backend.launch(backend.kernel("conv", "col2im", _defines(backend, cols.dtype)), images.size, images.buffer,
                       columns.buffer, geometry, np.int64(images.size))
    return backend.reshape(images, tuple(x_shape))


def _out_spatial(x, weight, stride, padding, dilation) -> tuple:
    """The convolution's output size over x's last weight.ndim - 2 axes."""
    ndim = weight.ndim - 2
    out_size = _conv_geometry(weight.shape[2:], stride, padding, dilation, _size_3d(x.shape[x.ndim - ndim:]))[4]
    return out_size[3 - ndim:]


def conv_nd(backend, x, weight, bias, stride, padding, dilation, groups):
    ndim = weight.ndim - 2
    x, weight = backend._device_array(x), backend._device_array(weight)
    columns = im2col(backend, x, weight.shape[2:], stride, padding, dilation)
    n, rows, positions = columns.shape
    out_channels = weight.shape[0]
    kernel_rows = rows // groups
    grouped_columns = backend.reshape(columns, (n, groups, kernel_rows, positions))
    grouped_weight = backend.reshape(backend.astype(weight, columns.dtype), (1, groups, out_channels // groups,
                                                                              kernel_rows))
    out = backend.gemm(grouped_weight, grouped_columns)  # (N, groups, C_out / groups, positions)
    out = backend.reshape(out, (n, out_channels, positions))
    if bias is not None:
        out = backend.add(out, backend.reshape(backend.astype(bias, out.dtype), (out_channels, 1)))
    return backend.reshape(out, x.shape[:x.ndim - ndim - 1] + (out_channels,)
                           + _out_spatial(x, weight, stride, padding, dilation))


def conv_nd_backward(backend, grad, x, weight, stride, padding, dilation, groups, needs_input, needs_weight):
    x, weight = backend._device_array(x), backend._device_array(weight)
    columns = im2col(backend, x, weight.shape[2:], stride, padding, dilation)
    n, rows, positions = columns.shape
    out_channels = weight.shape[0]
    kernel_rows = rows // groups
    grad = _pad_to_geometry(backend, backend._device_array(grad), x, weight, stride, padding, dilation)
    grouped_grad = backend.reshape(backend.astype(grad, columns.dtype),
                                   (n, groups, out_channels // groups, positions))
    grad_input = grad_weight = None
    if needs_weight:
        grouped_columns = backend.reshape(columns, (n, groups, kernel_rows, positions))
        per_image = backend.gemm(grouped_grad, grouped_columns, False, True)  # (N, groups, C_out / g, rows / g)
        grad_weight = backend.reshape(backend.sum(per_image, 0, False), weight.shape)
    if needs_input:
        grouped_weight = backend.reshape(backend.astype(weight, columns.dtype),
                                         (1, groups, out_channels // groups, kernel_rows))
        grad_columns = backend.gemm(grouped_weight, grouped_grad, True, False)  # (N, groups, rows / g, positions)
        grad_input = col2im(backend, backend.reshape(grad_columns, (n, rows, positions)),
                            _image_shape(x.shape, weight.ndim - 2),
                            weight.shape[2:], stride, padding, dilation)
        grad_input = backend.reshape(grad_input, x.shape)
    return grad_input, grad_weight


def _pad_to_geometry(backend, grad, x, weight, stride, padding, dilation):
    """grad zero-extended to the convolution's full output size: a transposed convolution's
    output_padding leaves trailing outputs that no input position reaches."""
    ndim = weight.ndim - 2
    out_size = _out_spatial(x, weight, stride, padding, dilation)
    if tuple(grad.shape[grad.ndim - ndim:]) == out_size:
        return grad
    full = backend.zeros(grad.shape[:grad.ndim - ndim] + out_size, grad.dtype)
    backend.copy_into(backend.getitem(full, (Ellipsis,) + tuple(slice(0, n) for n in grad.shape[grad.ndim - ndim:])),
                      grad)
    return full
