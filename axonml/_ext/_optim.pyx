# distutils: extra_compile_args = -fno-math-errno
"""Fused optimizer updates: one pass over memory per parameter, in place on the parameter and its state.

Each kernel does in one loop what torch.optim's single-tensor path does in several tensor ops,
in the same order and in the parameter's precision, so the results agree with PyTorch to
rounding. The arrays are flat, C-contiguous and of one dtype (the wrapper in
axonml/backends/cpu.py stages anything else); scalars arrive already cast to that dtype.

The def functions check the arrays (any shape, C-contiguous, one float dtype, one size) and
split them into blocks, spread over OpenMP threads when there are enough of them; the cdef
kernels run a plain pointer loop over one block, which the C compiler vectorizes
(-fno-math-errno above lets it vectorize sqrt: the kernels never take the root of a negative
number, so errno is never set). Raw pointers rather than typed memoryviews keep the
per-call cost to a few checks: an optimizer calls these once per parameter per step.
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from axonml._ext._threads cimport worth_threads
from libc.math cimport fabs, sqrt, sqrtf
from libc.stdlib cimport free, malloc

cnp.import_array()

# Elements per block; below two blocks a thread team costs more than it saves.
cdef Py_ssize_t BLOCK = 1 << 14
# an update is a handful of steps per element: its work is 4 * elements (_threads.pxd)


cdef inline floating root(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline floating lerp(floating start, floating end, floating weight) noexcept nogil:
    """torch.lerp's formula (exact at both ends), as a select the compiler can vectorize."""
    return start + weight * (end - start) if weight < 0.5 else end - (end - start) * (1 - weight)


cdef Py_ssize_t checked_size(object param, tuple others) except -1:
    """The element count of param, after checking param and others (grad, then state; None skipped)."""
    if type(param) is not np.ndarray:
        raise TypeError(f"expected a NumPy array, got {type(param).__name__}")
    cdef int typenum = cnp.PyArray_TYPE(<cnp.ndarray>param)
    if typenum != cnp.NPY_FLOAT32 and typenum != cnp.NPY_FLOAT64:
        raise TypeError(f"the fused optimizer kernels take float32 or float64 arrays, got {param.dtype}")
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>param), position = 0
    for array in (param,) + others:
        if array is not None and not (
                type(array) is np.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>array) == typenum
                and cnp.PyArray_SIZE(<cnp.ndarray>array) == n and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>array)
                and (position == 1 or cnp.PyArray_ISWRITEABLE(<cnp.ndarray>array))):
            raise ValueError(f"array {position} must be a C-contiguous{' writable' if position != 1 else ''} "
                             f"{param.dtype} array of {n} elements")
        position += 1
    return n


cdef inline void* address(object array):
    """The first element of a checked array, or NULL for None."""
    return NULL if array is None else cnp.PyArray_DATA(<cnp.ndarray>array)


cdef inline floating* shifted(floating* pointer, Py_ssize_t offset) noexcept nogil:
    return NULL if pointer == NULL else pointer + offset


cdef inline floating decayed_grad(floating g, floating p, floating weight_decay, bint has_decay,
                                  bint maximize) noexcept nogil:
    """The gradient torch.optim steps with: negated when maximizing, plus the L2 term weight_decay * p."""
    g = -g if maximize else g
    return g + weight_decay * p if has_decay else g


# --- SGD ----------------------------------------------------------------------------------------
cdef void sgd_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* buffer,
                     floating lr, floating momentum, floating dampening, floating weight_decay,
                     bint nesterov, bint maximize, bint first_step) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, buf, keep = 1 - dampening
    cdef bint has_decay = weight_decay != 0
    for i in range(n):
        g = -grad[i] if maximize else grad[i]
        g = g + weight_decay * param[i] if has_decay else g
        if buffer != NULL:
            buf = g if first_step else buffer[i] * momentum + keep * g
            buffer[i] = buf
            g = g + momentum * buf if nesterov else buf
        param[i] = param[i] + (-lr) * g


