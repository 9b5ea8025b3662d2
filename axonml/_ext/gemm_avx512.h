/* A float32 gemm for AVX-512 cores, under every float32 product of the kernels (_blas.pxd) and the
 * convolutions' prepacked Winograd products (_conv.pyx).
 *
 * BLAS's column-major contract: out (m x n, ld_out) = alpha * op(a) (m x k) @ op(b) (k x n) + beta * out,
 * op the identity for 'N' and the transpose for 'T'; with beta == 0 out is never read. The layout is
 * the classic one of GotoBLAS / BLIS (Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", 2008): a KC x NC panel of op(b) is packed into NR-column slivers, an MC x KC
 * block of op(a) into MR-row slivers (both zero-padded to whole slivers), and a register-blocked
 * micro-kernel multiplies one sliver pair into an MR x NR tile of out, 2 x NR zmm accumulators,
 * while the b sliver stays in L1 and the a block in L2. NR, the tile width, is 8, 12 (the default)
 * or 16, chosen per call (axon_sgemm_tiled).
 *
 * Why not only BLAS: the BLAS the kernels link (SciPy's OpenBLAS) picks its kernels per core type
 * when it loads, and where it runs its AVX2 kernels on a core that executes AVX-512 at full width
 * (the environment may ask it to, OPENBLAS_CORETYPE) sgemm reaches about half the core's rate.
 * axon_sgemm_available() says whether this gemm runs here (gcc on x86-64 and an AVX-512F core);
 * the caller uses BLAS otherwise.
 */
#ifndef AXONML_GEMM_AVX512_H
#define AXONML_GEMM_AVX512_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define AXON_HAVE_AVX512_GEMM 1
#include <immintrin.h>
#else
#define AXON_HAVE_AVX512_GEMM 0
#endif

#define AXON_GEMM_MR 32   /* rows of a tile: two zmm registers */
#define AXON_GEMM_NR 12   /* columns of a tile by default: 24 accumulators, 2 a loads, 1 broadcast of 32 registers */
#define AXON_GEMM_NR_MAX 16
#define AXON_GEMM_KC 256  /* depth of a packed block: an MR x KC sliver of a is 32 KiB */
#define AXON_GEMM_MC 192  /* rows of a packed block of a: 192 KiB, in L2 */
#define AXON_GEMM_NC 3072 /* columns of a packed panel of b: 3 MiB */

static int axon_sgemm_available(void)
{
#if AXON_HAVE_AVX512_GEMM
    static int available = -1;
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return available;
#else
    return 0;
#endif
}

#if AXON_HAVE_AVX512_GEMM

/* op(a)[i, p] */
static inline float axon_gemm_a_at(const float *a, char trans, ptrdiff_t ld, ptrdiff_t i, ptrdiff_t p)
{
    return trans == 'N' ? a[i + p * ld] : a[p + i * ld];
}

