"""GGML block formats: quantize, decode, and matrix products computed on the blocks (quant_blocks.h).

`qtype` is GGML's type id. A matrix of N rows and K columns is N rows of K / block_size blocks,
each row contiguous. The products take float32 activations and accumulate in float32; the
weights are decoded one block at a time inside the dot products (one or a few rows in flight),
or a panel of rows at a time ahead of a BLAS gemm when there are enough activation rows to pay
for it, never into a float32 copy of the whole matrix. Built with -ffp-contract=off (setup.py).
"""
import numpy as np

cimport numpy as cnp
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free, malloc
from openmp cimport omp_get_max_threads

from axonml._ext._blas cimport gemm_split
from axonml._ext._threads cimport worth_threads

cdef extern from "quant_blocks.h" nogil:
    int aq_block_values(int qtype)
    int aq_block_bytes(int qtype)
    void aq_quantize_row(int qtype, const float* src, uint8_t* dst, int64_t n)
    void aq_decode_row(int qtype, const uint8_t* src, float* dst, int64_t n)
    float aq_dot_row(int qtype, const uint8_t* src, const float* x, int64_t n)
    float axon_row_dot_f32(const float* a, const float* b, Py_ssize_t n)

cnp.import_array()

# below this many activation rows, each weight row is decoded once into a thread's buffer and dotted
# with every activation row; from it on, panels of weight rows are decoded for sgemm
DEF GEMM_MIN_ROWS = 16
# floats in one decoded panel (4 MiB)
DEF PANEL_FLOATS = 1 << 20


def block_values(int qtype) -> int:
    """Values per block of a GGML type id, 0 if it has no kernel here."""
    return aq_block_values(qtype)


def block_bytes(int qtype) -> int:
    """Bytes per block of a GGML type id, 0 if it has no kernel here."""
    return aq_block_bytes(qtype)


def quantize_rows(const float[:, ::1] x, int qtype, uint8_t[:, ::1] out):
    """out[r] = the blocks of x[r] (a 32-value format, F16 or BF16; row length a multiple of 32)."""
    cdef Py_ssize_t r, rows = x.shape[0], k = x.shape[1]
    if out.shape[1] != row_bytes(qtype, k) or k % aq_block_values(qtype) or out.shape[0] != rows:
        raise ValueError(f"quantize: {rows}x{k} values do not fill {out.shape[0]}x{out.shape[1]} bytes of "
                         f"GGML type {qtype}")
    if rows == 0 or k == 0:
        return
    with nogil:
        for r in prange(rows, schedule="static", use_threads_if=worth_threads(8 * rows * k)):
            aq_quantize_row(qtype, &x[r, 0], &out[r, 0], k)


def dequantize_rows(const uint8_t[:, ::1] blocks, int qtype, float[:, ::1] out):
    """out[r] = the first out.shape[1] values of the blocks in blocks[r]."""
    cdef Py_ssize_t r, rows = out.shape[0], k = out.shape[1]
    _check_rows(blocks.shape[1], qtype, k, "dequantize")
    if blocks.shape[0] != rows:
        raise ValueError(f"dequantize: {blocks.shape[0]} rows of blocks for {rows} rows of values")
    if rows == 0 or k == 0:
        return
    with nogil:
        for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * k)):
            aq_decode_row(qtype, &blocks[r, 0], &out[r, 0], k)


def row_bytes(int qtype, Py_ssize_t k) -> int:
    """Bytes of a row of k values: whole blocks, the last one zero-padded."""
    cdef Py_ssize_t values = aq_block_values(qtype)
    if values == 0:
        raise NotImplementedError(f"no CPU kernel for GGML type {qtype}")
    return (k + values - 1) // values * aq_block_bytes(qtype)


def _check_rows(Py_ssize_t stored, int qtype, Py_ssize_t k, str op):
    cdef Py_ssize_t expected = row_bytes(qtype, k)
    if stored != expected:
        raise ValueError(f"{op}: rows of {k} values of GGML type {qtype} take {expected} bytes, the blocks have "
                         f"{stored}")


def matmul(const uint8_t[:, ::1] weight, int qtype, const float[:, ::1] x, float[:, ::1] out):
    """out (M, N) = x (M, K) @ W.T, W the (N, K) matrix whose rows are the blocks in weight (N rows)."""
    cdef Py_ssize_t n_rows = weight.shape[0], m = x.shape[0], k = x.shape[1]
    _check_rows(weight.shape[1], qtype, k, "quantized matmul")
    if out.shape[0] != m or out.shape[1] != n_rows:
        raise ValueError(f"quantized matmul: out is {out.shape[0]}x{out.shape[1]}, expected {m}x{n_rows}")
    cdef Py_ssize_t n, i, start, count, panel
    cdef int threads
    cdef float* buffers
    cdef float* row
    cdef float* decoded
    if n_rows == 0 or m == 0:
        return
    if k == 0:
        out[:, :] = 0
        return
    with nogil:
        if m == 1:
            for n in prange(n_rows, schedule="static", use_threads_if=worth_threads(2 * n_rows * k)):
                out[0, n] = aq_dot_row(qtype, &weight[n, 0], &x[0, 0], k)
        elif m < GEMM_MIN_ROWS:
            threads = omp_get_max_threads() if worth_threads(2 * m * n_rows * k) else 1
            buffers = <float*>malloc(threads * k * sizeof(float))
            if buffers == NULL:
                with gil:
                    raise MemoryError(f"quantized matmul: no memory for {threads} decoded rows of {k}")
            for n in prange(n_rows, schedule="static", num_threads=threads):
                row = buffers + threadid() * k
                aq_decode_row(qtype, &weight[n, 0], row, k)
                for i in range(m):
                    out[i, n] = axon_row_dot_f32(row, &x[i, 0], k)
            free(buffers)
        else:
            panel = max(16, min(n_rows, PANEL_FLOATS // k))
            decoded = <float*>malloc(panel * k * sizeof(float))
            if decoded == NULL:
                with gil:
                    raise MemoryError(f"quantized matmul: no memory for a {panel}x{k} decoded panel")
            start = 0
            while start < n_rows:
                count = min(panel, n_rows - start)
                for n in prange(count, schedule="static", use_threads_if=worth_threads(2 * count * k)):
                    aq_decode_row(qtype, &weight[start + n, 0], decoded + n * k, k)
                # column-major view: out.T[start:start + count, :] = panel (count x k) @ x.T (k x m)
                gemm_split(c'T', c'N', <int>count, <int>m, <int>k, <float>1.0, decoded, <int>k, &x[0, 0], <int>k,
                           <float>0.0, &out[0, start], <int>n_rows, omp_get_max_threads())
                start += count
            free(decoded)
