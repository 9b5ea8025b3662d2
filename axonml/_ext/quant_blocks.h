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

/* ----------------------------------------------- explicit x86 kernels (float and 8-bit activations) */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#define AQ_X86_KERNELS 1
#define AQ_AVX2 __attribute__((target("avx2,f16c"), always_inline)) static inline
#define AQ_VNNI __attribute__((target("avx2,f16c,avx512f,avx512vl,avx512bw,avx512vnni"), always_inline)) static inline
#define AQ_AVX2_ENTRY __attribute__((target("avx2,f16c"), noinline)) static
#define AQ_VNNI_ENTRY __attribute__((target("avx2,f16c,avx512f,avx512vl,avx512bw,avx512vnni"), noinline)) static
#define AQ_AVX512 __attribute__((target("avx2,f16c,avx512f,avx512vl,avx512bw,avx512dq"))) static

AQ_AVX2 float aq_half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

/* AVX-512 dots of a row of 32-value blocks with floats. A block's 16 (Q5: 32) possible values are
 * computed once, d * (q - offset) (+ m), exactly as the decoders compute them, and every value is
 * then looked up with a permute: fewer vector operations per block than widening, converting and
 * scaling each value, and the same products. */
#define AQ_TABLE_DOT(name, BYTES, SETUP, LOOKUP)                                                       \
AQ_AVX512 float aq512_dot_##name(const uint8_t *src, const float *x, int64_t blocks)                  \
{                                                                                                     \
    const __m512 ramp = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);          \
    (void)ramp;                                                                                       \
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();                                    \
    for (int64_t b = 0; b < blocks; b++) {                                                            \
        const uint8_t *block = src + b * BYTES;                                                       \
        __m512 lo, hi;                                                                                \
        SETUP                                                                                         \
        LOOKUP                                                                                        \
        acc0 = _mm512_add_ps(acc0, _mm512_mul_ps(lo, _mm512_loadu_ps(x + 32 * b)));                   \
        acc1 = _mm512_add_ps(acc1, _mm512_mul_ps(hi, _mm512_loadu_ps(x + 32 * b + 16)));              \
    }                                                                                                 \
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));                                           \
}

#define AQ_NIBBLE_LOOKUP(QS)                                                                          \
    const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(block + QS)));           \
    lo = _mm512_permutexvar_ps(q, table);  /* the permute reads the low 4 bits of each index */       \
    hi = _mm512_permutexvar_ps(_mm512_srli_epi32(q, 4), table);

/* Q5: the values with the fifth bit set come from the upper table, selected by qh's bits as a mask */
#define AQ_FIVE_BIT_LOOKUP(QH, QS)                                                                    \
    uint32_t qh;                                                                                      \
    memcpy(&qh, block + QH, 4);                                                                       \
    const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(block + QS)));           \
    const __m512i q_hi = _mm512_srli_epi32(q, 4);                                                     \
    lo = _mm512_mask_permutexvar_ps(_mm512_permutexvar_ps(q, lower), (__mmask16)qh, q, upper);        \
    hi = _mm512_mask_permutexvar_ps(_mm512_permutexvar_ps(q_hi, lower), (__mmask16)(qh >> 16), q_hi, upper);

AQ_TABLE_DOT(q4_0, 18,
    const __m512 table = _mm512_mul_ps(_mm512_set1_ps(aq_half(block)), _mm512_sub_ps(ramp, _mm512_set1_ps(8.0f)));,
    AQ_NIBBLE_LOOKUP(2))
AQ_TABLE_DOT(q4_1, 20,
    const __m512 table = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(aq_half(block)), ramp),
                                       _mm512_set1_ps(aq_half(block + 2)));,
    AQ_NIBBLE_LOOKUP(4))
AQ_TABLE_DOT(q5_0, 22,
    const __m512 d = _mm512_set1_ps(aq_half(block));
    const __m512 lower = _mm512_mul_ps(d, _mm512_sub_ps(ramp, _mm512_set1_ps(16.0f)));
    const __m512 upper = _mm512_mul_ps(d, ramp);,
    AQ_FIVE_BIT_LOOKUP(2, 6))
AQ_TABLE_DOT(q5_1, 24,
    const __m512 d = _mm512_set1_ps(aq_half(block));
    const __m512 m = _mm512_set1_ps(aq_half(block + 2));
    const __m512 lower = _mm512_add_ps(_mm512_mul_ps(d, ramp), m);
    const __m512 upper = _mm512_add_ps(_mm512_mul_ps(d, _mm512_add_ps(ramp, _mm512_set1_ps(16.0f))), m);,
    AQ_FIVE_BIT_LOOKUP(4, 8))