/* out[j] = column j of the 16 x 16 block in rows[0..15] (each 16 floats): a register transpose */
__attribute__((target("avx512f"))) static inline void axon_transpose_16x16(__m512 rows[16], __m512 out[16])
{
    __m512 t[16], u[16];
    int k, m;
    for (k = 0; k < 8; k++) {  /* per 128-bit lane: pairs of rows interleaved */
        t[2 * k] = _mm512_unpacklo_ps(rows[2 * k], rows[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(rows[2 * k], rows[2 * k + 1]);
    }
    for (k = 0; k < 4; k++) {  /* u[4k + m], lane L: column 4L + m of rows 4k .. 4k + 3 */
        u[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
        u[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
        u[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
        u[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
    }
    for (m = 0; m < 4; m++) {  /* gather lane L of u[m], u[4 + m], u[8 + m], u[12 + m] into column 4L + m */
        __m512 even_1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88), even_2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        __m512 odd_1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD), odd_2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        out[m] = _mm512_shuffle_f32x4(even_1, even_2, 0x88);
        out[8 + m] = _mm512_shuffle_f32x4(even_1, even_2, 0xDD);
        out[4 + m] = _mm512_shuffle_f32x4(odd_1, odd_2, 0x88);
        out[12 + m] = _mm512_shuffle_f32x4(odd_1, odd_2, 0xDD);
    }
}

/* A whole MR-row sliver of a transposed a (row r of op(a) contiguous at src + r * ld) packed as
 * dst[p * MR + r]: 16 x 16 blocks transposed in registers, the depth's last few scalar. */
__attribute__((target("avx512f"))) static void axon_gemm_pack_a_rows(const float *src, ptrdiff_t ld,
                                                                     ptrdiff_t depth, float *dst)
{
    __m512 rows[16], columns[16];
    ptrdiff_t p = 0, r;
    int half, j;
    for (; p + 16 <= depth; p += 16)
        for (half = 0; half < AXON_GEMM_MR / 16; half++) {
            for (j = 0; j < 16; j++)
                rows[j] = _mm512_loadu_ps(src + (half * 16 + j) * ld + p);
            axon_transpose_16x16(rows, columns);
            for (j = 0; j < 16; j++)
                _mm512_storeu_ps(dst + (p + j) * AXON_GEMM_MR + half * 16, columns[j]);
        }
    for (; p < depth; p++)
        for (r = 0; r < AXON_GEMM_MR; r++)
            dst[p * AXON_GEMM_MR + r] = src[r * ld + p];
}

/* op(a)[i0 : i0 + rows, p0 : p0 + depth] as MR-row slivers: sliver s, depth p, row r at
 * packed[(s * depth + p) * MR + r]; rows past `rows` are zero. */
static void axon_gemm_pack_a(const float *a, char trans, ptrdiff_t ld, ptrdiff_t i0, ptrdiff_t rows, ptrdiff_t p0,
                             ptrdiff_t depth, float *packed)
{
    ptrdiff_t s, p, r, slivers = (rows + AXON_GEMM_MR - 1) / AXON_GEMM_MR;
    for (s = 0; s < slivers; s++) {
        ptrdiff_t first = s * AXON_GEMM_MR, count = rows - first < AXON_GEMM_MR ? rows - first : AXON_GEMM_MR;
        float *dst = packed + s * depth * AXON_GEMM_MR;
        if (trans == 'N') {  /* a column of op(a) is contiguous: copy MR-long runs */
            for (p = 0; p < depth; p++) {
                const float *src = a + (i0 + first) + (p0 + p) * ld;
                for (r = 0; r < count; r++)
                    dst[p * AXON_GEMM_MR + r] = src[r];
                for (; r < AXON_GEMM_MR; r++)
                    dst[p * AXON_GEMM_MR + r] = 0.0f;
            }
        } else if (count == AXON_GEMM_MR) {  /* a row of op(a) is contiguous: transpose 16 x 16 blocks */
            axon_gemm_pack_a_rows(a + p0 + (i0 + first) * ld, ld, depth, dst);
        } else {  /* a row of op(a) is contiguous: walk it, writing MR apart */
            for (r = 0; r < count; r++) {
                const float *src = a + (p0) + (i0 + first + r) * ld;
                for (p = 0; p < depth; p++)
                    dst[p * AXON_GEMM_MR + r] = src[p];
            }
            for (; r < AXON_GEMM_MR; r++)
                for (p = 0; p < depth; p++)
                    dst[p * AXON_GEMM_MR + r] = 0.0f;
        }
    }
}

/* One sliver of an untransposed b (column c of op(b) contiguous at src + c * ld, `count` <= nr <= 16 of
 * them) packed as dst[p * nr + c]: 16 x 16 blocks transposed in registers (columns past count read as
 * zeros, nr lanes of each stored), the depth's last few scalar. */
__attribute__((target("avx512f"))) static void axon_gemm_pack_b_columns(const float *src, ptrdiff_t ld,
                                                                        ptrdiff_t depth, int count, int nr,
                                                                        float *dst)
{
    __m512 rows[16], columns[16];
    const __mmask16 lanes = (__mmask16)((1u << nr) - 1u);
    ptrdiff_t p = 0;
    int c, q;
    for (; p + 16 <= depth; p += 16) {
        for (c = 0; c < 16; c++)
            rows[c] = c < count ? _mm512_loadu_ps(src + c * ld + p) : _mm512_setzero_ps();
        axon_transpose_16x16(rows, columns);
        for (q = 0; q < 16; q++)
            _mm512_mask_storeu_ps(dst + (p + q) * nr, lanes, columns[q]);
    }
    for (; p < depth; p++)
        for (c = 0; c < nr; c++)
            dst[p * nr + c] = c < count ? src[c * ld + p] : 0.0f;
}

/* One sliver of a transposed b (row p of op(b) contiguous at src + p * ld, `count` <= nr <= 16 of its
 * columns) packed as dst[p * nr + c], zeros past count: one masked load and store per row. */
__attribute__((target("avx512f"))) static void axon_gemm_pack_b_rows(const float *src, ptrdiff_t ld, ptrdiff_t depth,
                                                                     int count, int nr, float *dst)
{
    const __mmask16 lanes = (__mmask16)((1u << nr) - 1u), valid = (__mmask16)((1u << count) - 1u);
    ptrdiff_t p;
    for (p = 0; p < depth; p++)
        _mm512_mask_storeu_ps(dst + p * nr, lanes, _mm512_maskz_loadu_ps(valid, src + p * ld));
}

/* op(b)[p0 : p0 + depth, j0 : j0 + cols] as nr-column slivers: sliver s, depth p, column c at
 * packed[(s * depth + p) * nr + c]; columns past `cols` are zero. */
static void axon_gemm_pack_b(const float *b, char trans, ptrdiff_t ld, ptrdiff_t p0, ptrdiff_t depth, ptrdiff_t j0,
                             ptrdiff_t cols, int nr, float *packed)
{
    ptrdiff_t s, p, c, slivers = (cols + nr - 1) / nr;
    for (s = 0; s < slivers; s++) {
        ptrdiff_t first = s * nr, count = cols - first < nr ? cols - first : nr;
        float *dst = packed + s * depth * nr;
        if (trans == 'N') {  /* a column of op(b) is contiguous */
            axon_gemm_pack_b_columns(b + p0 + (j0 + first) * ld, ld, depth, (int)count, nr, dst);
        } else {  /* a row of op(b) is contiguous */
            axon_gemm_pack_b_rows(b + (j0 + first) + p0 * ld, ld, depth, (int)count, nr, dst);
        }
    }
}

#define AXON_GEMM_FIRST 1  /* the first pass over the depth: tile = product + beta * tile */
#define AXON_GEMM_LAST 2   /* the last: the epilogue follows (a row's bias added, then the ReLU) */
#define AXON_GEMM_RELU 4

/* tile (rows x cols of an MR x nr tile, column-major, ld_tile) = alpha * a_sliver . b_sliver over depth
 * + beta * tile on the first pass over the depth, tile += alpha * a_sliver . b_sliver after; on the last,
 * bias[r] (when not NULL) is added to row r and, with AXON_GEMM_RELU, values <= 0 become 0 (a NaN stays),
 * as relu does. The a sliver's MR rows at depth p start at a + p * a_step (packed: a_step = MR). A partial
 * tile (at the matrix's bottom or right edge) is computed whole and stored through masks. Inlined into one
 * function per tile width (axon_gemm_micro_8, _12, _16), where nr is a constant and the accumulators
 * registers. */
__attribute__((target("avx512f"), always_inline)) static inline void axon_gemm_micro(
    const int nr, ptrdiff_t depth, const float *a, ptrdiff_t a_step, const float *b, float *tile, ptrdiff_t ld_tile,
    float alpha, float beta, int pass, const float *bias, ptrdiff_t rows, ptrdiff_t cols)
{
    __m512 c0[AXON_GEMM_NR_MAX], c1[AXON_GEMM_NR_MAX];
    ptrdiff_t p;
    int j;
    for (j = 0; j < nr; j++) {
        c0[j] = _mm512_setzero_ps();
        c1[j] = _mm512_setzero_ps();
    }
    for (p = 0; p < depth; p++) {
        __m512 a0 = _mm512_loadu_ps(a + p * a_step), a1 = _mm512_loadu_ps(a + p * a_step + 16);
        const float *bp = b + p * nr;
        for (j = 0; j < nr; j++) {
            __m512 bj = _mm512_set1_ps(bp[j]);
            c0[j] = _mm512_fmadd_ps(a0, bj, c0[j]);
            c1[j] = _mm512_fmadd_ps(a1, bj, c1[j]);
        }
    }
    {
        __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        __mmask16 mask0 = rows >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << rows) - 1u);
        __mmask16 mask1 = rows >= 32 ? (__mmask16)0xFFFF : rows <= 16 ? (__mmask16)0 : (__mmask16)((1u << (rows - 16)) - 1u);
        const int epilogue = (pass & AXON_GEMM_LAST) != 0, relu = epilogue && (pass & AXON_GEMM_RELU);
        const __m512 zero = _mm512_setzero_ps();
        __m512 bias0 = zero, bias1 = zero;
        if (epilogue && bias != NULL) {
            bias0 = _mm512_maskz_loadu_ps(mask0, bias);
            bias1 = _mm512_maskz_loadu_ps(mask1, bias + 16);
        }
        for (j = 0; j < nr && j < cols; j++) {
            float *col = tile + j * ld_tile;
            __m512 r0 = _mm512_mul_ps(va, c0[j]), r1 = _mm512_mul_ps(va, c1[j]);
            if (!(pass & AXON_GEMM_FIRST)) {
                r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(mask0, col));
                r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(mask1, col + 16));
            } else if (beta != 0.0f) {
                r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask0, col), r0);
                r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask1, col + 16), r1);
            }
            if (epilogue && bias != NULL) {
                r0 = _mm512_add_ps(r0, bias0);
                r1 = _mm512_add_ps(r1, bias1);
            }
            if (relu) {  /* r <= 0 is false for a NaN, which stays; -0.0 becomes 0, as relu's kernel has it */
                r0 = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(r0, zero, _CMP_LE_OQ), r0, zero);
                r1 = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(r1, zero, _CMP_LE_OQ), r1, zero);
            }
            _mm512_mask_storeu_ps(col, mask0, r0);
            _mm512_mask_storeu_ps(col + 16, mask1, r1);
        }
    }
}

