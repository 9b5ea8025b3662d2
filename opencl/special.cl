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
    if (isinf(x)) return (T)NAN;   // torch (and Cephes, scipy) give NaN at +-inf, though the limit is +-inf
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

// Bessel functions J0, J1, Y0, Y1 (Cephes' rational approximations, as torch's kernels use them): a
// rational function of x^2 up to 5, above it the Hankel asymptotic form with rational P and Q in 25 / x^2.
__constant T J_PP[2][7] = {
    {7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00, 5.44725003058768775090e+00,
     8.74716500199817011941e+00, 5.30324038235394892183e+00, 9.99999999999999997821e-01},
    {7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00, 5.11207951146807644818e+00,
     8.42404590141772420927e+00, 5.21451598682361504063e+00, 1.00000000000000000254e+00}};
__constant T J_PQ[2][7] = {
    {9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00, 5.47097740330417105182e+00,
     8.76190883237069594232e+00, 5.30605288235394617618e+00, 1.00000000000000000218e+00},
    {5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00, 5.07386386128601488557e+00,
     8.39985554327604159757e+00, 5.20982848682361821619e+00, 9.99999999999999997461e-01}};
__constant T J_QP[2][8] = {
    {-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01, -9.32060152123768231369e+01,
     -1.77681167980488050595e+02, -1.47077505154951170175e+02, -5.14105326766599330220e+01,
     -6.05014350600728481186e+00},
    {5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01, 3.66779609360150777800e+02,
     7.10856304998926107277e+02, 5.97489612400613639965e+02, 2.11688757100572135698e+02, 2.52070205858023719784e+01}};
__constant T J_QQ[2][7] = {
    {6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03, 7.24046774195652478189e+03,
     5.93072701187316984827e+03, 2.06209331660327847417e+03, 2.42005740240291393179e+02},
    {7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03, 9.56231892404756170795e+03,
     7.99704160447350683650e+03, 2.82619278517639096600e+03, 3.36093607810698293419e+02}};
__constant T J_RP[2][4] = {
    {-4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14, 9.70862251047306323952e+15},
    {-8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13, 3.68295732863852883286e+15}};
__constant T J_RQ[2][8] = {
    {4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07, 1.11855537045356834862e+10,
     2.11277520115489217587e+12, 3.10518229857422583814e+14, 3.18121955943204943306e+16, 1.71086294081043136091e+18},
    {6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07, 2.21511595479792499675e+10,
     4.74914122079991414898e+12, 7.84369607876235854894e+14, 8.95222336184627338078e+16, 5.32278620332680085395e+18}};
__constant T Y0_P[8] = {1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09,
                        -9.82136065717911466409e+11, 8.75906394395366999549e+13, -3.46628303384729719441e+15,
                        4.42733268572569800351e+16, -1.84950800436986690637e+16};
__constant T Y0_Q[7] = {1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08,
                        8.64002487103935000337e+10, 2.02979612750105546709e+13, 3.17157752842975028269e+15,
                        2.50596256172653059228e+17};
__constant T Y1_P[6] = {1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14,
                        -8.12770255501325109621e+15, 2.02439475713594898196e+17, -7.78877196265950026825e+17};
__constant T Y1_Q[8] = {5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07,
                        1.87601316108706159478e+10, 3.88231277496238566008e+12, 6.20557727146953693363e+14,
                        6.87141087355300489866e+16, 3.97270608116560655612e+18};

inline T polynomial_value(T z, __constant const T* coefficients, int count) {
    T p = 0;
    for (int k = 0; k < count; k++) p = p * z + coefficients[k];
    return p;
}

// The Hankel form for x > 5, order nu (0 or 1): J when second_kind is 0, Y when it is 1.
inline T bessel_hankel(T x, int nu, int second_kind) {
    const T z = 25 / (x * x);
    const T p = polynomial_value(z, J_PP[nu], 7) / polynomial_value(z, J_PQ[nu], 7);
    const T q = polynomial_value(z, J_QP[nu], 8) / polynomial_value(z, J_QQ[nu], 7);
    const T quarter_pi = (T)0.785398163397448309615660845819875721;
    const T phase = x - (nu == 0 ? quarter_pi : 3 * quarter_pi);
    const T value = second_kind ? p * sin(phase) + 5 / x * q * cos(phase) : p * cos(phase) - 5 / x * q * sin(phase);
    return value * (T)0.797884560802865355879892119868763737 / sqrt(x);
}

