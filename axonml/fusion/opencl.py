"""Fused kernels on an OpenCL device: generated kernels, built once per device and cached.

The kernel sources come from the kernels' ``opencl_source`` (the same expressions as their C
kernels): an elementwise chain (one work-item per element), a reduction with its prologue (one
work-item per row) and a convolution's bias + activation epilogue (one work-item per element).
They are built through the device's program cache, so their binaries are stored on disk keyed by
the source and the device like the programs of ``opencl/*.cl``. float32 only, as every OpenCL
kernel of axonml.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["run_opencl", "run_opencl_rows", "run_opencl_epilogue"]


def _device_kernel(what: str, kernel, xp, arrays):
    """kernel's generated OpenCL function (built once per device) and arrays as dense device arrays."""
    from ..opencl._array import CLArray, dense
    if kernel.dtype != np.float32:
        raise NotImplementedError(f"{what}({kernel.name}): {kernel.dtype} kernels are not generated for "
                                  f"device {xp.device} (float32 only)")
    for k, array in enumerate(arrays):
        if not isinstance(array, CLArray) or array.backend is not xp:
            raise RuntimeError(f"{what}({kernel.name}): input {k} is not on device {xp.device}")
    function = kernel._opencl.get(xp)
    if function is None:
        function = xp.programs._load_or_build(kernel.opencl_source()).axonml_fused
        kernel._opencl[xp] = function
    return function, [dense(a) for a in arrays]


def run_opencl(kernel, xp, arrays, out=None):
    """kernel's result on CLArrays of device backend xp."""
    from ..opencl._array import CLArray
    function, arrays = _device_kernel("FusedElementwise", kernel, xp, arrays)
    if out is None or not isinstance(out, CLArray) or out.shape != kernel.shape or out.offset or \
            not out.is_contiguous() or out.dtype != kernel.dtype:
        out = xp.empty(kernel.shape, kernel.dtype)
    args = [a.buffer for a in arrays] + [out.buffer, np.int64(out.size)] + [np.int64(a.size) for a in arrays]
    xp.launch(function, out.size, *args)
    return out


def run_opencl_rows(kernel, xp, arrays, out=None):
    """A FusedReduction's per-row output (the full result of a softmax or layer norm) on device backend xp."""
    from ..opencl._array import CLArray
    function, arrays = _device_kernel("FusedReduction", kernel, xp, arrays)
    if kernel.kind in ("softmax", "log_softmax", "layer_norm"):
        if out is None or not isinstance(out, CLArray) or out.shape != kernel.shape or out.offset or \
                not out.is_contiguous() or out.dtype != kernel.dtype:
            out = xp.empty(kernel.shape, kernel.dtype)
    else:
        out = xp.empty((kernel.rows,), kernel.dtype)
    prologue_inputs = kernel.prologue.num_inputs
    args = [a.buffer for a in arrays] + [out.buffer, np.int64(kernel.rows), np.int64(kernel.cols),
                                         np.int64(math.prod(kernel.shape))]
    args += [np.int64(a.size) for a in arrays[:prologue_inputs]]
    xp.launch(function, kernel.rows, *args)
    return out


def run_opencl_epilogue(kernel, xp, out, bias, keep: bool, total: int, channels: int, plane: int):
    """A FusedConv's bias and epilogue applied in place to the convolution's output on device backend xp;
    returns the epilogue's input (convolution + bias) when keep, else None."""
    from ..opencl._array import CLArray, dense
    if kernel.dtype != np.float32:
        raise NotImplementedError(f"FusedConv({kernel.name}): {kernel.dtype} kernels are not generated for "
                                  f"device {xp.device} (float32 only)")
    if not isinstance(out, CLArray) or out.offset or not out.is_contiguous():
        raise RuntimeError(f"FusedConv({kernel.name}): the convolution's output is not a dense device array")
    key = (xp, keep, bias is not None)
    function = kernel._opencl.get(key)
    if function is None:
        function = xp.programs._load_or_build(kernel.opencl_source(keep, bias is not None)).axonml_fused
        kernel._opencl[key] = function
    pre = xp.empty(out.shape, out.dtype) if keep else None
    bias_buffer = out.buffer if bias is None else dense(bias).buffer
    xp.launch(function, total, bias_buffer, out.buffer, (pre if keep else out).buffer, np.int64(total),
              np.int64(channels), np.int64(plane))
    return pre