typedef void (*axon_gemm_micro_fn)(ptrdiff_t, const float *, ptrdiff_t, const float *, float *, ptrdiff_t, float, float,
                                   int, const float *, ptrdiff_t, ptrdiff_t);
#define AXON_GEMM_MICRO(NR)                                                                                           \
    __attribute__((target("avx512f"))) static void axon_gemm_micro_##NR(                                              \
        ptrdiff_t depth, const float *a, ptrdiff_t a_step, const float *b, float *tile, ptrdiff_t ld_tile, float alpha, \
        float beta, int pass, const float *bias, ptrdiff_t rows, ptrdiff_t cols)                                      \
    {                                                                                                                 \
        axon_gemm_micro(NR, depth, a, a_step, b, tile, ld_tile, alpha, beta, pass, bias, rows, cols);                 \
    }
AXON_GEMM_MICRO(8)
AXON_GEMM_MICRO(12)
AXON_GEMM_MICRO(16)

/* The tile widths there are kernels for; another width asked for is the default's. */
static inline int axon_gemm_tile(int nr)
{
    return nr == 8 || nr == 16 ? nr : AXON_GEMM_NR;
}

/* Where panel (jc, pc) of op(b) lies in axon_sgemm_pack_b_all's layout: the panels in the order
 * axon_sgemm_packed takes them, each of its columns rounded up to whole slivers. */
