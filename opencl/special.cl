// Special functions (torch.special) over strided, broadcasting inputs; the output is contiguous.
// Kernels are named sp_<name>, one per primitive name of the `special` primitive; T is float or
// double. OpenCL C has lgamma, erf and erfc built in; the rest are series, asymptotic expansions
// and Newton refinements accurate to T's precision over the whole domain torch defines.

#ifdef USE_FP64
#define EPS ((T)DBL_EPSILON)
#else
#define EPS ((T)FLT_EPSILON)
#endif
#define PI ((T)3.14159265358979323846)
#define SQRT_PI ((T)1.77245385090551602730)
#define SQRT_2 ((T)1.41421356237309504880)
#define SQRT_2PI ((T)2.50662827463100050242)

#define OPERAND(ptr, layout, scalar, s, i) \
    ((layout).offset < 0 ? (scalar) : (ptr)[offset_of(&(s), &(layout), (i))])

#define SPECIAL_UNARY(name, expr)                                                                \
__kernel void sp_##name(__global T* out, const shape_t s, __global const T* a, const layout_t la) { \
    const long i = get_global_id(0);                                                             \
    if (i >= s.size) return;                                                                     \
    const T x = a[offset_of(&s, &la, i)];                                                        \
    out[i] = (expr);                                                                             \
}

#define SPECIAL_BINARY(name, expr)                                                               \
__kernel void sp_##name(__global T* out, const shape_t s,                                        \
                        __global const T* a, const layout_t la, const T a_scalar,                \
                        __global const T* b, const layout_t lb, const T b_scalar) {              \
    const long i = get_global_id(0);                                                             \
    if (i >= s.size) return;                                                                     \
    const T x = OPERAND(a, la, a_scalar, s, i);                                                  \
    const T y = OPERAND(b, lb, b_scalar, s, i);                                                  \
    out[i] = (expr);                                                                             \
}

// digamma: reflection for x < 0, the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the
// asymptotic series ln x - 1/(2x) - sum B_2k / (2k x^2k).
inline T digamma_value(T x) {
    if (x == 0) return copysign((T)INFINITY, -x);
    T result = 0;
    if (x < 0) {
        if (x == floor(x)) return (T)NAN;
        result = -PI * cospi(x) / sinpi(x);
        x = 1 - x;
    }
    while (x < 10) {
        result -= 1 / x;
        x += 1;
    }
    const T z = 1 / (x * x);
    const T tail = z * ((T)(1.0 / 12) - z * ((T)(1.0 / 120) - z * ((T)(1.0 / 252) - z * ((T)(1.0 / 240)
                   - z * ((T)(1.0 / 132) - z * ((T)(691.0 / 32760) - z * (T)(1.0 / 12)))))));
    return result + log(x) - (T)0.5 / x - tail;
}

// Hurwitz zeta(x, q) = sum_k (k + q)^-x: direct terms, then Euler-Maclaurin (Cephes' zeta).
inline T zeta_value(T x, T q) {
    if (x == 1) return (T)INFINITY;
    if (x < 1) return (T)NAN;
    if (q <= 0) {
        if (q == floor(q)) return (T)INFINITY;
        if (x != floor(x)) return (T)NAN;
    }
    const T bernoulli[12] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
                             7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
                             -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18};
    const T machep = EPS / 2;
    T s = pow(q, -x), a = q, b = 0;
    int i = 0;
    while (i < 9 || a <= 9) {
        i += 1;
        a += 1;
        b = pow(a, -x);
        s += b;
        if (-machep * s < b && b < machep * s) return s;
    }
    const T w = a;
    s += b * w / (x - 1) - (T)0.5 * b;
    a = 1;
    T k = 0;
    for (int j = 0; j < 12; j++) {
        a *= x + k;
        b /= w;
        const T t = a * b / bernoulli[j];
        s += t;
        if (fabs(t / s) < machep) return s;
        k += 1;
        a *= x + k;
        b /= w;
        k += 1;
    }
    return s;
}

// polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1; n is integral (the op checks it).
inline T polygamma_value(T n, T x) {
    if (n == 0) return digamma_value(x);
    const T sign = fmod(n, (T)2) == 0 ? (T)-1 : (T)1;
    return sign * exp(lgamma(n + 1)) * zeta_value(n + 1, x);
}

// erfcx(x) = exp(x^2) erfc(x): directly below 9, the asymptotic series above (its smallest term is
// below 1e-35 there); for x < 0 from erfc(-x) = 2 - erfc(x).
inline T erfcx_positive(T x) {
    if (x < 9) return exp(x * x) * erfc(x);
    if (isinf(x)) return 0;
    const T half_inv_x2 = (T)0.5 / (x * x);
    T term = 1, sum = 1;
    for (int k = 1; k < 60; k++) {
        term *= -(2 * k - 1) * half_inv_x2;
        sum += term;
        if (fabs(term) < EPS * sum) break;
    }
    return sum / (x * SQRT_PI);
}