cdef void sgd_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* buffer, floating lr,
                     floating momentum, floating dampening, floating weight_decay, bint nesterov, bint maximize,
                     bint first_step) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        sgd_kernel(min(BLOCK, n - start), param + start, grad + start, shifted(buffer, start), lr, momentum,
                   dampening, weight_decay, nesterov, maximize, first_step)


def sgd(param, grad, momentum_buffer, double lr, double momentum, double dampening, double weight_decay,
        bint nesterov, bint maximize, bint first_step):
    """SGD with optional momentum; momentum_buffer is None when momentum == 0."""
    cdef Py_ssize_t n = checked_size(param, (grad, momentum_buffer))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* buf = address(momentum_buffer)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            sgd_blocks(n, <float*>p, <const float*>g, <float*>buf, <float>lr, <float>momentum, <float>dampening,
                       <float>weight_decay, nesterov, maximize, first_step)
    else:
        with nogil:
            sgd_blocks(n, <double*>p, <const double*>g, <double*>buf, lr, momentum, dampening, weight_decay,
                       nesterov, maximize, first_step)


# --- Adam / AdamW -------------------------------------------------------------------------------
# Two loops (with and without AMSGrad's running maximum), because a loop with an optional
# array in it does not vectorize; the shared steps are inline functions.
# The decoupled (AdamW) decay is a multiplication by decay_factor, 1 when there is none (exact);
# the coupled (L2) decay is weight_decay, 0 when there is none. The caller computes both, and the
# bias corrections, once per step.
cdef inline floating adam_param(floating p, floating m, floating v, floating step_size,
                                floating bias_correction2_sqrt, floating eps) noexcept nogil:
    return p + (-step_size) * (m / (root(v) / bias_correction2_sqrt + eps))


cdef void adam_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg,
                      floating* exp_avg_sq, floating* max_exp_avg_sq, floating step_size,
                      floating bias_correction2_sqrt, floating beta1, floating beta2, floating eps,
                      floating weight_decay, floating decay_factor, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, p, m, v, top
    cdef floating one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2
    cdef bint coupled_decay = weight_decay != 0
    if max_exp_avg_sq == NULL:
        for i in range(n):
            p = param[i] * decay_factor
            g = decayed_grad(grad[i], param[i], weight_decay, coupled_decay, maximize)
            m = lerp(exp_avg[i], g, one_minus_beta1)
            v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
            exp_avg[i] = m
            exp_avg_sq[i] = v
            param[i] = adam_param(p, m, v, step_size, bias_correction2_sqrt, eps)
    else:
        for i in range(n):
            p = param[i] * decay_factor
            g = decayed_grad(grad[i], param[i], weight_decay, coupled_decay, maximize)
            m = lerp(exp_avg[i], g, one_minus_beta1)
            v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
            exp_avg[i] = m
            exp_avg_sq[i] = v
            top = max_exp_avg_sq[i]
            v = top if top > v else v
            max_exp_avg_sq[i] = v
            param[i] = adam_param(p, m, v, step_size, bias_correction2_sqrt, eps)


cdef void adam_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_avg_sq,
                      floating* max_exp_avg_sq, floating step_size, floating bias_correction2_sqrt, floating beta1,
                      floating beta2, floating eps, floating weight_decay, floating decay_factor,
                      bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        adam_kernel(min(BLOCK, n - start), param + start, grad + start, exp_avg + start, exp_avg_sq + start,
                    shifted(max_exp_avg_sq, start), step_size, bias_correction2_sqrt, beta1, beta2, eps,
                    weight_decay, decay_factor, maximize)


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, double step_size, double bias_correction2_sqrt,
         double beta1, double beta2, double eps, double weight_decay, double decay_factor, bint maximize):
    """Adam / AdamW; max_exp_avg_sq is None unless amsgrad."""
    cdef Py_ssize_t n = checked_size(param, (grad, exp_avg, exp_avg_sq, max_exp_avg_sq))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* m = address(exp_avg)
    cdef void* v = address(exp_avg_sq)
    cdef void* top = address(max_exp_avg_sq)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            adam_blocks(n, <float*>p, <const float*>g, <float*>m, <float*>v, <float*>top, <float>step_size,
                        <float>bias_correction2_sqrt, <float>beta1, <float>beta2, <float>eps, <float>weight_decay,
                        <float>decay_factor, maximize)
    else:
        with nogil:
            adam_blocks(n, <double*>p, <const double*>g, <double*>m, <double*>v, <double*>top, step_size,
                        bias_correction2_sqrt, beta1, beta2, eps, weight_decay, decay_factor, maximize)


