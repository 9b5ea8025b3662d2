"""The CPU backend: NumPy ufuncs where they run at full speed, Cython kernels (axonml/_ext) for the rest."""
from __future__ import annotations

import numpy as np
from scipy import special as _special

from .._device import CPU
from .._dtype import _NARROW_FLOAT_TYPES, cast_array as _cast_array
from .._ext import _conv, _interpolate, _linalg, _pool
from .._ext import _optim
from .._ext import _attention, _nn, _norm
from .._ext import _reduce, _rnn
from .._ext import _quant
from .._ext import _eltwise
from . import _lapack
from . import _special as _special_functions
from .base import Backend, matmul_via_gemm
from scipy import fft as _scipy_fft

__all__ = ["CPUBackend", "cpu"]


def _sum_to(a, shape):
    """Sum a (a broadcast result) down to shape; a itself when it already has that shape."""
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and a.shape[i + lead] != 1)
    out = np.add.reduce(a, axis=axes, keepdims=True) if axes else a
    if lead:
        out = out.reshape(shape)
    return out


def _leading_block(shape, axis):
    """The slices selecting the first shape[d] entries of every axis but axis (torch.gather's index extent)."""
    return tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(shape))


def _along_axis_index(index, axis):
    """A NumPy index tuple addressing dst[..., index[i, j, ...], ...] along axis for every position of index."""
    grids = np.ogrid[tuple(slice(0, n) for n in index.shape)] if index.ndim else []
    return tuple(index if d == axis else grids[d] for d in range(index.ndim))


_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _fused_update(kernel, arrays, *scalars):
    """Run an in-place optimizer kernel on arrays (param, grad, then state; None passes through).

    The kernels take C-contiguous float32/float64 arrays of the parameter's dtype; anything else
    is staged in contiguous copies of the working dtype (float32 for half precision) and written
    back afterwards (except grad, which is only read). Returns what the kernel returns.
    """
    dtype = arrays[0].dtype
    if dtype in _KERNEL_DTYPES and all(a is None or (a.dtype == dtype and a.flags.c_contiguous) for a in arrays):
        return kernel(*arrays, *scalars)
    work_dtype = dtype if dtype in _KERNEL_DTYPES else _KERNEL_DTYPES[0]
    staged = [None if a is None else np.asarray(a, dtype=work_dtype, order="C") for a in arrays]
    result = kernel(*staged, *scalars)
    for position, (array, work) in enumerate(zip(arrays, staged)):
        if array is not None and position != 1 and work is not array:
            np.copyto(array, work, casting="unsafe")
    return result



# The one-pass relu kernels (_ext/_eltwise.pyx) beat NumPy's ufuncs from about this many elements;
# a + b only gains from threads, which its kernel starts from _THREADED_ELEMENTS on.
_ELTWISE_ELEMENTS = 1 << 14
_THREADED_ELEMENTS = 1 << 18


def _eltwise_operand(a, size=_ELTWISE_ELEMENTS):
    """Whether a is an array the elementwise kernels take: C-contiguous float32/float64, size or more elements."""
    return type(a) is np.ndarray and a.size >= size and a.dtype in _KERNEL_DTYPES and a.flags.c_contiguous


def _eltwise_pair(a, b, size=_ELTWISE_ELEMENTS):
    """Whether a is an elementwise-kernel operand and b an array of its shape, dtype and layout."""
    return (_eltwise_operand(a, size) and type(b) is np.ndarray and b.shape == a.shape and b.dtype == a.dtype
            and b.flags.c_contiguous)


def _add(a, b):
    if _eltwise_pair(a, b, _THREADED_ELEMENTS) and _linalg.get_num_threads() > 1:
        return _eltwise.add(a, b)
    return np.add(a, b)


def _maximum(a, b):
    if type(b) is int and b == 0 and _eltwise_operand(a):  # relu: the same values as np.maximum(a, 0)
        return _eltwise.relu(a)
    return np.maximum(a, b)


def _rows_readable(a):
    """a, if the attention kernel can read its matrices in place (unit stride along a row, rows in
    ascending order at least a row apart), else a contiguous copy."""
    itemsize = a.itemsize
    rows, cols = a.shape[-2:]
    if (cols <= 1 or a.strides[-1] == itemsize) and (rows <= 1 or a.strides[-2] >= max(cols, 1) * itemsize):
        return a
    return np.ascontiguousarray(a)

def _fft_workers() -> int:
    """pocketfft's threads: the thread count of axonml's other CPU kernels."""
    from .._ext import _linalg
    return _linalg.get_num_threads()


def _complex_view(a, complex_dtype):
    """A real (..., 2) array, last stride one item and the others whole pairs, read as complex (...)."""
    shape, strides = a.shape[:-1], a.strides[:-1]
    if a.size and a.ctypes.data % (2 * a.itemsize):
        raise ValueError("the pairs do not start at an even offset")
    if not shape:
        return a.view(complex_dtype).reshape(())
    # address the pairs through a one-pair complex view of the first element, then a's own strides
    first = np.lib.stride_tricks.as_strided(a, (2,), (a.strides[-1],)).view(complex_dtype)
    return np.lib.stride_tricks.as_strided(first, shape, strides, writeable=a.flags.writeable)


