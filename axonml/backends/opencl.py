"""The OpenCL backend: the primitive contract (base.py) on a GPU, or on a CPU through PoCL.

Device arrays (``CLArray``, axonml/opencl/_array.py) are a pooled buffer plus a shape, element
strides and an element offset; views share the buffer and only change that metadata. Kernels
(opencl/*.cl) take their inputs as strided layouts, so broadcasting, transposes and slices
reach them without copies. Every kernel runs on one in-order queue per device; only reading
values back to the host (``to_numpy``) waits for it.

This module holds the device plumbing (context, queue, kernels, memory, views); the primitives
of each op family live in axonml/opencl/_<family>.py and the methods here delegate to them.
"""
from __future__ import annotations

import math
import numbers

import ml_dtypes
import numpy as np

from .._device import device as _device_cls
from ..opencl import (_attention, _conv, _elementwise, _indexing, _interpolate, _linalg, _loss, _nn, _norm, _optim,
                      _pool, _random, _reduce, _sort)
from ..opencl import _decomposition
from ..opencl import _special
from ..opencl import _quant
from ..opencl import _complex, _fft
from ..opencl._array import CLArray
from ..opencl._elementwise import scalar_value
from ..opencl._layout import broadcast_strides, coalesce, layout_arg, normalize_axes, reshape_strides, shape_arg
from .base import Backend, matmul_via_gemm

__all__ = ["CLArray", "OpenCLBackend", "get_opencl_backend"]