# --- RMSprop ------------------------------------------------------------------------------------
# One loop per combination of the optional arrays (grad_avg when centered, the momentum buffer),
# for the same reason as Adam's two loops.
cdef inline floating rmsprop_square_avg(floating sa, floating g, floating alpha,
                                        floating one_minus_alpha) noexcept nogil:
    return sa * alpha + one_minus_alpha * g * g


cdef void rmsprop_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* square_avg,
                         floating* buffer, floating* grad_avg, floating lr, floating alpha, floating eps,
                         floating weight_decay, floating momentum, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, sa, ga, avg, buf
    cdef floating one_minus_alpha = 1 - alpha
    cdef bint has_decay = weight_decay != 0
    if grad_avg == NULL and buffer == NULL:
        for i in range(n):
            g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            param[i] = param[i] + (-lr) * (g / (root(sa) + eps))
    elif grad_avg == NULL:
        for i in range(n):
            g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            buf = buffer[i] * momentum + g / (root(sa) + eps)
            buffer[i] = buf
            param[i] = param[i] + (-lr) * buf
    elif buffer == NULL:
        for i in range(n):
            g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            ga = lerp(grad_avg[i], g, one_minus_alpha)
            grad_avg[i] = ga
            param[i] = param[i] + (-lr) * (g / (root(sa + (-ga) * ga) + eps))
    else:
        for i in range(n):
            g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            ga = lerp(grad_avg[i], g, one_minus_alpha)
            grad_avg[i] = ga
            buf = buffer[i] * momentum + g / (root(sa + (-ga) * ga) + eps)
            buffer[i] = buf
            param[i] = param[i] + (-lr) * buf


cdef void rmsprop_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* square_avg, floating* buffer,
                         floating* grad_avg, floating lr, floating alpha, floating eps, floating weight_decay,
                         floating momentum, bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        rmsprop_kernel(min(BLOCK, n - start), param + start, grad + start, square_avg + start,
                       shifted(buffer, start), shifted(grad_avg, start), lr, alpha, eps, weight_decay, momentum,
                       maximize)


def rmsprop(param, grad, square_avg, momentum_buffer, grad_avg, double lr, double alpha, double eps,
            double weight_decay, double momentum, bint maximize):
    """RMSprop; momentum_buffer is None when momentum == 0, grad_avg None unless centered."""
    cdef Py_ssize_t n = checked_size(param, (grad, square_avg, momentum_buffer, grad_avg))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* sa = address(square_avg)
    cdef void* buf = address(momentum_buffer)
    cdef void* ga = address(grad_avg)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            rmsprop_blocks(n, <float*>p, <const float*>g, <float*>sa, <float*>buf, <float*>ga, <float>lr,
                           <float>alpha, <float>eps, <float>weight_decay, <float>momentum, maximize)
    else:
        with nogil:
            rmsprop_blocks(n, <double*>p, <const double*>g, <double*>sa, <double*>buf, <double*>ga, lr, alpha, eps,
                           weight_decay, momentum, maximize)


# --- Adadelta -----------------------------------------------------------------------------------
cdef void adadelta_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* square_avg,
                          floating* acc_delta, floating lr, floating rho, floating eps, floating weight_decay,
                          bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, sa, delta
    cdef floating one_minus_rho = 1 - rho
    cdef bint has_decay = weight_decay != 0
    for i in range(n):
        g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
        sa = square_avg[i] * rho + one_minus_rho * g * g
        square_avg[i] = sa
        delta = root(acc_delta[i] + eps) / root(sa + eps) * g
        acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta
        param[i] = param[i] + (-lr) * delta


