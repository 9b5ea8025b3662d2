"""Fused optimizer updates on an OpenCL device (optim.cl), in place on the parameter and its state."""
from __future__ import annotations

import numpy as np

__all__ = ["sgd_step", "adam_step", "rmsprop_step", "adadelta_step", "adagrad_step", "adamax_step",
           "nadam_step", "radam_step", "asgd_step", "rprop_step", "lamb_step"]


class _Staged:
    """Contiguous arrays of the parameter's dtype for the kernel; strided or other-typed state is
    worked on in a copy and written back (grad is only read)."""

    def __init__(self, backend, param, grad, *state):
        self.backend = backend
        self.dtype = param.dtype
        self.arrays, self.copies = [], []
        for position, array in enumerate((param, grad) + state):
            if array is None:
                self.arrays.append(None)
            elif array.dtype == self.dtype and array.is_contiguous():
                self.arrays.append(array)
            else:
                work = backend.ascontiguousarray(backend.astype(array, self.dtype))
                if work is array:
                    work = backend.copy(array)
                self.arrays.append(work)
                if position != 1:
                    self.copies.append((array, work))

    def args(self, index):
        """(buffer, offset) of array index; a placeholder (param's buffer) when it is absent."""
        array = self.arrays[index]
        if array is None:
            return self.arrays[0].buffer, np.int64(0)
        return array.buffer, np.int64(array.offset)

    def write_back(self):
        for array, work in self.copies:
            self.backend.copy_into(array, work)


def _run(backend, name, staged, *args):
    dtype = staged.dtype
    if dtype.kind not in "fV":
        raise TypeError(f"optimizer updates need floating-point parameters, got {dtype}")
    defines = (("T", backend._ctype(dtype)),) + backend._type_defines(dtype)
    n = staged.arrays[0].size
    backend.launch(backend.kernel("optim", name, defines), n, *args)
    staged.write_back()


def sgd_step(backend, param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize,
             first_step):
    staged = _Staged(backend, param, grad, momentum_buffer)
    t = staged.dtype.type
    _run(backend, "sgd", staged, *staged.args(0), *staged.args(1), *staged.args(2),
         np.int32(momentum_buffer is not None), np.int64(param.size), t(lr), t(momentum), t(dampening),
         t(weight_decay), np.int32(nesterov), np.int32(maximize), np.int32(first_step))


def adam_step(backend, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step_size, bias_correction2_sqrt, beta1,
              beta2, eps, weight_decay, decay_factor, maximize):
    staged = _Staged(backend, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)
    t = staged.dtype.type
    _run(backend, "adam", staged, *staged.args(0), *staged.args(1), *staged.args(2), *staged.args(3),
         *staged.args(4), np.int32(max_exp_avg_sq is not None), np.int64(param.size), t(step_size),
         t(bias_correction2_sqrt), t(beta1), t(beta2), t(eps), t(weight_decay), t(decay_factor), np.int32(maximize))


def rmsprop_step(backend, param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    staged = _Staged(backend, param, grad, square_avg, momentum_buffer if momentum > 0 else None,
                     grad_avg if centered else None)
    t = staged.dtype.type
    _run(backend, "rmsprop", staged, *staged.args(0), *staged.args(1), *staged.args(2), *staged.args(3),
         np.int32(momentum > 0), *staged.args(4), np.int32(bool(centered)), np.int64(param.size), t(lr), t(alpha),
         t(eps), t(weight_decay), t(momentum), np.int32(maximize))


def _elementwise(backend, name, arrays, scalars, flags):
    """Launch the optim.cl kernel name over arrays (param, grad, state...), then its scalars (in the
    parameter's dtype) and int flags; returns the staged arrays."""
    staged = _Staged(backend, *arrays)
    t = staged.dtype.type
    buffers = [arg for index in range(len(arrays)) for arg in staged.args(index)]
    _run(backend, name, staged, *buffers, np.int64(arrays[0].size), *(t(s) for s in scalars),
         *(np.int32(f) for f in flags))
    return staged


def adadelta_step(backend, param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    _elementwise(backend, "adadelta", (param, grad, square_avg, acc_delta), (lr, rho, eps, weight_decay), (maximize,))


def adagrad_step(backend, param, grad, state_sum, clr, eps, weight_decay, maximize):
    _elementwise(backend, "adagrad", (param, grad, state_sum), (clr, eps, weight_decay), (maximize,))


def adamax_step(backend, param, grad, exp_avg, exp_inf, clr, beta1, beta2, eps, weight_decay, maximize):
    _elementwise(backend, "adamax", (param, grad, exp_avg, exp_inf), (clr, beta1, beta2, eps, weight_decay),
                 (maximize,))


def nadam_step(backend, param, grad, exp_avg, exp_avg_sq, bias_correction2, grad_coefficient, exp_avg_coefficient,
               beta1, beta2, eps, weight_decay, decay_factor, maximize):
    _elementwise(backend, "nadam", (param, grad, exp_avg, exp_avg_sq),
                 (bias_correction2, grad_coefficient, exp_avg_coefficient, beta1, beta2, eps, weight_decay,
                  decay_factor), (maximize,))


def radam_step(backend, param, grad, exp_avg, exp_avg_sq, bias_correction1, lr, bias_correction2_sqrt, rect, beta1,
               beta2, eps, weight_decay, decay_factor, rectified, maximize):
    _elementwise(backend, "radam", (param, grad, exp_avg, exp_avg_sq),
                 (bias_correction1, lr, bias_correction2_sqrt, rect, beta1, beta2, eps, weight_decay, decay_factor),
                 (rectified, maximize))


def asgd_step(backend, param, grad, ax, eta, decay_factor, mu, weight_decay, maximize):
    _elementwise(backend, "asgd", (param, grad, ax), (eta, decay_factor, mu, weight_decay), (maximize,))


def rprop_step(backend, param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max, maximize):
    _elementwise(backend, "rprop", (param, grad, prev, step_size),
                 (etaminus, etaplus, step_size_min, step_size_max), (maximize,))


def lamb_step(backend, param, grad, exp_avg, exp_avg_sq, update, bias_correction1, bias_correction2, beta1, beta2,
              eps, weight_decay, maximize):
    staged = _elementwise(backend, "lamb", (param, grad, exp_avg, exp_avg_sq, update),
                          (bias_correction1, bias_correction2, beta1, beta2, eps, weight_decay), (maximize,))
    work_param, work_update = staged.arrays[0], staged.arrays[4]
    return tuple(float(backend.to_numpy(backend.sum(backend.mul(a, a), None, False))) ** 0.5
                 for a in (work_param, work_update))
