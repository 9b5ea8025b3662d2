// Fused optimizer updates: torch.optim's single-tensor formulas in one pass, in place.
//
// The host defines T. Arrays are contiguous runs starting at the given element offsets;
// optional state (momentum buffer, max_exp_avg_sq, grad_avg) is flagged off by has_* = 0.
// Scalars that depend on the step (bias corrections, step sizes) arrive computed by the optimizer.

inline T lerp_exact(T start, T end, T weight) {  // torch.lerp's formula (exact at both ends)
    return weight < (T)0.5 ? start + weight * (end - start) : end - (end - start) * ((T)1 - weight);
}

// The gradient torch.optim steps with: negated when maximizing, plus the L2 term weight_decay * p.
inline T decayed_grad(T g, const T p, const T weight_decay, const int maximize) {
    if (maximize) g = -g;
    return weight_decay != 0 ? g + weight_decay * p : g;
}

__kernel void sgd(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                  __global T* momentum_buffer, const long buffer_offset, const int has_momentum, const long n,
                  const T lr, const T momentum, const T dampening, const T weight_decay,
                  const int nesterov, const int maximize, const int first_step) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    T g = decayed_grad(grad[grad_offset + i], *p, weight_decay, maximize);
    if (has_momentum) {
        __global T* b = momentum_buffer + buffer_offset + i;
        const T buf = first_step ? g : *b * momentum + ((T)1 - dampening) * g;
        *b = buf;
        g = nesterov ? g + momentum * buf : buf;
    }
    *p = *p + (-lr) * g;
}