cdef void adadelta_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* square_avg,
                          floating* acc_delta, floating lr, floating rho, floating eps, floating weight_decay,
                          bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        adadelta_kernel(min(BLOCK, n - start), param + start, grad + start, square_avg + start, acc_delta + start,
                        lr, rho, eps, weight_decay, maximize)


def adadelta(param, grad, square_avg, acc_delta, double lr, double rho, double eps, double weight_decay,
             bint maximize):
    """Adadelta."""
    cdef Py_ssize_t n = checked_size(param, (grad, square_avg, acc_delta))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* sa = address(square_avg)
    cdef void* acc = address(acc_delta)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            adadelta_blocks(n, <float*>p, <const float*>g, <float*>sa, <float*>acc, <float>lr, <float>rho,
                            <float>eps, <float>weight_decay, maximize)
    else:
        with nogil:
            adadelta_blocks(n, <double*>p, <const double*>g, <double*>sa, <double*>acc, lr, rho, eps, weight_decay,
                            maximize)


# --- Adagrad ------------------------------------------------------------------------------------
cdef void adagrad_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* state_sum, floating clr,
                         floating eps, floating weight_decay, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, s
    cdef bint has_decay = weight_decay != 0
    for i in range(n):
        g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] = param[i] + (-clr) * (g / (root(s) + eps))


cdef void adagrad_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* state_sum, floating clr,
                         floating eps, floating weight_decay, bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        adagrad_kernel(min(BLOCK, n - start), param + start, grad + start, state_sum + start, clr, eps,
                       weight_decay, maximize)


def adagrad(param, grad, state_sum, double clr, double eps, double weight_decay, bint maximize):
    """Adagrad; clr is this step's decayed learning rate."""
    cdef Py_ssize_t n = checked_size(param, (grad, state_sum))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* s = address(state_sum)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            adagrad_blocks(n, <float*>p, <const float*>g, <float*>s, <float>clr, <float>eps, <float>weight_decay,
                           maximize)
    else:
        with nogil:
            adagrad_blocks(n, <double*>p, <const double*>g, <double*>s, clr, eps, weight_decay, maximize)


# --- Adamax -------------------------------------------------------------------------------------
cdef void adamax_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_inf,
                        floating clr, floating beta1, floating beta2, floating eps, floating weight_decay,
                        bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, m, u, a
    cdef floating one_minus_beta1 = 1 - beta1
    cdef bint has_decay = weight_decay != 0
    for i in range(n):
        g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
        m = lerp(exp_avg[i], g, one_minus_beta1)
        exp_avg[i] = m
        u = exp_inf[i] * beta2
        a = fabs(g) + eps
        u = u if u > a else a
        exp_inf[i] = u
        param[i] = param[i] + (-clr) * (m / u)


cdef void adamax_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_inf,
                        floating clr, floating beta1, floating beta2, floating eps, floating weight_decay,
                        bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        adamax_kernel(min(BLOCK, n - start), param + start, grad + start, exp_avg + start, exp_inf + start, clr,
                      beta1, beta2, eps, weight_decay, maximize)


def adamax(param, grad, exp_avg, exp_inf, double clr, double beta1, double beta2, double eps, double weight_decay,
           bint maximize):
    """Adamax; clr is lr over the first moment's bias correction."""
    cdef Py_ssize_t n = checked_size(param, (grad, exp_avg, exp_inf))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* m = address(exp_avg)
    cdef void* u = address(exp_inf)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            adamax_blocks(n, <float*>p, <const float*>g, <float*>m, <float*>u, <float>clr, <float>beta1,
                          <float>beta2, <float>eps, <float>weight_decay, maximize)
    else:
        with nogil:
            adamax_blocks(n, <double*>p, <const double*>g, <double*>m, <double*>u, clr, beta1, beta2, eps,
                          weight_decay, maximize)


