"""The LSTM cell's backward gate math in one pass over memory.

(The forward is NumPy's SIMD tanh in the CPU backend: it is transcendental-bound, where a
scalar libm loop is several times slower.) A step's gates are PyTorch's (i, f, g, o) blocks
of H columns. Rows are independent and small (a few thousand elements per step), so the
loop stays serial.
"""
from cython cimport floating


def lstm_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] dh_next,
                       const floating[:, ::1] dc_next, const floating[:, ::1] act, const floating[:, ::1] c_prev,
                       const floating[:, ::1] tanh_c, floating[:, ::1] d_gates, floating[:, ::1] dc_prev):
    """From dL/dh = grad_h + dh_next and dL/dc_next, write the gates' pre-activation gradient and dL/dc_prev."""
    cdef Py_ssize_t batch = act.shape[0], hidden = act.shape[1] // 4, b, j
    cdef floating i, f, g, o, tc, dh, dc
    with nogil:
        for b in range(batch):
            for j in range(hidden):
                i = act[b, j]
                f = act[b, hidden + j]
                g = act[b, 2 * hidden + j]
                o = act[b, 3 * hidden + j]
                tc = tanh_c[b, j]
                dh = grad_h[b, j] + dh_next[b, j]
                dc = dc_next[b, j] + dh * o * (1 - tc * tc)
                d_gates[b, j] = dc * g * i * (1 - i)
                d_gates[b, hidden + j] = dc * c_prev[b, j] * f * (1 - f)
                d_gates[b, 2 * hidden + j] = dc * i * (1 - g * g)
                d_gates[b, 3 * hidden + j] = dh * tc * o * (1 - o)
                dc_prev[b, j] = dc * f
