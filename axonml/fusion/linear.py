"""Linear kernels: FusedLinear (bias and ReLU in the gemm's epilogue) and AutotunedLinear (the fastest of the
Linear op's kernels for its shapes, timed once: BLAS in either orientation, or the float32 AVX-512 gemm)."""
from __future__ import annotations

import ctypes
import math
import os
import time

import numpy as np

from .._ext import _autograd
from .._ext import _linalg as _ext_linalg
from ..backends.cpu import cpu as _cpu_backend
from ..nn.modules.linear import Linear
from ..ops import linalg as _linalg
from ..ops.linalg import linear_relu
from ..tensor import Tensor

__all__ = ["FusedLinear", "AutotunedLinear"]

_apply = _autograd.apply


class FusedLinear(Linear):
    """``activation(x @ weight^T + bias)`` as one op; the same parameters and state dict as ``nn.Linear``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias.
        activation: ``"relu"`` (fused into the gemm) or None (a plain Linear).

    Shape:
        - Input: (*, in_features). Output: (*, out_features).

    Example:
        >>> layer = FusedLinear(20, 30, activation="relu")
        >>> layer(axonml.randn(128, 20)).shape
        axonml.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, activation: str | None = "relu",
                 device=None, dtype=None):
        if activation not in (None, "relu"):
            raise ValueError(f"FusedLinear: activation must be 'relu' or None, got {activation!r}")
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        self.activation = activation

    def forward(self, input: Tensor) -> Tensor:
        if self.activation is None:
            return super().forward(input)
        return linear_relu(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation!r}"


class _TransposedLinear(_linalg.Linear):
    """Linear with its product computed as ``(weight @ x^T)^T``: the same values and ctx, so Linear's own backward.

    BLAS runs the two orientations of one product at different speeds (for a wide weight and few
    rows the transposed one can be a quarter faster); the transposed product then goes through one
    epilogue pass that transposes it back and adds the bias and the ReLU.
    """

    def forward(ctx, x, weight, bias, activation=None):
        xp = ctx.xp
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        out_features, in_features = weight.shape
        ctx.x_shape = x.shape
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.activation = activation
        rows = xp.reshape(x, (math.prod(x.shape[:-1]), in_features))
        product = xp.gemm(weight, rows, False, True)  # (out_features, rows)
        out = _transpose_epilogue(product, bias, activation == "relu")
        out = xp.reshape(out, x.shape[:-1] + (out_features,))
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None,
                              out if activation is not None and any(ctx.needs_input_grad[:3]) else None)
        return out


_EPILOGUE = """#include <stdint.h>
typedef {ctype} T;
/* out (rows, cols) = act(product^T + bias), product (cols, rows); 32 x 32 blocks keep both sides in cache */
void axonml_fused(const T *product, const T *bias, T *out, long rows, long cols, int relu) {{
    for (long i0 = 0; i0 < rows; i0 += 32)
        for (long j0 = 0; j0 < cols; j0 += 32) {{
            const long i1 = i0 + 32 < rows ? i0 + 32 : rows, j1 = j0 + 32 < cols ? j0 + 32 : cols;
            for (long i = i0; i < i1; i++)
                for (long j = j0; j < j1; j++) {{
                    T value = product[j * rows + i] + (bias ? bias[j] : (T)0);
                    out[i * cols + j] = relu && value < (T)0 ? (T)0 : value;
                }}
        }}
}}
"""
_epilogues: dict = {}


def _transpose_epilogue(product, bias, relu: bool):
    from .compiler import address, load_library
    function = _epilogues.get(product.dtype)
    if function is None:
        ctype = "float" if product.dtype == np.float32 else "double"
        function = load_library(_EPILOGUE.format(ctype=ctype)).axonml_fused
        function.restype = None
        function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_long,
                             ctypes.c_int]
        _epilogues[product.dtype] = function
    cols, rows = product.shape
    out = np.empty((rows, cols), product.dtype)
    if bias is not None and bias.shape != (cols,):
        bias = np.broadcast_to(bias, (cols,))  # a one-element or 0-d bias, as it broadcasts as the gemm's C operand
    bias = None if bias is None else np.ascontiguousarray(bias, product.dtype)
    function(address(product), None if bias is None else address(bias), address(out), rows, cols, int(relu))
    return out


_AVX512_WRAPPERS = """
#include <stdint.h>
/* Row-major products over the column-major axon_sgemm, the output cut into blocks of rows or columns (whole
 * 32-row slivers) run by `threads` OpenMP threads; 1 when done, 0 when the gemm cannot run here. */