# --- NAdam --------------------------------------------------------------------------------------
cdef void nadam_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_avg_sq,
                       floating bias_correction2, floating grad_coefficient, floating exp_avg_coefficient,
                       floating beta1, floating beta2, floating eps, floating weight_decay, floating decay_factor,
                       bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, p, m, v, denom
    cdef floating one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2
    cdef bint coupled_decay = weight_decay != 0
    for i in range(n):
        p = param[i] * decay_factor
        g = decayed_grad(grad[i], param[i], weight_decay, coupled_decay, maximize)
        m = lerp(exp_avg[i], g, one_minus_beta1)
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        denom = root(v / bias_correction2) + eps
        p = p + grad_coefficient * (g / denom)
        param[i] = p + exp_avg_coefficient * (m / denom)


cdef void nadam_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_avg_sq,
                       floating bias_correction2, floating grad_coefficient, floating exp_avg_coefficient,
                       floating beta1, floating beta2, floating eps, floating weight_decay, floating decay_factor,
                       bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        nadam_kernel(min(BLOCK, n - start), param + start, grad + start, exp_avg + start, exp_avg_sq + start,
                     bias_correction2, grad_coefficient, exp_avg_coefficient, beta1, beta2, eps, weight_decay,
                     decay_factor, maximize)


def nadam(param, grad, exp_avg, exp_avg_sq, double bias_correction2, double grad_coefficient,
          double exp_avg_coefficient, double beta1, double beta2, double eps, double weight_decay, double decay_factor,
          bint maximize):
    """NAdam; the coefficients multiply grad / denom and exp_avg / denom (momentum-decayed, bias-corrected lr)."""
    cdef Py_ssize_t n = checked_size(param, (grad, exp_avg, exp_avg_sq))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* m = address(exp_avg)
    cdef void* v = address(exp_avg_sq)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            nadam_blocks(n, <float*>p, <const float*>g, <float*>m, <float*>v, <float>bias_correction2,
                         <float>grad_coefficient, <float>exp_avg_coefficient, <float>beta1, <float>beta2, <float>eps,
                         <float>weight_decay, <float>decay_factor, maximize)
    else:
        with nogil:
            nadam_blocks(n, <double*>p, <const double*>g, <double*>m, <double*>v, bias_correction2, grad_coefficient,
                         exp_avg_coefficient, beta1, beta2, eps, weight_decay, decay_factor, maximize)


# --- RAdam --------------------------------------------------------------------------------------
cdef void radam_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_avg_sq,
                       floating bias_correction1, floating lr, floating bias_correction2_sqrt, floating rect,
                       floating beta1, floating beta2, floating eps, floating weight_decay, floating decay_factor,
                       bint rectified, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, p, m, v, corrected
    cdef floating one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2
    cdef bint coupled_decay = weight_decay != 0
    for i in range(n):
        p = param[i] * decay_factor
        g = decayed_grad(grad[i], param[i], weight_decay, coupled_decay, maximize)
        m = lerp(exp_avg[i], g, one_minus_beta1)
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        corrected = m / bias_correction1 * lr
        if rectified:  # torch's order: (corrected * lr) * ((1 / (sqrt(v) + eps)) * sqrt(bc2)) * rect
            corrected = corrected * ((1 / (root(v) + eps)) * bias_correction2_sqrt) * rect
        param[i] = p - corrected


cdef void radam_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg, floating* exp_avg_sq,
                       floating bias_correction1, floating lr, floating bias_correction2_sqrt, floating rect,
                       floating beta1, floating beta2, floating eps, floating weight_decay, floating decay_factor,
                       bint rectified, bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        radam_kernel(min(BLOCK, n - start), param + start, grad + start, exp_avg + start, exp_avg_sq + start,
                     bias_correction1, lr, bias_correction2_sqrt, rect, beta1, beta2, eps, weight_decay, decay_factor,
                     rectified, maximize)


