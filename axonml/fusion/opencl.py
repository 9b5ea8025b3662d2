"""A fused elementwise chain on an OpenCL device: a generated kernel, built once per device and cached.

The kernel source comes from :meth:`FusedElementwise.opencl_source` (the same expressions as
the C kernel); it is built through the device's program cache, so its binary is stored on disk
keyed by the source and the device like the programs of ``opencl/*.cl``. float32 only, as
every OpenCL kernel of axonml.
"""
from __future__ import annotations

import numpy as np

__all__ = ["run_opencl"]


def run_opencl(kernel, xp, arrays, out=None):
    """kernel's result on CLArrays of device backend xp."""
    from ..opencl._array import CLArray, dense
    if kernel.dtype != np.float32:
        raise NotImplementedError(f"FusedElementwise({kernel.name}): {kernel.dtype} kernels are not generated for "
                                  f"device {xp.device} (float32 only)")
    for k, array in enumerate(arrays):
        if not isinstance(array, CLArray) or array.backend is not xp:
            raise RuntimeError(f"FusedElementwise({kernel.name}): input {k} is not on device {xp.device}")
    function = kernel._opencl.get(xp)
    if function is None:
        function = xp.programs._load_or_build(kernel.opencl_source()).axonml_fused
        kernel._opencl[xp] = function
    arrays = [dense(a) for a in arrays]
    if out is None or not isinstance(out, CLArray) or out.shape != kernel.shape or out.offset or \
            not out.is_contiguous() or out.dtype != kernel.dtype:
        out = xp.empty(kernel.shape, kernel.dtype)
    args = [a.buffer for a in arrays] + [out.buffer, np.int64(out.size)] + [np.int64(a.size) for a in arrays]
    xp.launch(function, out.size, *args)
    return out
