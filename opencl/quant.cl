/* GGML block formats on the device: decode and matrix products computed on the blocks.
 *
 * QTYPE (a define) is the GGML type id of the weight rows. Each value is decoded from its block with
 * exactly the arithmetic of ggml's reference code and of axonml/_ext/quant_blocks.h (the same
 * products and sums, never contracted into FMAs), so decoded values match the CPU bit for bit.
 * A row of K values is K / block_size blocks; ROW_BYTES of each row are passed in.
 */
#pragma OPENCL FP_CONTRACT OFF

#define AQ_F16 1
#define AQ_Q4_0 2
#define AQ_Q4_1 3
#define AQ_Q5_0 6
#define AQ_Q5_1 7
#define AQ_Q8_0 8
#define AQ_Q4_K 12
#define AQ_Q6_K 14
#define AQ_BF16 30

/* IEEE half -> float, exact (as quant_blocks.h's aq_f16_to_f32) */
inline float half_at(const __global uchar *p)
{
    const uint w = ((uint)p[0] | ((uint)p[1] << 8)) << 16;
    const uint sign = w & 0x80000000u;
    const uint two_w = w + w;
    const float normalized = as_float((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    const float denormalized = as_float((two_w >> 17) | (126u << 23)) - 0.5f;
    return as_float(sign | (two_w < (1u << 27) ? as_uint(denormalized) : as_uint(normalized)));
}

inline uint word_at(const __global uchar *p)
{
    return (uint)p[0] | ((uint)p[1] << 8) | ((uint)p[2] << 16) | ((uint)p[3] << 24);
}

/* value i of a row of blocks */
inline float decode_value(const __global uchar *row, long i)
{
#if QTYPE == AQ_Q8_0
    const __global uchar *block = row + (i >> 5) * 34;
    return (float)(char)block[2 + (i & 31)] * half_at(block);
#elif QTYPE == AQ_Q4_0 || QTYPE == AQ_Q4_1
    const int j = (int)(i & 31);
#if QTYPE == AQ_Q4_0
    const __global uchar *block = row + (i >> 5) * 18;
    const uchar byte = block[2 + (j & 15)];
#else
    const __global uchar *block = row + (i >> 5) * 20;
    const uchar byte = block[4 + (j & 15)];
#endif
    const int q = j < 16 ? (byte & 0x0F) : (byte >> 4);
#if QTYPE == AQ_Q4_0
    return half_at(block) * (float)(q - 8);
#else
    return half_at(block) * (float)q + half_at(block + 2);
#endif
#elif QTYPE == AQ_Q5_0 || QTYPE == AQ_Q5_1
    const int j = (int)(i & 31);
#if QTYPE == AQ_Q5_0
    const __global uchar *block = row + (i >> 5) * 22;
    const uint qh = word_at(block + 2);
    const uchar byte = block[6 + (j & 15)];
#else
    const __global uchar *block = row + (i >> 5) * 24;
    const uint qh = word_at(block + 4);
    const uchar byte = block[8 + (j & 15)];
#endif
    const int q = (j < 16 ? (byte & 0x0F) : (byte >> 4)) | (int)(((qh >> j) & 1u) << 4);
#if QTYPE == AQ_Q5_0
    return half_at(block) * (float)(q - 16);
#else
    return half_at(block) * (float)q + half_at(block + 2);
#endif
#elif QTYPE == AQ_Q4_K
    const __global uchar *block = row + (i >> 8) * 144;
    const int e = (int)(i & 255), group = e >> 6, within = e & 63, sub = 2 * group + (within >> 5);
    const __global uchar *packed = block + 4;
    int scale, min;
    if (sub < 4) {
        scale = packed[sub] & 63;
        min = packed[sub + 4] & 63;
    } else {
        scale = (packed[sub + 4] & 0x0F) | ((packed[sub - 4] >> 2) & 0x30);
        min = (packed[sub + 4] >> 4) | ((packed[sub] >> 2) & 0x30);
    }
    const uchar byte = block[16 + 32 * group + (within & 31)];
    const int q = within < 32 ? (byte & 0x0F) : (byte >> 4);
    return (half_at(block) * (float)scale) * (float)q - half_at(block + 2) * (float)min;
#elif QTYPE == AQ_Q6_K
    const __global uchar *block = row + (i >> 8) * 210;
    const int e = (int)(i & 255), upper = e >> 7, r = e & 127;  /* upper: the second 128 values */
    const int low = (block[64 * upper + (r & 63)] >> (4 * (r >> 6))) & 0x0F;
    const int high = (block[128 + 32 * upper + (r & 31)] >> (2 * (r >> 5))) & 0x03;
    const float d = half_at(block + 208);
    return (d * (float)(char)block[192 + (e >> 4)]) * (float)((low | (high << 4)) - 32);
#elif QTYPE == AQ_F16
    return half_at(row + 2 * i);
#elif QTYPE == AQ_BF16
    const __global uchar *p = row + 2 * i;
    return as_float(((uint)p[0] | ((uint)p[1] << 8)) << 16);
#else
#error "quant.cl: unsupported QTYPE"
#endif
}

/* out (rows, k) = the decoded values of blocks (rows, row_bytes); one work-item per value */
__kernel void quant_dequantize(__global const uchar *blocks, long blocks_offset, long row_bytes, long rows, long k,
                               __global float *out)
{
    const long index = get_global_id(0);
    if (index >= rows * k) return;
    const long r = index / k;
    out[index] = decode_value(blocks + blocks_offset + r * row_bytes, index - r * k);
}

/* out (m, n) = x (m, k) @ W^T for W the (n, k) matrix of blocks: one work-group of GROUP items per output
 * element; each item sums a strided part of the row (decoding as it goes), the group adds the parts. */
__kernel void quant_matmul(__global const uchar *blocks, long blocks_offset, long row_bytes, long n, long k,
                           __global const float *x, long x_offset, long m, __global float *out)
{
    __local float partial[GROUP];
    const long column = get_group_id(0), row = get_group_id(1);
    const int lid = get_local_id(0);
    const __global uchar *weights = blocks + blocks_offset + column * row_bytes;
    const __global float *activations = x + x_offset + row * k;
    float acc = 0.0f;
    for (long i = lid; i < k; i += GROUP)
        acc += decode_value(weights, i) * activations[i];
    partial[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP / 2; stride > 0; stride >>= 1) {
        if (lid < stride) partial[lid] += partial[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[row * n + column] = partial[0];
}