def radam(param, grad, exp_avg, exp_avg_sq, double bias_correction1, double lr, double bias_correction2_sqrt,
          double rect, double beta1, double beta2, double eps, double weight_decay, double decay_factor,
          bint rectified, bint maximize):
    """RAdam; rectified says whether this step's variance is tractable (rect is then its rectification term)."""
    cdef Py_ssize_t n = checked_size(param, (grad, exp_avg, exp_avg_sq))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* m = address(exp_avg)
    cdef void* v = address(exp_avg_sq)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            radam_blocks(n, <float*>p, <const float*>g, <float*>m, <float*>v, <float>bias_correction1, <float>lr,
                         <float>bias_correction2_sqrt, <float>rect, <float>beta1, <float>beta2, <float>eps,
                         <float>weight_decay, <float>decay_factor, rectified, maximize)
    else:
        with nogil:
            radam_blocks(n, <double*>p, <const double*>g, <double*>m, <double*>v, bias_correction1, lr,
                         bias_correction2_sqrt, rect, beta1, beta2, eps, weight_decay, decay_factor, rectified,
                         maximize)


# --- ASGD ---------------------------------------------------------------------------------------
cdef void asgd_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* ax, floating eta,
                      floating decay_factor, floating mu, floating weight_decay, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, p
    cdef bint has_decay = weight_decay != 0, averaging = mu != 1
    for i in range(n):
        g = decayed_grad(grad[i], param[i], weight_decay, has_decay, maximize)
        p = param[i] * decay_factor
        p = p + (-eta) * g
        param[i] = p
        ax[i] = ax[i] + (p - ax[i]) * mu if averaging else p


cdef void asgd_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* ax, floating eta,
                      floating decay_factor, floating mu, floating weight_decay, bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        asgd_kernel(min(BLOCK, n - start), param + start, grad + start, ax + start, eta, decay_factor, mu,
                    weight_decay, maximize)


def asgd(param, grad, ax, double eta, double decay_factor, double mu, double weight_decay, bint maximize):
    """ASGD; decay_factor is 1 - lambd * eta; ax follows param exactly while mu == 1."""
    cdef Py_ssize_t n = checked_size(param, (grad, ax))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* a = address(ax)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            asgd_blocks(n, <float*>p, <const float*>g, <float*>a, <float>eta, <float>decay_factor, <float>mu,
                        <float>weight_decay, maximize)
    else:
        with nogil:
            asgd_blocks(n, <double*>p, <const double*>g, <double*>a, eta, decay_factor, mu, weight_decay, maximize)


# --- Rprop --------------------------------------------------------------------------------------
cdef void rprop_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* prev, floating* step_size,
                       floating etaminus, floating etaplus, floating step_size_min, floating step_size_max,
                       bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, product, factor, size, direction
    for i in range(n):
        g = -grad[i] if maximize else grad[i]
        product = g * prev[i]
        factor = etaplus if product > 0 else (etaminus if product < 0 else 1)
        size = step_size[i] * factor
        size = size if size > step_size_min else step_size_min
        size = size if size < step_size_max else step_size_max
        step_size[i] = size
        g = 0 if factor == etaminus else g  # torch zeroes the gradient where the factor equals etaminus
        direction = 1 if g > 0 else (-1 if g < 0 else 0)
        param[i] = param[i] + (-direction) * size
        prev[i] = g


