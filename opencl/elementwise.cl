// Elementwise kernels over strided, broadcasting inputs; the output is contiguous.
// Kernels are named ew_<primitive> (a plain `abs` or `pow` would clash with the builtins).
//
// The host defines T (the operand type) and one of IS_FLOAT, IS_SIGNED, IS_UNSIGNED, IS_BOOL;
// or SRC_T and DST_T for the one cast kernel. Each op below is one line of a table: a name and
// an expression in x (and y), instantiated by the UNARY / BINARY macros.

#define LOAD(ptr, layout, scalar, s, i) \
    ((layout).offset < 0 ? (scalar) : (ptr)[offset_of(&(s), &(layout), (i))])

#ifdef SRC_T
// float16 is a storage type: it is read and written through vload_half / vstore_half (as float).

#ifdef DST_IS_BOOL
#define CONVERT(x) ((uchar)((x) != 0))
#else
#define CONVERT(x) ((DST_T)(x))
#endif

// bfloat16 is a storage type too (SRC_T / DST_T ushort): the high half of a float32, rounded to
// nearest even when stored; NaN stays a quiet NaN.
inline float bf16_load(ushort h) { return as_float(((uint)h) << 16); }
inline ushort bf16_round(float x) {
    const uint u = as_uint(x);
    if (isnan(x)) return (ushort)((u >> 16) | 0x40);
    return (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

#if defined(SRC_IS_HALF)
#define LOAD_SRC(ptr, at) vload_half((at), (ptr))
#define SRC_VALUE_T float
#elif defined(SRC_IS_BF16)
#define LOAD_SRC(ptr, at) bf16_load((ptr)[at])
#define SRC_VALUE_T float
#else
#define LOAD_SRC(ptr, at) ((ptr)[at])
#define SRC_VALUE_T SRC_T
#endif

#if defined(DST_IS_HALF)
#define STORE_DST(ptr, at, x) vstore_half_rte((float)(x), (at), (ptr))
#define LOAD_DST(ptr, at) vload_half((at), (ptr))
#elif defined(DST_IS_BF16)
#define STORE_DST(ptr, at, x) ((ptr)[at] = bf16_round((float)(x)))
#define LOAD_DST(ptr, at) bf16_load((ptr)[at])
#else
#define STORE_DST(ptr, at, x) ((ptr)[at] = CONVERT(x))
#define LOAD_DST(ptr, at) ((ptr)[at])
#endif

__kernel void cast(__global DST_T* out, const shape_t s, __global const SRC_T* a, const layout_t la) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const SRC_VALUE_T x = LOAD_SRC(a, offset_of(&s, &la, i));
    STORE_DST(out, i, x);
}

// dst (any layout) = src (broadcast, any layout), converting SRC_T to DST_T.
__kernel void copy_strided(__global DST_T* dst, const layout_t ld, const shape_t s,
                           __global const SRC_T* src, const layout_t ls) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const SRC_VALUE_T x = LOAD_SRC(src, offset_of(&s, &ls, i));
    STORE_DST(dst, offset_of(&s, &ld, i), x);
}

// dst += src, both strided.
__kernel void add_strided(__global DST_T* dst, const layout_t ld, const shape_t s,
                          __global const SRC_T* src, const layout_t ls) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const SRC_VALUE_T x = LOAD_SRC(src, offset_of(&s, &ls, i));
    const long o = offset_of(&s, &ld, i);
    STORE_DST(dst, o, LOAD_DST(dst, o) + x);
}

#else

#define UNARY(name, OUT_T, expr)                                                              \
__kernel void ew_##name(__global OUT_T* out, const shape_t s, __global const T* a, const layout_t la) { \
    const long i = get_global_id(0);                                                          \
    if (i >= s.size) return;                                                                  \
    const T x = a[offset_of(&s, &la, i)];                                                     \
    out[i] = (OUT_T)(expr);                                                                   \
}

#define BINARY(name, OUT_T, expr)                                                             \
__kernel void ew_##name(__global OUT_T* out, const shape_t s,                                    \
                   __global const T* a, const layout_t la, const T a_scalar,                  \
                   __global const T* b, const layout_t lb, const T b_scalar) {                \
    const long i = get_global_id(0);                                                          \
    if (i >= s.size) return;                                                                  \
    const T x = LOAD(a, la, a_scalar, s, i);                                                  \
    const T y = LOAD(b, lb, b_scalar, s, i);                                                  \
    out[i] = (OUT_T)(expr);                                                                   \
}

__kernel void ew_where(__global T* out, const shape_t s,
                    __global const uchar* c, const layout_t lc,
                    __global const T* a, const layout_t la, const T a_scalar,
                    __global const T* b, const layout_t lb, const T b_scalar) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    out[i] = c[offset_of(&s, &lc, i)] ? LOAD(a, la, a_scalar, s, i) : LOAD(b, lb, b_scalar, s, i);
}

// every type
BINARY(add, T, x + y)
BINARY(sub, T, x - y)
BINARY(mul, T, x * y)
BINARY(eq, uchar, x == y)
BINARY(ne, uchar, x != y)
BINARY(lt, uchar, x < y)
BINARY(le, uchar, x <= y)
BINARY(gt, uchar, x > y)
BINARY(ge, uchar, x >= y)
BINARY(logical_and, uchar, (x != 0) && (y != 0))
BINARY(logical_or, uchar, (x != 0) || (y != 0))
BINARY(logical_xor, uchar, (x != 0) != (y != 0))
UNARY(logical_not, uchar, x == 0)

