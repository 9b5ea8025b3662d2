"""The LSTM cell's gate math, forward and backward (float32 and float64), each in one pass over memory.

A step's gates are PyTorch's (i, f, g, o) blocks of H columns; the formula is the lstm_cell
primitive's (backends/base.py). This is its one CPU definition (the OpenCL backend composes the
same formula from its elementwise primitives, axonml/opencl/_nn.py). The row loops are C
(below) so that gcc vectorizes them: the float32 forward uses fast_math.h's branch-free exp for
the sigmoids and for tanh beyond |x| > 0.625 (Cephes' tanhf: its odd polynomial below, where
1 - 2 / (e^2x + 1) would cancel); float64 uses libm's exp and tanh. Rows are independent and a
step is small (a few thousand elements), so the loops stay serial. The wrappers take
C-contiguous arrays of one dtype (the CPU backend sees to that) and pass raw pointers: no
memoryview is acquired per call.
"""
cimport numpy as cnp

cdef extern from *:
    """
    #include "fast_math.h"

    static inline float axon_sigmoidf(float x) { return 1.0f / (1.0f + axon_expf(-x)); }
    static inline double axon_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

    static inline float axon_tanhf(float x)
    {
        float a = fabsf(x);
        float large = 1.0f - 2.0f / (axon_expf(2.0f * a) + 1.0f);
        float z = x * x;
        float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                        + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
        return a > 0.625f ? copysignf(large, x) : small;
    }

    #define AXON_LSTM_CELL(NAME, T, SIGMOID, TANH)                                                    \\
    AXON_ROW_LOOP static void NAME(T *restrict gates, const T *restrict c_prev, T *restrict c,        \\
                                   T *restrict tanh_c, T *restrict h, ptrdiff_t batch, ptrdiff_t hidden) \\
    {                                                                                                 \\
        for (ptrdiff_t b = 0; b < batch; b++) {                                                       \\
            T *restrict gi = gates + 4 * hidden * b, *restrict gf = gi + hidden;                      \\
            T *restrict gg = gi + 2 * hidden, *restrict go = gi + 3 * hidden;                         \\
            ptrdiff_t row = hidden * b;                                                               \\
            for (ptrdiff_t j = 0; j < hidden; j++) {                                                  \\
                T i = SIGMOID(gi[j]), f = SIGMOID(gf[j]), g = TANH(gg[j]), o = SIGMOID(go[j]);        \\
                T cell = f * c_prev[row + j] + i * g;                                                 \\
                T tc = TANH(cell);                                                                    \\
                gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;                                           \\
                c[row + j] = cell; tanh_c[row + j] = tc; h[row + j] = o * tc;                         \\
            }                                                                                         \\
        }                                                                                             \\
    }

    AXON_LSTM_CELL(axon_lstm_cell_f32, float, axon_sigmoidf, axon_tanhf)
    AXON_LSTM_CELL(axon_lstm_cell_f64, double, axon_sigmoid, tanh)

    #define AXON_LSTM_CELL_BACKWARD(NAME, T)                                                          \\
    AXON_ROW_LOOP static void NAME(const T *restrict grad_h, const T *restrict dh_next,               \\
                                   const T *restrict dc_next, const T *restrict act,                  \\
                                   const T *restrict c_prev, const T *restrict tanh_c,                \\
                                   T *restrict d_gates, T *restrict dc_prev, ptrdiff_t batch,         \\
                                   ptrdiff_t hidden)                                                  \\
    {                                                                                                 \\
        for (ptrdiff_t b = 0; b < batch; b++) {                                                       \\
            const T *restrict ai = act + 4 * hidden * b, *restrict af = ai + hidden;                  \\
            const T *restrict ag = ai + 2 * hidden, *restrict ao = ai + 3 * hidden;                   \\
            T *restrict di = d_gates + 4 * hidden * b, *restrict df = di + hidden;                    \\
            T *restrict dg = di + 2 * hidden, *restrict dout = di + 3 * hidden;                       \\
            ptrdiff_t row = hidden * b;                                                               \\
            for (ptrdiff_t j = 0; j < hidden; j++) {                                                  \\
                T i = ai[j], f = af[j], g = ag[j], o = ao[j], tc = tanh_c[row + j];                   \\
                T dh = grad_h[row + j] + dh_next[row + j];                                            \\
                T dc = dc_next[row + j] + dh * o * (1 - tc * tc);                                     \\
                di[j] = dc * g * i * (1 - i);                                                         \\
                df[j] = dc * c_prev[row + j] * f * (1 - f);                                           \\
                dg[j] = dc * i * (1 - g * g);                                                         \\
                dout[j] = dh * tc * o * (1 - o);                                                      \\
                dc_prev[row + j] = dc * f;                                                            \\
            }                                                                                         \\
        }                                                                                             \\
    }

    AXON_LSTM_CELL_BACKWARD(axon_lstm_cell_backward_f32, float)
    AXON_LSTM_CELL_BACKWARD(axon_lstm_cell_backward_f64, double)
    """
    void axon_lstm_cell_f32(float* gates, const float* c_prev, float* c, float* tanh_c, float* h,
                            Py_ssize_t batch, Py_ssize_t hidden) nogil
    void axon_lstm_cell_f64(double* gates, const double* c_prev, double* c, double* tanh_c, double* h,
                            Py_ssize_t batch, Py_ssize_t hidden) nogil
    void axon_lstm_cell_backward_f32(const float* grad_h, const float* dh_next, const float* dc_next,
                                     const float* act, const float* c_prev, const float* tanh_c,
                                     float* d_gates, float* dc_prev, Py_ssize_t batch, Py_ssize_t hidden) nogil
    void axon_lstm_cell_backward_f64(const double* grad_h, const double* dh_next, const double* dc_next,
                                     const double* act, const double* c_prev, const double* tanh_c,
                                     double* d_gates, double* dc_prev, Py_ssize_t batch, Py_ssize_t hidden) nogil

