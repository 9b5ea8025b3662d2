"""Convolution on the CPU: im2col / col2im and the per-image im2col + gemm convolution.

For an image (C, H, W), its patch matrix (C*kh*kw, Ho*Wo) holds at row (c*kh + i)*kw + j and
column oh*Wo + ow the pixel x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (zero in the padding),
so a convolution is weight (Cout, C*kh*kw) @ patches, one gemm per image and group.

conv2d_forward/backward give each OpenMP thread whole images: the thread builds an image's
patch matrix in its own buffer, still in cache, and multiplies it straight into that image's
output (forward), into its private weight-gradient sum, and into the image's input gradient
through col2im (backward). With fewer images than threads, each image's product is split
over the threads instead. A 1x1 kernel with unit stride and no padding skips im2col: the
image already is its patch matrix.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.string cimport memset
from openmp cimport omp_get_thread_num

from axonml._ext._blas cimport gemm_one, gemm_split, threads_for


cdef inline Py_ssize_t first_inside(Py_ssize_t offset, Py_ssize_t stride) noexcept nogil:
    """The smallest o >= 0 with o * stride + offset >= 0."""
    if offset >= 0:
        return 0
    return (-offset + stride - 1) // stride


cdef inline Py_ssize_t end_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                  Py_ssize_t out_size) noexcept nogil:
    """One past the largest o < out_size with o * stride + offset < size."""
    cdef Py_ssize_t end
    if offset >= size:
        return 0
    end = (size - 1 - offset) // stride + 1
    return end if end < out_size else out_size


cdef struct Geometry:
    Py_ssize_t height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w


cdef void plane_to_rows(const floating* plane, floating* rows, Geometry* g) noexcept nogil:
    """The kh*kw patch-matrix rows (each out_h*out_w long) of one image plane (height x width)."""
    cdef Py_ssize_t i, j, oh, ow, ih, w_lo, w_hi, offset_w, out_l = g.out_h * g.out_w
    cdef floating* dst
    cdef const floating* src
    for i in range(g.kh):
        for j in range(g.kw):
            offset_w = j * g.dw - g.pw
            w_lo = first_inside(offset_w, g.sw)
            w_hi = end_inside(offset_w, g.sw, g.width, g.out_w)
            if w_hi < w_lo:
                w_hi = w_lo
            for oh in range(g.out_h):
                dst = rows + (i * g.kw + j) * out_l + oh * g.out_w
                ih = oh * g.sh - g.ph + i * g.dh
                if ih < 0 or ih >= g.height:
                    memset(dst, 0, g.out_w * sizeof(floating))
                    continue
                src = plane + ih * g.width + offset_w
                if w_lo > 0:
                    memset(dst, 0, w_lo * sizeof(floating))
                if g.sw == 1:
                    for ow in range(w_lo, w_hi):
                        dst[ow] = src[ow]
                else:
                    for ow in range(w_lo, w_hi):
                        dst[ow] = src[ow * g.sw]
                if w_hi < g.out_w:
                    memset(dst + w_hi, 0, (g.out_w - w_hi) * sizeof(floating))


cdef void rows_to_plane(const floating* rows, floating* plane, Geometry* g) noexcept nogil:
    """Add one plane's kh*kw patch-matrix rows back into the pixels they were read from."""
    cdef Py_ssize_t i, j, oh, ow, ih, w_lo, w_hi, offset_w, out_l = g.out_h * g.out_w
    cdef const floating* src
    cdef floating* dst
    for i in range(g.kh):
        for j in range(g.kw):
            offset_w = j * g.dw - g.pw
            w_lo = first_inside(offset_w, g.sw)
            w_hi = end_inside(offset_w, g.sw, g.width, g.out_w)
            for oh in range(g.out_h):
                ih = oh * g.sh - g.ph + i * g.dh
                if ih < 0 or ih >= g.height:
                    continue
                src = rows + (i * g.kw + j) * out_l + oh * g.out_w
                dst = plane + ih * g.width + offset_w
                for ow in range(w_lo, w_hi):
                    dst[ow * g.sw] += src[ow]


cdef Geometry geometry(Py_ssize_t height, Py_ssize_t width, int kh, int kw, int sh, int sw, int ph, int pw,
                       int dh, int dw, int out_h, int out_w):
    cdef Geometry g
    g.height, g.width, g.kh, g.kw, g.sh, g.sw = height, width, kh, kw, sh, sw
    g.ph, g.pw, g.dh, g.dw, g.out_h, g.out_w = ph, pw, dh, dw, out_h, out_w
    return g