static int axonml_gemm(char trans_a, char trans_b, long m, long n, long k, const float *a, long lda,
                       const float *b, long ldb, float *out, long ld_out, int threads) {
    if (threads <= 1 || (double)m * n * k < 4194304.0)
        return axon_sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, out, ld_out);
    const long size = m >= n ? m : n;
    const long block = ((size + threads - 1) / threads + 31) / 32 * 32;
    int ok = 1;
    #pragma omp parallel for schedule(static) num_threads(threads) reduction(&:ok)
    for (int t = 0; t < threads; t++) {
        const long start = t * block, stop = start + block < size ? start + block : size;
        if (start >= stop)
            continue;
        if (m >= n)
            ok &= axon_sgemm(trans_a, trans_b, stop - start, n, k, 1.0f, a + (trans_a == 'N' ? start : start * lda),
                             lda, b, ldb, 0.0f, out + start, ld_out);
        else
            ok &= axon_sgemm(trans_a, trans_b, m, stop - start, k, 1.0f, a, lda,
                             b + (trans_b == 'N' ? start * ldb : start), ldb, 0.0f, out + start * ld_out, ld_out);
    }
    return ok;
}

int axonml_available(void) { return axon_sgemm_available(); }

/* out (rows, cols) = act(x (rows, depth) @ weight (cols, depth)^T + bias): the gemm, then one pass adding the
 * bias and applying the ReLU while the output is still in cache */
int axonml_linear_forward(const float *x, const float *weight, const float *bias, float *out, long rows,
                          long depth, long cols, int relu, int threads) {
    /* column-major: out^T (cols x rows) = weight^T' (cols x depth) @ x^T' (depth x rows) */
    if (!axonml_gemm('T', 'N', cols, rows, depth, weight, depth, x, depth, out, cols, threads))
        return 0;
    if (bias || relu)
        for (long i = 0; i < rows; i++) {
            float *row = out + i * cols;
            #pragma omp simd
            for (long j = 0; j < cols; j++) {
                const float value = row[j] + (bias ? bias[j] : 0.0f);
                row[j] = relu && value < 0.0f ? 0.0f : value;
            }
        }
    return 1;
}

/* The backward's pass over the output gradient: masked = grad * (out > 0) where relu (else grad itself) and
 * grad_bias = masked's column sums (where wanted), accumulated row after row as a NumPy sum over axis 0 */
void axonml_linear_grad_epilogue(const float *grad, const float *out, float *masked, float *grad_bias, long rows,
                                 long cols) {
    if (grad_bias)
        for (long j = 0; j < cols; j++)
            grad_bias[j] = 0.0f;
    for (long i = 0; i < rows; i++) {
        const float *g = grad + i * cols;
        float *m = masked ? masked + i * cols : 0;
        const float *o = out ? out + i * cols : 0;
        if (o) {
            #pragma omp simd
            for (long j = 0; j < cols; j++)
                m[j] = o[j] > 0.0f ? g[j] : 0.0f;
            g = m;
        }
        if (grad_bias) {
            #pragma omp simd
            for (long j = 0; j < cols; j++)
                grad_bias[j] += g[j];
        }
    }
}