static inline ptrdiff_t axon_gemm_panel_offset(ptrdiff_t n, ptrdiff_t k, ptrdiff_t jc, ptrdiff_t pc, int nr)
{
    ptrdiff_t cols = n - jc < AXON_GEMM_NC ? n - jc : AXON_GEMM_NC;
    return jc * k + (cols + nr - 1) / nr * nr * pc;
}

/* out (m x n, ld_out) (+)= op(a) op(b) block by block, packed_a and packed_b holding the packed block
 * and panel (or prepacked_b, when not NULL, holding every panel of op(b): axon_sgemm_pack_b_all); then
 * row_bias[i] (when not NULL) added to row i and, with relu, the ReLU, in the last block's stores.
 * An untransposed a is read in place: its columns already hold a sliver's MR rows side by side,
 * and packing it, once per panel of b, cost as much as the multiply when n is small (a
 * convolution's 64 output channels); only a partial sliver at its bottom edge is packed. */
static void axon_sgemm_packed(char trans_a, char trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                              const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta, float *out,
                              ptrdiff_t ld_out, int nr, const float *row_bias, int relu, float *packed_a,
                              float *packed_b, const float *prepacked_b)
{
    ptrdiff_t jc, pc, ic, jr, ir, i, j, a_step;
    const float *a_sliver;
    const axon_gemm_micro_fn micro = nr == 8 ? axon_gemm_micro_8 : nr == 16 ? axon_gemm_micro_16 : axon_gemm_micro_12;
    if (k == 0) {  /* out = beta * out, as BLAS, and the epilogue */
        for (j = 0; j < n; j++)
            for (i = 0; i < m; i++) {
                float value = (beta == 0.0f ? 0.0f : beta * out[i + j * ld_out]) + (row_bias ? row_bias[i] : 0.0f);
                out[i + j * ld_out] = relu && value <= 0.0f ? 0.0f : value;
            }
        return;
    }
    for (jc = 0; jc < n; jc += AXON_GEMM_NC) {
        ptrdiff_t cols = n - jc < AXON_GEMM_NC ? n - jc : AXON_GEMM_NC;
        for (pc = 0; pc < k; pc += AXON_GEMM_KC) {
            ptrdiff_t depth = k - pc < AXON_GEMM_KC ? k - pc : AXON_GEMM_KC;
            const int pass = (pc == 0 ? AXON_GEMM_FIRST : 0) |
                             (pc + depth == k ? AXON_GEMM_LAST | (relu ? AXON_GEMM_RELU : 0) : 0);
            if (prepacked_b != NULL)
                packed_b = (float *)prepacked_b + axon_gemm_panel_offset(n, k, jc, pc, nr);
            else
                axon_gemm_pack_b(b, trans_b, ldb, pc, depth, jc, cols, nr, packed_b);
            for (ic = 0; ic < m; ic += AXON_GEMM_MC) {
                ptrdiff_t rows = m - ic < AXON_GEMM_MC ? m - ic : AXON_GEMM_MC;
                ptrdiff_t full_rows = rows / AXON_GEMM_MR * AXON_GEMM_MR;
                if (trans_a != 'N')
                    axon_gemm_pack_a(a, trans_a, lda, ic, rows, pc, depth, packed_a);
                else if (full_rows < rows)  /* the partial sliver, packed where a packed block's last would be */
                    axon_gemm_pack_a(a, trans_a, lda, ic + full_rows, rows - full_rows, pc, depth,
                                     packed_a + (full_rows / AXON_GEMM_MR) * depth * AXON_GEMM_MR);
                for (jr = 0; jr < cols; jr += nr) {
                    ptrdiff_t tile_cols = cols - jr < nr ? cols - jr : nr;
                    const float *b_sliver = packed_b + (jr / nr) * depth * nr;
                    for (ir = 0; ir < rows; ir += AXON_GEMM_MR) {
                        ptrdiff_t tile_rows = rows - ir < AXON_GEMM_MR ? rows - ir : AXON_GEMM_MR;
                        float *tile = out + (ic + ir) + (jc + jr) * ld_out;
                        if (trans_a == 'N' && ir < full_rows) {
                            a_sliver = a + (ic + ir) + pc * lda;
                            a_step = lda;
                        } else {
                            a_sliver = packed_a + (ir / AXON_GEMM_MR) * depth * AXON_GEMM_MR;
                            a_step = AXON_GEMM_MR;
                        }
                        micro(depth, a_sliver, a_step, b_sliver, tile, ld_out, alpha, beta, pass,
                              row_bias ? row_bias + ic + ir : NULL, tile_rows, tile_cols);
                    }
                }
            }
        }
    }
}