cdef void rprop_blocks(Py_ssize_t n, floating* param, const floating* grad, floating* prev, floating* step_size,
                       floating etaminus, floating etaplus, floating step_size_min, floating step_size_max,
                       bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        rprop_kernel(min(BLOCK, n - start), param + start, grad + start, prev + start, step_size + start, etaminus,
                     etaplus, step_size_min, step_size_max, maximize)


def rprop(param, grad, prev, step_size, double etaminus, double etaplus, double step_size_min,
          double step_size_max, bint maximize):
    """Rprop."""
    cdef Py_ssize_t n = checked_size(param, (grad, prev, step_size))
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* pr = address(prev)
    cdef void* s = address(step_size)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            rprop_blocks(n, <float*>p, <const float*>g, <float*>pr, <float*>s, <float>etaminus, <float>etaplus,
                         <float>step_size_min, <float>step_size_max, maximize)
    else:
        with nogil:
            rprop_blocks(n, <double*>p, <const double*>g, <double*>pr, <double*>s, etaminus, etaplus, step_size_min,
                         step_size_max, maximize)


# --- LAMB ---------------------------------------------------------------------------------------
# The moments and the Adam direction in one pass, which also sums the squares of the parameter and of
# the direction (in double, per block) for the layer-wise trust ratio the caller then applies.
cdef void lamb_kernel(Py_ssize_t n, const floating* param, const floating* grad, floating* exp_avg,
                      floating* exp_avg_sq, floating* update, floating bias_correction1, floating bias_correction2,
                      floating beta1, floating beta2, floating eps, floating weight_decay, bint maximize,
                      double* sums) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, m, v, r
    cdef floating one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2
    cdef double param_sq = 0, update_sq = 0
    for i in range(n):
        g = -grad[i] if maximize else grad[i]
        m = lerp(exp_avg[i], g, one_minus_beta1)
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        r = (m / bias_correction1) / (root(v / bias_correction2) + eps) + weight_decay * param[i]
        update[i] = r
        param_sq += <double>param[i] * param[i]
        update_sq += <double>r * r
    sums[0] = param_sq
    sums[1] = update_sq


cdef void lamb_blocks(Py_ssize_t n, const floating* param, const floating* grad, floating* exp_avg,
                      floating* exp_avg_sq, floating* update, floating bias_correction1, floating bias_correction2,
                      floating beta1, floating beta2, floating eps, floating weight_decay, bint maximize,
                      double* sums) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=worth_threads(4 * n)):
        start = b * BLOCK
        lamb_kernel(min(BLOCK, n - start), param + start, grad + start, exp_avg + start, exp_avg_sq + start,
                    update + start, bias_correction1, bias_correction2, beta1, beta2, eps, weight_decay, maximize,
                    sums + 2 * b)


def lamb(param, grad, exp_avg, exp_avg_sq, update, double bias_correction1, double bias_correction2, double beta1,
         double beta2, double eps, double weight_decay, bint maximize):
    """LAMB's moments and direction (written into update); returns (||param||, ||update||). param is only read."""
    cdef Py_ssize_t n = checked_size(param, (grad, exp_avg, exp_avg_sq, update))
    cdef Py_ssize_t blocks = max((n + BLOCK - 1) // BLOCK, 1), b
    cdef double* sums = <double*>malloc(2 * blocks * sizeof(double))
    cdef double param_sq = 0, update_sq = 0
    if sums == NULL:
        raise MemoryError()
    sums[0] = sums[1] = 0
    cdef void* p = address(param)
    cdef void* g = address(grad)
    cdef void* m = address(exp_avg)
    cdef void* v = address(exp_avg_sq)
    cdef void* r = address(update)
    if cnp.PyArray_TYPE(<cnp.ndarray>param) == cnp.NPY_FLOAT32:
        with nogil:
            lamb_blocks(n, <const float*>p, <const float*>g, <float*>m, <float*>v, <float*>r, <float>bias_correction1,
                        <float>bias_correction2, <float>beta1, <float>beta2, <float>eps, <float>weight_decay,
                        maximize, sums)
    else:
        with nogil:
            lamb_blocks(n, <const double*>p, <const double*>g, <double*>m, <double*>v, <double*>r, bias_correction1,
                        bias_correction2, beta1, beta2, eps, weight_decay, maximize, sums)
    for b in range(blocks):
        param_sq += sums[2 * b]
        update_sq += sums[2 * b + 1]
    free(sums)
    return sqrt(param_sq), sqrt(update_sq)