class CPUBackend(Backend):
    device = CPU
    array_type = np.ndarray

    def coerce(self, x):
        return np.asarray(x)

    # --- memory and creation ---------------------------------------------------------------
    def asarray(self, obj, dtype=None):
        if dtype is not None and dtype in _NARROW_FLOAT_TYPES:  # float8: PyTorch's rounding and saturation
            return _cast_array(np.array(obj, copy=True), dtype)
        return np.array(obj, dtype=dtype, copy=True)

    def to_numpy(self, a):
        return a

    def empty(self, shape, dtype):
        return np.empty(shape, dtype)

    def zeros(self, shape, dtype):
        return np.zeros(shape, dtype)

    def ones(self, shape, dtype):
        return np.ones(shape, dtype)

    def full(self, shape, value, dtype):
        if dtype in _NARROW_FLOAT_TYPES:
            return _cast_array(np.full(shape, value, np.float32), dtype)
        return np.full(shape, value, dtype)

    def arange(self, start, stop, step, dtype):
        return np.arange(start, stop, step, dtype=dtype)

    def eye(self, n, m, dtype):
        return np.eye(n, m, dtype=dtype)

    def astype(self, a, dtype):
        if a.dtype == dtype:
            return a
        return _cast_array(a, dtype) if dtype in _NARROW_FLOAT_TYPES else a.astype(dtype)

    def copy(self, a):
        return np.array(a, copy=True, order="C")

    def owned_copy(self, a):
        if type(a) is np.ndarray and a.base is None and a.flags.writeable and a.flags.c_contiguous:
            return a
        return np.array(a, copy=True, order="C")

    def ascontiguousarray(self, a):
        return np.ascontiguousarray(a)

    def is_contiguous(self, a):
        return a.flags.c_contiguous

    def copy_into(self, dst, src):
        np.copyto(dst, src, casting="unsafe")

    def add_into(self, dst, src):
        np.add(dst, src, out=dst, casting="unsafe")

    def relu_into(self, a):
        if _eltwise_operand(a) and a.flags.writeable:
            _eltwise.relu(a, a)
        else:
            np.maximum(a, 0, out=a)

    def relu_backward(self, grad, out):
        """grad * (out > 0) in one pass, or None where the kernel does not take the arrays (the op composes it).

        Not in the backend contract: ops.activation.relu_backward uses it where a backend has it."""
        if _eltwise_pair(grad, out):
            return _eltwise.relu_backward(grad, out)
        return None

    def relu_backward_column_sums(self, grad, out):
        """(relu_backward(grad, out), its sums over axis 0) for 2-D arrays in one pass, or None where the kernel
        does not take them (beyond one thread's share, the threaded mask and a NumPy sum are faster).

        Not in the backend contract: ops.activation.relu_backward_column_sums uses it where a backend has it."""
        if grad.ndim == 2 and _eltwise_pair(grad, out, 0) and grad.size < _THREADED_ELEMENTS:
            return _eltwise.relu_backward_column_sums(grad, out)
        return None

    # --- views -------------------------------------------------------------------------------
    def reshape(self, a, shape):
        return a.reshape(shape)

    def view_dtype(self, a, dtype):
        if a.ndim == 0:
            return a.reshape(1).view(dtype).reshape(())
        return a.view(dtype)

    def view(self, a, shape):
        try:
            return a.reshape(shape, copy=False)  # never copies, not even to find out that a view is impossible
        except ValueError:
            return None

    def transpose(self, a, axes):
        return a.transpose(axes)

    def broadcast_to(self, a, shape):
        return np.broadcast_to(a, shape)

    def as_strided(self, a, shape, strides, offset):
        itemsize = a.itemsize
        base = a.reshape(-1) if a.flags.c_contiguous else a
        return np.lib.stride_tricks.as_strided(base[offset:] if offset else base, shape,
                                               tuple(s * itemsize for s in strides))

    def getitem(self, a, index):
        return a[index]

    def setitem(self, a, index, value):
        a[index] = value

    # --- elementwise -------------------------------------------------------------------------
    add = staticmethod(_add)
    sub = staticmethod(np.subtract)
    mul = staticmethod(np.multiply)
    div = staticmethod(np.true_divide)
    pow = staticmethod(np.power)
    maximum = staticmethod(_maximum)
    minimum = staticmethod(np.minimum)
    floor_divide = staticmethod(np.floor_divide)
    remainder = staticmethod(np.remainder)
    fmod = staticmethod(np.fmod)
    eq = staticmethod(np.equal)
    ne = staticmethod(np.not_equal)
    lt = staticmethod(np.less)
    le = staticmethod(np.less_equal)
    gt = staticmethod(np.greater)
    ge = staticmethod(np.greater_equal)
    logical_and = staticmethod(np.logical_and)
    logical_or = staticmethod(np.logical_or)
    logical_xor = staticmethod(np.logical_xor)
    logical_not = staticmethod(np.logical_not)
    neg = staticmethod(np.negative)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    expm1 = staticmethod(np.expm1)
    sqrt = staticmethod(np.sqrt)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tanh = staticmethod(np.tanh)
    floor = staticmethod(np.floor)
    ceil = staticmethod(np.ceil)
    round = staticmethod(np.round)
    trunc = staticmethod(np.trunc)
    where = staticmethod(np.where)
    isnan = staticmethod(np.isnan)
    isinf = staticmethod(np.isinf)
    isfinite = staticmethod(np.isfinite)
    tan = staticmethod(np.tan)
    log2 = staticmethod(np.log2)
    log10 = staticmethod(np.log10)
    bitwise_and = staticmethod(np.bitwise_and)
    bitwise_or = staticmethod(np.bitwise_or)
    bitwise_xor = staticmethod(np.bitwise_xor)
    bitwise_not = staticmethod(np.invert)
    asin = staticmethod(np.arcsin)
    acos = staticmethod(np.arccos)
    atan = staticmethod(np.arctan)
    sinh = staticmethod(np.sinh)
    cosh = staticmethod(np.cosh)
    asinh = staticmethod(np.arcsinh)
    acosh = staticmethod(np.arccosh)
    atanh = staticmethod(np.arctanh)
    atan2 = staticmethod(np.arctan2)
    hypot = staticmethod(np.hypot)
    copysign = staticmethod(np.copysign)
    left_shift = staticmethod(np.left_shift)
    right_shift = staticmethod(np.right_shift)
    erf = staticmethod(_special.erf)
    sigmoid = staticmethod(_special.expit)
    special = staticmethod(_special_functions.special)

    def rsqrt(self, a):
        out = np.sqrt(a)  # a NumPy scalar for 0-d input, which out= cannot take
        return np.divide(1, out, out=out) if type(out) is np.ndarray and out.dtype.kind in "fV" else 1 / out

    def reciprocal(self, a):
        return np.divide(1, a)

    def clip(self, a, lo, hi):
        if lo is not None:
            a = np.maximum(a, lo)
        if hi is not None:
            a = np.minimum(a, hi)
        return a

    # --- complex numbers ---------------------------------------------------------------------
    conj = staticmethod(np.conjugate)
    angle = staticmethod(np.angle)

    def real(self, a):
        return a.real

    def imag(self, a):
        return a.imag

    def view_as_real(self, a):
        parts = a.real
        return np.lib.stride_tricks.as_strided(parts, a.shape + (2,), parts.strides + (parts.itemsize,),
                                               writeable=a.flags.writeable)

    def view_as_complex(self, a):
        return _complex_view(a, np.result_type(a.dtype, np.complex64))

    def complex(self, re, im):
        re, im = np.broadcast_arrays(re, im)
        out = np.empty(re.shape, np.result_type(re.dtype, np.complex64))
        out.real, out.imag = re, im
        return out

    # --- discrete Fourier transforms: pocketfft through scipy.fft --------------------------------
    def fft_c2c(self, a, axes, norm, forward):
        transform = _scipy_fft.fftn if forward else _scipy_fft.ifftn
        return transform(a, axes=axes, norm=norm, workers=_fft_workers())

    def fft_r2c(self, a, axes, norm, onesided):
        if onesided:
            return _scipy_fft.rfftn(a, axes=axes, norm=norm, workers=_fft_workers())
        return _scipy_fft.fftn(a, axes=axes, norm=norm, workers=_fft_workers())

    def fft_c2r(self, a, axes, norm, last_dim_size):
        shape = [a.shape[axis] for axis in axes[:-1]] + [last_dim_size]
        return _scipy_fft.irfftn(a, s=shape, axes=axes, norm=norm, workers=_fft_workers())

    # --- reductions ----------------------------------------------------------------------------
    def sum(self, a, axis, keepdims, dtype=None):
        return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=dtype)

    def prod(self, a, axis, keepdims):
        return np.multiply.reduce(a, axis=axis, keepdims=keepdims)

    def max(self, a, axis, keepdims):
        return np.maximum.reduce(a, axis=axis, keepdims=keepdims)

    def min(self, a, axis, keepdims):
        return np.minimum.reduce(a, axis=axis, keepdims=keepdims)

    def argmax(self, a, axis, keepdims):
        return np.argmax(a, axis=axis, keepdims=keepdims)

    def argmin(self, a, axis, keepdims):
        return np.argmin(a, axis=axis, keepdims=keepdims)

    def any(self, a, axis, keepdims):
        return np.any(a, axis=axis, keepdims=keepdims)

    def all(self, a, axis, keepdims):
        return np.all(a, axis=axis, keepdims=keepdims)

    def cumsum(self, a, axis):
        return np.cumsum(a, axis=axis)

    def cumprod(self, a, axis):
        return np.cumprod(a, axis=axis)

    def cum_extreme(self, a, axis, largest):
        if a.dtype in _KERNEL_DTYPES:
            block = np.ascontiguousarray(a).reshape(self._product(a.shape[:axis]), a.shape[axis],
                                                    self._product(a.shape[axis + 1:]))
            values, indices = np.empty(block.shape, a.dtype), np.empty(block.shape, np.int64)
            _reduce.cum_extreme(block, values, indices, largest)
            return values.reshape(a.shape), indices.reshape(a.shape)
        values = (np.maximum if largest else np.minimum).accumulate(a, axis=axis)
        # an element that is the running extreme (or a NaN) takes over the index; positions only grow
        taken = np.equal(a, values)
        if a.dtype.kind in "fV":
            taken |= np.isnan(a)
        positions = np.arange(a.shape[axis]).reshape(tuple(-1 if d == axis else 1 for d in range(a.ndim)))
        return values, np.maximum.accumulate(np.where(taken, positions, 0), axis=axis)

    def logcumsumexp(self, a, axis):
        return np.logaddexp.accumulate(a, axis=axis)

    def sort(self, a, axis, descending, stable):
        if descending:
            # a stable ascending sort of the reversed axis, reversed back, keeps equal elements in order
            flipped = np.flip(a, axis)
            order = np.flip(np.argsort(flipped, axis=axis, kind="stable"), axis)
            indices = np.subtract(a.shape[axis] - 1, order)
        else:
            indices = np.argsort(a, axis=axis, kind="stable" if stable else None)
        return np.take_along_axis(a, indices, axis=axis), indices

    def searchsorted(self, sorted_sequence, values, right):
        side = "right" if right else "left"
        if sorted_sequence.ndim == 1:
            return np.searchsorted(sorted_sequence, values, side).astype(np.int64, copy=False)
        rows = sorted_sequence.reshape(-1, sorted_sequence.shape[-1])
        queries = values.reshape(rows.shape[0], -1)
        out = np.empty(queries.shape, np.int64)
        for row, (boundaries, query) in enumerate(zip(rows, queries)):
            out[row] = np.searchsorted(boundaries, query, side)
        return out.reshape(values.shape)

    sum_to = staticmethod(_sum_to)

    # --- shapes and indexing (ops/shape.py, ops/indexing.py) ----------------------------------
    def setitem_add(self, a, index, value):
        np.add.at(a, index, value)

    def view_index(self, base, view):
        # label every element of a buffer laid out like base with its logical index, then read it through view's
        # strides and offset
        itemsize, label_size = base.itemsize, np.dtype(np.int64).itemsize
        strides = [s // itemsize for s in base.strides]
        lowest = sum((n - 1) * s for n, s in zip(base.shape, strides) if s < 0)
        span = 1 + sum((n - 1) * abs(s) for n, s in zip(base.shape, strides)) if base.size else 0
        labels = np.empty(span, np.int64)
        as_strided = np.lib.stride_tricks.as_strided
        as_strided(labels[-lowest:], base.shape, [s * label_size for s in strides])[...] = \
            np.arange(base.size).reshape(base.shape)
        offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // itemsize
        view_strides = [s // itemsize * label_size for s in view.strides]
        return as_strided(labels[offset - lowest:], view.shape, view_strides).copy()

    def concatenate(self, arrays, axis):
        return np.concatenate(arrays, axis=axis)

    def stack(self, arrays, axis):
        return np.stack(arrays, axis=axis)

    def tril(self, a, k):
        return np.tril(a, k)

    def triu(self, a, k):
        return np.triu(a, k)

    def nonzero(self, a):
        return np.nonzero(a)

    def take_along_axis(self, a, index, axis):
        if a.shape != index.shape:
            a = a[_leading_block(index.shape, axis)]
        return np.take_along_axis(a, index, axis=axis)

    def put_along_axis(self, dst, index, src, axis):
        dst[_along_axis_index(index, axis)] = src

    def put_along_axis_add(self, dst, index, src, axis):
        np.add.at(dst, _along_axis_index(index, axis), src)

    def put_along_axis_reduce(self, dst, index, src, axis, reduce):
        ufunc = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        ufunc.at(dst, _along_axis_index(index, axis), src)

    def index_add(self, dst, axis, index, src):
        np.add.at(dst, (slice(None),) * axis + (index,), src)

    # --- linear algebra, convolution, pooling (ops/linalg.py, ops/conv.py, ops/pool.py) ---------
    def gemm(self, a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None, tile=0):
        if trans_a:
            a = a.swapaxes(-1, -2)  # a view: the BLAS wrapper reads the strides and passes 'T'
        if trans_b:
            b = b.swapaxes(-1, -2)
        if a.dtype == b.dtype and (a.dtype == np.float32 or a.dtype == np.float64):
            return _linalg.gemm(a, b, alpha, beta, c, tile)
        out = np.matmul(a, b)
        if alpha != 1:
            out = out * alpha
        if c is not None and beta != 0:
            out = out + (c if beta == 1 else beta * c)
        return out

    def gemm_epilogue(self, a, b, trans_a, trans_b, bias, relu, tile=0):
        """op(a) @ op(b) + bias (a row over the last axis, or None), then relu where asked, the epilogue in the
        product's last stores; None where the kernel does not take the arrays (the op composes it).

        Not in the backend contract: ops.linalg.Linear uses it where a backend has it."""
        if a.dtype != b.dtype or (a.dtype != np.float32 and a.dtype != np.float64):
            return None
        if bias is not None and (type(bias) is not np.ndarray or bias.dtype != a.dtype or bias.ndim != 1 or
                                 bias.shape[0] != b.shape[-2 if trans_b else -1] or not bias.flags.c_contiguous):
            return None
        return _linalg.gemm(a.swapaxes(-1, -2) if trans_a else a, b.swapaxes(-1, -2) if trans_b else b, 1.0, 0.0,
                            None, tile, bias, relu)

    def matmul(self, a, b):
        return matmul_via_gemm(self, a, b)

    def einsum(self, equation, *arrays):
        return np.einsum(equation, *arrays, optimize=len(arrays) > 1)

    # --- matrix decompositions (ops/decomposition.py): LAPACK through NumPy and SciPy -------------
    def inv(self, a):
        return _lapack.inv(a)

    def solve(self, a, b):
        return _lapack.solve(a, b)

    def det(self, a):
        return _lapack.det(a)

    def slogdet(self, a):
        return _lapack.slogdet(a)

    def cholesky(self, a, upper):
        return _lapack.cholesky(a, upper)

    def solve_triangular(self, a, b, upper, left, unitriangular):
        return _lapack.solve_triangular(a, b, upper, left, unitriangular)

    def qr(self, a, mode):
        return _lapack.qr(a, mode)

    def svd(self, a, full_matrices, compute_uv):
        return _lapack.svd(a, full_matrices, compute_uv)

    def eigh(self, a, upper, compute_v):
        return _lapack.eigh(a, upper, compute_v)

    def lstsq(self, a, b, rcond, driver):
        return _lapack.lstsq(a, b, rcond, driver)

    def lu_factor(self, a):
        return _lapack.lu_factor(a)

    def ldl_factor(self, a, hermitian):
        return _lapack.ldl_factor(a, hermitian)

    def ldl_solve(self, ld, pivots, b, hermitian):
        return _lapack.ldl_solve(ld, pivots, b, hermitian)

    # Convolution and pooling primitives take the last len(kernel) (or ndim) axes of x as spatial
    # and the axes before as a stack of independent planes. padding is per spatial dim: an int or
    # a (before, after) pair. The convolution kernels see every image as a (C, D, H, W) volume
    # (unit depth for 2-D, unit depth and height for 1-D); pooling as (H, W) planes (1 or 2 axes).
    def im2col(self, x, kernel, stride, padding, dilation):
        images = self._volumes(x, len(kernel))
        geometry = self._conv_geometry(kernel, stride, padding, dilation, images.shape[2:])
        columns = np.empty((images.shape[0], images.shape[1] * self._product(kernel), self._product(geometry[4])),
                           images.dtype)
        if columns.size:
            _conv.im2col(images, columns, *geometry)
        return columns.astype(x.dtype, copy=False)

    def col2im(self, cols, x_shape, kernel, stride, padding, dilation):
        image_shape = tuple(x_shape[:2]) + self._size_3d(x_shape[2:])
        geometry = self._conv_geometry(kernel, stride, padding, dilation, image_shape[2:])
        columns = np.ascontiguousarray(cols, self._kernel_dtype(cols.dtype))
        grad = np.zeros(image_shape, columns.dtype)
        if columns.size:
            _conv.col2im(columns, grad, *geometry)
        return grad.reshape(x_shape).astype(cols.dtype, copy=False)

    def conv_nd(self, x, weight, bias, stride, padding, dilation, groups):
        ndim = weight.ndim - 2
        images = self._volumes(x, ndim)
        weight_rows = np.ascontiguousarray(weight, images.dtype).reshape(weight.shape[0], -1)
        geometry = self._conv_geometry(weight.shape[2:], stride, padding, dilation, images.shape[2:])
        out_size = geometry[4]
        out = np.empty((images.shape[0], weight.shape[0], self._product(out_size)), images.dtype)
        if bias is not None:
            np.copyto(out, bias.reshape(-1, 1), casting="unsafe")
        if out.size and weight_rows.size:
            if self._winograd(geometry, groups, images.shape[1], weight.shape[0]):
                _conv.winograd_forward(images, weight_rows.reshape(weight.shape[:2] + geometry[0]),
                                       out.reshape(out.shape[:2] + out_size), bias is not None, geometry[2],
                                       geometry[3][0])
            elif self._fold_batch(geometry, groups, images.shape[0]):
                columns = self._batch_columns(images, geometry)
                product = _linalg.gemm(weight_rows, columns)            # (Cout, N * L)
                product = product.reshape(weight.shape[0], images.shape[0], -1).transpose(1, 0, 2)
                if bias is not None:
                    out += product
                else:
                    np.copyto(out, product)
            else:
                _conv.conv_forward(images, weight_rows, out, groups, bias is not None, *geometry)
        elif bias is None:
            out.fill(0)
        return out.reshape((x.shape[0], weight.shape[0]) + out_size[3 - ndim:]).astype(x.dtype, copy=False)

    def conv_nd_backward(self, grad, x, weight, stride, padding, dilation, groups, needs_input, needs_weight):
        ndim = weight.ndim - 2
        images = self._volumes(x, ndim)
        weight_rows = np.ascontiguousarray(weight, images.dtype).reshape(weight.shape[0], -1)
        geometry = self._conv_geometry(weight.shape[2:], stride, padding, dilation, images.shape[2:])
        out_size = self._size_3d(grad.shape[2:])  # may be smaller than geometry's (conv_transpose's output_padding)
        grad_rows = np.ascontiguousarray(grad, images.dtype).reshape(grad.shape[0], grad.shape[1], -1)
        winograd = bool(grad_rows.size and weight_rows.size) and self._winograd(geometry, groups, images.shape[1],
                                                                                weight.shape[0])
        # col2im adds into the input gradient; the Winograd kernels write every entry of it
        grad_input = (np.empty if winograd else np.zeros)(images.shape, images.dtype) if needs_input else None
        grad_weight = np.empty(weight_rows.shape, images.dtype) if needs_weight else None
        if grad_rows.size and weight_rows.size:
            if winograd:
                kernel_shape = weight.shape[:2] + geometry[0]
                _conv.winograd_backward(images, weight_rows.reshape(kernel_shape),
                                        grad_rows.reshape(grad_rows.shape[:2] + out_size), grad_input,
                                        None if grad_weight is None else grad_weight.reshape(kernel_shape),
                                        geometry[2], geometry[3][0])
            elif self._fold_batch(geometry, groups, images.shape[0]) and out_size == geometry[4]:
                batch, out_channels = grad_rows.shape[:2]
                grads = np.ascontiguousarray(grad_rows.transpose(1, 0, 2)).reshape(out_channels, -1)
                if needs_weight:
                    grad_weight[...] = _linalg.gemm(grads, self._batch_columns(images, geometry).T)
                if needs_input:
                    _conv.col2im_batch(_linalg.gemm(weight_rows.T, grads), grad_input, *geometry)
            else:
                _conv.conv_backward(images, weight_rows, grad_rows, grad_input, grad_weight, groups,
                                    *geometry[:4], out_size)
        elif needs_weight:
            grad_weight.fill(0)
        if needs_input:
            grad_input = grad_input.reshape(x.shape).astype(x.dtype, copy=False)
        if needs_weight:
            grad_weight = grad_weight.reshape(weight.shape).astype(weight.dtype, copy=False)
        return grad_input, grad_weight

    # Pooling runs 3-D kernels over (P, D, H, W) volumes; 1-D and 2-D pooling have unit D (and H).
    def max_pool_nd(self, x, kernel, stride, padding, dilation, output_size):
        volumes = self._pool_volumes(x, len(kernel))
        kernel3, stride3, pads3, dilation3 = self._pool_params(kernel, stride, padding, dilation)
        out = np.empty((volumes.shape[0],) + self._pool_size(output_size), volumes.dtype)
        indices = np.empty(out.shape, np.int64)
        if out.size:
            _pool.max_pool3d(volumes, out, indices, *kernel3, *stride3, *pads3, *dilation3)
        shape = x.shape[:x.ndim - len(kernel)] + tuple(output_size)
        return out.reshape(shape).astype(x.dtype, copy=False), indices.reshape(shape)

    def max_pool_nd_backward(self, grad, indices, x_shape, ndim):
        grad_rows = self._pool_volumes(grad, ndim).reshape(-1, self._spatial_size(grad.shape, ndim))
        grad_input = np.zeros((grad_rows.shape[0], self._spatial_size(x_shape, ndim)), grad_rows.dtype)
        if grad_rows.size:
            _pool.max_pool_backward(grad_rows, np.ascontiguousarray(indices, np.int64).reshape(grad_rows.shape),
                                    grad_input)
        return grad_input.reshape(x_shape).astype(grad.dtype, copy=False)

    def avg_pool_nd(self, x, kernel, stride, padding, output_size, count_include_pad, divisor_override):
        volumes = self._pool_volumes(x, len(kernel))
        kernel3, stride3, pads3, _ = self._pool_params(kernel, stride, padding, (1,) * len(kernel))
        out = np.empty((volumes.shape[0],) + self._pool_size(output_size), volumes.dtype)
        if out.size:
            _pool.avg_pool3d(volumes, out, *kernel3, *stride3, *pads3, count_include_pad, divisor_override or 0)
        return out.reshape(x.shape[:x.ndim - len(kernel)] + tuple(output_size)).astype(x.dtype, copy=False)

    def avg_pool_nd_backward(self, grad, x_shape, kernel, stride, padding, count_include_pad, divisor_override):
        grad_volumes = self._pool_volumes(grad, len(kernel))
        kernel3, stride3, pads3, _ = self._pool_params(kernel, stride, padding, (1,) * len(kernel))
        grad_input = np.zeros((grad_volumes.shape[0],) + self._pool_size(x_shape[len(x_shape) - len(kernel):]),
                              grad_volumes.dtype)
        if grad_volumes.size:
            _pool.avg_pool3d_backward(grad_volumes, grad_input, *kernel3, *stride3, *pads3, count_include_pad,
                                      divisor_override or 0)
        return grad_input.reshape(x_shape).astype(grad.dtype, copy=False)

    def adaptive_avg_pool_nd(self, x, output_size):
        volumes = self._pool_volumes(x, len(output_size))
        out = np.empty((volumes.shape[0],) + self._pool_size(output_size), volumes.dtype)
        if out.size:
            _pool.adaptive_avg_pool3d(volumes, out)
        return out.reshape(x.shape[:x.ndim - len(output_size)] + tuple(output_size)).astype(x.dtype, copy=False)

    def adaptive_avg_pool_nd_backward(self, grad, x_shape, ndim):
        grad_volumes = self._pool_volumes(grad, ndim)
        grad_input = np.zeros((grad_volumes.shape[0],) + self._pool_size(x_shape[len(x_shape) - ndim:]),
                              grad_volumes.dtype)
        if grad_volumes.size:
            _pool.adaptive_avg_pool3d_backward(grad_volumes, grad_input)
        return grad_input.reshape(x_shape).astype(grad.dtype, copy=False)

    def adaptive_max_pool_nd(self, x, output_size):
        volumes = self._pool_volumes(x, len(output_size))
        out = np.empty((volumes.shape[0],) + self._pool_size(output_size), volumes.dtype)
        indices = np.empty(out.shape, np.int64)
        if out.size:
            _pool.adaptive_max_pool3d(volumes, out, indices)
        shape = x.shape[:x.ndim - len(output_size)] + tuple(output_size)
        return out.reshape(shape).astype(x.dtype, copy=False), indices.reshape(shape)

    def resample_axis(self, x, axis, index, weights):
        dtype = self._kernel_dtype(x.dtype)
        blocks = np.ascontiguousarray(x, dtype).reshape(self._product(x.shape[:axis]), x.shape[axis], -1)
        out = np.empty((blocks.shape[0], index.shape[0], blocks.shape[2]), dtype)
        if out.size:
            _interpolate.resample_axis(blocks, np.ascontiguousarray(index, np.int64),
                                       np.ascontiguousarray(weights, dtype), out)
        return out.reshape(x.shape[:axis] + (index.shape[0],) + x.shape[axis + 1:]).astype(x.dtype, copy=False)

    @classmethod
    def _pool_volumes(cls, x, ndim):
        """x as a contiguous (P, D, H, W) stack of volumes, unit sizes in front of fewer than 3 spatial dims."""
        shape = (cls._product(x.shape[:x.ndim - ndim]),) + cls._pool_size(x.shape[x.ndim - ndim:])
        return np.ascontiguousarray(x, cls._kernel_dtype(x.dtype)).reshape(shape)

    @staticmethod
    def _pool_params(kernel, stride, padding, dilation):
        """Kernel, stride, padding before and dilation as (D, H, W) triples (unit windows in front)."""
        lead = 3 - len(kernel)
        pads = tuple(p[0] if isinstance(p, tuple) else p for p in padding)
        return ((1,) * lead + tuple(kernel), (1,) * lead + tuple(stride), (0,) * lead + pads,
                (1,) * lead + tuple(dilation))

    @staticmethod
    def _pool_size(size):
        return (1,) * (3 - len(size)) + tuple(size)

    @staticmethod
    def _kernel_dtype(dtype):
        """The float type a Cython kernel computes in: float32/float64 as they are, float16 in float32."""
        if dtype == np.float32 or dtype == np.float64:
            return dtype
        return np.dtype(np.float32) if dtype == np.float16 else np.dtype(np.float64)

    @classmethod
    def _planes(cls, x, ndim):
        """x as a contiguous (P, H, W) stack of planes; H = 1 when ndim is 1."""
        spatial = x.shape[x.ndim - ndim:]
        lead = (CPUBackend._product(x.shape[:x.ndim - ndim]),)
        shape = lead + (1,) * (2 - ndim) + tuple(spatial)
        return np.ascontiguousarray(x, cls._kernel_dtype(x.dtype)).reshape(shape)

    @staticmethod
    def _params_2d(kernel, stride, padding, dilation):
        """Kernel, stride, (before, after) padding pairs and dilation for two spatial dims."""
        pads = tuple(p if isinstance(p, tuple) else (p, p) for p in padding)
        if len(kernel) == 2:
            return tuple(kernel), tuple(stride), pads, tuple(dilation)
        return (1, kernel[0]), (1, stride[0]), ((0, 0), pads[0]), (1, dilation[0])

    @classmethod
    def _volumes(cls, x, ndim):
        """x as contiguous (N, C, D, H, W) volumes: the leading axes folded into N and C, unit D (and H) below 3-D."""
        lead = x.shape[:x.ndim - ndim]
        shape = (lead[0] if lead else 1, cls._product(lead[1:])) + cls._size_3d(x.shape[x.ndim - ndim:])
        return np.ascontiguousarray(x, cls._kernel_dtype(x.dtype)).reshape(shape)

    @classmethod
    def _conv_geometry(cls, kernel, stride, padding, dilation, spatial):
        """(kernel, stride, padding before, dilation, output size) as (D, H, W) triples for the _conv kernels;
        spatial is the (D, H, W) of the input volumes."""
        pads = cls._size_3d(tuple(p if isinstance(p, tuple) else (p, p) for p in padding), (0, 0))
        kernel, stride, dilation = cls._size_3d(kernel), cls._size_3d(stride), cls._size_3d(dilation)
        out_size = tuple((size + before + after - d * (k - 1) - 1) // s + 1
                         for size, k, s, (before, after), d in zip(spatial, kernel, stride, pads, dilation))
        return kernel, stride, tuple(before for before, _ in pads), dilation, out_size

    @staticmethod
    def _fold_batch(geometry, groups, batch):
        """Whether to run a convolution as one gemm over the whole batch's patches (K, N * L) rather
        than one gemm per image: on small output planes a per-image gemm is too thin for BLAS and
        reads the whole weight matrix once per image (ResNet's 7x7 and 4x4 stages: 1.4-2x)."""
        positions = geometry[4][0] * geometry[4][1] * geometry[4][2]
        return groups == 1 and batch > 1 and positions <= 64

    @staticmethod
    def _batch_columns(images, geometry):
        """The batch's patch matrices side by side: (C * taps, N * L), image n in columns n*L..(n+1)*L."""
        batch, channels = images.shape[:2]
        kernel, out_size = geometry[0], geometry[4]
        taps = kernel[0] * kernel[1] * kernel[2]
        positions = out_size[0] * out_size[1] * out_size[2]
        columns = np.empty((channels * taps, batch * positions), images.dtype)
        _conv.im2col_batch(images, columns, *geometry)
        return columns

    @staticmethod
    def _winograd(geometry, groups, channels, out_channels):
        """Whether the Winograd kernels take this convolution: a 3x3 kernel over (H, W) (any depth and
        depth dilation), stride 1, ungrouped, with enough channels for the gemms to outweigh the tile
        transforms, and planes large enough for them to outweigh the weight transform: at least
        half as many positions as channels. ResNet-18's 14x14 stage with 256 channels takes it
        (15% faster than im2col); on its 7x7 maps with 512 channels im2col + one gemm is 2x faster."""
        kernel, stride, _, dilation, out_size = geometry
        return (kernel[1:] == (3, 3) and stride == (1, 1, 1) and dilation[1:] == (1, 1) and groups == 1
                and channels * kernel[0] >= 16 and out_channels >= 16
                and 2 * out_size[1] * out_size[2] >= channels)

    @staticmethod
    def _size_3d(size, unit=1):
        return (unit,) * (3 - len(size)) + tuple(size)

    @staticmethod
    def _size_2d(size):
        return (1,) * (2 - len(size)) + tuple(size)

    @staticmethod
    def _product(sizes):
        out = 1
        for s in sizes:
            out *= s
        return out

    @staticmethod
    def _spatial_size(shape, ndim):
        return CPUBackend._product(shape[len(shape) - ndim:])

    # --- softmax, norms, embedding, losses (ops/nn.py, ops/norm.py, ops/loss.py) ----------------
    @staticmethod
    def _kernel_block(a, shape):
        """a reshaped to shape as a C-contiguous float32/float64 array (float16 computes in float32)."""
        dtype = a.dtype if a.dtype == np.float64 else np.float32
        return np.ascontiguousarray(a.reshape(shape), dtype=dtype)

    def _softmax_family(self, kernel, arrays, axis, *flags):
        """Run a row kernel over arrays with axis moved last; the result has arrays[0]'s layout and dtype."""
        moved = [np.moveaxis(a, axis, -1) for a in arrays]
        shape = moved[0].shape
        rows = [self._kernel_block(a, (-1, shape[-1]) if shape[-1] else (0, 0)) for a in moved]
        if not arrays[0].size:
            return np.empty(arrays[0].shape, arrays[0].dtype)
        out = kernel(*rows, *flags).reshape(shape)
        return np.moveaxis(out, -1, axis).astype(arrays[0].dtype, copy=False)

    def softmax(self, x, axis):
        return self._softmax_family(_nn.softmax, [x], axis, False)

    def log_softmax(self, x, axis):
        return self._softmax_family(_nn.softmax, [x], axis, True)

    def softmax_backward(self, grad, y, axis):
        return self._softmax_family(_nn.softmax_backward, [grad, y], axis, False)

    def log_softmax_backward(self, grad, y, axis):
        return self._softmax_family(_nn.softmax_backward, [grad, y], axis, True)

    def cross_entropy(self, x, target, weight, ignore_index, label_smoothing):
        rows = self._kernel_block(x, x.shape)
        if weight is not None:
            weight = np.ascontiguousarray(weight, dtype=rows.dtype)
        loss, lse, total = _nn.cross_entropy(rows, np.ascontiguousarray(target, dtype=np.int64), weight,
                                             ignore_index, label_smoothing)
        return loss.astype(x.dtype, copy=False), lse, total

    def cross_entropy_backward(self, grad, x, lse, target, weight, ignore_index, label_smoothing):
        rows = self._kernel_block(x, x.shape)
        if weight is not None:
            weight = np.ascontiguousarray(weight, dtype=rows.dtype)
        dx = _nn.cross_entropy_backward(np.asarray(grad, dtype=rows.dtype), rows, lse,
                                        np.ascontiguousarray(target, dtype=np.int64), weight, ignore_index,
                                        label_smoothing)
        return dx.astype(x.dtype, copy=False)

    def embedding_backward(self, grad, indices, num_weights, padding_idx):
        width = grad.shape[-1]
        rows = self._kernel_block(grad, (-1, width))
        index = np.ascontiguousarray(indices.reshape(-1), dtype=np.int64)
        out = _nn.embedding_backward(rows, index, num_weights, -1 if padding_idx is None else padding_idx)
        return out.astype(grad.dtype, copy=False)

    def attention_forward(self, q, k, v, k_index, v_index, mask, mask_index, mask_row_stride, mask_col_stride,
                          is_causal, scale, dropout_p, seed, offset, heads_last):
        q, k, v = (_rows_readable(a) for a in (q, k, v))
        outer, heads, length = q.shape[:3]
        if heads_last:  # written as (B1, L, B2, Ev) through a permuted view
            out = np.empty((outer, length, heads, v.shape[3]), q.dtype)
            target = out.transpose(0, 2, 1, 3)
        else:
            out = target = np.empty((outer, heads, length, v.shape[3]), q.dtype)
        lse = _attention.attention_forward(q, k, v, k_index, v_index, mask, mask_index, mask_row_stride,
                                           mask_col_stride, is_causal, scale, dropout_p, seed, offset, target)
        return out, lse

    def attention_backward(self, grad, q, k, v, out, lse, k_index, v_index, mask, mask_index, mask_row_stride,
                           mask_col_stride, is_causal, scale, dropout_p, seed, offset, needs_scores):
        return _attention.attention_backward(grad, q, k, v, out, lse, k_index, v_index, mask, mask_index,
                                             mask_row_stride, mask_col_stride, is_causal, scale, dropout_p, seed,
                                             offset, needs_scores)

    def layer_norm(self, x, normalized_ndim, weight, bias, eps):
        lead = x.shape[:x.ndim - normalized_ndim]
        rows = self._kernel_block(x, (int(np.prod(lead)), -1) if x.size else (0, 0))
        affine = [None if p is None else self._kernel_block(p, (-1,)).astype(rows.dtype, copy=False)
                  for p in (weight, bias)]
        if not x.size:
            return np.empty(x.shape, x.dtype), np.empty(lead, x.dtype), np.empty(lead, x.dtype)
        y, mean, rstd = _norm.layer_norm(rows, *affine, eps)
        return y.reshape(x.shape).astype(x.dtype, copy=False), mean.reshape(lead), rstd.reshape(lead)

    def layer_norm_backward(self, grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine):
        rows = self._kernel_block(x, (mean.size, -1))
        normalized_shape = x.shape[x.ndim - normalized_ndim:]
        if weight is not None:
            weight = self._kernel_block(weight, (-1,)).astype(rows.dtype, copy=False)
        dx, dweight, dbias = _norm.layer_norm_backward(
            self._kernel_block(grad, rows.shape).astype(rows.dtype, copy=False), rows,
            self._kernel_block(mean, (-1,)).astype(rows.dtype, copy=False),
            self._kernel_block(rstd, (-1,)).astype(rows.dtype, copy=False), weight, needs_input, needs_affine)
        if dx is not None:
            dx = dx.reshape(x.shape).astype(x.dtype, copy=False)
        if dweight is not None:
            dweight = dweight.reshape(normalized_shape).astype(x.dtype, copy=False)
            dbias = dbias.reshape(normalized_shape).astype(x.dtype, copy=False)
        return dx, dweight, dbias

    def _channel_blocks(self, x):
        return self._kernel_block(x, (x.shape[0], x.shape[1], -1) if x.size else (x.shape[0], x.shape[1], 0))

    def _per_channel(self, a, dtype):
        return None if a is None else np.ascontiguousarray(a.reshape(-1), dtype=dtype)

    def batch_norm_stats(self, x):
        mean, var = _norm.batch_norm_stats(self._channel_blocks(x))
        return mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)

    def batch_norm_apply(self, x, mean, rstd, weight, bias):
        blocks = self._channel_blocks(x)
        y = _norm.batch_norm_apply(blocks, *(self._per_channel(a, blocks.dtype) for a in (mean, rstd, weight, bias)))
        return y.reshape(x.shape).astype(x.dtype, copy=False)

    def batch_norm_backward(self, grad, x, mean, rstd, weight, training):
        blocks = self._channel_blocks(x)
        dx, dweight, dbias = _norm.batch_norm_backward(
            self._channel_blocks(grad).astype(blocks.dtype, copy=False), blocks,
            *(self._per_channel(a, blocks.dtype) for a in (mean, rstd, weight)), training)
        return dx.reshape(x.shape).astype(x.dtype, copy=False), dweight.astype(x.dtype, copy=False), \
            dbias.astype(x.dtype, copy=False)


    # --- recurrent cells (ops/rnn.py) ------------------------------------------------------------
    def lstm_cell(self, gates, c_prev, h_out):
        # the kernel (_rnn.pyx) works in place on C-contiguous rows of one dtype; anything else goes through a copy
        dtype = gates.dtype
        act = gates if gates.flags.c_contiguous else np.ascontiguousarray(gates)
        c_prev = np.ascontiguousarray(c_prev, dtype=dtype)
        h = h_out if h_out.flags.c_contiguous and h_out.dtype == dtype else np.empty(c_prev.shape, dtype)
        c, tanh_c = np.empty(c_prev.shape, dtype), np.empty(c_prev.shape, dtype)
        _rnn.lstm_cell(act, c_prev, c, tanh_c, h)
        if act is not gates:
            gates[...] = act
        if h is not h_out:
            h_out[...] = h
        return c, tanh_c

    def lstm_cell_backward(self, grad_h, dh_next, dc_next, act, c_prev, tanh_c, d_gates):
        dtype = act.dtype
        grad_h, dh_next, dc_next, act, c_prev, tanh_c = (np.ascontiguousarray(a, dtype=dtype) for a in (
            grad_h, dh_next, dc_next, act, c_prev, tanh_c))
        out = d_gates if d_gates.flags.c_contiguous and d_gates.dtype == dtype else np.empty(act.shape, dtype)
        dc_prev = np.empty(c_prev.shape, dtype)
        _rnn.lstm_cell_backward(grad_h, dh_next, dc_next, act, c_prev, tanh_c, out, dc_prev)
        if out is not d_gates:
            d_gates[...] = out
        return dc_prev

    # --- GGML block formats (quant/) -----------------------------------------------------------
    def quant_matmul(self, x, blocks, qtype):
        x = np.ascontiguousarray(x, dtype=np.float32)
        out = np.empty((x.shape[0], blocks.shape[0]), np.float32)
        _quant.matmul(np.ascontiguousarray(blocks), int(qtype), x, out)
        return out

    def quant_dequantize(self, blocks, qtype, k):
        out = np.empty((blocks.shape[0], k), np.float32)
        _quant.dequantize_rows(np.ascontiguousarray(blocks), int(qtype), out)
        return out

    # --- fused optimizer updates (optim/) --------------------------------------------------------
    def sgd_step(self, param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize,
                 first_step):
        _fused_update(_optim.sgd, (param, grad, momentum_buffer), lr, momentum, dampening, weight_decay, nesterov,
                      maximize, first_step)

    def adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step_size, bias_correction2_sqrt, beta1,
                  beta2, eps, weight_decay, decay_factor, maximize):
        _fused_update(_optim.adam, (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq), step_size,
                      bias_correction2_sqrt, beta1, beta2, eps, weight_decay, decay_factor, maximize)

    def rmsprop_step(self, param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps, weight_decay, momentum,
                     centered, maximize):
        _fused_update(_optim.rmsprop, (param, grad, square_avg, momentum_buffer if momentum > 0 else None,
                                       grad_avg if centered else None), lr, alpha, eps, weight_decay, momentum, maximize)

    def adadelta_step(self, param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
        _fused_update(_optim.adadelta, (param, grad, square_avg, acc_delta), lr, rho, eps, weight_decay, maximize)

    def adagrad_step(self, param, grad, state_sum, clr, eps, weight_decay, maximize):
        _fused_update(_optim.adagrad, (param, grad, state_sum), clr, eps, weight_decay, maximize)

    def adamax_step(self, param, grad, exp_avg, exp_inf, clr, beta1, beta2, eps, weight_decay, maximize):
        _fused_update(_optim.adamax, (param, grad, exp_avg, exp_inf), clr, beta1, beta2, eps, weight_decay, maximize)

    def nadam_step(self, param, grad, exp_avg, exp_avg_sq, bias_correction2, grad_coefficient, exp_avg_coefficient,
                   beta1, beta2, eps, weight_decay, decay_factor, maximize):
        _fused_update(_optim.nadam, (param, grad, exp_avg, exp_avg_sq), bias_correction2, grad_coefficient,
                      exp_avg_coefficient, beta1, beta2, eps, weight_decay, decay_factor, maximize)

    def radam_step(self, param, grad, exp_avg, exp_avg_sq, bias_correction1, lr, bias_correction2_sqrt, rect, beta1,
                   beta2, eps, weight_decay, decay_factor, rectified, maximize):
        _fused_update(_optim.radam, (param, grad, exp_avg, exp_avg_sq), bias_correction1, lr, bias_correction2_sqrt,
                      rect, beta1, beta2, eps, weight_decay, decay_factor, rectified, maximize)

    def asgd_step(self, param, grad, ax, eta, decay_factor, mu, weight_decay, maximize):
        _fused_update(_optim.asgd, (param, grad, ax), eta, decay_factor, mu, weight_decay, maximize)

    def rprop_step(self, param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max, maximize):
        _fused_update(_optim.rprop, (param, grad, prev, step_size), etaminus, etaplus, step_size_min, step_size_max,
                      maximize)

    def lamb_step(self, param, grad, exp_avg, exp_avg_sq, update, bias_correction1, bias_correction2, beta1, beta2,
                  eps, weight_decay, maximize):
        return _fused_update(_optim.lamb, (param, grad, exp_avg, exp_avg_sq, update), bias_correction1,
                             bias_correction2, beta1, beta2, eps, weight_decay, maximize)

    # --- random --------------------------------------------------------------------------------
    def uniform(self, shape, low, high, dtype, generator):
        out = generator.np.random(shape, dtype=np.float64 if dtype != np.float32 else np.float32)
        if low != 0.0 or high != 1.0:
            out = out * (high - low) + low
        return out.astype(dtype, copy=False)

    def normal(self, shape, mean, std, dtype, generator):
        out = generator.np.standard_normal(shape, dtype=np.float64 if dtype != np.float32 else np.float32)
        if mean != 0.0 or std != 1.0:
            out = out * std + mean
        return out.astype(dtype, copy=False)

    def randint(self, shape, low, high, dtype, generator):
        return generator.np.integers(low, high, size=shape, dtype=np.int64).astype(dtype, copy=False)

    def randperm(self, n, dtype, generator):
        return generator.np.permutation(n).astype(dtype, copy=False)

    def bernoulli(self, shape, p, dtype, generator):
        return (generator.np.random(shape) < p).astype(dtype)


cpu = CPUBackend()
