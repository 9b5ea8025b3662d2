"""FusedAttention: softmax(Q K^T * scale) V for short sequences, one generated C loop over heads.

For the short sequences of small Transformer layers (S * E of a head within a few thousand
floats) the whole key block of a head fits in L1: each head's keys are transposed once into a
local (E, S) block, and every query row then forms its S scores as E vector updates over that
block (no horizontal sums), takes their softmax in place and accumulates its output row over
the values, scaled by the softmax's sum once at the end. Queries, keys and values are read
through their strides (the views a packed input projection gives), and the output is written
either (N, H, L, Ev) or heads-last (N, L, H, Ev), as ``ScaledDotProductAttention`` does.

It serves graphs run without gradients (``axonml.jit`` fuses it only then); called with
gradients, its backward replays the attention op itself. CPU only: on OpenCL the backend's
attention kernel runs.
"""
from __future__ import annotations

import ctypes

import numpy as np

from .._ext import _autograd
from .._ext import _linalg
from ..autograd.function import ArrayFunction
from ..ops.attention import ScaledDotProductAttention
from .compiler import address, exp_source, threaded_loop
from .elementwise import replay_gradients

__all__ = ["FusedAttention", "MAX_BLOCK"]

_apply = _autograd.apply
MAX_BLOCK = 8192  # the most floats of one head's keys (S * E) the kernel keeps on its stack