AQ_TABLE_DOT(q8_0, 34,
    const __m512 d = _mm512_set1_ps(aq_half(block));,
    lo = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(block + 2)))), d);
    hi = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(block + 18)))), d);)

/* AVX2 dots of Q4_0, Q4_1 and Q8_0 rows: eight lanes at a time. (The generic 16-lane decoders above
 * are lowered through the stack by gcc when compiled for AVX2.) Same products as the decoders. */
#define AQ_AVX2_DOT_ROW __attribute__((target("avx2,f16c"))) static

/* 8 bytes at p as 8 int32 lanes */
#define AQ_U8X8(p) _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p)))
#define AQ_I8X8(p) _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p)))

AQ_AVX2_DOT_ROW float aq256_dot_nibbles(const uint8_t *src, const float *x, int64_t blocks, int bytes, int minimum)
{
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const __m256i low = _mm256_set1_epi32(0x0F), eight = _mm256_set1_epi32(8);
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = src + b * bytes;
        const __m256 d = _mm256_set1_ps(aq_half(block));
        const __m256 m = _mm256_set1_ps(minimum ? aq_half(block + 2) : 0.0f);
        const uint8_t *qs = block + (minimum ? 4 : 2);
        for (int h = 0; h < 2; h++) {
            const __m256i bytes8 = AQ_U8X8(qs + 8 * h);  /* q_{8h..8h+7} low nibbles, q_{16+8h..} high */
            __m256i lo = _mm256_and_si256(bytes8, low), hi = _mm256_srli_epi32(bytes8, 4);
            __m256 vlo, vhi;
            if (minimum) {
                vlo = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(lo)), m);
                vhi = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(hi)), m);
            } else {
                vlo = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(lo, eight)));
                vhi = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(hi, eight)));
            }
            acc[h] = _mm256_add_ps(acc[h], _mm256_mul_ps(vlo, _mm256_loadu_ps(x + 32 * b + 8 * h)));
            acc[2 + h] = _mm256_add_ps(acc[2 + h], _mm256_mul_ps(vhi, _mm256_loadu_ps(x + 32 * b + 16 + 8 * h)));
        }
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}

AQ_AVX2_DOT_ROW float aq256_dot_q4_0(const uint8_t *src, const float *x, int64_t blocks)
{
    return aq256_dot_nibbles(src, x, blocks, 18, 0);
}

AQ_AVX2_DOT_ROW float aq256_dot_q4_1(const uint8_t *src, const float *x, int64_t blocks)
{
    return aq256_dot_nibbles(src, x, blocks, 20, 1);
}

AQ_AVX2_DOT_ROW float aq256_dot_q8_0(const uint8_t *src, const float *x, int64_t blocks)
{
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = src + b * 34;
        const __m256 d = _mm256_set1_ps(aq_half(block));
        for (int v = 0; v < 4; v++) {
            const __m256 values = _mm256_mul_ps(_mm256_cvtepi32_ps(AQ_I8X8(block + 2 + 8 * v)), d);
            acc[v] = _mm256_add_ps(acc[v], _mm256_mul_ps(values, _mm256_loadu_ps(x + 32 * b + 8 * v)));
        }
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}
#endif

/* What this CPU runs: bit 0 AVX2 + F16C, bit 1 AVX-512 (F, BW, DQ, VL), bit 2 AVX-512 VNNI; `aq_feature_mask`
 * (tests only) keeps some of the explicit kernels out. */
static int aq_feature_mask = -1;

static inline int aq_cpu_features(void)
{
    static int features = -1;
    if (features < 0) {
        int found = 0;
#ifdef AQ_X86_KERNELS
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c")) {
            found = 1;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
                found |= 2;
                if (__builtin_cpu_supports("avx512vnni")) found |= 4;
            }
        }
#endif
        features = found;
    }
    return features & aq_feature_mask;
}

