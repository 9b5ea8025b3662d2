// Matrix decompositions of small and medium matrices: one work-group per matrix, in place on
// C-contiguous (batch, rows, cols) buffers the host allocated. The column loop is serial (each
// step depends on the last); within a step the work-items share the rows and columns, with
// barriers between the steps. The host defines T and picks the work-group size.
//
// lu_factor: LAPACK getf2 (partial pivoting, the first largest |a| in the column).
// cholesky: the lower factor of the lower triangle, column by column (LAPACK potf2).
// solve_triangular: substitution, one work-item per right-hand-side column.

__kernel void lu_factor(__global T* A, __global int* pivots, __global int* info, const long m, const long n) {
    const long batch = get_group_id(0);
    const int lid = get_local_id(0), threads = get_local_size(0);
    const long k = min(m, n);
    __global T* a = A + batch * m * n;
    __local long pivot_row;
    __local int failed;
    if (lid == 0) failed = 0;
    for (long j = 0; j < k; ++j) {
        if (lid == 0) {
            long p = j;
            T best = fabs(a[j * n + j]);
            for (long i = j + 1; i < m; ++i) {
                const T value = fabs(a[i * n + j]);
                if (value > best) { best = value; p = i; }
            }
            pivot_row = p;
            pivots[batch * k + j] = (int)(p + 1);
            if (best == 0 && !failed) failed = (int)(j + 1);
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        const long p = pivot_row;
        if (p != j) {
            for (long c = lid; c < n; c += threads) {
                const T swap = a[j * n + c];
                a[j * n + c] = a[p * n + c];
                a[p * n + c] = swap;
            }
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
        const T diagonal = a[j * n + j];
        if (diagonal != 0) {
            for (long i = j + 1 + lid; i < m; i += threads) a[i * n + j] /= diagonal;
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
        const long rows = m - j - 1, cols = n - j - 1;
        for (long e = lid; e < rows * cols; e += threads) {
            const long i = j + 1 + e / cols, c = j + 1 + e % cols;
            a[i * n + c] -= a[i * n + j] * a[j * n + c];
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
    if (lid == 0) info[batch] = failed;
}

__kernel void cholesky(__global T* A, __global int* info, const long n) {
    const long batch = get_group_id(0);
    const int lid = get_local_id(0), threads = get_local_size(0);
    __global T* a = A + batch * n * n;
    __local int failed;
    if (lid == 0) failed = 0;
    for (long j = 0; j < n; ++j) {
        if (lid == 0) {
            T d = a[j * n + j];
            for (long c = 0; c < j; ++c) d -= a[j * n + c] * a[j * n + c];
            if (!(d > 0)) failed = (int)(j + 1);  // also catches NaN
            else a[j * n + j] = sqrt(d);
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        if (failed) break;
        const T diagonal = a[j * n + j];
        for (long i = j + 1 + lid; i < n; i += threads) {
            T s = a[i * n + j];
            for (long c = 0; c < j; ++c) s -= a[i * n + c] * a[j * n + c];
            a[i * n + j] = s / diagonal;
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
    if (lid == 0) info[batch] = failed;
}

// X = A^-1 B in place of B (batch, n, k), A (batch, n, n) triangular; one work-item per (batch, column).
__kernel void solve_triangular(__global const T* A, __global T* B, const long n, const long k, const long count,
                               const int upper, const int unitriangular) {
    const long item = get_global_id(0);
    if (item >= count * k) return;
    const long batch = item / k, column = item % k;
    __global const T* a = A + batch * n * n;
    __global T* x = B + batch * n * k + column;
    for (long step = 0; step < n; ++step) {
        const long i = upper ? n - 1 - step : step;
        T s = x[i * k];
        if (upper) {
            for (long j = i + 1; j < n; ++j) s -= a[i * n + j] * x[j * k];
        } else {
            for (long j = 0; j < i; ++j) s -= a[i * n + j] * x[j * k];
        }
        x[i * k] = unitriangular ? s : s / a[i * n + i];
    }
}

// B[batch] = P^T B[batch]: LAPACK laswp, the pivots' row interchanges in order; one work-item per column.
__kernel void apply_pivots(__global T* B, __global const int* pivots, const long n, const long k, const long steps,
                           const long count) {
    const long item = get_global_id(0);
    if (item >= count * k) return;
    const long batch = item / k, column = item % k;
    __global T* x = B + batch * n * k + column;
    __global const int* p = pivots + batch * steps;
    for (long i = 0; i < steps; ++i) {
        const long j = p[i] - 1;
        if (j != i) {
            const T swap = x[i * k];
            x[i * k] = x[j * k];
            x[j * k] = swap;
        }
    }
}

// QR by Householder reflections (LAPACK geqr2 with dlarfg's sign convention): R in A's upper
// triangle, reflector j below the diagonal of column j (its leading 1 implied), tau[j].
// The reflectors are applied one column of A per work-item.
__kernel void householder_qr(__global T* A, __global T* tau, const long m, const long n) {
    const long batch = get_group_id(0);
    const int lid = get_local_id(0), threads = get_local_size(0);
    const long k = min(m, n);
    __global T* a = A + batch * m * n;
    __global T* t = tau + batch * k;
    __local T scale;
    for (long j = 0; j < k; ++j) {
        if (lid == 0) {
            T sigma = 0;
            for (long i = j + 1; i < m; ++i) sigma += a[i * n + j] * a[i * n + j];
            const T alpha = a[j * n + j];
            if (sigma == 0) {
                t[j] = 0;
                scale = 0;
            } else {
                const T beta = -copysign(sqrt(alpha * alpha + sigma), alpha);
                t[j] = (beta - alpha) / beta;
                scale = 1 / (alpha - beta);
                a[j * n + j] = beta;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        const T s = scale;
        if (s != 0) {
            for (long i = j + 1 + lid; i < m; i += threads) a[i * n + j] *= s;
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
        const T tj = t[j];
        for (long c = j + 1 + lid; c < n; c += threads) {  // a[j:, c] -= tau v (v^T a[j:, c])
            T w = a[j * n + c];
            for (long i = j + 1; i < m; ++i) w += a[i * n + j] * a[i * n + c];
            w *= tj;
            a[j * n + c] -= w;
            for (long i = j + 1; i < m; ++i) a[i * n + c] -= w * a[i * n + j];
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

// Q (batch, m, cols) = H_0 H_1 ... H_{k-1} applied to Q's initial columns (the identity's first
// cols), from the last reflector to the first (LAPACK org2r); one column of Q per work-item.
__kernel void householder_q(__global const T* A, __global const T* tau, __global T* Q, const long m, const long n,
                            const long cols) {
    const long batch = get_group_id(0);
    const int lid = get_local_id(0), threads = get_local_size(0);
    const long k = min(m, n);
    __global const T* a = A + batch * m * n;
    __global const T* t = tau + batch * k;
    __global T* q = Q + batch * m * cols;
    for (long c = lid; c < cols; c += threads) {
        for (long j = k - 1; j >= 0; --j) {
            T w = q[j * cols + c];
            for (long i = j + 1; i < m; ++i) w += a[i * n + j] * q[i * cols + c];
            w *= t[j];
            q[j * cols + c] -= w;
            for (long i = j + 1; i < m; ++i) q[i * cols + c] -= w * a[i * n + j];
        }
    }
}

#ifdef USE_FP64
#define JACOBI_EPS DBL_EPSILON
#else
#define JACOBI_EPS FLT_EPSILON
#endif
#define JACOBI_SWEEPS 40

// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (in place: A's diagonal
// becomes the eigenvalues, V, which the host sets to I, the eigenvectors as columns). Each
// rotation J (c, s) zeroes a[p][q]: A <- J^T A J, V <- V J (Numerical Recipes' convention),
// its rows and columns shared by the work-items. Sweeps stop when the off-diagonal part is
// below eps times A's norm.
__kernel void jacobi_eigh(__global T* A, __global T* V, const long n) {
    const long batch = get_group_id(0);
    const int lid = get_local_id(0), threads = get_local_size(0);
    __global T* a = A + batch * n * n;
    __global T* v = V + batch * n * n;
    __local T rotation[2];
    __local int converged;
    for (int sweep = 0; sweep < JACOBI_SWEEPS; ++sweep) {
        if (lid == 0) {
            T off = 0, total = 0;
            for (long p = 0; p < n; ++p)
                for (long q = 0; q < n; ++q) {
                    const T x = a[p * n + q] * a[p * n + q];
                    total += x;
                    if (p != q) off += x;
                }
            converged = off <= JACOBI_EPS * JACOBI_EPS * total;
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        if (converged) break;
        for (long p = 0; p < n - 1; ++p) {
            for (long q = p + 1; q < n; ++q) {
                if (lid == 0) {
                    const T apq = a[p * n + q];
                    T c = 1, s = 0;
                    if (apq != 0) {
                        const T theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                        const T t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                        c = 1 / sqrt(t * t + 1);
                        s = t * c;
                    }
                    rotation[0] = c;
                    rotation[1] = s;
                }
                barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
                const T c = rotation[0], s = rotation[1];
                if (s != 0) {
                    for (long r = lid; r < n; r += threads) {  // columns p, q of A and V
                        const T arp = a[r * n + p], arq = a[r * n + q];
                        a[r * n + p] = c * arp - s * arq;
                        a[r * n + q] = s * arp + c * arq;
                        const T vrp = v[r * n + p], vrq = v[r * n + q];
                        v[r * n + p] = c * vrp - s * vrq;
                        v[r * n + q] = s * vrp + c * vrq;
                    }
                }
                barrier(CLK_GLOBAL_MEM_FENCE);
                if (s != 0) {
                    for (long r = lid; r < n; r += threads) {  // rows p, q of A
                        const T apr = a[p * n + r], aqr = a[q * n + r];
                        a[p * n + r] = c * apr - s * aqr;
                        a[q * n + r] = s * apr + c * aqr;
                    }
                }
                barrier(CLK_GLOBAL_MEM_FENCE);
            }
        }
    }
}

// Singular values by one-sided Jacobi (Hestenes): rotate pairs of A's columns (m >= n) until
// all are orthogonal, applying the same rotations to V (set to I by the host). Then the column
// norms are the singular values and the normalised columns the left singular vectors.
__kernel void jacobi_svd(__global T* A, __global T* V, const long m, const long n) {
    const long batch = get_group_id(0);
    const int lid = get_local_id(0), threads = get_local_size(0);
    __global T* a = A + batch * m * n;
    __global T* v = V + batch * n * n;
    __local T rotation[2];
    __local int rotated;
    for (int sweep = 0; sweep < JACOBI_SWEEPS; ++sweep) {
        if (lid == 0) rotated = 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (long p = 0; p < n - 1; ++p) {
            for (long q = p + 1; q < n; ++q) {
                if (lid == 0) {
                    T alpha = 0, beta = 0, gamma = 0;
                    for (long i = 0; i < m; ++i) {
                        const T x = a[i * n + p], y = a[i * n + q];
                        alpha += x * x;
                        beta += y * y;
                        gamma += x * y;
                    }
                    T c = 1, s = 0;
                    if (gamma != 0 && fabs(gamma) > JACOBI_EPS * sqrt(alpha * beta)) {
                        const T zeta = (beta - alpha) / (2 * gamma);
                        const T t = (zeta >= 0 ? 1 : -1) / (fabs(zeta) + sqrt(1 + zeta * zeta));
                        c = 1 / sqrt(1 + t * t);
                        s = c * t;
                        rotated = 1;
                    }
                    rotation[0] = c;
                    rotation[1] = s;
                }
                barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
                const T c = rotation[0], s = rotation[1];
                if (s != 0) {
                    for (long i = lid; i < m; i += threads) {
                        const T x = a[i * n + p], y = a[i * n + q];
                        a[i * n + p] = c * x - s * y;
                        a[i * n + q] = s * x + c * y;
                    }
                    for (long i = lid; i < n; i += threads) {
                        const T x = v[i * n + p], y = v[i * n + q];
                        v[i * n + p] = c * x - s * y;
                        v[i * n + q] = s * x + c * y;
                    }
                }
                barrier(CLK_GLOBAL_MEM_FENCE);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (!rotated) break;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}