inline T erfcx_value(T x) {
    if (isnan(x)) return x;
    if (x >= 0) return erfcx_positive(x);
    return 2 * exp(x * x) - erfcx_positive(-x);
}

// erfinv: Giles' single-precision approximation, then Newton steps on erf (erfc in the tails, where
// 1 - |y| is exact).
inline T erfinv_value(T y) {
    if (isnan(y) || fabs(y) > 1) return (T)NAN;
    if (fabs(y) == 1) return copysign((T)INFINITY, y);
    float w = -log((1.0f - (float)y) * (1.0f + (float)y)), p;
    if (w < 5.0f) {
        w -= 2.5f;
        p = 2.81022636e-08f;
        p = 3.43273939e-07f + p * w; p = -3.5233877e-06f + p * w; p = -4.39150654e-06f + p * w;
        p = 0.00021858087f + p * w; p = -0.00125372503f + p * w; p = -0.00417768164f + p * w;
        p = 0.246640727f + p * w; p = 1.50140941f + p * w;
    } else {
        w = sqrt(w) - 3.0f;
        p = -0.000200214257f;
        p = 0.000100950558f + p * w; p = 0.00134934322f + p * w; p = -0.00367342844f + p * w;
        p = 0.00573950773f + p * w; p = -0.0076224613f + p * w; p = 0.00943887047f + p * w;
        p = 1.00167406f + p * w; p = 2.83297682f + p * w;
    }
    T x = (T)p * y;
    if (isinf(x)) return x;
    const T ay = fabs(y);
    for (int step = 0; step < 3; step++) {
        const T ax = fabs(x);
        const T residual = ay <= (T)0.5 ? erf(ax) - ay : (1 - ay) - erfc(ax);
        x = copysign(ax - residual / ((2 / SQRT_PI) * exp(-ax * ax)), y);
    }
    return x;
}

// ndtr(x) = Phi(x); ndtri its inverse: Abramowitz-Stegun 26.2.23 (error < 4.5e-4), then Newton on
// Phi in the lower tail (1 - p is exact for p >= 0.5).
inline T ndtr_value(T x) { return (T)0.5 * erfc(-x / SQRT_2); }

inline T ndtri_value(T p) {
    if (isnan(p) || p < 0 || p > 1) return (T)NAN;
    if (p == 0) return -(T)INFINITY;
    if (p == 1) return (T)INFINITY;
    const T q = p > (T)0.5 ? 1 - p : p;
    const T t = sqrt(-2 * log(q));
    T x = -(t - ((T)2.515517 + (T)0.802853 * t + (T)0.010328 * t * t)
                / (1 + (T)1.432788 * t + (T)0.189269 * t * t + (T)0.001308 * t * t * t));
    for (int step = 0; step < 4; step++) {
        x -= (ndtr_value(x) - q) / (exp(-x * x / 2) / SQRT_2PI);
    }
    return p > (T)0.5 ? -x : x;
}

inline T log_ndtr_value(T x) {
    if (x < -1) return log((T)0.5 * erfcx_value(-x / SQRT_2)) - x * x / 2;
    return log1p(-(T)0.5 * erfc(x / SQRT_2));
}

// Modified Bessel I_nu(x) e^-|x| (nu 0 or 1): the power series below |x| = 30, above it the
// asymptotic expansion 1/sqrt(2 pi x) sum (-1)^k a_k(nu) / x^k.
inline T bessel_i_scaled(T x, int nu) {
    const T ax = fabs(x);
    T value;
    if (ax <= 30) {
        const T quarter_x2 = ax * ax / 4;
        T term = nu == 0 ? (T)1 : ax / 2, sum = term;
        for (int k = 1; k < 500; k++) {
            term *= quarter_x2 / ((T)k * (T)(k + nu));
            sum += term;
            if (term < EPS * sum) break;
        }
        value = sum * exp(-ax);
    } else {
        const T mu = 4 * nu * nu;
        T term = 1, sum = 1;
        for (int k = 1; k < 60; k++) {
            const T odd = 2 * k - 1;
            term *= -(mu - odd * odd) / (8 * k * ax);
            sum += term;
            if (fabs(term) < EPS * sum) break;
        }
        value = sum / sqrt(2 * PI * ax);
    }
    return (nu == 1 && x < 0) ? -value : value;
}

inline T bessel_i(T x, int nu) {
    if (isinf(x)) return (nu == 1 && x < 0) ? -(T)INFINITY : (T)INFINITY;
    const T ax = fabs(x);
    if (ax <= 30) {
        const T scaled = bessel_i_scaled(x, nu);
        return scaled * exp(ax);
    }
    // exp(ax / 2) twice keeps the product finite as long as the result is
    const T root = exp(ax / 2);
    return bessel_i_scaled(x, nu) * root * root;
}