/* The dot product of the first n values of a row of blocks with x[0:n]. */
static inline float aq_dot_row(int qtype, const uint8_t *src, const float *x, int64_t n)
{
    const int64_t qk = aq_block_values(qtype), whole = n / (qk > 1 ? qk : 1);
    int64_t j;
    float total = 0.0f;
#ifdef AQ_X86_KERNELS
    if (aq_cpu_features() & 2) {
        switch (qtype) {
        case AQ_Q8_0: total = aq512_dot_q8_0(src, x, whole); goto last_block;
        case AQ_Q4_0: total = aq512_dot_q4_0(src, x, whole); goto last_block;
        case AQ_Q4_1: total = aq512_dot_q4_1(src, x, whole); goto last_block;
        case AQ_Q5_0: total = aq512_dot_q5_0(src, x, whole); goto last_block;
        case AQ_Q5_1: total = aq512_dot_q5_1(src, x, whole); goto last_block;
        }
    } else if (aq_cpu_features() & 1) {
        switch (qtype) {
        case AQ_Q8_0: total = aq256_dot_q8_0(src, x, whole); goto last_block;
        case AQ_Q4_0: total = aq256_dot_q4_0(src, x, whole); goto last_block;
        case AQ_Q4_1: total = aq256_dot_q4_1(src, x, whole); goto last_block;
        }
    }
#endif
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
last_block:
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

/* ------------------------------------------------------------------- 8-bit activations (opt-in) */

/* The integer path, as llama.cpp computes (quantize_row_q8_0, then ggml_vec_dot_q4_0_q8_0 and its
 * siblings): the activations are quantized to Q8_0 blocks, each product of a weight block with an
 * activation block is summed in integers, and only the block's sums are scaled in float32.
 *
 * The result is defined independently of the instruction set, so that every build computes the
 * same bits. For a block b, the 32 weight integers w_j (natural order: Q4_0 q - 8, Q5_0 q - 16,
 * Q8_0 q; Q4_1 and Q5_1 their unsigned q) and the activation integers x_j give eight exact lane sums
 * p_l = sum of w_j x_j over j = 4l .. 4l + 3. Then, in float32 and in this order,
 *     acc_l += (dw_b * dx_b) * (float)p_l                      for each block b, l = 0 .. 7
 *     min  += mw_b * sx_b      (Q4_1, Q5_1: mw the block's minimum, sx_b = dx_b * (float)sum_j x_j)
 *     dot = (((acc_0 + acc_4) + (acc_2 + acc_6)) + ((acc_1 + acc_5) + (acc_3 + acc_7))) + min.
 * tests/quant/test_activation_quant.py recomputes this in NumPy and compares bits. */

/* Quantize `blocks` blocks of activations: q (32 per block) and d exactly as ggml's quantize_row_q8_0
 * (d the fp16-rounded scale), s = d * (float)(sum of the block's q). */
AXON_ROW_LOOP static void aq_quantize_activations(const float *x, int64_t blocks, int8_t *q, float *d, float *s)
{
    uint8_t block[34];
    for (int64_t b = 0; b < blocks; b++) {
        aq_quantize_q8_0(x + 32 * b, block);
        uint16_t h;
        memcpy(&h, block, 2);
        d[b] = aq_f16_to_f32(h);
        memcpy(q + 32 * b, block + 2, 32);
        int sum = 0;
        for (int j = 0; j < 32; j++) sum += (int8_t)block[2 + j];
        s[b] = d[b] * (float)sum;
    }
}

/* the integers (natural order), scale and minimum (0 without one) of one weight block */
static inline void aq_block_integers(int qtype, const uint8_t *block, int *w, float *d, float *m)
{
    uint32_t qh;
    *m = 0.0f;
    switch (qtype) {
    case AQ_Q4_0: case AQ_Q4_1: {
        const uint8_t *qs = block + (qtype == AQ_Q4_0 ? 2 : 4);
        const int offset = qtype == AQ_Q4_0 ? 8 : 0;
        for (int j = 0; j < 16; j++) { w[j] = (qs[j] & 0x0F) - offset; w[j + 16] = (qs[j] >> 4) - offset; }
        break;
    }
    case AQ_Q5_0: case AQ_Q5_1: {
        const int minimum = qtype == AQ_Q5_1;
        memcpy(&qh, block + (minimum ? 4 : 2), 4);
        const uint8_t *qs = block + (minimum ? 8 : 6);
        const int offset = minimum ? 0 : 16;
        for (int j = 0; j < 16; j++) {
            w[j] = ((qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4)) - offset;
            w[j + 16] = ((qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4)) - offset;
        }
        break;
    }
    case AQ_Q8_0:
        for (int j = 0; j < 32; j++) w[j] = (int8_t)block[2 + j];
        break;
    }
    *d = aq_read_f16(block);
    if (qtype == AQ_Q4_1 || qtype == AQ_Q5_1) *m = aq_read_f16(block + 2);
}

static inline float aq_reduce_lanes(const float *acc, float min)
{
    const float u0 = (acc[0] + acc[4]) + (acc[2] + acc[6]);
    const float u1 = (acc[1] + acc[5]) + (acc[3] + acc[7]);
    return (u0 + u1) + min;
}

/* The portable definition: out[r] = the dot of weight row r (`rows` rows, `stride` bytes apart) with
 * the quantized activations, `blocks` blocks each. */
static void aq_x8_dot_rows_portable(int qtype, const uint8_t *weight, int64_t stride, int rows, const int8_t *xq,
                                    const float *xd, const float *xs, int64_t blocks, float *out)
{
    const int bytes = aq_block_bytes(qtype);
    for (int r = 0; r < rows; r++) {
        float acc[8] = {0}, min = 0.0f;
        for (int64_t b = 0; b < blocks; b++) {
            int w[32];
            float d, m;
            aq_block_integers(qtype, weight + r * stride + b * bytes, w, &d, &m);
            const int8_t *x = xq + 32 * b;
            const float scale = d * xd[b];
            for (int l = 0; l < 8; l++) {
                int p = 0;
                for (int j = 4 * l; j < 4 * l + 4; j++) p += w[j] * x[j];
                acc[l] += scale * (float)p;
            }
            min += m * xs[b];
        }
        out[r] = aq_reduce_lanes(acc, min);
    }
}

#ifdef AQ_X86_KERNELS

/* the low nibbles of 16 bytes, then their high nibbles: 32 values in natural order */
AQ_AVX2 __m256i aq_nibbles(const uint8_t *qs)
{
    const __m128i bytes = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(bytes, 4), bytes), _mm256_set1_epi8(0x0F));
}

