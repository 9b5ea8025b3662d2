"""FusedConv: a convolution whose bias and activation run as one epilogue pass over its output.

The backend's ``conv_nd`` computes the convolution without its bias; one generated loop then
walks the output once, plane by plane, adding each channel's bias and applying the epilogue (a
chain of elementwise ops of the convolution's result alone: relu, silu, gelu, a scale ...) in
place. Eager mode makes two more full passes (the bias, then each activation into a new array).
On the CPU the epilogue is C compiled once and cached (:mod:`axonml.fusion.compiler`); on OpenCL a
generated kernel.

Gradients: when any input needs one, the epilogue also keeps its input (convolution + bias) in
the same pass; backward differentiates the replayed epilogue ops on it and hands the result to
the convolution's own backward (``axonml.ops.conv.ConvNd``), so no gradient is written twice.
"""
from __future__ import annotations

import ctypes
import math
from types import SimpleNamespace

import numpy as np

from .._ext import _autograd
from .._ext import _linalg
from ..autograd.function import ArrayFunction
from ..autograd.grad_mode import enable_grad
from ..backends.cpu import cpu as _cpu_backend
from ..ops.conv import ConvNd
from .compiler import address, threaded_loop
from .elementwise import FusedElementwise, _data_or_none

__all__ = ["FusedConv"]

_apply = _autograd.apply
_PARALLEL_THRESHOLD = 32768


class FusedConv:
    """A convolution (ConvNd's arguments) with its bias and an elementwise epilogue in one pass.

    Args:
        members: the epilogue, ``[(Function class, args)]`` as for FusedElementwise, where
            ``Input(0)`` is the convolution's output plus its bias and the other arguments are numbers.
        dtype: float32 or float64.
        stride, padding, dilation, groups: the convolution's, as ``ConvNd`` takes them.
    """

    def __init__(self, members: list, dtype, stride, padding, dilation, groups: int):
        self.epilogue = FusedElementwise(members, ["full"], dtype, ())
        self.dtype = self.epilogue.dtype
        self.params = (stride, padding, dilation, groups)
        self._cpu = None
        self._opencl: dict = {}

    @property
    def members(self) -> list:
        return self.epilogue.members

    @property
    def name(self) -> str:
        return f"ConvNd+{self.epilogue.name}"

    def __repr__(self) -> str:
        return f"FusedConv({self.name}, dtype={self.dtype}, params={self.params})"

    # --- code generation ---------------------------------------------------------------------------------
    def _plane(self, keep: bool, index: str = "j") -> list[str]:
        lines = [f"const T x0 = o[{index}] + b;"] + (([f"q[{index}] = x0;"]) if keep else [])
        return lines + self.epilogue.body + [f"o[{index}] = t{len(self.members) - 1};"]

    def c_source(self) -> str:
        ctype = "float" if self.dtype == np.float32 else "double"
        lines = ["#include <tgmath.h>", "#include <stdint.h>", f"typedef {ctype} T;", "",
                 "void axonml_fused(const T *bias, T *out, T *pre, long planes, long channels, long plane, "
                 "int threads) {"]
        loop = ["for (long p = 0; p < planes; p++) {",
                "    const T b = bias ? bias[p % channels] : (T)0;",
                "    T *o = out + p * plane;",
                "    T *q = pre ? pre + p * plane : 0;",
                "    if (q) {",
                "        #pragma omp simd",
                "        for (long j = 0; j < plane; j++) {"]
        loop += ["            " + line for line in self._plane(True)]
        loop += ["        }", "    } else {", "        #pragma omp simd", "        for (long j = 0; j < plane; j++) {"]
        loop += ["            " + line for line in self._plane(False)]
        loop += ["        }", "    }", "}"]
        lines += ["    " + line for line in threaded_loop("schedule(static)", f"planes * plane >= {_PARALLEL_THRESHOLD}",
                                                           loop)]
        return "\n".join(lines + ["}", ""])

    def opencl_source(self, keep: bool, has_bias: bool) -> str:
        params = ["__global const T *bias", "__global T *out", "__global T *pre", "const long total",
                  "const long channels", "const long plane"]
        lines = ["#define T float", "__kernel void axonml_fused(" + ", ".join(params) + ") {",
                 "    const long i = get_global_id(0);", "    if (i >= total) return;",
                 f"    const T b = {'bias[(i / plane) % channels]' if has_bias else '(T)0'};",
                 "    __global T *o = out;"] + (["    __global T *q = pre;"] if keep else [])
        lines += ["    " + line for line in self._plane(keep, "i")]
        lines += ["}", ""]
        return "\n".join(lines)

    # --- running ---------------------------------------------------------------------------------------------
    def __call__(self, x, weight, bias, out=None):
        """The fused convolution of tensors x, weight and bias (or None); ``out`` is accepted and unused."""
        return _apply(_FusedConvolution, self, x, weight, bias)

    def epilogue_into(self, xp, out, bias, keep: bool):
        """Apply bias and epilogue to the convolution's output array in place; returns the kept input or None."""
        channels = out.shape[1]
        planes = out.shape[0] * channels
        plane = math.prod(out.shape[2:])
        if xp is _cpu_backend:
            pre = np.empty_like(out) if keep else None
            if self._cpu is None:
                from .compiler import load_library
                function = load_library(self.c_source()).axonml_fused
                function.restype = None
                function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long,
                                     ctypes.c_long, ctypes.c_long, ctypes.c_int]
                self._cpu = function
            bias = None if bias is None else np.ascontiguousarray(bias, self.dtype)
            self._cpu(None if bias is None else address(bias), address(out),
                      None if pre is None else address(pre), planes, channels, plane, _linalg.get_num_threads())
            return pre
        from .opencl import run_opencl_epilogue
        return run_opencl_epilogue(self, xp, out, bias, keep, planes * plane, channels, plane)

    def replay(self, tensor):
        """The epilogue's own ops applied to a tensor (the convolution's output plus bias)."""
        return self.epilogue.replay([tensor])