// The regularized incomplete gamma functions P(a, x) (gammainc) and Q(a, x) = 1 - P (gammaincc):
// the series of P below x = a + 1, the continued fraction of Q (modified Lentz) above it.
inline T gamma_prefix(T a, T x) { return exp(a * log(x) - x - lgamma(a)); }

inline T gammainc_series(T a, T x) {
    T term = 1 / a, sum = term;
    for (int n = 1; n < 2000; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < EPS * fabs(sum)) break;
    }
    return sum * gamma_prefix(a, x);
}

inline T gammaincc_fraction(T a, T x) {
    const T tiny = (T)1e-30;
    T b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 2000; i++) {
        const T an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        const T delta = d * c;
        h *= delta;
        if (fabs(delta - 1) < EPS) break;
    }
    return h * gamma_prefix(a, x);
}

inline T gammainc_value(T a, T x, int upper) {
    if (isnan(a) || isnan(x) || a < 0 || x < 0) return (T)NAN;
    if (a == 0) {
        if (x > 0) return upper ? (T)0 : (T)1;
        return (T)NAN;
    }
    if (x == 0) return upper ? (T)1 : (T)0;
    if (isinf(a)) return isinf(x) ? (T)NAN : (upper ? (T)1 : (T)0);
    if (isinf(x)) return upper ? (T)0 : (T)1;
    if (x < a + 1) {
        const T p = gammainc_series(a, x);
        return upper ? 1 - p : p;
    }
    const T q = gammaincc_fraction(a, x);
    return upper ? q : 1 - q;
}

// Orthogonal polynomials by their three-term recurrences; n is truncated to an integer, and a
// negative n gives 0, as in torch.
inline T orthogonal_polynomial(int kind, T x, T n_value) {
    if (isnan(n_value) || isnan(x)) return (T)NAN;
    if (n_value < 0) return 0;
    const long n = (long)n_value;
    T p0 = 1, p1;
    switch (kind) {
        case 0: p1 = x; break;                 // Chebyshev T
        case 1: p1 = 2 * x; break;             // Chebyshev U
        case 2: p1 = 2 * x - 1; break;         // Chebyshev V
        case 3: p1 = 2 * x + 1; break;         // Chebyshev W
        case 4: p1 = 2 * x; break;             // Hermite H (physicists')
        case 5: p1 = x; break;                 // Hermite He (probabilists')
        case 6: p1 = 1 - x; break;             // Laguerre L
        default: p1 = x; break;                // Legendre P
    }
    if (n == 0) return p0;
    for (long k = 1; k < n; k++) {
        T next;
        switch (kind) {
            case 4: next = 2 * x * p1 - 2 * (T)k * p0; break;
            case 5: next = x * p1 - (T)k * p0; break;
            case 6: next = ((2 * (T)k + 1 - x) * p1 - (T)k * p0) / ((T)k + 1); break;
            case 7: next = ((2 * (T)k + 1) * x * p1 - (T)k * p0) / ((T)k + 1); break;
            default: next = 2 * x * p1 - p0; break;
        }
        p0 = p1;
        p1 = next;
    }
    return p1;
}

SPECIAL_UNARY(lgamma, lgamma(x))
SPECIAL_UNARY(digamma, digamma_value(x))
SPECIAL_UNARY(erfc, erfc(x))
SPECIAL_UNARY(erfcx, erfcx_value(x))
SPECIAL_UNARY(erfinv, erfinv_value(x))
SPECIAL_UNARY(ndtri, ndtri_value(x))
SPECIAL_UNARY(log_ndtr, log_ndtr_value(x))
SPECIAL_UNARY(i0, bessel_i(x, 0))
SPECIAL_UNARY(i1, bessel_i(x, 1))
SPECIAL_UNARY(i0e, bessel_i_scaled(x, 0))
SPECIAL_UNARY(i1e, bessel_i_scaled(x, 1))
SPECIAL_BINARY(polygamma, polygamma_value(x, y))
SPECIAL_BINARY(zeta, zeta_value(x, y))
SPECIAL_BINARY(gammainc, gammainc_value(x, y, 0))
SPECIAL_BINARY(gammaincc, gammainc_value(x, y, 1))
SPECIAL_BINARY(chebyshev_polynomial_t, orthogonal_polynomial(0, x, y))
SPECIAL_BINARY(chebyshev_polynomial_u, orthogonal_polynomial(1, x, y))
SPECIAL_BINARY(chebyshev_polynomial_v, orthogonal_polynomial(2, x, y))
SPECIAL_BINARY(chebyshev_polynomial_w, orthogonal_polynomial(3, x, y))
SPECIAL_BINARY(hermite_polynomial_h, orthogonal_polynomial(4, x, y))
SPECIAL_BINARY(hermite_polynomial_he, orthogonal_polynomial(5, x, y))
SPECIAL_BINARY(laguerre_polynomial_l, orthogonal_polynomial(6, x, y))
SPECIAL_BINARY(legendre_polynomial_p, orthogonal_polynomial(7, x, y))
SPECIAL_BINARY(nextafter, nextafter(x, y))