inline T bessel_j0_value(T x) {
    x = fabs(x);
    if (x > 5) return bessel_hankel(x, 0, 0);
    if (x < (T)1e-5) return 1 - x * x / 4;
    const T z = x * x;
    return (z - (T)5.78318596294678452118e+00) * (z - (T)3.04712623436620863991e+01)
           * polynomial_value(z, J_RP[0], 4) / polynomial_value(z, J_RQ[0], 8);
}

inline T bessel_j1_value(T x) {
    const T ax = fabs(x);
    T value;
    if (ax > 5) {
        value = bessel_hankel(ax, 1, 0);
    } else {
        const T z = ax * ax;
        value = polynomial_value(z, J_RP[1], 4) / polynomial_value(z, J_RQ[1], 8) * ax
                * (z - (T)1.46819706421238932572e+01) * (z - (T)4.92184563216946036703e+01);
    }
    return x < 0 ? -value : value;
}

inline T bessel_y0_value(T x) {
    if (x > 5) return bessel_hankel(x, 0, 1);
    if (x == 0) return -(T)INFINITY;
    if (x < 0 || isnan(x)) return (T)NAN;
    const T z = x * x;
    return polynomial_value(z, Y0_P, 8) / polynomial_value(z, Y0_Q, 7)
           + (T)0.636619772367581343075535053490057448 * log(x) * bessel_j0_value(x);
}

inline T bessel_y1_value(T x) {
    if (x > 5) return bessel_hankel(x, 1, 1);
    if (x == 0) return -(T)INFINITY;
    if (x < 0 || isnan(x)) return (T)NAN;
    const T z = x * x;
    return x * (polynomial_value(z, Y1_P, 6) / polynomial_value(z, Y1_Q, 8))
           + (T)0.636619772367581343075535053490057448 * (bessel_j1_value(x) * log(x) - 1 / x);
}

// Modified Bessel K0, K1 (Cephes' Chebyshev series): in x^2 - 2 up to 2, in 8 / x - 2 above it.
__constant T K_A[2][11] = {
    {1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11, 1.90451637722020886025e-09,
     2.53479107902614945675e-07, 2.28621210311945178607e-05, 1.26461541144692592338e-03, 3.59799365153615016266e-02,
     3.44289899924628486886e-01, -5.35327393233902768720e-01, 0},
    {-7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13, -1.41148839263352776110e-10,
     -2.21338763073472585583e-08, -2.43340614156596823496e-06, -1.73028895751305206302e-04, -6.97572385963986435018e-03,
     -1.22611180822657148235e-01, -3.53155960776544875667e-01, 1.52530022733894777053e+00}};
__constant T K_B[2][25] = {
    {5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17, -1.67823109680541210385e-16,
     5.51205597852431940784e-16, -1.84859337734377901440e-15, 6.34007647740507060557e-15, -2.22751332699166985548e-14,
     8.03289077536357521100e-14, -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
     1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10, -1.69753450938905987466e-09,
     8.57403401741422608519e-09, -4.66048989768794782956e-08, 2.76681363944501510342e-07, -1.83175552271911948767e-06,
     1.39498137188764993662e-05, -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
     2.44030308206595545468e+00},
    {-5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17, 1.83809354436663880070e-16,
     -6.05704724837331885336e-16, 2.03870316562433424052e-15, -7.01983709041831346144e-15, 2.47715442448130437068e-14,
     -8.97670518232499435011e-14, 3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
     -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10, 2.01504975519703286596e-09,
     -1.03457624656780970260e-08, 5.74108412545004946722e-08, -3.50196060308781257119e-07, 2.40648494783721712015e-06,
     -1.93619797416608296024e-05, 1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
     2.72062619048444266945e+00}};

inline T chebyshev_series(T y, __constant const T* coefficients, int count) {
    T b0 = coefficients[0], b1 = 0, b2 = 0;
    for (int k = 1; k < count; k++) {
        b2 = b1;
        b1 = b0;
        b0 = y * b1 - b2 + coefficients[k];
    }
    return (T)0.5 * (b0 - b2);
}