cnp.import_array()


def lstm_cell(cnp.ndarray gates, cnp.ndarray c_prev, cnp.ndarray c, cnp.ndarray tanh_c, cnp.ndarray h):
    """Overwrite gates (B, 4H) with their activations; write c, tanh(c) and h (B, H)."""
    cdef Py_ssize_t batch = cnp.PyArray_DIM(gates, 0), hidden = cnp.PyArray_DIM(gates, 1) // 4
    cdef int dtype = cnp.PyArray_TYPE(gates)
    if dtype != cnp.NPY_FLOAT and dtype != cnp.NPY_DOUBLE:
        raise TypeError(f"lstm_cell: expected float32 or float64, got {gates.dtype}")
    if dtype == cnp.NPY_FLOAT:
        with nogil:
            axon_lstm_cell_f32(<float*>cnp.PyArray_DATA(gates), <const float*>cnp.PyArray_DATA(c_prev),
                               <float*>cnp.PyArray_DATA(c), <float*>cnp.PyArray_DATA(tanh_c),
                               <float*>cnp.PyArray_DATA(h), batch, hidden)
    else:
        with nogil:
            axon_lstm_cell_f64(<double*>cnp.PyArray_DATA(gates), <const double*>cnp.PyArray_DATA(c_prev),
                               <double*>cnp.PyArray_DATA(c), <double*>cnp.PyArray_DATA(tanh_c),
                               <double*>cnp.PyArray_DATA(h), batch, hidden)


def lstm_cell_backward(cnp.ndarray grad_h, cnp.ndarray dh_next, cnp.ndarray dc_next, cnp.ndarray act,
                       cnp.ndarray c_prev, cnp.ndarray tanh_c, cnp.ndarray d_gates, cnp.ndarray dc_prev):
    """From dL/dh = grad_h + dh_next and dL/dc_next, write the gates' pre-activation gradient and dL/dc_prev."""
    cdef Py_ssize_t batch = cnp.PyArray_DIM(act, 0), hidden = cnp.PyArray_DIM(act, 1) // 4
    cdef int dtype = cnp.PyArray_TYPE(act)
    if dtype != cnp.NPY_FLOAT and dtype != cnp.NPY_DOUBLE:
        raise TypeError(f"lstm_cell_backward: expected float32 or float64, got {act.dtype}")
    if dtype == cnp.NPY_FLOAT:
        with nogil:
            axon_lstm_cell_backward_f32(
                <const float*>cnp.PyArray_DATA(grad_h), <const float*>cnp.PyArray_DATA(dh_next),
                <const float*>cnp.PyArray_DATA(dc_next), <const float*>cnp.PyArray_DATA(act),
                <const float*>cnp.PyArray_DATA(c_prev), <const float*>cnp.PyArray_DATA(tanh_c),
                <float*>cnp.PyArray_DATA(d_gates), <float*>cnp.PyArray_DATA(dc_prev), batch, hidden)
    else:
        with nogil:
            axon_lstm_cell_backward_f64(
                <const double*>cnp.PyArray_DATA(grad_h), <const double*>cnp.PyArray_DATA(dh_next),
                <const double*>cnp.PyArray_DATA(dc_next), <const double*>cnp.PyArray_DATA(act),
                <const double*>cnp.PyArray_DATA(c_prev), <const double*>cnp.PyArray_DATA(tanh_c),
                <double*>cnp.PyArray_DATA(d_gates), <double*>cnp.PyArray_DATA(dc_prev), batch, hidden)
