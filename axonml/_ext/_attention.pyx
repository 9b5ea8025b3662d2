"""Fused scaled-dot-product attention: flash-attention's blocked online softmax, on the CPU.

The op (ops/attention.py) checks and flattens; these kernels trust their inputs. The forward reads
q (B1, B2, L, E), k (Bk1, Bk2, S, E) and v (Bv1, Bv2, S, Ev) through their strides (rows need only
unit stride inside, so the heads of a packed (N, L, 3, H, D) projection are read where they lie)
and writes out (B1, B2, L, Ev), also strided (the (N, L, H, D) order an output projection reads).
Flat batch b = b1 * B2 + b2 reads k's flat slab k_index[b] and v's v_index[b] (so broadcast batches
and grouped-query heads need no copies). The backward takes C-contiguous (B, L, E) operands.
An optional additive float mask is read at
mask[mask_index[b] + i * mask_row_stride + j * mask_col_stride] (a stride is 0 where it broadcasts).

Forward, per batch and block of query rows, one block of keys at a time: the score tile
Q K^T * scale (gemm), the running row max m and sum l of exp(score - m), the output accumulated
as P V and rescaled whenever m grows; lse = m + log(l) is kept for the backward. The (L, S)
score matrix never exists: a thread's scratch is two (BLOCK_Q, BLOCK_K) tiles.

Backward recomputes each tile's probabilities from lse (P = exp(score - lse)) and accumulates
dV += P~^T dO, dP = (dO V^T) * Z, dS = P (dP - D) with D = rowsum(dO * O), dQ += dS K * scale,
dK += dS^T Q * scale (Tri Dao, FlashAttention-2, 2023, Algorithm 2), where P~ = P * Z is P after
dropout and Z the kept-and-rescaled mask.

Dropout keeps element (b, i, j) when the counter-based hash of (seed, offset + (b L + i) S + j),
read as a uniform draw, is at least p, so the backward regenerates the forward's mask without
storing it; opencl/attention.cl uses the same hash. A row whose every key is masked out gets
zero output and lse = -inf.
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, ceil, exp, expf, log, logf
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from ._blas cimport gemm_one
from ._threads cimport threads_for

cdef extern from "fast_math.h" nogil:
    float axon_row_max_f32(const float* x, Py_ssize_t n)
    float axon_row_exp_store_f32(const float* x, float shift, float* out, Py_ssize_t n)
    float axon_row_dot_f32(const float* a, const float* b, Py_ssize_t n)
    void axon_row_scale_f32(float* x, float scale, Py_ssize_t n)

cnp.import_array()

# Query rows and keys per tile: a (128, 256) float tile is 128 KiB, two of them stay in L2
# beside the K and V blocks they multiply, and the gemms are still large enough for BLAS.
cdef enum:
    BLOCK_Q = 128
    BLOCK_K = 256


cdef inline bint is_dropped(uint64_t seed, uint64_t counter, uint64_t threshold) noexcept nogil:
    """Whether dropout drops element `counter`: the top 24 bits of SplitMix64's finaliser
    (Steele et al., 2014) over (seed, counter), read as k / 2^24, fall below p (k < threshold)."""
    cdef uint64_t z = seed + counter * 0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    z = z ^ (z >> 31)
    return (z >> 40) < threshold


cdef inline uint64_t drop_threshold(double p) noexcept nogil:
    """k / 2^24 < p exactly when k < ceil(p 2^24), for integers k; an integer test is the same on every device."""
    return <uint64_t>ceil(p * 16777216.0)


cdef inline void rm_gemm(char trans_a, char trans_b, int m, int n, int k, floating alpha,
                         const floating* a, int lda, const floating* b, int ldb,
                         floating beta, floating* c, int ldc) noexcept nogil:
    """Row-major c (m x n) = alpha * op(a) (m x k) @ op(b) (k x n) + beta * c.

    A row-major matrix is its column-major transpose, so this is the column-major
    c^T = op(b)^T op(a)^T: the operands swap and the flags pass through unchanged.
    """
    gemm_one(trans_b, trans_a, n, m, k, alpha, b, max(ldb, 1), a, max(lda, 1), beta, c, max(ldc, 1))


cdef inline floating row_max(const floating* x, Py_ssize_t n) noexcept nogil:
    cdef floating m = -INFINITY
    cdef Py_ssize_t j
    if floating is float:
        m = axon_row_max_f32(x, n)
    else:
        for j in range(n):
            if x[j] > m:
                m = x[j]
    return m


cdef inline floating row_exp_store(const floating* x, floating shift, floating* out, Py_ssize_t n) noexcept nogil:
    """out = exp(x - shift); returns sum(out)."""
    cdef floating s = 0
    cdef Py_ssize_t j
    if floating is float:
        s = axon_row_exp_store_f32(x, shift, out, n)
    else:
        for j in range(n):
            out[j] = exp(x[j] - shift)
            s += out[j]
    return s


cdef inline floating row_dot(const floating* a, const floating* b, Py_ssize_t n) noexcept nogil:
    cdef floating s = 0
    cdef Py_ssize_t j
    if floating is float:
        s = axon_row_dot_f32(a, b, n)
    else:
        for j in range(n):
            s += a[j] * b[j]
    return s


cdef inline void row_scale(floating* x, floating scale, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    if floating is float:
        axon_row_scale_f32(x, scale, n)
    else:
        for j in range(n):
            x[j] *= scale


cdef inline floating flog(floating x) noexcept nogil:
    if floating is float:
        return logf(x)
    else:
        return log(x)


cdef void score_tile(const floating* q, const floating* k, floating* tile, int rows, int cols, int e,
                     floating scale, const floating* mask, Py_ssize_t mask_row_stride, Py_ssize_t mask_col_stride,
                     bint is_causal, Py_ssize_t i0, Py_ssize_t j0, int q_ld, int k_ld) noexcept nogil:
    """tile (rows, BLOCK_K) = q (rows, e) k^T * scale + mask, -inf above the diagonal when causal.

    q and k point at the tile's first query row and first key, rows q_ld and k_ld elements apart;
    mask (or NULL) at its (i0, j0) entry.
    """
    cdef Py_ssize_t r, c
    cdef floating* row
    rm_gemm(c'N', c'T', rows, cols, e, scale, q, q_ld, k, k_ld, 0, tile, BLOCK_K)
    for r in range(rows):
        row = tile + r * BLOCK_K
        if mask != NULL:
            if mask_col_stride:
                for c in range(cols):
                    row[c] += mask[r * mask_row_stride + c]
            else:
                for c in range(cols):
                    row[c] += mask[r * mask_row_stride]
        if is_causal:
            for c in range(max(i0 + r + 1 - j0, 0), cols):
                row[c] = -INFINITY


cdef void apply_dropout(floating* tile, int rows, int cols, uint64_t seed, uint64_t first,
                        Py_ssize_t source, double p, floating keep_scale) noexcept nogil:
    """tile *= Z: 0 where dropped, keep_scale where kept; first is the counter of tile[0, 0]."""
    cdef Py_ssize_t r, c
    cdef floating* row
    cdef uint64_t threshold = drop_threshold(p)
    for r in range(rows):
        row = tile + r * BLOCK_K
        for c in range(cols):
            if is_dropped(seed, first + r * source + c, threshold):
                row[c] = 0
            else:
                row[c] *= keep_scale


cdef inline int key_blocks_for(bint is_causal, Py_ssize_t i_last, Py_ssize_t source) noexcept nogil:
    """How many key blocks a query block whose last row is i_last reads: all, or up to the diagonal."""
    cdef Py_ssize_t keys = min(i_last + 1, source) if is_causal else source
    return <int>((keys + BLOCK_K - 1) // BLOCK_K)


cdef void forward_block(const floating* q, const floating* k, const floating* v, floating* out, floating* lse,
                        int rows, Py_ssize_t i0, Py_ssize_t source, int e, int ev, floating scale,
                        const floating* mask, Py_ssize_t mask_row_stride, Py_ssize_t mask_col_stride,
                        bint is_causal, bint dropout, uint64_t seed, uint64_t first, double p,
                        floating keep_scale, floating* scores, floating* probs, floating* row_m,
                        floating* row_l, int q_ld, int k_ld, int v_ld, int out_ld) noexcept nogil:
    """One block of query rows of one batch: out (rows, ev) and lse (rows,); first counts (i0, 0).

    q, k, v and out point at their first row; *_ld is each one's row stride in elements.
    """
    cdef int blocks = key_blocks_for(is_causal, i0 + rows - 1, source), block, cols, r
    cdef Py_ssize_t j0
    cdef floating m_new, m_shift, correction, total
    cdef floating* out_row
    for r in range(rows):
        row_m[r] = -INFINITY
        row_l[r] = 0
    for block in range(blocks):
        j0 = block * BLOCK_K
        cols = <int>min(BLOCK_K, source - j0)
        score_tile(q, k + j0 * k_ld, scores, rows, cols, e, scale,
                   mask + i0 * mask_row_stride + j0 * mask_col_stride if mask != NULL else NULL,
                   mask_row_stride, mask_col_stride, is_causal, i0, j0, q_ld, k_ld)
        for r in range(rows):
            m_new = max(row_m[r], row_max(scores + r * BLOCK_K, cols))
            # a row masked out so far has m = -inf; shift by 0 so that exp gives 0, not nan
            m_shift = m_new if m_new != -INFINITY else 0
            correction = exp(row_m[r] - m_shift) if floating is double else expf(row_m[r] - m_shift)
            total = row_exp_store(scores + r * BLOCK_K, m_shift, probs + r * BLOCK_K, cols)
            row_l[r] = row_l[r] * correction + total
            row_m[r] = m_new
            if block and correction != 1:
                row_scale(out + r * out_ld, correction, ev)
        if dropout:
            apply_dropout(probs, rows, cols, seed, first + j0, source, p, keep_scale)
        # the first block's product initialises out (beta = 0), later ones accumulate
        rm_gemm(c'N', c'N', rows, ev, cols, 1, probs, BLOCK_K, v + j0 * v_ld, v_ld, 1 if block else 0, out, out_ld)
    for r in range(rows):
        out_row = out + r * out_ld
        if row_m[r] != -INFINITY:
            row_scale(out_row, 1 / row_l[r], ev)
            lse[r] = row_m[r] + flog(row_l[r])
        else:
            memset(out_row, 0, ev * sizeof(floating))
            lse[r] = -INFINITY


cdef inline int row_stride(Py_ssize_t stride_bytes, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t itemsize) noexcept nogil:
    """A matrix's row stride in elements; a single row's stride is arbitrary, and BLAS wants at least cols."""
    return <int>(stride_bytes // itemsize if rows > 1 else max(cols, 1))


def attention_forward(const floating[:, :, :, :] q, const floating[:, :, :, :] k, const floating[:, :, :, :] v,
                      const int64_t[::1] k_index, const int64_t[::1] v_index, mask,
                      const int64_t[::1] mask_index, Py_ssize_t mask_row_stride, Py_ssize_t mask_col_stride,
                      bint is_causal, double scale, double dropout_p, uint64_t seed, uint64_t offset,
                      floating[:, :, :, :] out):
    """Write out (B1, B2, L, Ev) and return lse (B1 B2, L); mask is None or a flat float array (see the
    module docstring). Every operand's last axis has unit stride (or length 1)."""
    dtype = np.float32 if floating is float else np.float64
    cdef Py_ssize_t heads = q.shape[1], batch = q.shape[0] * q.shape[1], length = q.shape[2], source = k.shape[2]
    cdef Py_ssize_t k_heads = k.shape[1], v_heads = v.shape[1]
    cdef int e = <int>q.shape[3], ev = <int>v.shape[3]
    cdef Py_ssize_t size = sizeof(floating)
    cdef int q_ld = row_stride(q.strides[2], length, e, size), k_ld = row_stride(k.strides[2], source, e, size)
    cdef int v_ld = row_stride(v.strides[2], source, ev, size), out_ld = row_stride(out.strides[2], length, ev, size)
    lse_array = np.empty((batch, length), dtype)
    cdef floating[:, ::1] lse = lse_array
    cdef const floating[::1] mask_view
    cdef const floating* mask_data = NULL
    if mask is not None:
        mask_view = mask
        mask_data = &mask_view[0]
    cdef Py_ssize_t query_blocks = (length + BLOCK_Q - 1) // BLOCK_Q, task, b, i0, kb, vb
    cdef bint dropout = dropout_p > 0
    cdef floating keep_scale = 0 if dropout_p >= 1 else 1 / (1 - dropout_p)
    cdef floating* scratch
    cdef int threads = threads_for(batch * length * source * (e + ev))
    if batch == 0 or length == 0 or ev == 0:
        return lse_array
    if source == 0:
        out[...] = 0
        lse_array.fill(-np.inf)
        return lse_array
    with nogil:
        for task in prange(batch * query_blocks, schedule="dynamic", num_threads=threads):
            b = task // query_blocks
            i0 = (task % query_blocks) * BLOCK_Q
            kb = k_index[b]
            vb = v_index[b]
            scratch = <floating*>malloc((2 * BLOCK_Q * BLOCK_K + 2 * BLOCK_Q) * sizeof(floating))
            forward_block(&q[b // heads, b % heads, i0, 0], &k[kb // k_heads, kb % k_heads, 0, 0],
                          &v[vb // v_heads, vb % v_heads, 0, 0], &out[b // heads, b % heads, i0, 0], &lse[b, i0],
                          <int>min(BLOCK_Q, length - i0), i0, source, e, ev, <floating>scale,
                          mask_data + mask_index[b] if mask_data != NULL else NULL, mask_row_stride, mask_col_stride,
                          is_causal, dropout, seed, offset + <uint64_t>((b * length + i0) * source), dropout_p,
                          keep_scale, scratch, scratch + BLOCK_Q * BLOCK_K, scratch + 2 * BLOCK_Q * BLOCK_K,
                          scratch + 2 * BLOCK_Q * BLOCK_K + BLOCK_Q, q_ld, k_ld, v_ld, out_ld)
            free(scratch)
    return lse_array


cdef void backward_batch(const floating* q, const floating* k, const floating* v, const floating* grad,
                         const floating* lse, const floating* delta, floating* dq, floating* dk, floating* dv,
                         floating* grad_scores, Py_ssize_t length, Py_ssize_t source, int e, int ev,
                         floating scale, const floating* mask, Py_ssize_t mask_row_stride,
                         Py_ssize_t mask_col_stride, bint is_causal, bint dropout, uint64_t seed, uint64_t first,
                         double p, floating keep_scale, floating* probs, floating* dropped,
                         floating* dprobs) noexcept nogil:
    """dq (L, e), dk (S, e), dv (S, ev) of one batch (zeroed here); grad_scores (L, S) or NULL."""
    cdef Py_ssize_t i0, j0, r, c, query_block, key_block
    cdef int rows, cols, key_blocks
    cdef floating row_delta
    cdef floating* prob_row
    cdef floating* dprob_row
    memset(dq, 0, length * e * sizeof(floating))
    memset(dk, 0, source * e * sizeof(floating))
    memset(dv, 0, source * ev * sizeof(floating))
    for query_block in range((length + BLOCK_Q - 1) // BLOCK_Q):
        i0 = query_block * BLOCK_Q
        rows = <int>min(BLOCK_Q, length - i0)
        key_blocks = key_blocks_for(is_causal, i0 + rows - 1, source)
        for key_block in range(key_blocks):
            j0 = key_block * BLOCK_K
            cols = <int>min(BLOCK_K, source - j0)
            # the scores go to the `dropped` tile as scratch, P = exp(score - lse) to `probs`
            score_tile(q + i0 * e, k + j0 * e, dropped, rows, cols, e, scale,
                       mask + i0 * mask_row_stride + j0 * mask_col_stride if mask != NULL else NULL,
                       mask_row_stride, mask_col_stride, is_causal, i0, j0, e, e)
            for r in range(rows):
                if lse[i0 + r] == -INFINITY:
                    memset(probs + r * BLOCK_K, 0, cols * sizeof(floating))
                else:
                    row_exp_store(dropped + r * BLOCK_K, lse[i0 + r], probs + r * BLOCK_K, cols)
            if dropout:
                memcpy(dropped, probs, rows * BLOCK_K * sizeof(floating))
                apply_dropout(dropped, rows, cols, seed, first + i0 * source + j0, source, p, keep_scale)
            rm_gemm(c'T', c'N', cols, ev, rows, 1, dropped if dropout else probs, BLOCK_K, grad + i0 * ev, ev,
                    1, dv + j0 * ev, ev)
            rm_gemm(c'N', c'T', rows, cols, ev, 1, grad + i0 * ev, ev, v + j0 * ev, ev, 0, dprobs, BLOCK_K)
            if dropout:
                apply_dropout(dprobs, rows, cols, seed, first + i0 * source + j0, source, p, keep_scale)
            for r in range(rows):
                row_delta = delta[i0 + r]
                prob_row = probs + r * BLOCK_K
                dprob_row = dprobs + r * BLOCK_K
                for c in range(cols):
                    dprob_row[c] = prob_row[c] * (dprob_row[c] - row_delta)
                if grad_scores != NULL:
                    for c in range(cols):
                        grad_scores[(i0 + r) * source + j0 + c] = dprob_row[c]
            rm_gemm(c'N', c'N', rows, e, cols, scale, dprobs, BLOCK_K, k + j0 * e, e, 1, dq + i0 * e, e)
            rm_gemm(c'T', c'N', cols, e, rows, scale, dprobs, BLOCK_K, q + i0 * e, e, 1, dk + j0 * e, e)


def attention_backward(const floating[:, :, ::1] grad, const floating[:, :, ::1] q, const floating[:, :, ::1] k,
                       const floating[:, :, ::1] v, const floating[:, :, ::1] out, const floating[:, ::1] lse,
                       const int64_t[::1] k_index, const int64_t[::1] v_index, mask,
                       const int64_t[::1] mask_index, Py_ssize_t mask_row_stride, Py_ssize_t mask_col_stride,
                       bint is_causal, double scale, double dropout_p, uint64_t seed, uint64_t offset,
                       bint needs_scores):
    """-> (dq (B, L, E), dk (B, S, E), dv (B, S, Ev), grad_scores (B, L, S) or None), per query batch:
    the op sums dk and dv over the batches that share a key/value slab."""
    dtype = np.float32 if floating is float else np.float64
    cdef Py_ssize_t batch = q.shape[0], length = q.shape[1], source = k.shape[1], b, r
    cdef int e = <int>q.shape[2], ev = <int>v.shape[2]
    dq_array = np.zeros((batch, length, e), dtype)
    dk_array = np.zeros((batch, source, e), dtype)
    dv_array = np.zeros((batch, source, ev), dtype)
    scores_array = np.zeros((batch, length, source), dtype) if needs_scores else None
    delta_array = np.empty((batch, length), dtype)
    cdef floating[:, :, ::1] dq = dq_array, dk = dk_array, dv = dv_array
    cdef floating[:, :, ::1] grad_scores
    cdef floating[:, ::1] delta = delta_array
    cdef floating* scores_data = NULL
    if needs_scores and scores_array.size:
        grad_scores = scores_array
        scores_data = &grad_scores[0, 0, 0]
    cdef const floating[::1] mask_view
    cdef const floating* mask_data = NULL
    if mask is not None:
        mask_view = mask
        mask_data = &mask_view[0]
    cdef bint dropout = dropout_p > 0
    cdef floating keep_scale = 0 if dropout_p >= 1 else 1 / (1 - dropout_p)
    cdef floating* scratch
    cdef int threads = threads_for(batch * length * source * (e + ev))
    if batch == 0 or length == 0 or source == 0:
        return dq_array, dk_array, dv_array, scores_array
    with nogil:
        for b in prange(batch, schedule="dynamic", num_threads=threads):
            for r in range(length):
                delta[b, r] = row_dot(&grad[b, r, 0], &out[b, r, 0], ev) if ev else 0
            scratch = <floating*>malloc(3 * BLOCK_Q * BLOCK_K * sizeof(floating))
            backward_batch(&q[b, 0, 0], &k[k_index[b], 0, 0], &v[v_index[b], 0, 0], &grad[b, 0, 0], &lse[b, 0],
                           &delta[b, 0], &dq[b, 0, 0], &dk[b, 0, 0], &dv[b, 0, 0],
                           scores_data + b * length * source if scores_data != NULL else NULL,
                           length, source, e, ev, <floating>scale,
                           mask_data + mask_index[b] if mask_data != NULL else NULL, mask_row_stride,
                           mask_col_stride, is_causal, dropout, seed, offset + <uint64_t>(b * length * source),
                           dropout_p, keep_scale, scratch, scratch + BLOCK_Q * BLOCK_K,
                           scratch + 2 * BLOCK_Q * BLOCK_K)
            free(scratch)
    return dq_array, dk_array, dv_array, scores_array
