/* GGML's block formats: quantize and decode one block, and the row loops built on them (_quant.pyx).
 *
 * Every byte and every rounding step follows ggml-quants.c (and the `gguf` package's Python port of
 * it), so blocks written here are the blocks llama.cpp writes, and decoded values are the values it
 * decodes. The build compiles this file with -ffp-contract=off: a fused multiply-add would round
 * differently from the separate multiply and add that ggml's reference code performs.
 *
 * A block is QK values. Layouts (little-endian, fp16 scales):
 *   Q4_0  d, qs[16]                 x = d * (q - 8),   q in 0..15
 *   Q4_1  d, m, qs[16]              x = d * q + m,     q in 0..15
 *   Q5_0  d, qh[4], qs[16]          x = d * (q - 16),  q in 0..31 (bit 4 of q_j is bit j of qh)
 *   Q5_1  d, m, qh[4], qs[16]       x = d * q + m
 *   Q8_0  d, qs[32] (int8)          x = d * q
 *   Q4_K  d, dmin, scales[12], qs[128]          256 values in 8 sub-blocks of 32, 6-bit scales/mins
 *   Q6_K  ql[128], qh[64], scales[16], d        256 values in 16 sub-blocks of 16, int8 scales
 *   F16, BF16   one 2-byte value per "block"
 * In the 32-value formats, byte j of qs holds q_j in its low nibble and q_{j+16} in its high one.
 *
 * Host byte order is assumed little-endian (as ggml assumes).
 */
#ifndef AXONML_QUANT_BLOCKS_H
#define AXONML_QUANT_BLOCKS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fast_math.h"  /* AXON_ROW_LOOP: the row loops are compiled for AVX-512, AVX2 and SSE2 */

/* GGML type ids */
enum {
    AQ_F32 = 0, AQ_F16 = 1, AQ_Q4_0 = 2, AQ_Q4_1 = 3, AQ_Q5_0 = 6, AQ_Q5_1 = 7, AQ_Q8_0 = 8,
    AQ_Q4_K = 12, AQ_Q6_K = 14, AQ_BF16 = 30
};

static inline float aq_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t aq_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* IEEE half -> float, exact for every input (subnormals, inf, NaN); branch-free so it vectorizes.
 * Marat Dukhan's FP16 library, the conversion ggml uses without F16C. */
static inline float aq_f16_to_f32(uint16_t h)
{
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    const float normalized = aq_from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    const float denormalized = aq_from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
    const uint32_t bits = sign | (two_w < (1u << 27) ? aq_to_bits(denormalized) : aq_to_bits(normalized));
    return aq_from_bits(bits);
}