#ifdef IS_FLOAT
inline T float_remainder(T x, T y) {
    const T r = fmod(x, y);
    return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
BINARY(div, T, x / y)
BINARY(pow, T, pow(x, y))
BINARY(maximum, T, (isnan(x) || x > y) ? x : y)
BINARY(minimum, T, (isnan(x) || x < y) ? x : y)
BINARY(floor_divide, T, floor(x / y))
BINARY(remainder, T, float_remainder(x, y))
BINARY(fmod, T, fmod(x, y))
UNARY(neg, T, -x)
UNARY(abs, T, fabs(x))
UNARY(sign, T, x > 0 ? (T)1 : (x < 0 ? (T)-1 : x))
UNARY(exp, T, exp(x))
UNARY(log, T, log(x))
UNARY(log1p, T, log1p(x))
UNARY(expm1, T, expm1(x))
UNARY(sqrt, T, sqrt(x))
UNARY(rsqrt, T, rsqrt(x))
UNARY(reciprocal, T, (T)1 / x)
UNARY(sin, T, sin(x))
UNARY(cos, T, cos(x))
UNARY(tan, T, tan(x))
UNARY(tanh, T, tanh(x))
UNARY(sigmoid, T, (T)1 / ((T)1 + exp(-x)))
UNARY(erf, T, erf(x))
UNARY(floor, T, floor(x))
UNARY(ceil, T, ceil(x))
UNARY(round, T, rint(x))
UNARY(trunc, T, trunc(x))
UNARY(log2, T, log2(x))
UNARY(log10, T, log10(x))
UNARY(asin, T, asin(x))
UNARY(acos, T, acos(x))
UNARY(atan, T, atan(x))
UNARY(sinh, T, sinh(x))
UNARY(cosh, T, cosh(x))
UNARY(asinh, T, asinh(x))
UNARY(acosh, T, acosh(x))
UNARY(atanh, T, atanh(x))
BINARY(atan2, T, atan2(x, y))
BINARY(hypot, T, hypot(x, y))
BINARY(copysign, T, copysign(x, y))
UNARY(isnan, uchar, isnan(x))
UNARY(isinf, uchar, isinf(x))
UNARY(isfinite, uchar, isfinite(x))
#endif

#if defined(IS_SIGNED) || defined(IS_UNSIGNED)
// Python's conventions (floor division, remainder with the divisor's sign); 0 for x / 0.
inline T int_floor_divide(T x, T y) {
    if (y == 0) return 0;
    const T q = x / y;
    return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}
inline T int_remainder(T x, T y) {
    if (y == 0) return 0;
    const T r = x % y;
    return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
inline T int_pow(T x, T y) {
    if (y < 0) return x == 1 ? 1 : (x == (T)-1 ? ((y & 1) ? (T)-1 : 1) : 0);
    T result = 1;
    while (y) {
        if (y & 1) result *= x;
        x *= x;
        y >>= 1;
    }
    return result;
}
BINARY(pow, T, int_pow(x, y))
BINARY(maximum, T, x > y ? x : y)
BINARY(minimum, T, x < y ? x : y)
BINARY(floor_divide, T, int_floor_divide(x, y))
BINARY(remainder, T, int_remainder(x, y))
BINARY(fmod, T, y == 0 ? (T)0 : x % y)
BINARY(bitwise_and, T, x & y)
BINARY(bitwise_or, T, x | y)
BINARY(bitwise_xor, T, x ^ y)
UNARY(bitwise_not, T, ~x)
// C leaves shifts by a negative amount or by the width undefined; PyTorch gives 0 (and -1 for a negative x >> n)
#define SHIFT_OUT_OF_RANGE(y) ((y) < 0 || (y) >= (T)(8 * sizeof(T)))
BINARY(left_shift, T, SHIFT_OUT_OF_RANGE(y) ? (T)0 : (T)(x << y))
BINARY(right_shift, T, SHIFT_OUT_OF_RANGE(y) ? (x < 0 ? (T)-1 : (T)0) : (T)(x >> y))
UNARY(neg, T, -x)
UNARY(abs, T, x < 0 ? -x : x)
UNARY(sign, T, x > 0 ? 1 : (x < 0 ? -1 : 0))
UNARY(floor, T, x)
UNARY(ceil, T, x)
UNARY(round, T, x)
UNARY(trunc, T, x)
UNARY(isnan, uchar, 0)
UNARY(isinf, uchar, 0)
UNARY(isfinite, uchar, 1)
#endif

#ifdef IS_BOOL
BINARY(maximum, T, x | y)
BINARY(minimum, T, x & y)
BINARY(bitwise_and, T, x & y)
BINARY(bitwise_or, T, x | y)
BINARY(bitwise_xor, T, x ^ y)
UNARY(bitwise_not, T, !x)
UNARY(abs, T, x)
UNARY(isnan, uchar, 0)
UNARY(isinf, uchar, 0)
UNARY(isfinite, uchar, 1)
#endif

#endif