/* bit j of a 32-bit word as 0x10 in byte j (llama.cpp's bytes_from_bits_32, scaled) */
AQ_AVX2 __m256i aq_fifth_bits(const uint8_t *p)
{
    uint32_t bits;
    memcpy(&bits, p, 4);
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), _mm256_set_epi64x(
        0x0303030303030303LL, 0x0202020202020202LL, 0x0101010101010101LL, 0x0000000000000000LL));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_or_si256(spread, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfeLL)),
                                          _mm256_set1_epi64x(-1));
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

/* a weight block's 32 stored integers as bytes (Q4_0 and Q5_0 before their offset is taken off; Q8_0
 * signed), its scale and minimum */
AQ_AVX2 __m256i aq_block_bytes_avx2(int qtype, const uint8_t *block, float *d, float *m)
{
    *d = aq_half(block);
    switch (qtype) {
    case AQ_Q4_0: return aq_nibbles(block + 2);
    case AQ_Q4_1: *m = aq_half(block + 2); return aq_nibbles(block + 4);
    case AQ_Q5_0: return _mm256_or_si256(aq_nibbles(block + 6), aq_fifth_bits(block + 2));
    case AQ_Q5_1:
        *m = aq_half(block + 2);
        return _mm256_or_si256(aq_nibbles(block + 8), aq_fifth_bits(block + 4));
    default: return _mm256_loadu_si256((const __m256i *)(block + 2));  /* Q8_0 */
    }
}

/* eight lane sums of 4 products each, w unsigned (the maddubs pairs stay below 2 * 128 * 127: no saturation) */
AQ_AVX2 __m256i aq_dot_unsigned_avx2(__m256i w, __m256i x)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1));
}
AQ_VNNI __m256i aq_dot_unsigned_vnni(__m256i w, __m256i x)
{
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x);
}

/* One stamp per instruction set; up to 4 weight rows share each activation block's load. Q4_0's and
 * Q5_0's q - offset enter as q x less offset * x (the latter once per activation block, for all rows);
 * Q8_0's signed w as |w| times x carrying w's sign. The same integers either way. */
