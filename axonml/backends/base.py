"""The backend contract: every primitive an op may call on ``ctx.xp``.

An op in axonml/ops is written once against these names. ``cpu.py`` implements them with
NumPy and the Cython kernels in axonml/_ext; ``opencl.py`` with the kernels in opencl/.
A primitive a backend lacks raises ``NotImplementedError`` naming the primitive and the
device: never a silent copy to another device.

Conventions: arrays carry ``shape``, ``ndim``, ``dtype`` (a NumPy dtype) and ``size``;
``axis`` is an int, a tuple of ints or None; dtypes passed in are NumPy dtypes.
Primitives return new arrays unless their name ends in ``_into`` (they write their
first argument) or they are documented as views.
"""
from __future__ import annotations

__all__ = ["Backend", "PRIMITIVES", "matmul_via_gemm"]


def _missing(name):
    def primitive(self, *args, **kwargs):
        raise NotImplementedError(f"'{name}' is not implemented on device {self.device}")
    primitive.__name__ = name
    return primitive


class Backend:
    """One device's implementation of the primitives listed in PRIMITIVES."""

    device = None          # an axonml.device
    array_type = None      # the class of this backend's arrays

    def coerce(self, x):
        """Turn a stray scalar result into a 0-d array of this backend."""
        raise NotImplementedError(f"'coerce' is not implemented on device {self.device}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.device}>"


def matmul_via_gemm(backend, a, b):
    """The matmul primitive from gemm: a 1-D a is a row vector and a 1-D b a column vector, each dimension
    dropped from the result again (NumPy's and PyTorch's rule, written once for every backend)."""
    if a.ndim > 1 and b.ndim > 1:
        return backend.gemm(a, b)
    out = backend.gemm(backend.reshape(a, (1, -1)) if a.ndim == 1 else a,
                       backend.reshape(b, (-1, 1)) if b.ndim == 1 else b)
    if a.ndim == 1:
        out = backend.reshape(out, out.shape[:-2] + out.shape[-1:])
    return backend.reshape(out, out.shape[:-1]) if b.ndim == 1 else out


# name -> one line of what it does; the authoritative list a backend must cover.
PRIMITIVES = {
    # --- memory and creation ---------------------------------------------------------------
    "asarray": "asarray(obj, dtype=None): array from a NumPy array / nested list / scalar (copies host data)",
    "to_numpy": "to_numpy(a): a NumPy array with a's values (a copy for device arrays)",
    "empty": "empty(shape, dtype)",
    "zeros": "zeros(shape, dtype)",
    "ones": "ones(shape, dtype)",
    "full": "full(shape, value, dtype)",
    "arange": "arange(start, stop, step, dtype)",
    "eye": "eye(n, m, dtype)",
    "astype": "astype(a, dtype): a converted to dtype (a itself when it already has it)",
    "copy": "copy(a): a new contiguous array with a's values",
    "owned_copy": "owned_copy(a): a when it is a fresh, writable, contiguous array nothing else references; else copy(a)",
    "ascontiguousarray": "ascontiguousarray(a): a if C-contiguous, else a contiguous copy",
    "is_contiguous": "is_contiguous(a) -> bool",
    "copy_into": "copy_into(dst, src): write src (broadcast to dst.shape, cast to dst.dtype) into dst",
    "add_into": "add_into(dst, src): dst += src",
    "relu_into": "relu_into(a): a = max(a, 0) in place (a fused epilogue on a fresh gemm result)",
    # --- views (share memory with their input) -----------------------------------------------
    "reshape": "reshape(a, shape): a view when strides allow, else a copy",
    "view": "view(a, shape): a view, or None when a's strides make that impossible",
    "view_dtype": "view_dtype(a, dtype): a's memory read as dtype (a view); the last dim scales by the ratio of "
                  "the item sizes; the op checks strides, sizes and offset first",
    "transpose": "transpose(a, axes): a view with permuted axes",
    "broadcast_to": "broadcast_to(a, shape): a read-only broadcast view",
    "as_strided": "as_strided(a, shape, strides_in_elements, offset_in_elements): a view of a's memory",
    "getitem": "getitem(a, index): NumPy basic (view) or advanced (copy) indexing",
    "setitem": "setitem(a, index, value): a[index] = value, in place",
    # --- elementwise -------------------------------------------------------------------------
    "add": "add(a, b)", "sub": "sub(a, b)", "mul": "mul(a, b)", "div": "div(a, b): true division",
    "pow": "pow(a, b)", "maximum": "maximum(a, b)", "minimum": "minimum(a, b)",
    "floor_divide": "floor_divide(a, b)", "remainder": "remainder(a, b): Python's sign convention",
    "fmod": "fmod(a, b): C's sign convention",
    "eq": "eq(a, b)", "ne": "ne(a, b)", "lt": "lt(a, b)", "le": "le(a, b)", "gt": "gt(a, b)", "ge": "ge(a, b)",
    "logical_and": "logical_and(a, b)", "logical_or": "logical_or(a, b)", "logical_xor": "logical_xor(a, b)",
    "logical_not": "logical_not(a)",
    "neg": "neg(a)", "abs": "abs(a)", "sign": "sign(a)", "exp": "exp(a)", "log": "log(a)",
    "log1p": "log1p(a)", "expm1": "expm1(a)", "sqrt": "sqrt(a)", "rsqrt": "rsqrt(a)",
    "reciprocal": "reciprocal(a)", "sin": "sin(a)", "cos": "cos(a)", "tanh": "tanh(a)",
    "sigmoid": "sigmoid(a)", "erf": "erf(a)", "floor": "floor(a)", "ceil": "ceil(a)", "round": "round(a)",
    "trunc": "trunc(a)",
    "where": "where(cond, a, b): a and b are arrays or scalars, broadcast together",
    "clip": "clip(a, lo, hi): lo/hi may be None, scalars or arrays (broadcast); min(max(a, lo), hi)",
    "isnan": "isnan(a)", "isinf": "isinf(a)", "isfinite": "isfinite(a)",
    "tan": "tan(a)", "log2": "log2(a)", "log10": "log10(a)",
    "bitwise_and": "bitwise_and(a, b): integer/bool operands", "bitwise_or": "bitwise_or(a, b)",
    "bitwise_xor": "bitwise_xor(a, b)", "bitwise_not": "bitwise_not(a): ~a (logical not for bool)",
    "asin": "asin(a)", "acos": "acos(a)", "atan": "atan(a)", "sinh": "sinh(a)", "cosh": "cosh(a)",
    "asinh": "asinh(a)", "acosh": "acosh(a)", "atanh": "atanh(a)",
    "atan2": "atan2(a, b): the angle of the point (b, a)", "hypot": "hypot(a, b): sqrt(a*a + b*b) without overflow",
    "copysign": "copysign(a, b): |a| with the sign bit of b (floats)",
    "left_shift": "left_shift(a, b): integer a << b; 0 where b is negative or reaches the bit width",
    "right_shift": "right_shift(a, b): integer a >> b, arithmetic for signed types; -1 or 0 where b is negative or "
                   "reaches the bit width",
    "special": "special(name, *args): a special function elementwise, arrays broadcast (host scalars allowed), "
               "in the arrays' floating dtype; args in torch's order: lgamma, digamma, erfc, erfcx, erfinv, ndtri, "
               "log_ndtr, i0, i0e, i1, i1e (x); polygamma (n, x); zeta (x, q); gammainc, gammaincc (a, x); "
               "bessel_j0/j1/y0/y1, modified_bessel_k0/k1, scaled_modified_bessel_k0/k1, airy_ai (x); "
               "chebyshev_polynomial_t/u/v/w, hermite_polynomial_h/he, laguerre_polynomial_l, "
               "legendre_polynomial_p (x, n); nextafter (x, toward)",
    # --- complex numbers (ops/complex.py): complex arrays are pairs (real, imaginary) of one real dtype ---
    "conj": "conj(a): the complex conjugate of a complex array (a new array)",
    "real": "real(a): a view of a complex array's real parts (a real array sharing its memory)",
    "imag": "imag(a): a view of a complex array's imaginary parts",
    "view_as_real": "view_as_real(a): a complex array (...) as a real view (..., 2) of its (real, imaginary) pairs",
    "view_as_complex": "view_as_complex(a): a real array (..., 2), last stride 1 and other strides even, as a "
                       "complex view (...); ValueError when its first element is not at an even offset",
    "complex": "complex(re, im): the complex array re + i im (real arrays of one dtype, broadcast)",
    "angle": "angle(a): the argument of each element of a complex array, in a's real dtype",
    # --- discrete Fourier transforms (ops/spectral.py): norm is "backward", "ortho" or "forward" ----
    "fft_c2c": "fft_c2c(a, axes, norm, forward): the complex DFT of a complex array over axes (sign -1 when "
               "forward, +1 with the inverse's scaling otherwise)",
    "fft_r2c": "fft_r2c(a, axes, norm, onesided): the forward DFT of a real array over axes, keeping the first "
               "n // 2 + 1 entries along the last axis when onesided",
    "fft_c2r": "fft_c2r(a, axes, norm, last_dim_size): the inverse DFT of a Hermitian half-spectrum (the last "
               "axis holds last_dim_size // 2 + 1 entries) to a real array of last_dim_size along the last axis",
    # --- reductions ----------------------------------------------------------------------------
    "sum": "sum(a, axis, keepdims, dtype=None)",
    "prod": "prod(a, axis, keepdims)",
    "max": "max(a, axis, keepdims)", "min": "min(a, axis, keepdims)",
    "argmax": "argmax(a, axis, keepdims): int64 indices of the first maximum",
    "argmin": "argmin(a, axis, keepdims)",
    "any": "any(a, axis, keepdims)", "all": "all(a, axis, keepdims)",
    "cumsum": "cumsum(a, axis)", "cumprod": "cumprod(a, axis)",
    "cum_extreme": "cum_extreme(a, axis, largest) -> (running max (min) along axis, int64 index it came from): "
                   "a later equal element takes over, a NaN once seen stays",
    "logcumsumexp": "logcumsumexp(a, axis): log(cumsum(exp(a))) along axis without overflow (floats)",
    "sort": "sort(a, axis, descending, stable) -> (values, int64 indices) along axis; NaN is the largest value; "
            "equal elements keep their order when stable",
    "searchsorted": "searchsorted(sorted_sequence, values, right) -> int64 insertion points of values in the last "
                    "axis of sorted_sequence (1-d, or with the same leading axes as values); right: after equal ones",
    "sum_to": "sum_to(a, shape): sum a broadcast gradient back down to shape",
    # --- indexing ------------------------------------------------------------------------------
    "take_along_axis": "take_along_axis(a, index, axis): torch.gather (index may be shorter than a along other axes)",
    "put_along_axis_add": "put_along_axis_add(dst, index, src, axis): torch.scatter_add_ in place (src shaped like index)",
    "put_along_axis_reduce": "put_along_axis_reduce(dst, index, src, axis, reduce): torch.scatter_reduce_ in place "
                             "for reduce 'prod', 'amax' or 'amin' (src shaped like index; NaN wins amax/amin)",
    "put_along_axis": "put_along_axis(dst, index, src, axis): torch.scatter_ in place (src shaped like index)",
    "setitem_add": "setitem_add(a, index, value): a[index] += value in place, repeated indices summed",
    "view_index": "view_index(base, view): int64 array shaped like view, the C-order flat index in base of each "
                  "element of view (a view of base's memory)",
    "index_add": "index_add(dst, axis, index, src): dst[..., index, ...] += src along axis, in place",
    "concatenate": "concatenate(arrays, axis)",
    "stack": "stack(arrays, axis)",
    "tril": "tril(a, k)", "triu": "triu(a, k)",
    "nonzero": "nonzero(a): tuple of int64 index arrays",
    # --- linear algebra ------------------------------------------------------------------------
    "matmul": "matmul(a, b): NumPy matmul semantics (1-D operands, broadcast batch dims)",
    "gemm": "gemm(a, b, trans_a=False, trans_b=False, alpha=1, beta=0, c=None): alpha * op(a) @ op(b) + beta * c "
            "for a (..., n, k), b (..., k, m) with broadcast batch dims; op transposes the last two dims when its "
            "flag is set (no copy); c broadcasts to the result; returns a new array",
    "einsum": "einsum(equation, *arrays): explicit '->' equations with letters only",
    # --- matrix decompositions (LAPACK; ops/decomposition.py): a (..., n, n) unless said, batch
    # dims broadcast; info is int32 (...,), LAPACK's per matrix (0: success)
    "inv": "inv(a) -> (inverse, info): info the 1-based index of the first zero pivot of a singular matrix",
    "solve": "solve(a, b) -> (x, info): x = a^-1 b for b (..., n, k); info as inv's",
    "det": "det(a)", "slogdet": "slogdet(a) -> (sign, log|det|)",
    "cholesky": "cholesky(a, upper) -> (factor, info): lower (or upper) factor from a's lower (upper) triangle; info "
                "the order of the first leading minor that is not positive-definite",
    "solve_triangular": "solve_triangular(a, b, upper, left, unitriangular): x with a x = b (left) or x a = b, a "
                        "triangular (its other triangle not read)",
    "qr": "qr(a (..., m, n), mode) -> (q or None for mode 'r', r); mode 'reduced' or 'complete' as LAPACK geqrf",
    "svd": "svd(a (..., m, n), full_matrices, compute_uv) -> (u, s descending, vh); u, vh None without compute_uv",
    "eigh": "eigh(a, upper, compute_v) -> (eigenvalues ascending, eigenvectors or None) from one triangle of a",
    "lstsq": "lstsq(a (..., m, n), b (..., m, k), rcond, driver) -> (solution, int64 rank, singular_values) from "
             "that LAPACK driver; empty (0,) arrays for what the driver does not compute",
    "lu_factor": "lu_factor(a (..., m, n)) -> (LU, pivots, info): getrf's packed L (unit diagonal) and U, int32 "
                 "1-based row interchanges (..., min(m, n)), info the 1-based index of the first zero pivot",
    "ldl_factor": "ldl_factor(a (..., n, n), hermitian) -> (LD, pivots, info): sytrf's (hetrf's) L D L^T of the "
                  "lower triangle, upper triangle zeroed, int32 1-based pivots (..., n), negative for 2x2 blocks",
    "ldl_solve": "ldl_solve(LD, pivots, b, hermitian) -> x with A x = b, A as ldl_factor factored it (sytrs)",
    # --- random (generator: an axonml.Generator) -----------------------------------------------
    "uniform": "uniform(shape, low, high, dtype, generator)",
    "normal": "normal(shape, mean, std, dtype, generator)",
    "randint": "randint(shape, low, high, dtype, generator)",
    "randperm": "randperm(n, dtype, generator)",
    "bernoulli": "bernoulli(shape, p, dtype, generator): 1 with probability p",
    # --- neural-network kernels (fused where NumPy would make several passes) ------------------
    # convolution and pooling: the last len(kernel) axes are spatial (1 to 3 for im2col, col2im,
    # conv_nd and conv_nd_backward; 1 or 2 for pooling), the axes before them
    # independent planes; padding is per spatial dim, an int or a (before, after) pair
    "im2col": "im2col(x (N, C, *spatial), kernel, stride, padding, dilation) -> patch columns (N, C*prod(kernel), L)",
    "col2im": "col2im(cols, x_shape, kernel, stride, padding, dilation) -> image gradient (im2col's adjoint)",
    "conv_nd": "conv_nd(x (N, C, *spatial), weight (Cout, C/groups, *kernel), bias or None, stride, padding, "
               "dilation, groups) -> (N, Cout, *out_spatial)",
    "conv_nd_backward": "conv_nd_backward(grad, x, weight, stride, padding, dilation, groups, needs_input, "
                        "needs_weight) -> (grad_input or None, grad_weight or None); the output positions are "
                        "grad's spatial dims, which may be fewer than x gives (conv_transpose's output_padding)",
    "max_pool_nd": "max_pool_nd(x, kernel, stride, padding, dilation, output_size) -> (values, int64 indices "
                   "flat within each plane)",
    "max_pool_nd_backward": "max_pool_nd_backward(grad, indices, x_shape, ndim): scatter-add by flat index",
    "avg_pool_nd": "avg_pool_nd(x, kernel, stride, padding, output_size, count_include_pad, divisor_override)",
    "avg_pool_nd_backward": "avg_pool_nd_backward(grad, x_shape, kernel, stride, padding, count_include_pad, "
                            "divisor_override)",
    "adaptive_avg_pool_nd": "adaptive_avg_pool_nd(x, output_size): windows [floor(i*S/out), ceil((i+1)*S/out))",
    "adaptive_avg_pool_nd_backward": "adaptive_avg_pool_nd_backward(grad, x_shape, ndim)",
    "adaptive_max_pool_nd": "adaptive_max_pool_nd(x, output_size) -> (values, int64 indices flat within each plane)",
    "resample_axis": "resample_axis(x, axis, index, weights): out[..., j, ...] = sum_k weights[j, k] * x[..., "
                     "index[j, k], ...] along axis; int64 index and float weights (out_size, taps)",
    "softmax": "softmax(x, axis)", "log_softmax": "log_softmax(x, axis)",
    "softmax_backward": "softmax_backward(grad, y, axis)",
    "log_softmax_backward": "log_softmax_backward(grad, y, axis)",
    "layer_norm": "layer_norm(x, normalized_ndim, weight, bias, eps) -> (y, mean, rstd): mean/rstd shaped x.shape[:-normalized_ndim]",
    "layer_norm_backward": "layer_norm_backward(grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine) -> (dx, dweight, dbias), None where not needed",
    "batch_norm_stats": "batch_norm_stats(x) -> (mean, biased var) over all axes but 1",
    "batch_norm_apply": "batch_norm_apply(x, mean, rstd, weight, bias) -> y; weight/bias may be None",
    "batch_norm_backward": "batch_norm_backward(grad, x, mean, rstd, weight, training) -> (dx, dweight, dbias)",
    "embedding_backward": "embedding_backward(grad, indices, num_weights, padding_idx) -> weight gradient; padding_idx None or a row index",
    "attention_forward": "attention_forward(q (B1, B2, L, E), k (Bk1, Bk2, S, E), v (Bv1, Bv2, S, Ev), k_index, v_index, mask, mask_index, mask_row_stride, mask_col_stride, is_causal, scale, dropout_p, seed, offset, heads_last) -> (out (B1, B2, L, Ev), or (B1, L, B2, Ev) contiguous when heads_last, lse (B1 B2, L)): fused softmax(q k^T * scale + mask) v without the (L, S) scores; q, k, v any strides (views are read in place where the device can); flat batch b = b1 B2 + b2; k_index/v_index host int64 (B,) indices of k's and v's flat slabs; mask None or a flat float array, entry (b, i, j) at mask_index[b] + i * mask_row_stride + j * mask_col_stride; dropout keeps (b, i, j) by a hash of (seed, offset + (b L + i) S + j)",
    "attention_backward": "attention_backward(grad, q, k, v, out, lse, k_index, v_index, mask, mask_index, mask_row_stride, mask_col_stride, is_causal, scale, dropout_p, seed, offset, needs_scores) -> (dq (B, L, E), dk (B, S, E), dv (B, S, Ev), grad_scores (B, L, S) or None): per query batch, recomputing the probabilities from lse",
    "cross_entropy": "cross_entropy(x, target, weight, ignore_index, label_smoothing) -> (loss, lse, total_weight): x (rows, C), int64 target (rows,), weight (C,) or None; per-row loss and logsumexp, float sum of counted rows' w[target]; IndexError for a target outside [0, C) but ignore_index",
    "cross_entropy_backward": "cross_entropy_backward(grad, x, lse, target, weight, ignore_index, label_smoothing) -> dx (rows, C); grad (rows,)",
    "lstm_cell": "lstm_cell(gates, c_prev, h_out) -> (c, tanh_c): gates (B, 4H) pre-activations in PyTorch's (i, f, g, o) order, overwritten with their activations i, f, o = sigmoid, g = tanh; c = f * c_prev + i * g; writes h = o * tanh(c) (B, H) into h_out",
    "lstm_cell_backward": "lstm_cell_backward(grad_h, dh_next, dc_next, act, c_prev, tanh_c, d_gates) -> dc_prev: writes the gates' pre-activation gradient (B, 4H) into d_gates",
    # --- GGML block formats (axonml/quant): blocks is (rows, row bytes) uint8, qtype a GGML type id ---
    "quant_matmul": "quant_matmul(x, blocks, qtype) -> (M, N) float32: x (M, K) float32 @ W^T for W the (N, K) matrix whose rows are blocks (N, row bytes), decoded inside the kernel",
    "quant_dequantize": "quant_dequantize(blocks, qtype, k) -> (rows, k) float32: the values of blocks (rows, row bytes)",
    # --- fused optimizer updates (in place on param and state) -----------------------------------
    # torch.optim's single-tensor formulas in one pass; optional state is None when unused
    "sgd_step": "sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step): buffer None when momentum == 0; first_step sets buffer = grad",
    # scalars that depend on the step (bias corrections, step sizes) come computed by the optimizer;
    # weight_decay is the L2 term added to the gradient, decay_factor the decoupled multiplier of param (1 for none)
    "adam_step": "adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step_size, bias_correction2_sqrt, beta1, beta2, eps, weight_decay, decay_factor, maximize): max_exp_avg_sq None unless amsgrad",
    "rmsprop_step": "rmsprop_step(param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps, weight_decay, momentum, centered, maximize): buffer None when momentum == 0, grad_avg None unless centered",
    "adadelta_step": "adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize)",
    "adagrad_step": "adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize): clr the decayed lr",
    "adamax_step": "adamax_step(param, grad, exp_avg, exp_inf, clr, beta1, beta2, eps, weight_decay, maximize): clr = lr / bias_correction1",
    "nadam_step": "nadam_step(param, grad, exp_avg, exp_avg_sq, bias_correction2, grad_coefficient, exp_avg_coefficient, beta1, beta2, eps, weight_decay, decay_factor, maximize): param += grad_coefficient * g / denom + exp_avg_coefficient * m / denom",
    "radam_step": "radam_step(param, grad, exp_avg, exp_avg_sq, bias_correction1, lr, bias_correction2_sqrt, rect, beta1, beta2, eps, weight_decay, decay_factor, rectified, maximize): the adaptive step only when rectified",
    "asgd_step": "asgd_step(param, grad, ax, eta, decay_factor, mu, weight_decay, maximize): decay_factor = 1 - lambd * eta; ax = param when mu == 1",
    "rprop_step": "rprop_step(param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max, maximize)",
    "lamb_step": "lamb_step(param, grad, exp_avg, exp_avg_sq, update, bias_correction1, bias_correction2, beta1, beta2, eps, weight_decay, maximize) -> (param norm, update norm) as floats: updates the moments and writes LAMB's direction into update; param is only read",
}

for _name in PRIMITIVES:
    setattr(Backend, _name, _missing(_name))