// decay_factor is AdamW's decoupled multiplier of param (1 for none); weight_decay the L2 term (0 for none).
__kernel void adam(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                   __global T* exp_avg, const long exp_avg_offset, __global T* exp_avg_sq, const long exp_avg_sq_offset,
                   __global T* max_exp_avg_sq, const long max_offset, const int amsgrad, const long n,
                   const T step_size, const T bias_correction2_sqrt, const T beta1, const T beta2, const T eps,
                   const T weight_decay, const T decay_factor, const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    const T p = param[param_offset + i];
    const T g = decayed_grad(grad[grad_offset + i], p, weight_decay, maximize);
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
    param[param_offset + i] = p * decay_factor + (-step_size) * (m / denom);
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
    const T g = decayed_grad(grad[grad_offset + i], *p, weight_decay, maximize);
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

__kernel void adadelta(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                       __global T* square_avg, const long square_avg_offset, __global T* acc_delta,
                       const long acc_delta_offset, const long n, const T lr, const T rho, const T eps,
                       const T weight_decay, const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    __global T* acc = acc_delta + acc_delta_offset + i;
    const T g = decayed_grad(grad[grad_offset + i], *p, weight_decay, maximize);
    const T sa = square_avg[square_avg_offset + i] * rho + ((T)1 - rho) * g * g;
    square_avg[square_avg_offset + i] = sa;
    const T delta = sqrt(*acc + eps) / sqrt(sa + eps) * g;
    *acc = *acc * rho + ((T)1 - rho) * delta * delta;
    *p = *p + (-lr) * delta;
}

__kernel void adagrad(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                      __global T* state_sum, const long state_sum_offset, const long n, const T clr, const T eps,
                      const T weight_decay, const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    const T g = decayed_grad(grad[grad_offset + i], *p, weight_decay, maximize);
    const T s = state_sum[state_sum_offset + i] + g * g;
    state_sum[state_sum_offset + i] = s;
    *p = *p + (-clr) * (g / (sqrt(s) + eps));
}

__kernel void adamax(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                     __global T* exp_avg, const long exp_avg_offset, __global T* exp_inf, const long exp_inf_offset,
                     const long n, const T clr, const T beta1, const T beta2, const T eps, const T weight_decay,
                     const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    const T g = decayed_grad(grad[grad_offset + i], *p, weight_decay, maximize);
    const T m = lerp_exact(exp_avg[exp_avg_offset + i], g, (T)1 - beta1);
    exp_avg[exp_avg_offset + i] = m;
    const T decayed = exp_inf[exp_inf_offset + i] * beta2, magnitude = fabs(g) + eps;
    const T u = decayed > magnitude ? decayed : magnitude;
    exp_inf[exp_inf_offset + i] = u;
    *p = *p + (-clr) * (m / u);
}

__kernel void nadam(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                    __global T* exp_avg, const long exp_avg_offset, __global T* exp_avg_sq, const long exp_avg_sq_offset,
                    const long n, const T bias_correction2, const T grad_coefficient, const T exp_avg_coefficient,
                    const T beta1, const T beta2, const T eps, const T weight_decay, const T decay_factor,
                    const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    const T p = param[param_offset + i];
    const T g = decayed_grad(grad[grad_offset + i], p, weight_decay, maximize);
    const T m = lerp_exact(exp_avg[exp_avg_offset + i], g, (T)1 - beta1);
    const T v = exp_avg_sq[exp_avg_sq_offset + i] * beta2 + ((T)1 - beta2) * g * g;
    exp_avg[exp_avg_offset + i] = m;
    exp_avg_sq[exp_avg_sq_offset + i] = v;
    const T denom = sqrt(v / bias_correction2) + eps;
    const T stepped = p * decay_factor + grad_coefficient * (g / denom);
    param[param_offset + i] = stepped + exp_avg_coefficient * (m / denom);
}

__kernel void radam(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                    __global T* exp_avg, const long exp_avg_offset, __global T* exp_avg_sq, const long exp_avg_sq_offset,
                    const long n, const T bias_correction1, const T lr, const T bias_correction2_sqrt, const T rect,
                    const T beta1, const T beta2, const T eps, const T weight_decay, const T decay_factor,
                    const int rectified, const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    const T p = param[param_offset + i];
    const T g = decayed_grad(grad[grad_offset + i], p, weight_decay, maximize);
    const T m = lerp_exact(exp_avg[exp_avg_offset + i], g, (T)1 - beta1);
    const T v = exp_avg_sq[exp_avg_sq_offset + i] * beta2 + ((T)1 - beta2) * g * g;
    exp_avg[exp_avg_offset + i] = m;
    exp_avg_sq[exp_avg_sq_offset + i] = v;
    T corrected = m / bias_correction1 * lr;
    if (rectified) corrected = corrected * (((T)1 / (sqrt(v) + eps)) * bias_correction2_sqrt) * rect;
    param[param_offset + i] = p * decay_factor - corrected;
}

__kernel void asgd(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                   __global T* ax, const long ax_offset, const long n, const T eta, const T decay_factor, const T mu,
                   const T weight_decay, const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    __global T* p = param + param_offset + i;
    __global T* a = ax + ax_offset + i;
    const T g = decayed_grad(grad[grad_offset + i], *p, weight_decay, maximize);
    const T stepped = *p * decay_factor + (-eta) * g;
    *p = stepped;
    *a = mu != (T)1 ? *a + (stepped - *a) * mu : stepped;
}

__kernel void rprop(__global T* param, const long param_offset, __global const T* grad, const long grad_offset,
                    __global T* prev, const long prev_offset, __global T* step_size, const long step_size_offset,
                    const long n, const T etaminus, const T etaplus, const T step_size_min, const T step_size_max,
                    const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    T g = grad[grad_offset + i];
    if (maximize) g = -g;
    const T product = g * prev[prev_offset + i];
    const T factor = product > 0 ? etaplus : (product < 0 ? etaminus : (T)1);
    T size = step_size[step_size_offset + i] * factor;
    size = size > step_size_min ? size : step_size_min;
    size = size < step_size_max ? size : step_size_max;
    step_size[step_size_offset + i] = size;
    if (factor == etaminus) g = 0;  // torch zeroes the gradient where the factor equals etaminus
    const T direction = g > 0 ? (T)1 : (g < 0 ? (T)-1 : (T)0);
    param[param_offset + i] = param[param_offset + i] + (-direction) * size;
    prev[prev_offset + i] = g;
}

// LAMB's moments and direction; the host takes the norms of param and update for the trust ratio.
__kernel void lamb(__global const T* param, const long param_offset, __global const T* grad, const long grad_offset,
                   __global T* exp_avg, const long exp_avg_offset, __global T* exp_avg_sq, const long exp_avg_sq_offset,
                   __global T* update, const long update_offset, const long n, const T bias_correction1,
                   const T bias_correction2, const T beta1, const T beta2, const T eps, const T weight_decay,
                   const int maximize) {
    const long i = get_global_id(0);
    if (i >= n) return;
    T g = grad[grad_offset + i];
    if (maximize) g = -g;
    const T m = lerp_exact(exp_avg[exp_avg_offset + i], g, (T)1 - beta1);
    const T v = exp_avg_sq[exp_avg_sq_offset + i] * beta2 + ((T)1 - beta2) * g * g;
    exp_avg[exp_avg_offset + i] = m;
    exp_avg_sq[exp_avg_sq_offset + i] = v;
    update[update_offset + i] = (m / bias_correction1) / (sqrt(v / bias_correction2) + eps)
                                + weight_decay * param[param_offset + i];
}