/* grad_x (rows, depth) = grad (rows, cols) @ weight (cols, depth); grad_weight (cols, depth) = grad^T @ x */
int axonml_linear_backward(const float *grad, const float *x, const float *weight, float *grad_x,
                           float *grad_weight, long rows, long depth, long cols, int threads) {
    if (grad_x && !axonml_gemm('N', 'N', depth, rows, cols, weight, depth, grad, cols, grad_x, depth, threads))
        return 0;
    if (grad_weight && !axonml_gemm('N', 'T', depth, cols, rows, x, depth, grad, cols, grad_weight, depth, threads))
        return 0;
    return 1;
}
"""
_AVX512_TILES = (8, 12, 16)  # the gemm's tile widths (columns of out per micro-kernel call) the autotuner tries
_avx512_libraries: dict = {}


def _avx512_kernels(tile: int = 12):
    """The AVX-512 Linear kernels with a tile of 32 x ``tile`` (gemm_avx512.h's float32 gemm, pasted into the
    source so that the cache key covers it), or None where they cannot run: no such core, no gcc, or the header
    not installed. Which tile is fastest depends on the shapes: 12 for large square products, 8 where a side
    is 64 or the depth small (a 12-wide tile then computes padding)."""
    library = _avx512_libraries.get(tile)
    if library is None:
        from .compiler import CompilerNotFoundError, load_library
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_ext", "gemm_avx512.h")
        library = False
        try:
            with open(path, encoding="utf-8") as f:
                header = f.read()
            library = load_library(f"#define AXON_GEMM_NR {tile}\n" + header + _AVX512_WRAPPERS)
        except (OSError, RuntimeError, CompilerNotFoundError):
            library = False
        if library:
            pointer, size, flag = ctypes.c_void_p, ctypes.c_long, ctypes.c_int
            library.axonml_available.restype = flag
            library.axonml_linear_forward.restype = flag
            library.axonml_linear_forward.argtypes = [pointer, pointer, pointer, pointer, size, size, size, flag,
                                                      flag]
            library.axonml_linear_grad_epilogue.restype = None
            library.axonml_linear_grad_epilogue.argtypes = [pointer, pointer, pointer, pointer, size, size]
            library.axonml_linear_backward.restype = flag
            library.axonml_linear_backward.argtypes = [pointer, pointer, pointer, pointer, pointer, size, size, size,
                                                       flag]
            if not library.axonml_available():
                library = False
        _avx512_libraries[tile] = library
    return library or None


def _address_or_none(array):
    from .compiler import address
    return None if array is None else address(array)


class _Avx512Linear(_linalg.Linear):
    """Linear on CPU float32 with its three products on the AVX-512 gemm of the convolutions (gemm_avx512.h):
    where BLAS runs narrower kernels than the core has (OpenBLAS told ``OPENBLAS_CORETYPE=Haswell`` on an
    AVX-512 core), it multiplies at about twice BLAS's rate.

    The values are Linear's (to rounding); the backward is Linear's too, done in one pass over the output
    gradient (the ReLU's mask and the bias gradient's column sums) and two products. ``tile`` is the gemm's
    tile width; :func:`_avx512_linear` makes the class of each.
    """

    tile = 12

    def forward(ctx, x, weight, bias, activation=None):
        kernels = _avx512_kernels(ctx.tile)
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        out_features, in_features = weight.shape
        count = math.prod(x.shape[:-1])
        ctx.x_shape = x.shape
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.activation = activation
        rows = np.ascontiguousarray(x.reshape(count, in_features))
        weight = np.ascontiguousarray(weight)
        if bias is not None and bias.shape != (out_features,):
            bias = np.broadcast_to(bias, (out_features,))  # a one-element or 0-d bias
        bias = None if bias is None else np.ascontiguousarray(bias)
        out = np.empty((count, out_features), np.float32)
        if not kernels.axonml_linear_forward(_address_or_none(rows), _address_or_none(weight), _address_or_none(bias),
                                             _address_or_none(out), count, in_features, out_features,
                                             int(activation == "relu"), _ext_linalg.get_num_threads()):
            raise MemoryError("Linear: no memory for the AVX-512 gemm's packed blocks")
        ctx.save_for_backward(rows if needs_weight else None, weight if needs_x else None,
                              out if activation is not None and any(ctx.needs_input_grad[:3]) else None)
        return out.reshape(x.shape[:-1] + (out_features,))

    def backward(ctx, grad):
        kernels = _avx512_kernels(ctx.tile)
        rows, weight, out = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        out_features = grad.shape[-1]
        count = math.prod(grad.shape[:-1])
        grad = np.ascontiguousarray(grad.reshape(count, out_features), np.float32)
        grad_bias = np.empty(out_features, np.float32) if needs_bias else None
        masked = np.empty_like(grad) if ctx.activation == "relu" else None
        if masked is not None or grad_bias is not None:
            kernels.axonml_linear_grad_epilogue(_address_or_none(grad), _address_or_none(out),
                                                _address_or_none(masked), _address_or_none(grad_bias), count,
                                                out_features)
        if masked is not None:
            grad = masked
        in_features = ctx.x_shape[-1]
        grad_x = np.empty((count, in_features), np.float32) if needs_x else None
        grad_weight = np.empty((out_features, in_features), np.float32) if needs_weight else None
        if (needs_x or needs_weight) and not kernels.axonml_linear_backward(
                _address_or_none(grad), _address_or_none(rows), _address_or_none(weight), _address_or_none(grad_x),
                _address_or_none(grad_weight), count, in_features, out_features, _ext_linalg.get_num_threads()):
            raise MemoryError("Linear: no memory for the AVX-512 gemm's packed blocks")
        if grad_x is not None and grad_x.shape != ctx.x_shape:
            grad_x = grad_x.reshape(ctx.x_shape)  # a view: only where the shapes differ, so that a leaf keeps it
        if grad_bias is not None:
            grad_bias = ctx.xp.sum_to(grad_bias, ctx.bias_shape)
        return grad_x, grad_weight, grad_bias, None


_avx512_classes = {12: _Avx512Linear}


def _avx512_linear(tile: int) -> type:
    """The AVX-512 Linear whose gemm has tiles ``tile`` wide (``_Avx512Linear`` itself for 12)."""
    cls = _avx512_classes.get(tile)
    if cls is None:
        cls = _avx512_classes[tile] = type(f"_Avx512Linear{tile}", (_Avx512Linear,), {"tile": tile})
    return cls


class AutotunedLinear:
    """A Linear op (``ops.linalg.Linear``'s arguments) that times its kernels on its first call and keeps the
    fastest; CPU float32 / float64 only.

    The kernels: BLAS's product ``x @ weight^T`` (Linear itself), BLAS's ``(weight @ x^T)^T`` with a
    transposing epilogue, and for float32 where the core has AVX-512, the convolutions' AVX-512 gemm for the
    forward's and the backward's products, in each of its tile widths. A call that records gradients times
    the forward and the backward's products together (a training step runs both), one that does not the
    forward alone. Another kernel than Linear's own is kept only when it is at least ``margin`` faster (best
    of ``rounds`` runs of each), so that a noisy timing does not swap a kernel for a slower one.
    """

    def __init__(self, rounds: int = 5, margin: float = 0.05):
        self.rounds, self.margin = rounds, margin
        self.choice = None

    name = "Linear"

    def __repr__(self) -> str:
        return f"AutotunedLinear(choice={getattr(self.choice, '__name__', None)})"

    def __call__(self, x, weight, bias, activation, out=None):
        if self.choice is None:
            self.choice = self._tune(x, weight, bias, activation)
        return _apply(self.choice, x, weight, bias, activation)

    @staticmethod
    def candidates(x, weight, bias) -> list:
        """The kernels that can run these arguments, Linear's own first."""
        kernels = [_linalg.Linear, _TransposedLinear]
        float32 = all(t is None or t._data.dtype == np.float32 for t in (x, weight, bias))
        if float32 and type(x._data) is np.ndarray:
            kernels += [_avx512_linear(tile) for tile in _AVX512_TILES if _avx512_kernels(tile) is not None]
        return kernels

    def _tune(self, x, weight, bias, activation):
        tensors = (x, weight, bias)
        arrays = tuple(None if t is None else t._data for t in tensors)
        needs = tuple(t is not None and t._requires_grad and _autograd.is_grad_enabled() for t in tensors) + (False,)
        grad = None
        if any(needs):
            grad = np.random.default_rng(0).standard_normal(x._data.shape[:-1] + weight._data.shape[:1])
            grad = grad.astype(x._data.dtype)
        candidates = self.candidates(x, weight, bias)
        best = dict.fromkeys(candidates, math.inf)
        for candidate in candidates:
            _run_once(candidate, arrays, activation, needs, grad)  # warm: the kernels' libraries, BLAS's buffers
        # round by round, so that a burst of load on a shared machine falls on every candidate alike
        for _ in range(self.rounds):
            for candidate in candidates:
                best[candidate] = min(best[candidate], _run_once(candidate, arrays, activation, needs, grad))
        fastest = min(best, key=best.get)
        return fastest if best[fastest] < best[_linalg.Linear] * (1 - self.margin) else _linalg.Linear


def _run_once(kernel, arrays, activation, needs, grad) -> float:
    """Seconds one forward of a Linear kernel takes on these arrays, and its backward where grad is given;
    run on the kernel's Function directly, recording no graph."""
    ctx = kernel.__new__(kernel)
    ctx.xp = _cpu_backend
    ctx.needs_input_grad = needs
    start = time.perf_counter()
    kernel.forward(ctx, *arrays, activation)
    if grad is not None:
        kernel.backward(ctx, grad)
    return time.perf_counter() - start
