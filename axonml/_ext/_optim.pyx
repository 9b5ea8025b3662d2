"""Fused optimizer updates: one pass over memory per parameter, in place on the parameter and its state.

Each kernel does in one loop what torch.optim's single-tensor path does in several tensor ops,
in the same order and in the parameter's precision, so the results agree with PyTorch to
rounding. The arrays are flat, C-contiguous and of one dtype (the wrapper in
axonml/backends/cpu.py stages anything else); scalars arrive already cast to that dtype.
Loops over large tensors are split across OpenMP threads.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt, sqrtf

# Below this many elements a thread team costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN = 1 << 15


cdef inline floating root(floating x) noexcept nogil:
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline floating lerp(floating start, floating end, floating weight) noexcept nogil:
    """torch.lerp's formula (exact at both ends)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def sgd(floating[::1] param, const floating[::1] grad, floating[::1] momentum_buffer,
        floating lr, floating momentum, floating dampening, floating weight_decay,
        bint nesterov, bint maximize, bint first_step):
    """SGD with optional momentum; momentum_buffer is None when momentum == 0."""
    cdef Py_ssize_t i, n = param.shape[0]
    cdef bint has_momentum = momentum_buffer is not None
    cdef floating g, buf
    cdef floating keep = 1 - dampening
    with nogil:
        for i in prange(n, schedule="static", use_threads_if=n >= PARALLEL_MIN):
            g = -grad[i] if maximize else grad[i]
            if weight_decay != 0:
                g = g + weight_decay * param[i]
            if has_momentum:
                if first_step:
                    buf = g
                else:
                    buf = momentum_buffer[i] * momentum + keep * g
                momentum_buffer[i] = buf
                if nesterov:
                    g = g + momentum * buf
                else:
                    g = buf
            param[i] = param[i] + (-lr) * g


def adam(floating[::1] param, const floating[::1] grad, floating[::1] exp_avg, floating[::1] exp_avg_sq,
         floating[::1] max_exp_avg_sq, floating step_size, floating bias_correction2_sqrt,
         floating beta1, floating beta2, floating eps, floating weight_decay, floating decay_factor,
         bint decoupled, bint maximize):
    """Adam / AdamW; max_exp_avg_sq is None unless amsgrad. decay_factor is 1 - lr * weight_decay."""
    cdef Py_ssize_t i, n = param.shape[0]
    cdef bint amsgrad = max_exp_avg_sq is not None
    cdef floating g, p, m, v, denom
    cdef floating one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2
    with nogil:
        for i in prange(n, schedule="static", use_threads_if=n >= PARALLEL_MIN):
            g = -grad[i] if maximize else grad[i]
            p = param[i]
            if weight_decay != 0:
                if decoupled:
                    p = p * decay_factor
                else:
                    g = g + weight_decay * p
            m = lerp(exp_avg[i], g, one_minus_beta1)
            v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
            exp_avg[i] = m
            exp_avg_sq[i] = v
            if amsgrad:
                if max_exp_avg_sq[i] > v:
                    v = max_exp_avg_sq[i]
                max_exp_avg_sq[i] = v
            denom = root(v) / bias_correction2_sqrt + eps
            param[i] = p + (-step_size) * (m / denom)


def rmsprop(floating[::1] param, const floating[::1] grad, floating[::1] square_avg,
            floating[::1] momentum_buffer, floating[::1] grad_avg, floating lr, floating alpha, floating eps,
            floating weight_decay, floating momentum, bint maximize):
    """RMSprop; momentum_buffer is None when momentum == 0, grad_avg None unless centered."""
    cdef Py_ssize_t i, n = param.shape[0]
    cdef bint has_momentum = momentum_buffer is not None
    cdef bint centered = grad_avg is not None
    cdef floating g, sa, ga, avg, buf
    cdef floating one_minus_alpha = 1 - alpha
    with nogil:
        for i in prange(n, schedule="static", use_threads_if=n >= PARALLEL_MIN):
            g = -grad[i] if maximize else grad[i]
            if weight_decay != 0:
                g = g + weight_decay * param[i]
            sa = square_avg[i] * alpha + one_minus_alpha * g * g
            square_avg[i] = sa
            if centered:
                ga = lerp(grad_avg[i], g, one_minus_alpha)
                grad_avg[i] = ga
                avg = root(sa + (-ga) * ga) + eps
            else:
                avg = root(sa) + eps
            if has_momentum:
                buf = momentum_buffer[i] * momentum + g / avg
                momentum_buffer[i] = buf
                param[i] = param[i] + (-lr) * buf
            else:
                param[i] = param[i] + (-lr) * (g / avg)