// K_nu(x), times e^x when scaled
inline T bessel_k(T x, int nu, int scaled) {
    if (x == 0) return (T)INFINITY;
    if (x < 0 || isnan(x)) return (T)NAN;
    if (x <= 2) {
        const T series = chebyshev_series(x * x - 2, K_A[nu], nu == 0 ? 10 : 11);
        const T value = nu == 0 ? series - log((T)0.5 * x) * bessel_i(x, 0)
                                : log((T)0.5 * x) * bessel_i(x, 1) + series / x;
        return scaled ? value * exp(x) : value;
    }
    const T value = chebyshev_series(8 / x - 2, K_B[nu], 25) / sqrt(x);
    return scaled ? value : value * exp(-x);
}

SPECIAL_UNARY(bessel_j0, bessel_j0_value(x))
SPECIAL_UNARY(bessel_j1, bessel_j1_value(x))
SPECIAL_UNARY(bessel_y0, bessel_y0_value(x))
SPECIAL_UNARY(bessel_y1, bessel_y1_value(x))
SPECIAL_UNARY(modified_bessel_k0, bessel_k(x, 0, 0))
SPECIAL_UNARY(modified_bessel_k1, bessel_k(x, 1, 0))
SPECIAL_UNARY(scaled_modified_bessel_k0, bessel_k(x, 0, 1))
SPECIAL_UNARY(scaled_modified_bessel_k1, bessel_k(x, 1, 1))

// Airy Ai (Cephes' airy, as torch's kernel): the asymptotic forms below -2.09 and above 2.09 with rational
// corrections, the Maclaurin series f(x) c1 - g(x) c2 between.
__constant T AIRY_AN[8] = {3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,
                           1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,
                           1.40264691163389668864e+01, 9.99999999999999995305e-01};
__constant T AIRY_AD[8] = {5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,
                           1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,
                           1.40959135607834029598e+01, 1.00000000000000000470e+00};
__constant T AIRY_AFN[9] = {-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
                            -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
                            -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08};
__constant T AIRY_AFD[9] = {1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,
                            9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,
                            4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07};
__constant T AIRY_AGN[11] = {1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,
                             9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
                             5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
                             8.11789239554389293311e-08, 3.41551784765923618484e-10};
__constant T AIRY_AGD[10] = {9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,
                             5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
                             4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
                             4.91834570062930015649e-09};

inline T airy_ai_value(T x) {
    if (isinf(x) || isnan(x)) return (T)NAN;
    if (x > (T)103.892) return 0;
    if (x < (T)-2.09) {
        const T zeta = -2 * x * sqrt(-x) / 3;
        const T z = 1 / zeta, z2 = z * z;
        const T f = 1 + z2 * polynomial_value(z2, AIRY_AFN, 9) / polynomial_value(z2, AIRY_AFD, 9);
        const T g = z * polynomial_value(z2, AIRY_AGN, 11) / polynomial_value(z2, AIRY_AGD, 10);
        const T phase = zeta + (T)0.25 * PI;
        return (T)5.64189583547756286948e-01 / sqrt(sqrt(-x)) * (sin(phase) * f - cos(phase) * g);
    }
    if (x >= (T)2.09) {
        const T zeta = 2 * x * sqrt(x) / 3;
        return (T)5.64189583547756286948e-01 * (polynomial_value(1 / zeta, AIRY_AN, 8)
               / polynomial_value(1 / zeta, AIRY_AD, 8)) / (2 * sqrt(sqrt(x)) * exp(zeta));
    }
    T f = 1, g = x, k = 1, m = 1, n = x, t = 1;
    const T z = x * x * x;
    while (t > EPS) {
        m *= z; k += 1; m /= k;
        n *= z; k += 1; n /= k;
        m /= k; f += m;
        k += 1; n /= k; g += n;
        t = fabs(m / f);
    }
    return (T)0.355028053887817239260 * f - (T)0.258819403792806798405 * g;
}

SPECIAL_UNARY(airy_ai, airy_ai_value(x))