#define AQ_X8_KERNEL(isa, ATTR)                                                                           \
ATTR void aq_x8_dot_rows_##isa##_body(const int qtype, const int offset, const uint8_t *weight,          \
                                      int64_t stride, int rows, const int8_t *xq, const float *xd,        \
                                      const float *xs, int64_t blocks, float *out)                        \
{                                                                                                         \
    const int bytes = aq_block_bytes(qtype);                                                              \
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()}; \
    float min[4] = {0.0f, 0.0f, 0.0f, 0.0f};                                                              \
    for (int64_t b = 0; b < blocks; b++) {                                                                \
        const __m256i x = _mm256_loadu_si256((const __m256i *)(xq + 32 * b));                             \
        const __m256i shift = offset ? aq_dot_unsigned_##isa(_mm256_set1_epi8((char)offset), x)          \
                                     : _mm256_setzero_si256();                                            \
        for (int r = 0; r < 4; r++) {                                                                     \
            if (r >= rows) break;                                                                         \
            float d, m = 0.0f;                                                                            \
            const __m256i w = aq_block_bytes_avx2(qtype, weight + r * stride + b * bytes, &d, &m);        \
            const __m256i p = qtype == AQ_Q8_0                                                            \
                ? aq_dot_unsigned_##isa(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w))                   \
                : _mm256_sub_epi32(aq_dot_unsigned_##isa(w, x), shift);                                   \
            acc[r] = _mm256_add_ps(acc[r], _mm256_mul_ps(_mm256_set1_ps(d * xd[b]), _mm256_cvtepi32_ps(p)));\
            if (qtype == AQ_Q4_1 || qtype == AQ_Q5_1) min[r] += m * xs[b];                               \
        }                                                                                                 \
    }                                                                                                     \
    for (int r = 0; r < rows; r++) {                                                                      \
        float lanes[8];                                                                                   \
        _mm256_storeu_ps(lanes, acc[r]);                                                                  \
        out[r] = aq_reduce_lanes(lanes, min[r]);                                                          \
    }                                                                                                     \
}                                                                                                         \
ATTR##_ENTRY void aq_x8_dot_rows_##isa(int qtype, const uint8_t *weight, int64_t stride,     \
                                                         int rows, const int8_t *xq, const float *xd,     \
                                                         const float *xs, int64_t blocks, float *out)     \
{                                                                                                         \
    switch (qtype) { /* one loop specialised per format */                                                \
    case AQ_Q4_0: aq_x8_dot_rows_##isa##_body(AQ_Q4_0, 8, weight, stride, rows, xq, xd, xs, blocks, out); break; \
    case AQ_Q4_1: aq_x8_dot_rows_##isa##_body(AQ_Q4_1, 0, weight, stride, rows, xq, xd, xs, blocks, out); break; \
    case AQ_Q5_0: aq_x8_dot_rows_##isa##_body(AQ_Q5_0, 16, weight, stride, rows, xq, xd, xs, blocks, out); break; \
    case AQ_Q5_1: aq_x8_dot_rows_##isa##_body(AQ_Q5_1, 0, weight, stride, rows, xq, xd, xs, blocks, out); break; \
    case AQ_Q8_0: aq_x8_dot_rows_##isa##_body(AQ_Q8_0, 0, weight, stride, rows, xq, xd, xs, blocks, out); break; \
    }                                                                                                     \
}

AQ_X8_KERNEL(avx2, AQ_AVX2)
AQ_X8_KERNEL(vnni, AQ_VNNI)
#endif

/* Whether a GGML type has an integer kernel. */
static inline int aq_x8_supported(int qtype)
{
    return qtype == AQ_Q4_0 || qtype == AQ_Q4_1 || qtype == AQ_Q5_0 || qtype == AQ_Q5_1 || qtype == AQ_Q8_0;
}

/* The best integer kernel this CPU runs: 2 AVX-512 VNNI, 1 AVX2, 0 portable C. */
static inline int aq_x8_best_isa(void)
{
    const int features = aq_cpu_features();
    return features & 4 ? 2 : features & 1;
}

/* out[0 .. rows) for up to 4 weight rows with the kernel for `isa` (at most aq_x8_best_isa()) */
static inline void aq_x8_dot_rows(int isa, int qtype, const uint8_t *weight, int64_t stride, int rows,
                                  const int8_t *xq, const float *xd, const float *xs, int64_t blocks, float *out)
{
#ifdef AQ_X86_KERNELS
    if (isa == 2) { aq_x8_dot_rows_vnni(qtype, weight, stride, rows, xq, xd, xs, blocks, out); return; }
    if (isa == 1) { aq_x8_dot_rows_avx2(qtype, weight, stride, rows, xq, xd, xs, blocks, out); return; }
#endif
    aq_x8_dot_rows_portable(qtype, weight, stride, rows, xq, xd, xs, blocks, out);
}

#endif