def im2col(const floating[:, :, :, ::1] x, floating[:, :, ::1] columns, int kh, int kw, int sh, int sw,
           int ph, int pw, int dh, int dw, int out_h, int out_w):
    """Fill columns (N, C*kh*kw, out_h*out_w) from the contiguous images x (N, C, H, W)."""
    cdef Geometry g = geometry(x.shape[2], x.shape[3], kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w)
    cdef Py_ssize_t channels = x.shape[1], pair
    cdef int threads = threads_for(columns.shape[0] * columns.shape[1] * columns.shape[2])
    for pair in prange(x.shape[0] * channels, nogil=True, schedule="static", num_threads=threads):
        plane_to_rows(&x[pair // channels, pair % channels, 0, 0],
                      &columns[pair // channels, (pair % channels) * kh * kw, 0], &g)


def col2im(const floating[:, :, ::1] columns, floating[:, :, :, ::1] grad, int kh, int kw, int sh, int sw,
           int ph, int pw, int dh, int dw, int out_h, int out_w):
    """Add every column entry into the pixel it was read from: grad (N, C, H, W), zeroed by the caller."""
    cdef Geometry g = geometry(grad.shape[2], grad.shape[3], kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w)
    cdef Py_ssize_t channels = grad.shape[1], pair
    cdef int threads = threads_for(columns.shape[0] * columns.shape[1] * columns.shape[2])
    for pair in prange(grad.shape[0] * channels, nogil=True, schedule="static", num_threads=threads):
        rows_to_plane(&columns[pair // channels, (pair % channels) * kh * kw, 0],
                      &grad[pair // channels, pair % channels, 0, 0], &g)


cdef bint is_pointwise(Geometry* g) noexcept nogil:
    return (g.kh == 1 and g.kw == 1 and g.sh == 1 and g.sw == 1 and g.ph == 0 and g.pw == 0
            and g.out_h == g.height and g.out_w == g.width)


cdef const floating* image_patches(const floating* image, Py_ssize_t channels, floating* buffer,
                                   Geometry* g) noexcept nogil:
    """One image's patch matrix: the image itself for a pointwise kernel, else built in buffer."""
    cdef Py_ssize_t c, plane = g.height * g.width, rows = g.kh * g.kw * g.out_h * g.out_w
    if is_pointwise(g):
        return image
    for c in range(channels):
        plane_to_rows(image + c * plane, buffer + c * rows, g)
    return buffer


cdef void forward_image(const floating* image, const floating* weight, floating* out, floating* buffer,
                        Py_ssize_t channels, Py_ssize_t out_channels, int groups, Geometry* g,
                        bint has_bias, int threads) noexcept nogil:
    """out (Cout, L) (+)= weight (Cout, K) @ patches (K, L), group by group; threads > 1 splits each gemm."""
    cdef const floating* patches = image_patches(image, channels, buffer, g)
    cdef int length = g.out_h * g.out_w, group_k = channels // groups * g.kh * g.kw
    cdef int group_out = out_channels // groups, group
    cdef floating beta = 1 if has_bias else 0
    for group in range(groups):
        # column-major: out^T (L x Cout_g) = patches_g^T (L x K_g) . weight_g^T (K_g x Cout_g)
        if threads > 1:
            gemm_split(c'N', c'N', length, group_out, group_k, <floating>1, patches + group * group_k * length,
                       length, weight + group * group_out * group_k, group_k, beta,
                       out + group * group_out * length, length, threads)
        else:
            gemm_one(c'N', c'N', length, group_out, group_k, <floating>1, patches + group * group_k * length,
                     length, weight + group * group_out * group_k, group_k, beta,
                     out + group * group_out * length, length)


def conv2d_forward(const floating[:, :, :, ::1] x, const floating[:, ::1] weight, floating[:, :, ::1] out,
                   int groups, bint has_bias, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                   int out_h, int out_w):
    """out (N, Cout, out_h*out_w), holding the bias when has_bias, (+)= x (N, C, H, W) convolved with
    weight (Cout, C/groups*kh*kw)."""
    cdef Geometry g = geometry(x.shape[2], x.shape[3], kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w)
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], out_channels = weight.shape[0], n
    cdef int threads = threads_for(batch * out_channels * weight.shape[1] * out_h * out_w)
    cdef floating[:, ::1] buffers = patch_buffers(x, 1 if batch < threads else threads, &g)
    if batch >= threads:
        for n in prange(batch, nogil=True, schedule="dynamic", num_threads=threads):
            forward_image(&x[n, 0, 0, 0], &weight[0, 0], &out[n, 0, 0], &buffers[omp_get_thread_num(), 0],
                          channels, out_channels, groups, &g, has_bias, 1)
    else:
        with nogil:
            for n in range(batch):
                forward_image(&x[n, 0, 0, 0], &weight[0, 0], &out[n, 0, 0], &buffers[0, 0],
                              channels, out_channels, groups, &g, has_bias, threads)


cdef patch_buffers(x, Py_ssize_t count, Geometry* g):
    """count patch matrices' worth of scratch memory (one element when the kernel is pointwise)."""
    cdef Py_ssize_t size = 1 if is_pointwise(g) else x.shape[1] * g.kh * g.kw * g.out_h * g.out_w
    return np.empty((count, size), np.asarray(x).dtype)


cdef void backward_image(const floating* image, const floating* grad, const floating* weight,
                         floating* grad_image, floating* grad_weight, floating* patches_buffer,
                         floating* grad_patches_buffer, Py_ssize_t channels, Py_ssize_t out_channels, int groups,
                         Geometry* g, int threads) noexcept nogil:
    """One image's share of the weight gradient (+=) and its input gradient (grad_image, zeroed)."""
    cdef int length = g.out_h * g.out_w, group_k = channels // groups * g.kh * g.kw
    cdef int group_out = out_channels // groups, group
    cdef Py_ssize_t c, plane = g.height * g.width, rows = g.kh * g.kw * length
    cdef const floating* patches
    cdef floating* grad_patches
    if grad_weight != NULL:
        patches = image_patches(image, channels, patches_buffer, g)
        for group in range(groups):
            # column-major: grad_weight_g^T (K_g x Cout_g) += patches_g (K_g x L) . grad_g^T (L x Cout_g)
            if threads > 1:
                gemm_split(c'T', c'N', group_k, group_out, length, <floating>1, patches + group * group_k * length,
                           length, grad + group * group_out * length, length, <floating>1,
                           grad_weight + group * group_out * group_k, group_k, threads)
            else:
                gemm_one(c'T', c'N', group_k, group_out, length, <floating>1, patches + group * group_k * length,
                         length, grad + group * group_out * length, length, <floating>1,
                         grad_weight + group * group_out * group_k, group_k)
    if grad_image != NULL:
        grad_patches = grad_image if is_pointwise(g) else grad_patches_buffer
        for group in range(groups):
            # column-major: grad_patches_g^T (L x K_g) = grad_g^T (L x Cout_g) . weight_g (Cout_g x K_g)
            if threads > 1:
                gemm_split(c'N', c'T', length, group_k, group_out, <floating>1, grad + group * group_out * length,
                           length, weight + group * group_out * group_k, group_k, <floating>0,
                           grad_patches + group * group_k * length, length, threads)
            else:
                gemm_one(c'N', c'T', length, group_k, group_out, <floating>1, grad + group * group_out * length,
                         length, weight + group * group_out * group_k, group_k, <floating>0,
                         grad_patches + group * group_k * length, length)
        if not is_pointwise(g):
            for c in range(channels):
                rows_to_plane(grad_patches + c * rows, grad_image + c * plane, g)


def conv2d_backward(const floating[:, :, :, ::1] x, const floating[:, ::1] weight, const floating[:, :, ::1] grad,
                    floating[:, :, :, ::1] grad_input, floating[:, ::1] grad_weight, int groups, int kh, int kw,
                    int sh, int sw, int ph, int pw, int dh, int dw, int out_h, int out_w):
    """grad_input (N, C, H, W, zeroed) and grad_weight (Cout, K) from grad (N, Cout, L); either may be None."""
    cdef Geometry g = geometry(x.shape[2], x.shape[3], kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w)
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], out_channels = weight.shape[0], n
    cdef int threads = threads_for(batch * out_channels * weight.shape[1] * out_h * out_w), t
    cdef bint per_image = batch >= threads
    cdef int count = threads if per_image else 1
    cdef bint need_input = grad_input is not None, need_weight = grad_weight is not None
    cdef floating[:, ::1] patches = patch_buffers(x, count if need_weight else 1, &g)
    cdef floating[:, ::1] grad_patches = patch_buffers(x, count if need_input else 1, &g)
    cdef tuple partial_shape = (1, 1, 1)
    if need_weight:
        partial_shape = (count, weight.shape[0], weight.shape[1])
    cdef floating[:, :, ::1] partial_weights = np.zeros(partial_shape, np.asarray(x).dtype)
    if per_image:
        # static: each thread sums a fixed run of images, so grad_weight is the same on every run
        for n in prange(batch, nogil=True, schedule="static", num_threads=threads):
            t = omp_get_thread_num()
            backward_image(&x[n, 0, 0, 0], &grad[n, 0, 0], &weight[0, 0],
                           &grad_input[n, 0, 0, 0] if need_input else NULL,
                           &partial_weights[t, 0, 0] if need_weight else NULL,
                           &patches[t, 0], &grad_patches[t, 0], channels, out_channels, groups, &g, 1)
    else:
        with nogil:
            for n in range(batch):
                backward_image(&x[n, 0, 0, 0], &grad[n, 0, 0], &weight[0, 0],
                               &grad_input[n, 0, 0, 0] if need_input else NULL,
                               &partial_weights[0, 0, 0] if need_weight else NULL,
                               &patches[0, 0], &grad_patches[0, 0], channels, out_channels, groups, &g, threads)
    if need_weight:
        np.sum(partial_weights, axis=0, out=np.asarray(grad_weight))