#endif /* AXON_HAVE_AVX512_GEMM */

#if AXON_HAVE_AVX512_GEMM
/* Each thread's scratch for the packed blocks, kept between calls (the kernels call gemm many
 * times a step, often with small matrices) and grown as needed: at most a block and a panel,
 * about 3.3 MiB. NULL when it cannot grow. */
static __thread float *axon_gemm_scratch = NULL;
static __thread size_t axon_gemm_scratch_size = 0;

static float *axon_gemm_scratch_for(size_t size)
{
    if (size > axon_gemm_scratch_size) {
        float *grown = (float *)realloc(axon_gemm_scratch, sizeof(float) * size);
        if (grown == NULL)
            return NULL;
        axon_gemm_scratch = grown;
        axon_gemm_scratch_size = size;
    }
    return axon_gemm_scratch;
}
#endif

/* out = alpha * op(a) op(b) + beta * out (column-major) in tiles `tile` columns wide (8, 12 or 16; another
 * value: the default), then row_bias[i] (when not NULL) added to row i and, with relu, the ReLU, as the
 * last stores of each tile (a Linear's bias and activation: no pass of their own over out); 0 when this
 * gemm cannot run here (no AVX-512, or no memory for its packed blocks), after which the caller uses BLAS. Which width is fastest depends on the shapes: 12 for large square
 * products, 8 where a side is 64 (a 12-wide tile then computes padding) or the depth small. */
