// Fused optimizer updates: torch.optim's single-tensor formulas in one pass, in place.
//
// The host defines T. Arrays are contiguous runs starting at the given element offsets;
// optional state (momentum buffer, max_exp_avg_sq, grad_avg) is flagged off by has_* = 0.

inline T lerp_exact(T start, T end, T weight) {  // torch.lerp's formula (exact at both ends)
    return weight < (T)0.5 ? start + weight * (end - start) : end - (end - start) * ((T)1 - weight);
}

__kernel void sgd(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                  __global T* momentum_buffer, const long buffer_offset, const int has_momentum, const long n,
                  const T lr, const T momentum, const T dampening, const T weight_decay,
                  const int nesterov, const int maximize, const int first_step) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    T g = grad[grad_offset + i];
    if (maximize) g = -g;
    if (weight_decay != 0) g = g + weight_decay * *p;
    if (has_momentum) {
        __global T* b = momentum_buffer + buffer_offset + i;
        const T buf = first_step ? g : *b * momentum + ((T)1 - dampening) * g;
        *b = buf;
        g = nesterov ? g + momentum * buf : buf;
    }
    *p = *p + (-lr) * g;
}

__kernel void adam(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                   __global T* exp_avg, const long exp_avg_offset, __global T* exp_avg_sq, const long exp_avg_sq_offset,
                   __global T* max_exp_avg_sq, const long max_offset, const int amsgrad, const long n,
                   const T step_size, const T bias_correction2_sqrt, const T beta1, const T beta2, const T eps,
                   const T weight_decay, const T decay_factor, const int decoupled, const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    T g = grad[grad_offset + i];
    if (maximize) g = -g;
    T p = param[param_offset + i];
    if (weight_decay != 0) {
        if (decoupled) p = p * decay_factor;
        else g = g + weight_decay * p;
    }
    const T m = lerp_exact(exp_avg[exp_avg_offset + i], g, (T)1 - beta1);
    T v = exp_avg_sq[exp_avg_sq_offset + i] * beta2 + ((T)1 - beta2) * g * g;
    exp_avg[exp_avg_offset + i] = m;
    exp_avg_sq[exp_avg_sq_offset + i] = v;
    if (amsgrad) {
        const T previous = max_exp_avg_sq[max_offset + i];
        if (previous > v) v = previous;
        max_exp_avg_sq[max_offset + i] = v;
    }
    const T denom = sqrt(v) / bias_correction2_sqrt + eps;
    param[param_offset + i] = p + (-step_size) * (m / denom);
}

__kernel void rmsprop(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                      __global T* square_avg, const long square_avg_offset,
                      __global T* momentum_buffer, const long buffer_offset, const int has_momentum,
                      __global T* grad_avg, const long grad_avg_offset, const int centered, const long n,
                      const T lr, const T alpha, const T eps, const T weight_decay, const T momentum,
                      const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    T g = grad[grad_offset + i];
    if (maximize) g = -g;
    if (weight_decay != 0) g = g + weight_decay * *p;
    const T sa = square_avg[square_avg_offset + i] * alpha + ((T)1 - alpha) * g * g;
    square_avg[square_avg_offset + i] = sa;
    T avg;
    if (centered) {
        const T ga = lerp_exact(grad_avg[grad_avg_offset + i], g, (T)1 - alpha);
        grad_avg[grad_avg_offset + i] = ga;
        avg = sqrt(sa + (-ga) * ga) + eps;
    } else {
        avg = sqrt(sa) + eps;
    }
    if (has_momentum) {
        const T buf = momentum_buffer[buffer_offset + i] * momentum + g / avg;
        momentum_buffer[buffer_offset + i] = buf;
        *p = *p + (-lr) * buf;
    } else {
        *p = *p + (-lr) * (g / avg);
    }
}
