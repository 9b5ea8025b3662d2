// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC'11). Work-item i encrypts the counter (offset + i) under the generator's
// 64-bit seed and gets four independent 32-bit words, so the stream depends only on
// (seed, offset) and not on the device or the work-group size. The host defines T (float type
// of the output for uniform/normal/bernoulli) and OUT_T for randint.

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

inline uint4 philox(ulong counter, uint2 key) {
    uint4 x = (uint4)((uint)counter, (uint)(counter >> 32), 0u, 0u);
    for (int round = 0; round < 10; ++round) {
        const uint hi0 = mul_hi(PHILOX_M0, x.s0), lo0 = PHILOX_M0 * x.s0;
        const uint hi1 = mul_hi(PHILOX_M1, x.s2), lo1 = PHILOX_M1 * x.s2;
        x = (uint4)(hi1 ^ x.s1 ^ key.s0, lo1, hi0 ^ x.s3 ^ key.s1, lo0);
        key += (uint2)(PHILOX_W0, PHILOX_W1);
    }
    return x;
}

// uniform in [0, 1): 24 random bits for float, 53 for double
inline float unit_float(uint bits) {
    return (bits >> 8) * (1.0f / 16777216.0f);
}

#ifdef USE_FP64
inline double unit_double(uint hi, uint lo) {
    return ((((ulong)hi) >> 6 << 27) | (lo >> 5)) * (1.0 / 9007199254740992.0);
}
#endif

#ifdef T_IS_DOUBLE
#define TWO_PI (2 * M_PI)
#else
#define TWO_PI (2 * M_PI_F)
#endif

// four uniforms in [0, 1) per work-item (in T's precision)
inline void uniforms(ulong counter, uint2 key, T* u) {
    const uint4 bits = philox(counter, key);
#ifdef T_IS_DOUBLE
    const uint4 more = philox(counter ^ 0x8000000000000000ul, key);
    u[0] = unit_double(bits.s0, bits.s1);
    u[1] = unit_double(bits.s2, bits.s3);
    u[2] = unit_double(more.s0, more.s1);
    u[3] = unit_double(more.s2, more.s3);
#else
    u[0] = unit_float(bits.s0);
    u[1] = unit_float(bits.s1);
    u[2] = unit_float(bits.s2);
    u[3] = unit_float(bits.s3);
#endif
}

__kernel void uniform(__global T* out, const long n, const ulong offset, const uint2 key, const T low, const T high) {
    const long i = get_global_id(0);
    if (4 * i >= n) return;
    T u[4];
    uniforms(offset + i, key, u);
    for (int k = 0; k < 4 && 4 * i + k < n; ++k) out[4 * i + k] = low + (high - low) * u[k];
}

// Box-Muller on two pairs of uniforms; 1 - u keeps the logarithm's argument in (0, 1].
__kernel void normal(__global T* out, const long n, const ulong offset, const uint2 key, const T mean, const T std) {
    const long i = get_global_id(0);
    if (4 * i >= n) return;
    T u[4], z[4];
    uniforms(offset + i, key, u);
    for (int pair = 0; pair < 2; ++pair) {
        const T radius = sqrt((T)-2 * log((T)1 - u[2 * pair]));
        const T angle = TWO_PI * u[2 * pair + 1];
        z[2 * pair] = radius * cos(angle);
        z[2 * pair + 1] = radius * sin(angle);
    }
    for (int k = 0; k < 4 && 4 * i + k < n; ++k) out[4 * i + k] = mean + std * z[k];
}

#ifdef OUT_T
__kernel void bernoulli(__global OUT_T* out, const long n, const ulong offset, const uint2 key, const T p) {
    const long i = get_global_id(0);
    if (4 * i >= n) return;
    T u[4];
    uniforms(offset + i, key, u);
    for (int k = 0; k < 4 && 4 * i + k < n; ++k) out[4 * i + k] = (OUT_T)(u[k] < p);
}

// integers in [low, low + range): a 64-bit draw reduced modulo range (bias below 2^-32 for range < 2^32)
__kernel void randint(__global OUT_T* out, const long n, const ulong offset, const uint2 key, const long low,
                      const ulong range) {
    const long i = get_global_id(0);
    if (2 * i >= n) return;
    const uint4 bits = philox(offset + i, key);
    const ulong first = ((ulong)bits.s0 << 32) | bits.s1, second = ((ulong)bits.s2 << 32) | bits.s3;
    out[2 * i] = (OUT_T)(low + (long)(first % range));
    if (2 * i + 1 < n) out[2 * i + 1] = (OUT_T)(low + (long)(second % range));
}

// A random permutation of 0..n-1 by Fisher-Yates, in one work-item: swap k (from n - 1 down to 1)
// with a uniform j in [0, k], drawn from counter offset + k.
__kernel void randperm(__global OUT_T* out, const long n, const ulong offset, const uint2 key) {
    if (get_global_id(0) != 0) return;
    for (long i = 0; i < n; ++i) out[i] = (OUT_T)i;
    for (long k = n - 1; k > 0; --k) {
        const uint4 bits = philox(offset + k, key);
        const long j = (long)((((ulong)bits.s0 << 32) | bits.s1) % (ulong)(k + 1));
        const OUT_T swap = out[k];
        out[k] = out[j];
        out[j] = swap;
    }
}
#endif
