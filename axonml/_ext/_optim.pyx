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
from libc.math cimport sqrt, sqrtf

cnp.import_array()

# Elements per block; below two blocks a thread team costs more than it saves.
cdef Py_ssize_t BLOCK = 1 << 14


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
    for b in prange(blocks, schedule="static", use_threads_if=blocks > 1):
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
# Flags are combined before the loops: a select on one loop-invariant flag vectorizes, a chain
# of `and`s (branches in C) does not.
cdef inline floating adam_grad(floating g, floating p, floating weight_decay, bint coupled_decay,
                               bint maximize) noexcept nogil:
    g = -g if maximize else g
    return g + weight_decay * p if coupled_decay else g


cdef inline floating adam_param(floating p, floating m, floating v, floating step_size,
                                floating bias_correction2_sqrt, floating eps) noexcept nogil:
    return p + (-step_size) * (m / (root(v) / bias_correction2_sqrt + eps))


cdef void adam_kernel(Py_ssize_t n, floating* param, const floating* grad, floating* exp_avg,
                      floating* exp_avg_sq, floating* max_exp_avg_sq, floating step_size,
                      floating bias_correction2_sqrt, floating beta1, floating beta2, floating eps,
                      floating weight_decay, floating decay_factor, bint decoupled, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating g, p, m, v, top
    cdef floating one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2
    cdef bint decoupled_decay = decoupled and weight_decay != 0
    cdef bint coupled_decay = not decoupled and weight_decay != 0
    if max_exp_avg_sq == NULL:
        for i in range(n):
            p = param[i] * decay_factor if decoupled_decay else param[i]
            g = adam_grad(grad[i], param[i], weight_decay, coupled_decay, maximize)
            m = lerp(exp_avg[i], g, one_minus_beta1)
            v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
            exp_avg[i] = m
            exp_avg_sq[i] = v
            param[i] = adam_param(p, m, v, step_size, bias_correction2_sqrt, eps)
    else:
        for i in range(n):
            p = param[i] * decay_factor if decoupled_decay else param[i]
            g = adam_grad(grad[i], param[i], weight_decay, coupled_decay, maximize)
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
                      floating beta2, floating eps, floating weight_decay, floating decay_factor, bint decoupled,
                      bint maximize) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, start
    for b in prange(blocks, schedule="static", use_threads_if=blocks > 1):
        start = b * BLOCK
        adam_kernel(min(BLOCK, n - start), param + start, grad + start, exp_avg + start, exp_avg_sq + start,
                    shifted(max_exp_avg_sq, start), step_size, bias_correction2_sqrt, beta1, beta2, eps,
                    weight_decay, decay_factor, decoupled, maximize)


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, double step_size, double bias_correction2_sqrt,
         double beta1, double beta2, double eps, double weight_decay, double decay_factor, bint decoupled,
         bint maximize):
    """Adam / AdamW; max_exp_avg_sq is None unless amsgrad. decay_factor is 1 - lr * weight_decay."""
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
                        <float>decay_factor, decoupled, maximize)
    else:
        with nogil:
            adam_blocks(n, <double*>p, <const double*>g, <double*>m, <double*>v, <double*>top, step_size,
                        bias_correction2_sqrt, beta1, beta2, eps, weight_decay, decay_factor, decoupled, maximize)


# --- RMSprop ------------------------------------------------------------------------------------
# One loop per combination of the optional arrays (grad_avg when centered, the momentum buffer),
# for the same reason as Adam's two loops.
cdef inline floating rmsprop_grad(floating g, floating p, floating weight_decay, bint has_decay,
                                  bint maximize) noexcept nogil:
    g = -g if maximize else g
    return g + weight_decay * p if has_decay else g


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
            g = rmsprop_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            param[i] = param[i] + (-lr) * (g / (root(sa) + eps))
    elif grad_avg == NULL:
        for i in range(n):
            g = rmsprop_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            buf = buffer[i] * momentum + g / (root(sa) + eps)
            buffer[i] = buf
            param[i] = param[i] + (-lr) * buf
    elif buffer == NULL:
        for i in range(n):
            g = rmsprop_grad(grad[i], param[i], weight_decay, has_decay, maximize)
            sa = rmsprop_square_avg(square_avg[i], g, alpha, one_minus_alpha)
            square_avg[i] = sa
            ga = lerp(grad_avg[i], g, one_minus_alpha)
            grad_avg[i] = ga
            param[i] = param[i] + (-lr) * (g / (root(sa + (-ga) * ga) + eps))
    else:
        for i in range(n):
            g = rmsprop_grad(grad[i], param[i], weight_decay, has_decay, maximize)
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
    for b in prange(blocks, schedule="static", use_threads_if=blocks > 1):
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