static int axon_sgemm_tiled(int tile, char trans_a, char trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                            const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta, float *out,
                            ptrdiff_t ld_out, const float *row_bias, int relu)
{
#if AXON_HAVE_AVX512_GEMM
    const int nr = axon_gemm_tile(tile);
    float *scratch;
    ptrdiff_t depth = k < AXON_GEMM_KC ? k : AXON_GEMM_KC, rows = m < AXON_GEMM_MC ? m : AXON_GEMM_MC;
    ptrdiff_t cols = n < AXON_GEMM_NC ? n : AXON_GEMM_NC;
    /* the packed blocks: whole slivers of the largest block of op(a) and panel of op(b) */
    size_t size_a = (size_t)((rows + AXON_GEMM_MR - 1) / AXON_GEMM_MR * AXON_GEMM_MR) * (size_t)(depth + 1);
    size_t size_b = (size_t)((cols + nr - 1) / nr * nr) * (size_t)(depth + 1);
    if (!axon_sgemm_available())
        return 0;
    if (m <= 0 || n <= 0)
        return 1;
    scratch = axon_gemm_scratch_for(size_a + size_b);
    if (scratch == NULL)
        return 0;
    axon_sgemm_packed(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, out, ld_out, nr, row_bias, relu, scratch,
                      scratch + size_a, NULL);
    return 1;
#else
    (void)tile; (void)row_bias; (void)relu; (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b;
    (void)ldb; (void)beta; (void)out; (void)ld_out;
    return 0;
#endif
}

/* Floats that every panel of an op(b) (k x n) takes, packed: axon_sgemm_pack_b_all's size. */
static size_t axon_sgemm_packed_b_size(ptrdiff_t n, ptrdiff_t k)
{
    ptrdiff_t full = n / AXON_GEMM_NC * AXON_GEMM_NC, rest = n - full;
    return (size_t)(full * k + (rest + AXON_GEMM_NR - 1) / AXON_GEMM_NR * AXON_GEMM_NR * k);
}

/* Pack every panel of op(b) (k x n) once, for many products with the same b (Winograd's transformed
 * kernels, one product per block of tiles): axon_sgemm_prepacked reads them instead of packing. */
static void axon_sgemm_pack_b_all(char trans_b, ptrdiff_t n, ptrdiff_t k, const float *b, ptrdiff_t ldb, float *packed)
{
#if AXON_HAVE_AVX512_GEMM
    ptrdiff_t jc, pc;
    for (jc = 0; jc < n; jc += AXON_GEMM_NC) {
        ptrdiff_t cols = n - jc < AXON_GEMM_NC ? n - jc : AXON_GEMM_NC;
        for (pc = 0; pc < k; pc += AXON_GEMM_KC) {
            ptrdiff_t depth = k - pc < AXON_GEMM_KC ? k - pc : AXON_GEMM_KC;
            axon_gemm_pack_b(b, trans_b, ldb, pc, depth, jc, cols, AXON_GEMM_NR,
                             packed + axon_gemm_panel_offset(n, k, jc, pc, AXON_GEMM_NR));
        }
    }
#else
    (void)trans_b; (void)n; (void)k; (void)b; (void)ldb; (void)packed;
#endif
}

/* axon_sgemm_tiled (default tiles) with op(b) packed beforehand by axon_sgemm_pack_b_all; 0 when this gemm cannot run here. */
static int axon_sgemm_prepacked(char trans_a, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                                ptrdiff_t lda, const float *packed_b, float beta, float *out, ptrdiff_t ld_out)
{
#if AXON_HAVE_AVX512_GEMM
    float *scratch;
    ptrdiff_t depth = k < AXON_GEMM_KC ? k : AXON_GEMM_KC, rows = m < AXON_GEMM_MC ? m : AXON_GEMM_MC;
    size_t size_a = (size_t)((rows + AXON_GEMM_MR - 1) / AXON_GEMM_MR * AXON_GEMM_MR) * (size_t)(depth + 1);
    if (!axon_sgemm_available())
        return 0;
    if (m <= 0 || n <= 0)
        return 1;
    scratch = axon_gemm_scratch_for(size_a);
    if (scratch == NULL)
        return 0;
    axon_sgemm_packed(trans_a, 'N', m, n, k, alpha, a, lda, NULL, 0, beta, out, ld_out, AXON_GEMM_NR, NULL, 0, scratch,
                      NULL, packed_b);
    return 1;
#else
    (void)trans_a; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)packed_b; (void)beta;
    (void)out; (void)ld_out;
    return 0;
#endif
}

#endif