_CTYPES = {
    np.dtype(np.float32): "float", np.dtype(np.float64): "double",
    np.dtype(np.int64): "long", np.dtype(np.int32): "int", np.dtype(np.int16): "short", np.dtype(np.int8): "char",
    np.dtype(np.uint64): "ulong", np.dtype(np.uint32): "uint", np.dtype(np.uint16): "ushort",
    np.dtype(np.uint8): "uchar", np.dtype(np.bool_): "uchar",
}
_BOOL = np.dtype(np.bool_)
_INT64 = np.dtype(np.int64)
_FLOAT64 = np.dtype(np.float64)
_FLOAT16 = np.dtype(np.float16)
_BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
class OpenCLBackend(Backend):
    """One OpenCL device: its context, queue, program cache and buffer pool."""

    array_type = CLArray

    def __init__(self, index: int, cl_device):
        import pyopencl as cl

        from ..opencl._allocator import BufferPool
        from ..opencl._program_cache import ProgramCache
        self.cl = cl
        self.index = index
        self.device = _device_cls("opencl", index)
        self.cl_device = cl_device
        self.context = cl.Context([cl_device])
        self.queue = cl.CommandQueue(self.context, cl_device)
        self.name = cl_device.name.strip()
        self.has_float64 = "cl_khr_fp64" in cl_device.extensions or bool(cl_device.double_fp_config)
        self.has_int64_atomics = "cl_khr_int64_base_atomics" in cl_device.extensions
        self.max_group = cl_device.max_work_group_size
        self.local_mem = cl_device.local_mem_size
        self.group = min(256, self.max_group)
        self.compute_units = cl_device.max_compute_units
        self.programs = ProgramCache(self.context, cl_device)
        self.pool = BufferPool(self.context, self.name, cl_device.max_mem_alloc_size)
        self._kernels: dict = {}
        self._last_args: dict = {}
        self._defines_by_dtype: dict = {}

    # --- plumbing -----------------------------------------------------------------------------
    def _ctype(self, dtype) -> str:
        dtype = np.dtype(dtype)
        if dtype == _FLOAT64 and not self.has_float64:
            raise NotImplementedError(f"float64 is not supported on device {self.device} ({self.name} lacks "
                                      "cl_khr_fp64)")
        ctype = _CTYPES.get(dtype)
        if ctype is None:
            raise NotImplementedError(f"{dtype} kernels are not implemented on device {self.device} (float16 is "
                                      "a storage type there: cast it to float32 to compute)" if dtype == _FLOAT16
                                      else f"{dtype} kernels are not implemented on device {self.device}")
        return ctype

    def _type_defines(self, *dtypes) -> tuple:
        return (("USE_FP64", 1),) if any(np.dtype(d) == _FLOAT64 for d in dtypes) else ()

    def kernel(self, family: str, name: str, defines: tuple):
        key = (family, name, defines)
        kernel = self._kernels.get(key)
        if kernel is None:
            program = self.programs.get(family, defines)
            try:
                kernel = getattr(program, name)
            except (AttributeError, self.cl.Error):
                raise NotImplementedError(f"'{name}' has no {family} kernel for {dict(defines)} on device "
                                          f"{self.device}") from None
            self._kernels[key] = kernel
        return kernel

    def launch(self, kernel, n: int, *args, local: int | None = None) -> None:
        """Run kernel over n work-items (rounded up to whole work-groups; kernels bound-check)."""
        if n <= 0:
            return
        local = local or self.group
        self.run(kernel, ((n + local - 1) // local * local,), (local,), *args)

    def run(self, kernel, global_size, local_size, *args) -> None:
        """Enqueue kernel with args, setting only the by-value arguments that changed since its last launch
        (a driver may take microseconds per argument; a training loop repeats the same shapes)."""
        last = self._last_args.get(id(kernel))
        if last is None or len(last) != len(args):
            kernel.set_args(*args)
        else:
            for i, (value, previous) in enumerate(zip(args, last)):
                if value is previous or (type(value) is type(previous) and _same_value(value, previous)):
                    continue
                kernel.set_arg(i, value)
        self._last_args[id(kernel)] = args
        self.cl.enqueue_nd_range_kernel(self.queue, kernel, global_size, local_size)

    def _elementwise_defines(self, dtype) -> tuple:
        defines = self._defines_by_dtype.get(dtype)
        if defines is None:
            defines = self._defines_by_dtype[dtype] = self._make_elementwise_defines(dtype)
        return defines

    def _make_elementwise_defines(self, dtype) -> tuple:
        dtype = np.dtype(dtype)
        ctype = self._ctype(dtype)  # first: a dtype without kernels here (float8 ...) is a NotImplementedError
        kind = "IS_BOOL" if dtype == _BOOL else {"f": "IS_FLOAT", "i": "IS_SIGNED", "u": "IS_UNSIGNED"}[dtype.kind]
        return (("T", ctype), (kind, 1)) + self._type_defines(dtype)

    def _storage_ctype(self, dtype) -> str:
        """The C type a cast kernel reads or writes: float16 and bfloat16 are stored, not computed on."""
        return "half" if dtype == _FLOAT16 else "ushort" if dtype == _BFLOAT16 else self._ctype(dtype)

    def _cast_defines(self, src, dst) -> tuple:
        src, dst = np.dtype(src), np.dtype(dst)
        defines = (("SRC_T", self._storage_ctype(src)), ("DST_T", self._storage_ctype(dst)))
        if dst == _BOOL:
            defines += (("DST_IS_BOOL", 1),)
        if src == _FLOAT16:
            defines += (("SRC_IS_HALF", 1),)
        if dst == _FLOAT16:
            defines += (("DST_IS_HALF", 1),)
        if src == _BFLOAT16:
            defines += (("SRC_IS_BF16", 1),)
        if dst == _BFLOAT16:
            defines += (("DST_IS_BF16", 1),)
        return defines + self._type_defines(src, dst)

    def new(self, shape, dtype) -> CLArray:
        shape = tuple(int(n) for n in shape)
        dtype = np.dtype(dtype)
        nbytes = max(math.prod(shape) * dtype.itemsize, 1)
        return CLArray(self, self.pool.allocate(nbytes), shape, dtype, owner=True)

    def coerce(self, x):
        return self.asarray(np.asarray(x))

    def synchronize(self) -> None:
        self.queue.finish()

    def _device_array(self, x, dtype=None) -> CLArray:
        """x as an array of this device (host data is uploaded; another device's array is an error)."""
        if isinstance(x, CLArray):
            if x.backend is not self:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                                   f"devices, {self.device} and {x.backend.device}!")
            return x if dtype is None or x.dtype == dtype else self.astype(x, dtype)
        return self.asarray(np.asarray(x, dtype=dtype))

    # --- memory and creation ---------------------------------------------------------------
    def asarray(self, obj, dtype=None):
        if isinstance(obj, CLArray):
            if obj.backend is not self:  # another device: an explicit transfer through the host
                return self.asarray(obj.backend.to_numpy(obj), dtype)
            return self.copy(obj) if dtype is None else self.astype(self.copy(obj), np.dtype(dtype))
        # a private host copy, so the upload need not wait: the queue's event keeps it alive until copied
        host = np.array(obj, dtype=dtype, order="C", copy=True)
        if host.dtype == object:
            raise TypeError("can't convert an object array to an OpenCL array")
        out = self.new(host.shape, host.dtype)
        if host.size == 1 and host.dtype != _FLOAT16:
            return self._fill(out, host.reshape(()))
        if host.size:
            self.cl.enqueue_copy(self.queue, out.buffer, host, is_blocking=False)
        return out

    def to_numpy(self, a):
        if not isinstance(a, CLArray):
            return np.asarray(a)
        if not a.is_contiguous():
            a = self.copy(a)
        host = np.empty(a.shape, a.dtype)
        if a.size:
            self.cl.enqueue_copy(self.queue, host, a.buffer, src_offset=a.offset * a.itemsize, is_blocking=True)
        return host

    def empty(self, shape, dtype):
        return self.new(shape, dtype)

    def _fill(self, out: CLArray, value) -> CLArray:
        if out.size:
            pattern = np.asarray(value).astype(out.dtype).reshape(1)
            self.cl.enqueue_fill_buffer(self.queue, out.buffer, pattern, out.offset * out.itemsize, out.nbytes)
        return out

    def zeros(self, shape, dtype):
        return self._fill(self.new(shape, dtype), 0)

    def ones(self, shape, dtype):
        return self._fill(self.new(shape, dtype), 1)

    def full(self, shape, value, dtype):
        return self._fill(self.new(shape, dtype), scalar_value(value))

    def arange(self, start, stop, step, dtype):
        return self.asarray(np.arange(start, stop, step, dtype=dtype))

    def eye(self, n, m, dtype):
        return self.asarray(np.eye(n, m, dtype=dtype))

    def _cast_into(self, out: CLArray, a: CLArray) -> CLArray:
        """out (contiguous, a's shape) = a converted to out.dtype."""
        if out.dtype.kind == "c" or a.dtype.kind == "c":
            return _complex.cast_into(self, out, a)
        shape, (strides,) = coalesce(a.shape, a.estrides)
        kernel = self.kernel("elementwise", "cast", self._cast_defines(a.dtype, out.dtype))
        self.launch(kernel, a.size, out.buffer, shape_arg(shape, a.size), a.buffer, layout_arg(a.offset, strides))
        return out

    def astype(self, a, dtype):
        dtype = np.dtype(dtype)
        if a.dtype == dtype:
            return a
        return self._cast_into(self.new(a.shape, dtype), a)

    def copy(self, a):
        return self._cast_into(self.new(a.shape, a.dtype), a)

    def owned_copy(self, a):
        if a.owner:
            return a
        return self.copy(a)

    def ascontiguousarray(self, a):
        return a if a.is_contiguous() else self.copy(a)

    def is_contiguous(self, a):
        return a.is_contiguous()

    def _strided_update(self, name: str, dst: CLArray, src) -> None:
        if dst.dtype.kind == "c" or _complex.is_complex(src):
            if getattr(src, "alloc", None) is dst.alloc and name == "copy_strided":
                src = self.copy(src)
            _complex.strided_update(self, name == "add_strided", dst, src)
            return
        src = self._device_array(src)
        if src.alloc is dst.alloc and name == "copy_strided":
            src = self.copy(src)  # overlapping memory: read everything before writing
        src_strides = broadcast_strides(src.shape, src.estrides, dst.shape)
        shape, (dst_strides, src_strides) = coalesce(dst.shape, dst.estrides, src_strides)
        kernel = self.kernel("elementwise", name, self._cast_defines(src.dtype, dst.dtype))
        self.launch(kernel, dst.size, dst.buffer, layout_arg(dst.offset, dst_strides), shape_arg(shape, dst.size),
                    src.buffer, layout_arg(src.offset, src_strides))

    def copy_into(self, dst, src):
        self._strided_update("copy_strided", dst, src)

    def add_into(self, dst, src):
        self._strided_update("add_strided", dst, src)

    def relu_into(self, a):
        self.copy_into(a, self.maximum(a, 0))

    # --- views -------------------------------------------------------------------------------
    def _resolve_shape(self, a, shape) -> tuple:
        if isinstance(shape, numbers.Integral):
            shape = (shape,)
        shape = [int(n) for n in shape]
        if shape.count(-1) > 1:
            raise ValueError("can only specify one unknown dimension")
        if -1 in shape:
            known = math.prod(n for n in shape if n != -1)
            if known == 0 or a.size % known:
                raise ValueError(f"cannot reshape array of size {a.size} into shape {tuple(shape)}")
            shape[shape.index(-1)] = a.size // known
        if math.prod(shape) != a.size:
            raise ValueError(f"cannot reshape array of size {a.size} into shape {tuple(shape)}")
        return tuple(shape)

    def view_dtype(self, a, dtype):
        dtype = np.dtype(dtype)
        old, new = a.dtype.itemsize, dtype.itemsize
        shape, strides = list(a.shape), list(a.estrides)
        if shape and old != new:
            shape[-1] = shape[-1] * old // new
            strides = [s * old // new for s in strides[:-1]] + [1]
        return CLArray(self, a.alloc, tuple(shape), dtype, tuple(strides), a.offset * old // new)

    def view(self, a, shape):
        shape = self._resolve_shape(a, shape)
        strides = reshape_strides(a.shape, a.estrides, shape)
        return None if strides is None else a._view(shape, strides)

    def reshape(self, a, shape):
        out = self.view(a, shape)
        return out if out is not None else self.view(self.copy(a), shape)

    def transpose(self, a, axes):
        if axes is None:
            axes = tuple(reversed(range(a.ndim)))
        axes = [int(x) % a.ndim if a.ndim else 0 for x in axes]
        return a._view(tuple(a.shape[x] for x in axes), tuple(a.estrides[x] for x in axes))

    def broadcast_to(self, a, shape):
        shape = tuple(int(n) for n in shape)
        a = self._device_array(a)
        return a._view(shape, broadcast_strides(a.shape, a.estrides, shape))

    def as_strided(self, a, shape, strides, offset):
        return a._view(tuple(shape), tuple(strides), a.offset + int(offset))

    def getitem(self, a, index):
        if a.dtype.kind == "c":
            return _complex.getitem(self, a, index)
        return _indexing.getitem(self, a, index)

    def setitem(self, a, index, value):
        _indexing.setitem(self, a, index, value, accumulate=False)

    def setitem_add(self, a, index, value):
        _indexing.setitem(self, a, index, value, accumulate=True)

    # --- elementwise -------------------------------------------------------------------------
    def _binary(self, name: str, a, b):
        if _complex.is_complex(a) or _complex.is_complex(b):
            return _complex.binary(self, name, a, b)
        return _elementwise.binary(self, name, a, b)

    def _unary(self, name: str, a):
        if _complex.is_complex(a):
            return _complex.unary(self, name, self._device_array(a))
        return _elementwise.unary(self, name, a)

    def where(self, cond, a, b):
        if _complex.is_complex(a) or _complex.is_complex(b):
            return _complex.where(self, cond, a, b)
        return _elementwise.where(self, cond, a, b)

    # --- complex numbers (axonml/opencl/_complex.py) and transforms (_fft.py) -----------------------
    def conj(self, a):
        return _complex.conj(self, a)

    def real(self, a):
        return _complex.real_view(a)

    def imag(self, a):
        return _complex.imag_view(a)

    def view_as_real(self, a):
        return _complex.pairs_view(a)

    def view_as_complex(self, a):
        return _complex.complex_view(a)

    def complex(self, re, im):
        return _complex.make(self, re, im)

    def angle(self, a):
        return _complex.angle(self, a)

    def fft_c2c(self, a, axes, norm, forward):
        return _fft.c2c(self, a, axes, norm, forward)

    def fft_r2c(self, a, axes, norm, onesided):
        return _fft.r2c(self, a, axes, norm, onesided)

    def fft_c2r(self, a, axes, norm, last_dim_size):
        return _fft.c2r(self, a, axes, norm, last_dim_size)

    def clip(self, a, lo, hi):
        return _elementwise.clip(self, a, lo, hi)

    def special(self, name, *args):
        return _special.special(self, name, *args)

    # --- reductions ----------------------------------------------------------------------------
    def sum(self, a, axis, keepdims, dtype=None):
        if a.dtype.kind == "c" and (dtype is None or np.dtype(dtype) == a.dtype):
            return _complex.reduce_sum(self, a, axis, keepdims)
        return _reduce.reduce(self, "sum", a, axis, keepdims, _reduce.sum_dtype(a.dtype, dtype))

    def prod(self, a, axis, keepdims):
        return _reduce.reduce(self, "prod", a, axis, keepdims, _reduce.sum_dtype(a.dtype, None))

    def max(self, a, axis, keepdims):
        return _reduce.reduce(self, "max", a, axis, keepdims, a.dtype)

    def min(self, a, axis, keepdims):
        return _reduce.reduce(self, "min", a, axis, keepdims, a.dtype)

    def argmax(self, a, axis, keepdims):
        return _reduce.arg_reduce(self, "argmax", a, axis, keepdims)

    def argmin(self, a, axis, keepdims):
        return _reduce.arg_reduce(self, "argmin", a, axis, keepdims)

    def any(self, a, axis, keepdims):
        return _reduce.reduce(self, "any", a, axis, keepdims, _BOOL)

    def all(self, a, axis, keepdims):
        return _reduce.reduce(self, "all", a, axis, keepdims, _BOOL)

    def cumsum(self, a, axis):
        return _reduce.scan(self, "sum", a, axis)

    def cumprod(self, a, axis):
        return _reduce.scan(self, "prod", a, axis)

    def cum_extreme(self, a, axis, largest):
        return _reduce.scan_extreme(self, a, axis, largest)

    def logcumsumexp(self, a, axis):
        return _reduce.scan(self, "logcumsumexp", a, axis)

    def sort(self, a, axis, descending, stable):
        return _sort.sort(self, a, axis, descending, stable)

    def searchsorted(self, sorted_sequence, values, right):
        return _sort.searchsorted(self, sorted_sequence, values, right)

    def sum_to(self, a, shape):
        if a.dtype.kind == "c":
            return a if tuple(a.shape) == tuple(shape) else _complex.sum_to(self, a, shape)
        return _reduce.sum_to(self, a, shape)

    # --- indexing ------------------------------------------------------------------------------
    def take_along_axis(self, a, index, axis):
        return _indexing.take_along_axis(self, a, index, axis)

    def put_along_axis(self, dst, index, src, axis):
        _indexing.put_along_axis(self, dst, index, src, axis, accumulate=False)

    def put_along_axis_add(self, dst, index, src, axis):
        _indexing.put_along_axis(self, dst, index, src, axis, accumulate=True)

    def put_along_axis_reduce(self, dst, index, src, axis, reduce):
        _indexing.put_along_axis(self, dst, index, src, axis, accumulate=True, reduce=reduce)

    def index_add(self, dst, axis, index, src):
        if dst.dtype.kind == "c":  # the real and the imaginary parts, each a real scatter-add
            src = self.astype(self._device_array(src), dst.dtype)
            _indexing.index_add(self, _complex.real_view(dst), axis, index, _complex.real_view(src))
            _indexing.index_add(self, _complex.imag_view(dst), axis, index, _complex.imag_view(src))
            return
        _indexing.index_add(self, dst, axis, index, src)

    def concatenate(self, arrays, axis):
        arrays = [self._device_array(x) for x in arrays]
        first = arrays[0]
        axis = normalize_axes(axis, first.ndim)[0]
        for x in arrays[1:]:
            if x.ndim != first.ndim or any(m != n for d, (m, n) in enumerate(zip(x.shape, first.shape)) if d != axis):
                raise ValueError(f"all the input array dimensions except for the concatenation axis must match "
                                 f"exactly, got shapes {first.shape} and {x.shape}")
        dtype = np.result_type(*(x.dtype for x in arrays))
        shape = list(first.shape)
        shape[axis] = sum(x.shape[axis] for x in arrays)
        out = self.new(shape, dtype)
        start = 0
        for x in arrays:
            size = x.shape[axis]
            if x.size:
                self.copy_into(out._view(x.shape, out.estrides, out.offset + start * out.estrides[axis]), x)
            start += size
        return out

    def stack(self, arrays, axis):
        arrays = [self._device_array(x) for x in arrays]
        shape = arrays[0].shape
        if any(x.shape != shape for x in arrays):
            raise ValueError("all input arrays must have the same shape")
        axis = normalize_axes(axis, len(shape) + 1)[0]
        expanded = [self.reshape(x, shape[:axis] + (1,) + shape[axis:]) for x in arrays]
        return self.concatenate(expanded, axis)

    def tril(self, a, k):
        return _indexing.triangle(self, a, k, lower=True)

    def triu(self, a, k):
        return _indexing.triangle(self, a, k, lower=False)

    def nonzero(self, a):
        return _indexing.nonzero(self, a)

    def view_index(self, base, view):
        # label every element of a buffer laid out like base with its logical index, then read it through view
        lowest = sum((n - 1) * s for n, s in zip(base.shape, base.estrides) if s < 0)
        span = 1 + sum((n - 1) * abs(s) for n, s in zip(base.shape, base.estrides)) if base.size else 1
        labels = self.new((span,), _INT64)
        self.copy_into(labels._view(base.shape, base.estrides, -lowest),
                       self.reshape(self.arange(0, base.size, 1, _INT64), base.shape))
        return self.copy(labels._view(view.shape, view.estrides, view.offset - base.offset - lowest))

    # --- linear algebra ------------------------------------------------------------------------
    def gemm(self, a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None, tile=0):
        """tile, the CPU gemm's tile width, is a speed hint that has no meaning here."""
        if a.dtype.kind == "c" or b.dtype.kind == "c":
            return _complex.gemm(self, a, b, trans_a, trans_b, alpha, beta, c)
        return _linalg.gemm(self, a, b, trans_a, trans_b, alpha, beta, c)

    def matmul(self, a, b):
        return matmul_via_gemm(self, a, b)

    def einsum(self, equation, *arrays):
        return _linalg.einsum(self, equation, *arrays)

    # --- decompositions: LU, Cholesky, QR, eigh, SVD, and what is built on them ------------------------
    def lu_factor(self, a):
        return _decomposition.lu_factor(self, a)

    def cholesky(self, a, upper):
        return _decomposition.cholesky(self, a, upper)

    def solve_triangular(self, a, b, upper, left, unitriangular):
        return _decomposition.solve_triangular(self, a, b, upper, left, unitriangular)

    def solve(self, a, b):
        return _decomposition.solve(self, a, b)

    def inv(self, a):
        return _decomposition.inv(self, a)

    def det(self, a):
        return _decomposition.det(self, a)

    def slogdet(self, a):
        return _decomposition.slogdet(self, a)

    def qr(self, a, mode):
        return _decomposition.qr(self, a, mode)

    def eigh(self, a, upper, compute_v):
        return _decomposition.eigh(self, a, upper, compute_v)

    def svd(self, a, full_matrices, compute_uv):
        return _decomposition.svd(self, a, full_matrices, compute_uv)

    def lstsq(self, a, b, rcond, driver):
        return _decomposition.lstsq(self, a, b, rcond, driver)

    # --- convolution and pooling ---------------------------------------------------------------
    def im2col(self, x, kernel, stride, padding, dilation):
        return _conv.im2col(self, x, kernel, stride, padding, dilation)

    def col2im(self, cols, x_shape, kernel, stride, padding, dilation):
        return _conv.col2im(self, cols, x_shape, kernel, stride, padding, dilation)

    def conv_nd(self, x, weight, bias, stride, padding, dilation, groups):
        return _conv.conv_nd(self, x, weight, bias, stride, padding, dilation, groups)

    def conv_nd_backward(self, grad, x, weight, stride, padding, dilation, groups, needs_input, needs_weight):
        return _conv.conv_nd_backward(self, grad, x, weight, stride, padding, dilation, groups, needs_input,
                                      needs_weight)

    def max_pool_nd(self, x, kernel, stride, padding, dilation, output_size):
        return _pool.max_pool_nd(self, x, kernel, stride, padding, dilation, output_size)

    def max_pool_nd_backward(self, grad, indices, x_shape, ndim):
        return _pool.max_pool_nd_backward(self, grad, indices, x_shape, ndim)

    def avg_pool_nd(self, x, kernel, stride, padding, output_size, count_include_pad, divisor_override):
        return _pool.avg_pool_nd(self, x, kernel, stride, padding, output_size, count_include_pad, divisor_override)

    def avg_pool_nd_backward(self, grad, x_shape, kernel, stride, padding, count_include_pad, divisor_override):
        return _pool.avg_pool_nd_backward(self, grad, x_shape, kernel, stride, padding, count_include_pad,
                                          divisor_override)

    def adaptive_avg_pool_nd(self, x, output_size):
        return _pool.adaptive_avg_pool_nd(self, x, output_size)

    def adaptive_avg_pool_nd_backward(self, grad, x_shape, ndim):
        return _pool.adaptive_avg_pool_nd_backward(self, grad, x_shape, ndim)

    def adaptive_max_pool_nd(self, x, output_size):
        return _pool.adaptive_max_pool_nd(self, x, output_size)

    def resample_axis(self, x, axis, index, weights):
        return _interpolate.resample_axis(self, x, axis, index, weights)

    # --- softmax, norms, embedding, losses, recurrent cells ----------------------------------------
    def softmax(self, x, axis):
        return _nn.softmax(self, x, axis, False)

    def log_softmax(self, x, axis):
        return _nn.softmax(self, x, axis, True)

    def softmax_backward(self, grad, y, axis):
        return _nn.softmax_backward(self, grad, y, axis, False)

    def log_softmax_backward(self, grad, y, axis):
        return _nn.softmax_backward(self, grad, y, axis, True)

    def cross_entropy(self, x, target, weight, ignore_index, label_smoothing):
        return _loss.cross_entropy(self, x, target, weight, ignore_index, label_smoothing)

    def cross_entropy_backward(self, grad, x, lse, target, weight, ignore_index, label_smoothing):
        return _loss.cross_entropy_backward(self, grad, x, lse, target, weight, ignore_index, label_smoothing)

    def embedding_backward(self, grad, indices, num_weights, padding_idx):
        return _nn.embedding_backward(self, grad, indices, num_weights, padding_idx)

    def attention_forward(self, q, k, v, k_index, v_index, mask, mask_index, mask_row_stride, mask_col_stride,
                          is_causal, scale, dropout_p, seed, offset, heads_last):
        return _attention.attention_forward(self, q, k, v, k_index, v_index, mask, mask_index, mask_row_stride,
                                            mask_col_stride, is_causal, scale, dropout_p, seed, offset, heads_last)

    def attention_backward(self, grad, q, k, v, out, lse, k_index, v_index, mask, mask_index, mask_row_stride,
                           mask_col_stride, is_causal, scale, dropout_p, seed, offset, needs_scores):
        return _attention.attention_backward(self, grad, q, k, v, out, lse, k_index, v_index, mask, mask_index,
                                             mask_row_stride, mask_col_stride, is_causal, scale, dropout_p, seed,
                                             offset, needs_scores)

    def layer_norm(self, x, normalized_ndim, weight, bias, eps):
        return _norm.layer_norm(self, x, normalized_ndim, weight, bias, eps)

    def layer_norm_backward(self, grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine):
        return _norm.layer_norm_backward(self, grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine)

    def batch_norm_stats(self, x):
        return _norm.batch_norm_stats(self, x)

    def batch_norm_apply(self, x, mean, rstd, weight, bias):
        return _norm.batch_norm_apply(self, x, mean, rstd, weight, bias)

    def batch_norm_backward(self, grad, x, mean, rstd, weight, training):
        return _norm.batch_norm_backward(self, grad, x, mean, rstd, weight, training)

    def lstm_cell(self, gates, c_prev, h_out):
        return _nn.lstm_cell(self, gates, c_prev, h_out)

    def lstm_cell_backward(self, grad_h, dh_next, dc_next, act, c_prev, tanh_c, d_gates):
        return _nn.lstm_cell_backward(self, grad_h, dh_next, dc_next, act, c_prev, tanh_c, d_gates)

    # --- GGML block formats ----------------------------------------------------------------------
    quant_matmul = _quant.quant_matmul
    quant_dequantize = _quant.quant_dequantize

    # --- fused optimizer updates ---------------------------------------------------------------
    def sgd_step(self, param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize,
                 first_step):
        _optim.sgd_step(self, param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
                        maximize, first_step)

    def adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step_size, bias_correction2_sqrt, beta1,
                  beta2, eps, weight_decay, decay_factor, maximize):
        _optim.adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step_size, bias_correction2_sqrt,
                         beta1, beta2, eps, weight_decay, decay_factor, maximize)

    def rmsprop_step(self, param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps, weight_decay, momentum,
                     centered, maximize):
        _optim.rmsprop_step(self, param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps, weight_decay,
                            momentum, centered, maximize)

    # the other updates take the backend first, as these methods do: bound as they are
    adadelta_step = _optim.adadelta_step
    adagrad_step = _optim.adagrad_step
    adamax_step = _optim.adamax_step
    nadam_step = _optim.nadam_step
    radam_step = _optim.radam_step
    asgd_step = _optim.asgd_step
    rprop_step = _optim.rprop_step
    lamb_step = _optim.lamb_step

    # --- random --------------------------------------------------------------------------------
    def uniform(self, shape, low, high, dtype, generator):
        return _random.uniform(self, shape, low, high, dtype, generator)

    def normal(self, shape, mean, std, dtype, generator):
        return _random.normal(self, shape, mean, std, dtype, generator)

    def randint(self, shape, low, high, dtype, generator):
        return _random.randint(self, shape, low, high, dtype, generator)

    def bernoulli(self, shape, p, dtype, generator):
        return _random.bernoulli(self, shape, p, dtype, generator)

    def randperm(self, n, dtype, generator):
        return _random.randperm(self, n, dtype, generator)


def _same_value(value, previous) -> bool:
    """Whether a by-value kernel argument equals the one already set (buffers are always set again)."""
    if isinstance(value, (bytes, np.generic)):
        return bool(value == previous)
    if isinstance(value, _LocalMemory):
        return value.size == previous.size
    return False


try:
    from pyopencl import LocalMemory as _LocalMemory
except ImportError:  # no pyopencl: the backend is never created
    _LocalMemory = type(None)


def _make_binary(name):
    def primitive(self, a, b):
        return self._binary(name, a, b)
    primitive.__name__ = name
    return primitive


def _make_unary(name):
    def primitive(self, a):
        return self._unary(name, a)
    primitive.__name__ = name
    return primitive


for _name in _elementwise.BINARY_UFUNCS:
    setattr(OpenCLBackend, _name, _make_binary(_name))
for _name in _elementwise.UNARY_NAMES:
    setattr(OpenCLBackend, _name, _make_unary(_name))


_backends: dict[int, OpenCLBackend] = {}


def get_opencl_backend(index: int = 0) -> OpenCLBackend:
    """The backend of device('opencl:index'), created on first use."""
    backend = _backends.get(index)
    if backend is None:
        from ..opencl._devices import devices
        found = devices()
        if not found:
            raise RuntimeError("no OpenCL device is available (install an OpenCL driver, or PoCL for the CPU)")
        if not 0 <= index < len(found):
            raise RuntimeError(f"OpenCL device index {index} is out of range: there are {len(found)} OpenCL devices")
        backend = _backends[index] = OpenCLBackend(index, found[index])
    return backend