/* float -> IEEE half, rounding to nearest even (as NumPy's astype(float16)); NaN becomes a quiet NaN. */
static inline uint16_t aq_f32_to_f16(float f)
{
    float base = (fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
    const uint32_t w = aq_to_bits(f);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = aq_from_bits((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = aq_to_bits(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

/* The clones for x86-64-v3 and v4 have F16C, and gcc converts _Float16 with one instruction there
 * (exact, as every half -> float conversion is); elsewhere the branch-free bit conversion above. */
#if defined(__FLT16_MAX__) && defined(__x86_64__) && !defined(__clang__)
static inline float aq_read_f16(const uint8_t *p) { _Float16 h; memcpy(&h, p, 2); return (float)h; }
#else
static inline float aq_read_f16(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return aq_f16_to_f32(h); }
#endif
static inline void aq_write_f16(uint8_t *p, float f) { uint16_t h = aq_f32_to_f16(f); memcpy(p, &h, 2); }

/* ggml's roundf: half away from zero, written as the `gguf` package does (exact, no libm call) */
static inline float aq_round(float v)
{
    const float a = fabsf(v);
    const float floored = floorf(a);
    const float b = floored + floorf(2.0f * (a - floored));
    return v < 0.0f ? -b : b;
}

/* ---------------------------------------------------------------------------------- quantize */

/* The value of largest magnitude, sign kept (the first one on ties): Q4_0's and Q5_0's scale. */
static inline float aq_signed_absmax(const float *x, int n)
{
    float amax = fabsf(x[0]), max = x[0];
    for (int j = 1; j < n; j++) {
        const float a = fabsf(x[j]);
        if (a > amax) { amax = a; max = x[j]; }
    }
    return max;
}

static inline int aq_clamp_trunc(float v, int hi)
{
    int q = (int)v;  /* C's float -> int conversion truncates, as np.trunc does */
    return q < 0 ? 0 : (q > hi ? hi : q);
}

static inline void aq_quantize_q8_0(const float *x, uint8_t *block)
{
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) { const float a = fabsf(x[j]); amax = a > amax ? a : amax; }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    aq_write_f16(block, d);
    for (int j = 0; j < 32; j++) block[2 + j] = (uint8_t)(int8_t)aq_round(x[j] * id);
}

static inline void aq_quantize_q4_0(const float *x, uint8_t *block)
{
    const float d = aq_signed_absmax(x, 32) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    aq_write_f16(block, d);
    for (int j = 0; j < 16; j++) {
        const int lo = aq_clamp_trunc(x[j] * id + 8.5f, 15);
        const int hi = aq_clamp_trunc(x[j + 16] * id + 8.5f, 15);
        block[2 + j] = (uint8_t)(lo | (hi << 4));
    }
}

static inline void aq_min_max(const float *x, int n, float *min, float *max)
{
    float lo = x[0], hi = x[0];
    for (int j = 1; j < n; j++) { lo = x[j] < lo ? x[j] : lo; hi = x[j] > hi ? x[j] : hi; }
    *min = lo; *max = hi;
}

static inline void aq_quantize_q4_1(const float *x, uint8_t *block)
{
    float min, max;
    aq_min_max(x, 32, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    aq_write_f16(block, d);
    aq_write_f16(block + 2, min);
    for (int j = 0; j < 16; j++) {
        const int lo = aq_clamp_trunc((x[j] - min) * id + 0.5f, 15);
        const int hi = aq_clamp_trunc((x[j + 16] - min) * id + 0.5f, 15);
        block[4 + j] = (uint8_t)(lo | (hi << 4));
    }
}

/* Q5's 32 values: low nibbles packed as in Q4, the fifth bits gathered into a 32-bit word */
static inline void aq_pack_q5(const int *q, uint8_t *qh, uint8_t *qs)
{
    uint32_t high = 0;
    for (int j = 0; j < 32; j++) high |= (uint32_t)((q[j] >> 4) & 1) << j;
    memcpy(qh, &high, 4);
    for (int j = 0; j < 16; j++) qs[j] = (uint8_t)((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
}

static inline void aq_quantize_q5_0(const float *x, uint8_t *block)
{
    int q[32];
    const float d = aq_signed_absmax(x, 32) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    aq_write_f16(block, d);
    for (int j = 0; j < 32; j++) q[j] = aq_clamp_trunc(x[j] * id + 16.5f, 31);
    aq_pack_q5(q, block + 2, block + 6);
}

static inline void aq_quantize_q5_1(const float *x, uint8_t *block)
{
    int q[32];
    float min, max;
    aq_min_max(x, 32, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    aq_write_f16(block, d);
    aq_write_f16(block + 2, min);
    for (int j = 0; j < 32; j++) q[j] = aq_clamp_trunc((x[j] - min) * id + 0.5f, 31);
    aq_pack_q5(q, block + 4, block + 8);
}

/* ggml_compute_fp32_to_bf16: NaN made quiet, otherwise round to nearest even */
static inline uint16_t aq_f32_to_bf16(float f)
{
    uint32_t u = aq_to_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + (0x7FFFu + ((u >> 16) & 1))) >> 16);
}

/* ------------------------------------------------------------------------------------ decode */

/* Blocks decode into vectors of 16 floats (GCC/Clang vector extensions: one AVX-512 register, two
 * AVX2 or four SSE2 ones, whatever the clone is compiled for). Written per element, the compiler
 * would unroll the 16- and 32-value loops first and then fail to vectorize the integer-to-float
 * conversions. Every lane computes exactly what ggml's scalar code computes for its value. */
typedef float aq_f32x16 __attribute__((vector_size(64)));
typedef int32_t aq_i32x16 __attribute__((vector_size(64)));
typedef uint32_t aq_u32x16 __attribute__((vector_size(64)));
typedef uint8_t aq_u8x16 __attribute__((vector_size(16)));
typedef uint16_t aq_u16x16 __attribute__((vector_size(32)));

#define AQ_INLINE static inline __attribute__((always_inline))

AQ_INLINE aq_u8x16 aq_bytes(const uint8_t *p) { aq_u8x16 v; memcpy(&v, p, 16); return v; }
AQ_INLINE aq_f32x16 aq_floats(const float *p) { aq_f32x16 v; memcpy(&v, p, 64); return v; }
AQ_INLINE void aq_store(float *p, aq_f32x16 v) { memcpy(p, &v, 64); }
/* unsigned bytes -> float lanes, less an offset */
AQ_INLINE aq_f32x16 aq_lanes(aq_u8x16 q, int offset)
{
    return __builtin_convertvector(__builtin_convertvector(q, aq_i32x16) - offset, aq_f32x16);
}

static const aq_u32x16 aq_lane_index = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* the fifth bits of Q5's values 16 * half .. 16 * half + 15, as 0 or 16 */
AQ_INLINE aq_i32x16 aq_q5_high(uint32_t qh, int half)
{
    const aq_u32x16 bits = (qh >> (aq_lane_index + (uint32_t)(16 * half))) & 1u;
    return __builtin_convertvector(bits << 4, aq_i32x16);
}

AQ_INLINE void aq_decode_q8_0(const uint8_t *block, aq_f32x16 *out)
{
    const float d = aq_read_f16(block);
    for (int h = 0; h < 2; h++) {
        /* int8 q = (q ^ 0x80) - 128 read unsigned: gcc widens unsigned bytes in vectors, not signed ones */
        out[h] = aq_lanes(aq_bytes(block + 2 + 16 * h) ^ 0x80, 128) * d;
    }
}

AQ_INLINE void aq_decode_q4_0(const uint8_t *block, aq_f32x16 *out)
{
    const float d = aq_read_f16(block);
    const aq_u8x16 qs = aq_bytes(block + 2);
    out[0] = d * aq_lanes(qs & 0x0F, 8);
    out[1] = d * aq_lanes(qs >> 4, 8);
}

AQ_INLINE void aq_decode_q4_1(const uint8_t *block, aq_f32x16 *out)
{
    const float d = aq_read_f16(block), m = aq_read_f16(block + 2);
    const aq_u8x16 qs = aq_bytes(block + 4);
    out[0] = d * aq_lanes(qs & 0x0F, 0) + m;
    out[1] = d * aq_lanes(qs >> 4, 0) + m;
}

AQ_INLINE void aq_decode_q5_0(const uint8_t *block, aq_f32x16 *out)
{
    const float d = aq_read_f16(block);
    uint32_t qh;
    memcpy(&qh, block + 2, 4);
    const aq_u8x16 qs = aq_bytes(block + 6);
    const aq_i32x16 lo = __builtin_convertvector(qs & 0x0F, aq_i32x16) | aq_q5_high(qh, 0);
    const aq_i32x16 hi = __builtin_convertvector(qs >> 4, aq_i32x16) | aq_q5_high(qh, 1);
    out[0] = d * __builtin_convertvector(lo - 16, aq_f32x16);
    out[1] = d * __builtin_convertvector(hi - 16, aq_f32x16);
}

AQ_INLINE void aq_decode_q5_1(const uint8_t *block, aq_f32x16 *out)
{
    const float d = aq_read_f16(block), m = aq_read_f16(block + 2);
    uint32_t qh;
    memcpy(&qh, block + 4, 4);
    const aq_u8x16 qs = aq_bytes(block + 8);
    const aq_i32x16 lo = __builtin_convertvector(qs & 0x0F, aq_i32x16) | aq_q5_high(qh, 0);
    const aq_i32x16 hi = __builtin_convertvector(qs >> 4, aq_i32x16) | aq_q5_high(qh, 1);
    out[0] = d * __builtin_convertvector(lo, aq_f32x16) + m;
    out[1] = d * __builtin_convertvector(hi, aq_f32x16) + m;
}

/* Q4_K's eight 6-bit scales and mins, packed in 12 bytes (get_scale_min_k4 in ggml) */
AQ_INLINE void aq_q4_k_scales(const uint8_t *packed, float d, float dmin, float *scale, float *min)
{
    for (int j = 0; j < 4; j++) {
        scale[j] = d * (float)(packed[j] & 63);
        min[j] = dmin * (float)(packed[j + 4] & 63);
        scale[j + 4] = d * (float)((packed[j + 8] & 0x0F) | ((packed[j] >> 2) & 0x30));
        min[j + 4] = dmin * (float)((packed[j + 8] >> 4) | ((packed[j + 4] >> 2) & 0x30));
    }
}

/* 256 values: sub-block s of 32 takes the low (even s) or high (odd s) nibbles of bytes 32 * (s / 2) .. +31 */
AQ_INLINE void aq_decode_q4_k(const uint8_t *block, aq_f32x16 *out)
{
    float scale[8], min[8];
    aq_q4_k_scales(block + 4, aq_read_f16(block), aq_read_f16(block + 2), scale, min);
    const uint8_t *qs = block + 16;
    for (int group = 0; group < 4; group++) {
        for (int h = 0; h < 2; h++) {
            const aq_u8x16 bytes = aq_bytes(qs + 32 * group + 16 * h);
            out[4 * group + h] = scale[2 * group] * aq_lanes(bytes & 0x0F, 0) - min[2 * group];
            out[4 * group + 2 + h] = scale[2 * group + 1] * aq_lanes(bytes >> 4, 0) - min[2 * group + 1];
        }
    }
}

/* 256 values in 16 sub-blocks s of 16, one int8 scale each. Value e = 16 s + t of half = s / 8 has its
 * low nibble in ql[64 half + 16 (s % 4) + t] (high nibble when s % 8 >= 4) and its two high bits in
 * qh[32 half + 16 (s % 2) + t] at bit 2 * ((s % 8) / 2). */
AQ_INLINE void aq_decode_q6_k(const uint8_t *block, aq_f32x16 *out)
{
    const uint8_t *ql = block, *qh = block + 128;
    const int8_t *scales = (const int8_t *)(block + 192);
    const float d = aq_read_f16(block + 208);
    for (int s = 0; s < 16; s++) {
        const int half = s >> 3, within = s & 7;
        const aq_u8x16 low = (aq_bytes(ql + 64 * half + 16 * (s & 3)) >> (4 * (within >> 2))) & 0x0F;
        const aq_u8x16 high = (aq_bytes(qh + 32 * half + 16 * (s & 1)) >> (2 * (within >> 1))) & 0x03;
        out[s] = (d * (float)scales[s]) * aq_lanes(low | (high << 4), 32);
    }
}

/* IEEE halves -> floats: aq_f16_to_f32 on 16 lanes */
AQ_INLINE aq_f32x16 aq_halves(const uint8_t *p)
{
    aq_u16x16 h;
    memcpy(&h, p, 32);
    const aq_u32x16 w = __builtin_convertvector(h, aq_u32x16) << 16;
    const aq_u32x16 sign = w & 0x80000000u;
    const aq_u32x16 two_w = w + w;
    aq_f32x16 normalized, denormalized;
    aq_u32x16 bits = (two_w >> 4) + (0xE0u << 23);
    memcpy(&normalized, &bits, 64);
    normalized = normalized * 0x1.0p-112f;
    bits = (two_w >> 17) | (126u << 23);
    memcpy(&denormalized, &bits, 64);
    denormalized = denormalized - 0.5f;
    aq_u32x16 normal_bits, denormal_bits;
    memcpy(&normal_bits, &normalized, 64);
    memcpy(&denormal_bits, &denormalized, 64);
    const aq_u32x16 small = (aq_u32x16)(two_w < (1u << 27));  /* all ones where subnormal or zero */
    bits = sign | (small & denormal_bits) | (~small & normal_bits);
    aq_f32x16 out;
    memcpy(&out, &bits, 64);
    return out;
}

AQ_INLINE void aq_decode_f16(const uint8_t *block, aq_f32x16 *out)
{
    out[0] = aq_halves(block);
    out[1] = aq_halves(block + 32);
}

AQ_INLINE void aq_decode_bf16(const uint8_t *block, aq_f32x16 *out)
{
    for (int h = 0; h < 2; h++) {
        aq_u16x16 raw;
        memcpy(&raw, block + 32 * h, 32);
        const aq_u32x16 bits = __builtin_convertvector(raw, aq_u32x16) << 16;
        memcpy(&out[h], &bits, 64);
    }
}

/* ------------------------------------------------------------------------------- row loops */

/* Each format gets two row loops stamped from its block decoder: decode a row of blocks into floats,
 * and the dot product of a row of blocks with a float vector, which decodes one block at a time into
 * registers and never materialises the row. The dot keeps 32 partial sums (two vectors of lanes). */
#define AQ_ROW_LOOPS(name, QK, BYTES)                                                             \
AXON_ROW_LOOP static void aq_decode_row_##name(const uint8_t *src, float *dst, int64_t blocks)  \
{                                                                                               \
    aq_f32x16 values[QK / 16];                                                                  \
    for (int64_t b = 0; b < blocks; b++) {                                                      \
        aq_decode_##name(src + b * BYTES, values);                                              \
        for (int v = 0; v < QK / 16; v++) aq_store(dst + b * QK + 16 * v, values[v]);           \
    }                                                                                           \
}                                                                                               \
AXON_ROW_LOOP static float aq_dot_row_##name(const uint8_t *src, const float *x, int64_t blocks) \
{                                                                                               \
    aq_f32x16 acc[2] = {{0}, {0}}, values[QK / 16];                                             \
    for (int64_t b = 0; b < blocks; b++) {                                                      \
        aq_decode_##name(src + b * BYTES, values);                                              \
        for (int v = 0; v < QK / 16; v++)                                                       \
            acc[v & 1] += values[v] * aq_floats(x + b * QK + 16 * v);                           \
    }                                                                                           \
    const aq_f32x16 sum = acc[0] + acc[1];                                                      \
    float total = 0.0f;                                                                         \
    for (int j = 0; j < 16; j++) total += sum[j];                                               \
    return total;                                                                               \
}

AQ_ROW_LOOPS(q8_0, 32, 34)
AQ_ROW_LOOPS(q4_0, 32, 18)
AQ_ROW_LOOPS(q4_1, 32, 20)
AQ_ROW_LOOPS(q5_0, 32, 22)
AQ_ROW_LOOPS(q5_1, 32, 24)
AQ_ROW_LOOPS(q4_k, 256, 144)
AQ_ROW_LOOPS(q6_k, 256, 210)
/* F16 and BF16 rows are walked 32 values (64 bytes) at a time; row lengths that are not a multiple of
 * 32 finish in aq_decode_row / aq_dot_row below. */
AQ_ROW_LOOPS(f16, 32, 64)
AQ_ROW_LOOPS(bf16, 32, 64)

/* Values per block and bytes per block of a GGML type id (0 when axonml has no kernel for it). */
static inline int aq_block_values(int qtype)
{
    switch (qtype) {
    case AQ_Q4_K: case AQ_Q6_K: return 256;
    case AQ_Q8_0: case AQ_Q4_0: case AQ_Q4_1: case AQ_Q5_0: case AQ_Q5_1: return 32;
    case AQ_F16: case AQ_BF16: return 1;
    default: return 0;
    }
}

static inline int aq_block_bytes(int qtype)
{
    switch (qtype) {
    case AQ_Q8_0: return 34;
    case AQ_Q4_0: return 18;
    case AQ_Q4_1: return 20;
    case AQ_Q5_0: return 22;
    case AQ_Q5_1: return 24;
    case AQ_Q4_K: return 144;
    case AQ_Q6_K: return 210;
    case AQ_F16: case AQ_BF16: return 2;
    default: return 0;
    }
}

/* Decode one block of a block format into block_values(qtype) floats (the tail of a row). */
static inline void aq_decode_block(int qtype, const uint8_t *block, float *out)
{
    aq_f32x16 values[16];
    int count = 2;
    switch (qtype) {
    case AQ_Q8_0: aq_decode_q8_0(block, values); break;
    case AQ_Q4_0: aq_decode_q4_0(block, values); break;
    case AQ_Q4_1: aq_decode_q4_1(block, values); break;
    case AQ_Q5_0: aq_decode_q5_0(block, values); break;
    case AQ_Q5_1: aq_decode_q5_1(block, values); break;
    case AQ_Q4_K: aq_decode_q4_k(block, values); count = 16; break;
    case AQ_Q6_K: aq_decode_q6_k(block, values); count = 16; break;
    default: return;
    }
    for (int v = 0; v < count; v++) aq_store(out + 16 * v, values[v]);
}

/* Decode the first n values of a row of blocks. A row whose length is not a whole number of blocks
 * (a layer of 84 inputs in Q4_0) is stored zero-padded to whole blocks; its last block is decoded
 * into a buffer and only its first n % block_size values kept. */
static inline void aq_decode_row(int qtype, const uint8_t *src, float *dst, int64_t n)
{
    const int64_t qk = aq_block_values(qtype), whole = n / (qk > 1 ? qk : 1);
    int64_t j;
    switch (qtype) {
    case AQ_Q8_0: aq_decode_row_q8_0(src, dst, whole); break;
    case AQ_Q4_0: aq_decode_row_q4_0(src, dst, whole); break;
    case AQ_Q4_1: aq_decode_row_q4_1(src, dst, whole); break;
    case AQ_Q5_0: aq_decode_row_q5_0(src, dst, whole); break;
    case AQ_Q5_1: aq_decode_row_q5_1(src, dst, whole); break;
    case AQ_Q4_K: aq_decode_row_q4_k(src, dst, whole); break;
    case AQ_Q6_K: aq_decode_row_q6_k(src, dst, whole); break;
    case AQ_F16:
        aq_decode_row_f16(src, dst, n / 32);
        for (j = n / 32 * 32; j < n; j++) dst[j] = aq_read_f16(src + 2 * j);
        return;
    case AQ_BF16:
        aq_decode_row_bf16(src, dst, n / 32);
        for (j = n / 32 * 32; j < n; j++) {
            uint16_t h;
            memcpy(&h, src + 2 * j, 2);
            dst[j] = aq_from_bits((uint32_t)h << 16);
        }
        return;
    default: return;
    }
    if (n % qk) {
        float tail[256];
        aq_decode_block(qtype, src + whole * aq_block_bytes(qtype), tail);
        memcpy(dst + whole * qk, tail, (size_t)(n % qk) * sizeof(float));
    }
}

/* The dot product of the first n values of a row of blocks with x[0:n]. */
static inline float aq_dot_row(int qtype, const uint8_t *src, const float *x, int64_t n)
{
    const int64_t qk = aq_block_values(qtype), whole = n / (qk > 1 ? qk : 1);
    int64_t j;
    float total = 0.0f;
    switch (qtype) {
    case AQ_Q8_0: total = aq_dot_row_q8_0(src, x, whole); break;
    case AQ_Q4_0: total = aq_dot_row_q4_0(src, x, whole); break;
    case AQ_Q4_1: total = aq_dot_row_q4_1(src, x, whole); break;
    case AQ_Q5_0: total = aq_dot_row_q5_0(src, x, whole); break;
    case AQ_Q5_1: total = aq_dot_row_q5_1(src, x, whole); break;
    case AQ_Q4_K: total = aq_dot_row_q4_k(src, x, whole); break;
    case AQ_Q6_K: total = aq_dot_row_q6_k(src, x, whole); break;
    case AQ_F16: case AQ_BF16:
        total = qtype == AQ_F16 ? aq_dot_row_f16(src, x, n / 32) : aq_dot_row_bf16(src, x, n / 32);
        for (j = n / 32 * 32; j < n; j++) {
            uint16_t h;
            memcpy(&h, src + 2 * j, 2);
            total += (qtype == AQ_F16 ? aq_f16_to_f32(h) : aq_from_bits((uint32_t)h << 16)) * x[j];
        }
        return total;
    default: return 0.0f;
    }
    if (n % qk) {
        float tail[256];
        aq_decode_block(qtype, src + whole * aq_block_bytes(qtype), tail);
        for (j = 0; j < n % qk; j++) total += tail[j] * x[whole * qk + j];
    }
    return total;
}

/* Quantize a row of n values (n a multiple of 32) into blocks of a 32-value format or into F16/BF16. */
/* cloned like the row loops: floorf is one instruction with SSE4.1, a libm call without it */
AXON_ROW_LOOP static void aq_quantize_row(int qtype, const float *src, uint8_t *dst, int64_t n)
{
    int64_t b, j;
    switch (qtype) {
    case AQ_Q8_0: for (b = 0; b < n / 32; b++) aq_quantize_q8_0(src + 32 * b, dst + 34 * b); return;
    case AQ_Q4_0: for (b = 0; b < n / 32; b++) aq_quantize_q4_0(src + 32 * b, dst + 18 * b); return;
    case AQ_Q4_1: for (b = 0; b < n / 32; b++) aq_quantize_q4_1(src + 32 * b, dst + 20 * b); return;
    case AQ_Q5_0: for (b = 0; b < n / 32; b++) aq_quantize_q5_0(src + 32 * b, dst + 22 * b); return;
    case AQ_Q5_1: for (b = 0; b < n / 32; b++) aq_quantize_q5_1(src + 32 * b, dst + 24 * b); return;
    case AQ_F16:
        for (j = 0; j < n; j++) { uint16_t h = aq_f32_to_f16(src[j]); memcpy(dst + 2 * j, &h, 2); }
        return;
    case AQ_BF16:
        for (j = 0; j < n; j++) { uint16_t h = aq_f32_to_bf16(src[j]); memcpy(dst + 2 * j, &h, 2); }
        return;
    }
}

#endif
