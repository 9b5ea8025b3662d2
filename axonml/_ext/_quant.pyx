"""GGML block formats: quantize, decode, and matrix products computed on the blocks (quant_blocks.h).

`qtype` is GGML's type id. A matrix of N rows and K columns is N rows of K / block_size blocks,
each row contiguous. The products take float32 activations and accumulate in float32; the
weights are decoded one block at a time inside the dot products (one or a few rows in flight),
or a panel of rows at a time ahead of a BLAS gemm when there are enough activation rows to pay
for it, never into a float32 copy of the whole matrix. Built with -ffp-contract=off (setup.py).
matmul_x8 is the opt-in path on 8-bit activations (Q8_0 blocks, integer sums per block).
"""
import numpy as np

cimport numpy as cnp
from cython.parallel cimport prange, threadid
from libc.stdint cimport int8_t, int64_t, uint8_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy
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
    void aq_quantize_activations(const float* x, int64_t blocks, int8_t* q, float* d, float* s)
    int aq_x8_supported(int qtype)
    int aq_feature_mask
    int aq_x8_best_isa()
    void aq_x8_dot_rows(int isa, int qtype, const uint8_t* weight, int64_t stride, int rows, const int8_t* xq,
                        const float* xd, const float* xs, int64_t blocks, float* out)

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
            # dynamic: a core taken by another process would hold back a static share of the rows
            for n in prange(n_rows, schedule="dynamic", chunksize=16, use_threads_if=worth_threads(2 * n_rows * k)):
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


# the integer kernels' instruction set: 2 AVX-512 VNNI, 1 AVX2, 0 portable C (one definition, the same bits)
X8_ISA = aq_x8_best_isa()


def limit_kernels(int mask=-1):
    """Keep the explicit x86 float kernels to a mask of CPU features (bit 0 AVX2, bit 1 AVX-512; -1 all);
    for tests of the fallbacks on CPUs that have more."""
    global aq_feature_mask
    aq_feature_mask = mask


def x8_supported(int qtype) -> bool:
    """Whether GGML type qtype has an 8-bit-activation kernel (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0)."""
    return bool(aq_x8_supported(qtype))


def quantize_activations(const float[:, ::1] x, int8_t[:, ::1] q, float[:, ::1] d, float[:, ::1] s):
    """Rows of x (a multiple of 32 values) as Q8_0 integers q, scales d and d * sum(q) s, per 32-value block."""
    cdef Py_ssize_t r, rows = x.shape[0], blocks = x.shape[1] // 32
    if x.shape[1] % 32 or q.shape[0] != rows or q.shape[1] != x.shape[1] or d.shape[0] != rows or \
            d.shape[1] != blocks or s.shape[0] != rows or s.shape[1] != blocks:
        raise ValueError("quantize_activations: shapes do not match")
    if rows == 0 or blocks == 0:
        return
    with nogil:
        for r in range(rows):
            aq_quantize_activations(&x[r, 0], blocks, &q[r, 0], &d[r, 0], &s[r, 0])


def matmul_x8(const uint8_t[:, ::1] weight, int qtype, const float[:, ::1] x, float[:, ::1] out, int isa=-1):
    """out (M, N) = x (M, K) @ W.T with x quantized to Q8_0 blocks and integer sums per block (quant_blocks.h).

    isa: the kernel (2 VNNI, 1 AVX2, 0 portable; -1 the best here); every kernel gives the same bits."""
    cdef Py_ssize_t n_rows = weight.shape[0], m = x.shape[0], k = x.shape[1]
    if not aq_x8_supported(qtype):
        raise NotImplementedError(f"no 8-bit-activation kernel for GGML type {qtype}")
    _check_rows(weight.shape[1], qtype, k, "quantized matmul")
    if out.shape[0] != m or out.shape[1] != n_rows:
        raise ValueError(f"quantized matmul: out is {out.shape[0]}x{out.shape[1]}, expected {m}x{n_rows}")
    if isa < 0 or isa > X8_ISA:
        isa = X8_ISA
    cdef Py_ssize_t blocks = weight.shape[1] // aq_block_bytes(qtype), padded = blocks * 32
    cdef Py_ssize_t groups = (n_rows + 3) // 4, g, i, rows, stride = weight.shape[1]
    if n_rows == 0 or m == 0:
        return
    if k == 0:
        out[:, :] = 0
        return
    cdef const float[:, ::1] source = x
    if padded != k:  # rows of partial blocks: the activations zero-padded as the weights are
        widened = np.zeros((m, padded), np.float32)
        widened[:, :k] = x
        source = widened
    cdef int8_t[:, ::1] q = np.empty((m, padded), np.int8)
    cdef float[:, ::1] d = np.empty((m, blocks), np.float32)
    cdef float[:, ::1] s = np.empty((m, blocks), np.float32)
    quantize_activations(source, q, d, s)
    # each group of 4 weight rows writes its own 4 columns (the last group's spare ones past n_rows)
    cdef float[:, ::1] sums = np.empty((m, 4 * groups), np.float32)
    with nogil:
        for g in prange(groups, schedule="dynamic", chunksize=4,
                        use_threads_if=worth_threads(m * n_rows * blocks * 8)):
            rows = min(4, n_rows - 4 * g)
            for i in range(m):
                aq_x8_dot_rows(isa, qtype, &weight[4 * g, 0], stride, <int>rows, &q[i, 0], &d[i, 0], &s[i, 0],
                               blocks, &sums[i, 4 * g])
    out[:, :] = sums[:, :n_rows]