class _FusedConvolution(ArrayFunction):
    """Convolution, bias and epilogue as one op; backward is the epilogue's ops' and then ConvNd's own."""

    def forward(ctx, kernel, x, weight, bias):
        xp = ctx.xp
        stride, padding, dilation, groups = kernel.params
        unbatched = x.ndim == weight.ndim - 1
        images = xp.reshape(x, (1,) + x.shape) if unbatched else x
        out = xp.ascontiguousarray(xp.conv_nd(images, weight, None, stride, padding, dilation, groups))
        if out.dtype != kernel.dtype:
            raise TypeError(f"FusedConv({kernel.name}): the convolution gave {out.dtype}, the kernel is {kernel.dtype}")
        needs = ctx.needs_input_grad[1:4]
        pre = kernel.epilogue_into(xp, out, bias, keep=any(needs))
        ctx.kernel = kernel
        if any(needs):
            # what ConvNd's own backward reads from its ctx
            ctx.conv = SimpleNamespace(xp=xp, saved_tensors=(x if needs[1] else None, weight if needs[0] else None),
                                       needs_input_grad=needs, params=kernel.params, x_shape=x.shape,
                                       weight_shape=weight.shape, unbatched=unbatched)
            ctx.pre = xp.reshape(pre, out.shape[1:]) if unbatched else pre
        return xp.reshape(out, out.shape[1:]) if unbatched else out

    def backward(ctx, grad):
        from ..autograd import grad as autograd_grad
        xp = ctx.xp
        pre = _autograd.wrap_array(ctx.pre, xp)
        pre._requires_grad = True
        with enable_grad():
            result = ctx.kernel.replay(pre)
            grad_pre, = autograd_grad([result], [pre], [_autograd.wrap_array(grad, xp)], allow_unused=True)
        grad_pre = xp.zeros(ctx.pre.shape, ctx.pre.dtype) if grad_pre is None else _data_or_none(grad_pre)
        grad_x, grad_weight, grad_bias = ConvNd.backward(ctx.conv, grad_pre)[:3]
        return None, grad_x, grad_weight, grad_bias