class FusedAttention:
    """softmax(q k^T * scale) v of (N, H, L, E) heads, optionally causal, with no mask and no dropout.

    Args:
        dtype: float32 or float64.
        scale: the score scale.
        is_causal: mask out keys after each query (top-left aligned, as the attention op).
        heads_last: write (N, L, H, Ev) instead of (N, H, L, Ev).
        replay: the attention op's own arguments after q, k, v (its mask, layout, ...), for backward.
    """

    def __init__(self, dtype, scale: float, is_causal: bool, heads_last: bool, replay: tuple):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"FusedAttention: float32 or float64 only, got {self.dtype}")
        self.scale, self.is_causal, self.heads_last = float(scale), bool(is_causal), bool(heads_last)
        self.replay_args = tuple(replay)
        self._cpu: dict = {}  # (S, E, Ev) -> the kernel for those sizes

    name = "ScaledDotProductAttention"

    def __repr__(self) -> str:
        return (f"FusedAttention(dtype={self.dtype}, scale={self.scale}, is_causal={self.is_causal}, "
                f"heads_last={self.heads_last})")

    def c_source(self, source: int, width: int, value_width: int) -> str:
        """The kernel for S = source keys of E = width features and Ev = value_width value features: constants,
        so that the short loops over keys and features compile to straight vector code (register-blocked for
        float32 where S and Ev are whole 16-float vectors, :meth:`_blocked_source`)."""
        if self.dtype == np.float32 and source % 16 == 0 and value_width % 16 == 0 and source <= 64 and \
                value_width <= 64:
            return self._blocked_source(source, width, value_width)
        ctype = "float" if self.dtype == np.float32 else "double"
        exp = exp_source() if self.dtype == np.float32 else "#define EXPF(x) exp(x)\n"
        causal = "                for (long j = i + 1; j < S; j++) s[r][j] = -INFINITY;" if self.is_causal else ""
        return f"""#include <tgmath.h>
#include <math.h>
#include <stdint.h>
typedef {ctype} T;
#define S {int(source)}
#define E {int(width)}
#define Ev {int(value_width)}
#define ROWS 8
{exp}
/* q (N, H, L, E), k (N, H, S, E), v (N, H, S, Ev) through strides (in elements) of N, H and rows;
   out through its strides of N, H and rows; the last axis of every operand is contiguous.
   ROWS query rows at a time share each load of the transposed keys and of the values. */
void axonml_fused(const T *restrict q, const T *restrict k, const T *restrict v, T *restrict out, long N, long H,
                  long L, const long *qs, const long *ks, const long *vs, const long *os, T scale, int threads) {{
    #pragma omp parallel for collapse(2) schedule(static) num_threads(threads) if(N * H * L * S * E >= 262144)
    for (long n = 0; n < N; n++) {{
    for (long h = 0; h < H; h++) {{
        T kt[E][S];
        const T *kh = k + n * ks[0] + h * ks[1];
        for (long j = 0; j < S; j++)
            for (long d = 0; d < E; d++)
                kt[d][j] = kh[j * ks[2] + d];
        const T *vh = v + n * vs[0] + h * vs[1];
        for (long i0 = 0; i0 < L; i0 += ROWS) {{
            const long rows = L - i0 < ROWS ? L - i0 : ROWS;
            T s[ROWS][S], acc[ROWS][Ev], total[ROWS];
            T qr[ROWS][E];
            for (long r = 0; r < ROWS; r++) {{
                const T *qi = q + n * qs[0] + h * qs[1] + (i0 + (r < rows ? r : 0)) * qs[2];
                for (long d = 0; d < E; d++) qr[r][d] = qi[d] * scale;
                for (long j = 0; j < S; j++) s[r][j] = 0;
                for (long d = 0; d < Ev; d++) acc[r][d] = 0;
            }}
            for (long d = 0; d < E; d++)
                for (long r = 0; r < ROWS; r++) {{
                    const T qd = qr[r][d];
                    #pragma omp simd
                    for (long j = 0; j < S; j++) s[r][j] += qd * kt[d][j];
                }}
            for (long r = 0; r < ROWS; r++) {{
                const long i = i0 + r;
{causal}
                T m = -INFINITY;
                #pragma omp simd reduction(max:m)
                for (long j = 0; j < S; j++) m = s[r][j] > m ? s[r][j] : m;
                T sum = 0;
                #pragma omp simd reduction(+:sum)
                for (long j = 0; j < S; j++) {{ s[r][j] = EXPF(s[r][j] - m); sum += s[r][j]; }}
                total[r] = sum;
            }}
            for (long j = 0; j < S; j++) {{
                const T *vj = vh + j * vs[2];
                for (long r = 0; r < ROWS; r++) {{
                    const T p = s[r][j];
                    #pragma omp simd
                    for (long d = 0; d < Ev; d++) acc[r][d] += p * vj[d];
                }}
            }}
            for (long r = 0; r < rows; r++) {{
                T *oi = out + n * os[0] + h * os[1] + (i0 + r) * os[2];
                const T inv = (T)1 / total[r];
                #pragma omp simd
                for (long d = 0; d < Ev; d++) oi[d] = acc[r][d] * inv;
            }}
        }}
    }}
    }}
}}
"""

    def _blocked_source(self, source: int, width: int, value_width: int) -> str:
        """float32 with S and Ev whole vectors of 16: a block of query rows keeps its scores, then its output
        rows, in vector registers (GCC vector types) while one pass over the keys' features, then over the
        values, updates them all; the softmax between runs on the scores stored to L1."""
        key_vectors, value_vectors = source // 16, value_width // 16
        rows = min(8, 16 // max(key_vectors, value_vectors))
        score = [[f"s{r}_{c}" for c in range(key_vectors)] for r in range(rows)]
        accumulator = [[f"a{r}_{c}" for c in range(value_vectors)] for r in range(rows)]
        body = ["const long n = nh / H, h = nh % H;", "float kt[E][S];", "const float *kh = k + n * ks[0] + h * ks[1];",
                "for (long j = 0; j < S; j++)", "    for (long d = 0; d < E; d++)", "        kt[d][j] = kh[j * ks[2] + d];",
                "const float *vh = v + n * vs[0] + h * vs[1];",
                "for (long i0 = 0; i0 < L; i0 += ROWS) {",
                "    const long rows = L - i0 < ROWS ? L - i0 : ROWS;",
                "    const float *qr[ROWS];", "    float sc[ROWS][S], total[ROWS];",
                "    for (long r = 0; r < ROWS; r++)",
                "        qr[r] = q + n * qs[0] + h * qs[1] + (i0 + (r < rows ? r : 0)) * qs[2];"]
        body += [f"    vf {', '.join(name + ' = {0}' for row in score for name in row)};",
                 "    for (long d = 0; d < E; d++) {",
                 "        " + " ".join(f"const vf k{c} = load(&kt[d][{16 * c}]);" for c in range(key_vectors))]
        body += ["        { const float x = qr[%d][d] * scale; %s }" % (r, " ".join(
            f"{score[r][c]} += x * k{c};" for c in range(key_vectors))) for r in range(rows)]
        body += ["    }"]
        body += [f"    store(&sc[{r}][{16 * c}], {score[r][c]});" for r in range(rows) for c in range(key_vectors)]
        causal = ["        for (long j = i0 + r + 1; j < S; j++) sc[r][j] = -INFINITY;"] if self.is_causal else []
        body += ["    for (long r = 0; r < ROWS; r++) {"] + causal + [
            "        float m = -INFINITY, sum = 0;",
            "        #pragma omp simd reduction(max:m)",
            "        for (long j = 0; j < S; j++) m = sc[r][j] > m ? sc[r][j] : m;",
            "        #pragma omp simd reduction(+:sum)",
            "        for (long j = 0; j < S; j++) { sc[r][j] = EXPF(sc[r][j] - m); sum += sc[r][j]; }",
            "        total[r] = sum;", "    }"]
        body += [f"    vf {', '.join(name + ' = {0}' for row in accumulator for name in row)};",
                 "    for (long j = 0; j < S; j++) {", "        const float *vj = vh + j * vs[2];",
                 "        " + " ".join(f"const vf v{c} = load(vj + {16 * c});" for c in range(value_vectors))]
        body += ["        { const float p = sc[%d][j]; %s }" % (r, " ".join(
            f"{accumulator[r][c]} += p * v{c};" for c in range(value_vectors))) for r in range(rows)]
        body += ["    }"]
        for r in range(rows):
            stores = " ".join(f"store(o + {16 * c}, {accumulator[r][c]} * inv);" for c in range(value_vectors))
            body += [f"    if (rows > {r}) {{", f"        float *o = out + n * os[0] + h * os[1] + (i0 + {r}) * os[2];",
                     f"        const float inv = 1.0f / total[{r}];", f"        {stores}", "    }"]
        body += ["}"]
        loop = ["for (long nh = 0; nh < N * H; nh++) {"] + ["    " + line for line in body] + ["}"]
        lines = ["#include <math.h>", "#include <stdint.h>", f"#define S {int(source)}", f"#define E {int(width)}",
                 f"#define Ev {int(value_width)}", f"#define ROWS {rows}", exp_source(),
                 "typedef float vf __attribute__((vector_size(64)));",
                 "static inline vf load(const float *p) { vf v; __builtin_memcpy(&v, p, sizeof v); return v; }",
                 "static inline void store(float *p, vf v) { __builtin_memcpy(p, &v, sizeof v); }",
                 "void axonml_fused(const float *restrict q, const float *restrict k, const float *restrict v, "
                 "float *restrict out, long N, long H, long L, const long *qs, const long *ks, const long *vs, "
                 "const long *os, float scale, int threads) {"]
        lines += ["    " + line for line in threaded_loop("schedule(static)", "N * H * L * S * E >= 262144", loop)]
        return "\n".join(lines + ["}", ""])

    def __call__(self, q, k, v, out=None):
        """The attention of tensors q, k, v; ``out`` is accepted and unused."""
        return _apply(_Attention, self, q, k, v)

    def run_arrays(self, q, k, v):
        N, H, L, E = q.shape
        S, Ev = k.shape[2], v.shape[3]
        function = self._cpu.get((S, E, Ev))
        if function is None:
            from .compiler import load_library
            function = load_library(self.c_source(S, E, Ev)).axonml_fused
            function.restype = None
            function.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_long] * 3 + [ctypes.c_void_p] * 4 + \
                [ctypes.c_float if self.dtype == np.float32 else ctypes.c_double, ctypes.c_int]
            self._cpu[(S, E, Ev)] = function
        operands = []
        for a in (q, k, v):
            if a.dtype != self.dtype or a.strides[3] != a.itemsize or min(a.strides[:3]) < 0:
                a = np.ascontiguousarray(a, self.dtype)
            operands.append(a)
        if self.heads_last:
            out = np.empty((N, L, H, Ev), self.dtype)
            out_strides = (L * H * Ev, Ev, H * Ev)
        else:
            out = np.empty((N, H, L, Ev), self.dtype)
            out_strides = (H * L * Ev, L * Ev, Ev)
        strides = [(ctypes.c_long * 3)(*[s // a.itemsize for s in a.strides[:3]]) for a in operands]
        function(*[a.ctypes.data for a in operands], address(out), N, H, L, *strides,
                  (ctypes.c_long * 3)(*out_strides), self.scale, _linalg.get_num_threads())
        return out

    def replay(self, q, k, v):
        return _apply(ScaledDotProductAttention, q, k, v, *self.replay_args)


class _Attention(ArrayFunction):
    def forward(ctx, kernel, q, k, v):
        ctx.kernel = kernel
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(q, k, v)
        return kernel.run_arrays(q, k, v)

    def backward(ctx, grad):
        return (None,) + replay_gradients(ctx, grad, ctx.needs_input_grad[1:4], lambda qkv: ctx.kernel.replay(*qkv))
