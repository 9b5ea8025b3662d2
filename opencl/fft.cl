// Discrete Fourier transforms: radix-2 Stockham passes over contiguous rows of complex values.
//
// A row of n = 2^m interleaved (real, imaginary) pairs is transformed by m passes p = 1, 2, 4 ...
// n/2, each reading one buffer and writing the other (Stockham's autosort: no bit reversal). Work-item
// (i, row) does one butterfly: it combines x[i] and x[i + n/2], the second turned by the twiddle
// exp(sign i pi k / p) for k = i mod p, and writes them p apart at j = 2 (i - k) + k.
// Other lengths reach this kernel through Bluestein's chirp transform (axonml/opencl/_fft.py).

#ifdef USE_FP64
typedef double real_t;
typedef double2 complex_t;
#define PI_R M_PI
#else
typedef float real_t;
typedef float2 complex_t;
#define PI_R M_PI_F
#endif

__kernel void stockham_radix2(__global complex_t* out, __global const complex_t* in, const long n, const long p,
                              const real_t sign) {
    const long i = get_global_id(0);
    const long row = get_global_id(1);
    const long half_n = n >> 1;
    if (i >= half_n) {
        return;
    }
    __global const complex_t* x = in + row * n;
    __global complex_t* y = out + row * n;
    const long k = i & (p - 1);
    const complex_t u0 = x[i];
    const complex_t v = x[i + half_n];
    real_t c;
    const real_t s = sincos(sign * PI_R * (real_t)k / (real_t)p, &c);
    const complex_t u1 = (complex_t)(v.x * c - v.y * s, v.x * s + v.y * c);
    const long j = ((i - k) << 1) + k;
    y[j] = u0 + u1;
    y[j + p] = u0 - u1;
}
