"""Convolution on the CPU: im2col / col2im, the per-image im2col + gemm convolution, and Winograd.

Images are volumes (C, D, H, W); a 2-D convolution has D = 1 and a 1-D one H = D = 1, so one
code path serves every spatial rank. An image's patch matrix (C*kd*kh*kw, Do*Ho*Wo) holds at row
((c*kd + a)*kh + i)*kw + j and column (od*Ho + oh)*Wo + ow the pixel
x[c, od*sd - pd + a*dd, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (zero in the padding), so a
convolution is weight (Cout, C*kd*kh*kw) @ patches, one gemm per image and group.

conv_forward/backward give each OpenMP thread whole images: the thread builds an image's
patch matrix in its own buffer, still in cache, and multiplies it straight into that image's
output (forward), into its private weight-gradient sum, and into the image's input gradient
through col2im (backward). With fewer images than threads, each image's product is split
over the threads instead. A 1x1 kernel with unit stride and no padding skips im2col: the
image already is its patch matrix. An image whose patch matrix outgrows the L2 cache (the 7x7
stem's) is built and multiplied a run of output rows at a time.

Their gemms are _blas.pxd's: float32 through gemm_avx512.h's kernel on cores with AVX-512 (BLAS otherwise, and for
float64): the BLAS linked here may run its AVX2 kernels there (OpenBLAS under
OPENBLAS_CORETYPE=Haswell, or on a core it does not know) at about half the core's rate.

winograd_forward/backward compute a stride-1 convolution whose kernel is 3x3 over (H, W) (2-D, or
3-D with any depth taps) with Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
2016): each 2x2 output tile is A^T [(G g G^T) * (B^T d B)] A for the 4x4 input tile d, so the
channel (and depth-tap) sums become 16 gemms, one per tile position, with 2.25x fewer
multiply-adds than im2col.
Each thread takes a run of tiles: it transforms their input into its own buffer, runs the 16
gemms and transforms the products back, all while the run is still in cache. The backward
passes are the same transforms: the input gradient is the forward pass over the output
gradient with the flipped, transposed kernel; the weight gradient is the forward map's
adjoint, G^T [sum over tiles of (A dY A^T) V^T] G, its gemms summing over the tiles.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc
from libc.string cimport memset
from openmp cimport omp_get_thread_num

from axonml._ext._blas cimport gemm_one as gemm, gemm_split
from axonml._ext._threads cimport threads_for

cdef extern from "conv_rows.h" nogil:
    void axon_copy_strided_f32(const float* src, Py_ssize_t stride, float* dst, Py_ssize_t n)
    void axon_copy_strided_f64(const double* src, Py_ssize_t stride, double* dst, Py_ssize_t n)

cdef extern from "gemm_avx512.h" nogil:
    int axon_sgemm_available()
    size_t axon_sgemm_packed_b_size(Py_ssize_t n, Py_ssize_t k)
    void axon_sgemm_pack_b_all(char trans_b, Py_ssize_t n, Py_ssize_t k, const float* b, Py_ssize_t ldb, float* packed)
    int axon_sgemm_prepacked(char trans_a, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, float alpha, const float* a,
                             Py_ssize_t lda, const float* packed_b, float beta, float* out, Py_ssize_t ld_out)


def _gemm(str trans_1, str trans_2, int m, int n, int k, double alpha, const floating[::1] op_1, int ld_1,
          const floating[::1] op_2, int ld_2, double beta, floating[::1] out, int ld_out, int threads=1):
    """The kernels' gemm on flat column-major buffers, for the tests: out (+)= op(op_1) op(op_2)."""
    cdef char flag_1 = ord(trans_1), flag_2 = ord(trans_2)
    with nogil:
        if threads > 1:
            gemm_split(flag_1, flag_2, m, n, k, <floating>alpha, &op_1[0], ld_1, &op_2[0], ld_2, <floating>beta,
                       &out[0], ld_out, threads)
        else:
            gemm(flag_1, flag_2, m, n, k, <floating>alpha, &op_1[0], ld_1, &op_2[0], ld_2, <floating>beta, &out[0],
                 ld_out)


def avx512_gemm_available():
    """Whether float32 convolutions multiply through gemm_avx512.h here (else through BLAS)."""
    return bool(axon_sgemm_available())


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
    Py_ssize_t depth, height, width, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, out_d, out_h, out_w


cdef Geometry geometry(tuple spatial, tuple kernel, tuple stride, tuple padding, tuple dilation, tuple out_size):
    """The geometry from (D, H, W) triples; padding holds the zeros before each axis."""
    cdef Geometry g
    g.depth, g.height, g.width = spatial
    g.kd, g.kh, g.kw = kernel
    g.sd, g.sh, g.sw = stride
    g.pd, g.ph, g.pw = padding
    g.dd, g.dh, g.dw = dilation
    g.out_d, g.out_h, g.out_w = out_size
    return g


cdef inline Py_ssize_t taps(Geometry* g) noexcept nogil:
    return g.kd * g.kh * g.kw


cdef inline Py_ssize_t positions(Geometry* g) noexcept nogil:
    return g.out_d * g.out_h * g.out_w


cdef void volume_to_rows(const floating* volume, floating* rows, Geometry* g, Py_ssize_t ld) noexcept nogil:
    """The kd*kh*kw patch-matrix rows (each out_d*out_h*out_w long, ld apart) of one channel's volume."""
    cdef Py_ssize_t a, i, j, od, oh, ow, idp, ih, w_lo, w_hi, offset_w
    cdef Py_ssize_t out_plane = g.out_h * g.out_w, plane = g.height * g.width
    cdef floating* row
    cdef floating* dst
    cdef const floating* src
    for a in range(g.kd):
        for i in range(g.kh):
            for j in range(g.kw):
                row = rows + ((a * g.kh + i) * g.kw + j) * ld
                offset_w = j * g.dw - g.pw
                w_lo = first_inside(offset_w, g.sw)
                w_hi = end_inside(offset_w, g.sw, g.width, g.out_w)
                if w_hi < w_lo:
                    w_hi = w_lo
                for od in range(g.out_d):
                    idp = od * g.sd - g.pd + a * g.dd
                    if idp < 0 or idp >= g.depth:
                        memset(row + od * out_plane, 0, out_plane * sizeof(floating))
                        continue
                    for oh in range(g.out_h):
                        dst = row + od * out_plane + oh * g.out_w
                        ih = oh * g.sh - g.ph + i * g.dh
                        if ih < 0 or ih >= g.height:
                            memset(dst, 0, g.out_w * sizeof(floating))
                            continue
                        src = volume + idp * plane + ih * g.width + offset_w
                        if w_lo > 0:
                            memset(dst, 0, w_lo * sizeof(floating))
                        if g.sw == 1:
                            for ow in range(w_lo, w_hi):
                                dst[ow] = src[ow]
                        elif floating is float:
                            axon_copy_strided_f32(src + w_lo * g.sw, g.sw, dst + w_lo, w_hi - w_lo)
                        else:
                            axon_copy_strided_f64(src + w_lo * g.sw, g.sw, dst + w_lo, w_hi - w_lo)
                        if w_hi < g.out_w:
                            memset(dst + w_hi, 0, (g.out_w - w_hi) * sizeof(floating))


cdef void rows_to_volume(const floating* rows, floating* volume, Geometry* g, Py_ssize_t ld) noexcept nogil:
    """Add one channel's kd*kh*kw patch-matrix rows (ld apart) back into the pixels they were read from."""
    cdef Py_ssize_t a, i, j, od, oh, ow, idp, ih, w_lo, w_hi, offset_w
    cdef Py_ssize_t out_plane = g.out_h * g.out_w, plane = g.height * g.width
    cdef const floating* row
    cdef const floating* src
    cdef floating* dst
    for a in range(g.kd):
        for i in range(g.kh):
            for j in range(g.kw):
                row = rows + ((a * g.kh + i) * g.kw + j) * ld
                offset_w = j * g.dw - g.pw
                w_lo = first_inside(offset_w, g.sw)
                w_hi = end_inside(offset_w, g.sw, g.width, g.out_w)
                for od in range(g.out_d):
                    idp = od * g.sd - g.pd + a * g.dd
                    if idp < 0 or idp >= g.depth:
                        continue
                    for oh in range(g.out_h):
                        ih = oh * g.sh - g.ph + i * g.dh
                        if ih < 0 or ih >= g.height:
                            continue
                        src = row + od * out_plane + oh * g.out_w
                        dst = volume + idp * plane + ih * g.width + offset_w
                        for ow in range(w_lo, w_hi):
                            dst[ow * g.sw] += src[ow]


def im2col(const floating[:, :, :, :, ::1] x, floating[:, :, ::1] columns, tuple kernel, tuple stride,
           tuple padding, tuple dilation, tuple out_size):
    """Fill columns (N, C*kd*kh*kw, Do*Ho*Wo) from the contiguous images x (N, C, D, H, W)."""
    cdef Geometry g = geometry((x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size)
    cdef Py_ssize_t channels = x.shape[1], pair
    cdef int threads = threads_for(columns.shape[0] * columns.shape[1] * columns.shape[2])
    for pair in prange(x.shape[0] * channels, nogil=True, schedule="static", num_threads=threads):
        volume_to_rows(&x[pair // channels, pair % channels, 0, 0, 0],
                       &columns[pair // channels, (pair % channels) * taps(&g), 0], &g, positions(&g))


def col2im(const floating[:, :, ::1] columns, floating[:, :, :, :, ::1] grad, tuple kernel, tuple stride,
           tuple padding, tuple dilation, tuple out_size):
    """Add every column entry into the pixel it was read from: grad (N, C, D, H, W), zeroed by the caller."""
    cdef Geometry g = geometry((grad.shape[2], grad.shape[3], grad.shape[4]), kernel, stride, padding, dilation,
                               out_size)
    cdef Py_ssize_t channels = grad.shape[1], pair
    cdef int threads = threads_for(columns.shape[0] * columns.shape[1] * columns.shape[2])
    for pair in prange(grad.shape[0] * channels, nogil=True, schedule="static", num_threads=threads):
        rows_to_volume(&columns[pair // channels, (pair % channels) * taps(&g), 0],
                       &grad[pair // channels, pair % channels, 0, 0, 0], &g, positions(&g))


cdef inline Py_ssize_t padded_extent(Py_ssize_t size, Py_ssize_t pad, Py_ssize_t out_size, Py_ssize_t stride,
                                     Py_ssize_t kernel, Py_ssize_t dilation) noexcept nogil:
    """The length of a zero-padded axis that every tap of every output reads inside."""
    cdef Py_ssize_t reach = (out_size - 1) * stride + (kernel - 1) * dilation + 1
    return max(size + pad, reach)


cdef void plane_to_rows_padded(const floating* plane, floating* rows, Geometry* g, Py_ssize_t ld,
                               floating* padded) noexcept nogil:
    """volume_to_rows for a small 2-D plane: copied once into a zero-padded buffer, after which every
    tap's rows are plain (strided) copies, without volume_to_rows's per-row bounds and memsets, which
    dominate on 7x7 and 4x4 maps."""
    cdef Py_ssize_t height = padded_extent(g.height, g.ph, g.out_h, g.sh, g.kh, g.dh)
    cdef Py_ssize_t width = padded_extent(g.width, g.pw, g.out_w, g.sw, g.kw, g.dw)
    cdef Py_ssize_t h, w, i, j, oh, ow
    cdef const floating* src
    cdef floating* dst
    memset(padded, 0, height * width * sizeof(floating))
    for h in range(g.height):
        for w in range(g.width):
            padded[(h + g.ph) * width + w + g.pw] = plane[h * g.width + w]
    for i in range(g.kh):
        for j in range(g.kw):
            for oh in range(g.out_h):
                src = padded + (oh * g.sh + i * g.dh) * width + j * g.dw
                dst = rows + (i * g.kw + j) * ld + oh * g.out_w
                for ow in range(g.out_w):
                    dst[ow] = src[ow * g.sw]


cdef bint small_plane(Geometry* g) noexcept nogil:
    """Whether im2col_batch takes plane_to_rows_padded: a 2-D convolution with padding before each
    axis (not a chunk's shifted geometry) on a map whose padded copy is small (ResNet's 7x7 and 4x4)."""
    return (g.depth == 1 and g.kd == 1 and g.out_d == 1 and g.ph >= 0 and g.pw >= 0 and g.out_w <= 16
            and padded_extent(g.height, g.ph, g.out_h, g.sh, g.kh, g.dh)
            * padded_extent(g.width, g.pw, g.out_w, g.sw, g.kw, g.dw) <= SMALL_PLANE)


cdef enum:
    SMALL_PLANE = 1024  # values of a padded plane that plane_to_rows_padded takes


def im2col_batch(const floating[:, :, :, :, ::1] x, floating[:, ::1] columns, tuple kernel, tuple stride,
                 tuple padding, tuple dilation, tuple out_size):
    """Fill columns (C*kd*kh*kw, N*L) with the batch's patch matrices side by side (image n in columns
    n*L..(n+1)*L), so that one gemm covers the whole batch."""
    cdef Geometry g = geometry((x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size)
    cdef Py_ssize_t channels = x.shape[1], c, n, length = positions(&g), ld = columns.shape[1]
    cdef int threads = threads_for(columns.shape[0] * columns.shape[1])
    cdef bint small = small_plane(&g)
    cdef floating[:, ::1] padded = np.empty((threads, SMALL_PLANE if small else 1), np.asarray(x).dtype)
    # each thread fills whole rows (its channels' taps across the batch): no cache line is written by two
    for c in prange(channels, nogil=True, schedule="static", num_threads=threads):
        for n in range(x.shape[0]):
            if small:
                plane_to_rows_padded(&x[n, c, 0, 0, 0], &columns[c * taps(&g), n * length], &g, ld,
                                     &padded[omp_get_thread_num(), 0])
            else:
                volume_to_rows(&x[n, c, 0, 0, 0], &columns[c * taps(&g), n * length], &g, ld)


def col2im_batch(const floating[:, ::1] columns, floating[:, :, :, :, ::1] grad, tuple kernel, tuple stride,
                 tuple padding, tuple dilation, tuple out_size):
    """col2im of im2col_batch's layout: add columns (C*kd*kh*kw, N*L) into grad (N, C, D, H, W), zeroed."""
    cdef Geometry g = geometry((grad.shape[2], grad.shape[3], grad.shape[4]), kernel, stride, padding, dilation,
                               out_size)
    cdef Py_ssize_t channels = grad.shape[1], c, n, length = positions(&g), ld = columns.shape[1]
    cdef int threads = threads_for(columns.shape[0] * columns.shape[1])
    for c in prange(channels, nogil=True, schedule="static", num_threads=threads):
        for n in range(grad.shape[0]):
            rows_to_volume(&columns[c * taps(&g), n * length], &grad[n, c, 0, 0, 0], &g, ld)


cdef bint is_pointwise(Geometry* g) noexcept nogil:
    return (taps(g) == 1 and g.sd == 1 and g.sh == 1 and g.sw == 1 and g.pd == 0 and g.ph == 0 and g.pw == 0
            and g.out_d == g.depth and g.out_h == g.height and g.out_w == g.width)


cdef const floating* image_patches(const floating* image, Py_ssize_t channels, floating* buffer,
                                   Geometry* g) noexcept nogil:
    """One image's patch matrix: the image itself for a pointwise kernel, else built in buffer."""
    cdef Py_ssize_t c, volume = g.depth * g.height * g.width, rows = taps(g) * positions(g)
    if is_pointwise(g):
        return image
    for c in range(channels):
        volume_to_rows(image + c * volume, buffer + c * rows, g, positions(g))
    return buffer


# An image whose patch matrix outgrows the core's L2 cache (ResNet's 7x7 stem: 147 x 12544, 7 MiB)
# is built and multiplied a run of output rows at a time, each run's patches still in cache when
# the gemm reads them. A run's patch matrix is about CHUNK_VALUES, and at least CHUNK_POSITIONS
# columns, so that the gemm's packing of the weights, once per run, stays small next to its work.
cdef enum:
    CHUNK_VALUES = 65536
    CHUNK_POSITIONS = 256


cdef Py_ssize_t chunk_rows(Geometry* g, Py_ssize_t channels, int groups, int threads) noexcept nogil:
    """The output rows of one run, or 0 to build the image's patch matrix whole: on several threads
    (which split each gemm), grouped, pointwise or 3-D convolutions, and patch matrices within 4
    runs' worth."""
    cdef Py_ssize_t k = channels * taps(g), rows
    if threads > 1 or groups != 1 or is_pointwise(g) or g.out_d != 1 or k * positions(g) <= 4 * CHUNK_VALUES:
        return 0
    rows = max(CHUNK_VALUES // (k * g.out_w), (CHUNK_POSITIONS + g.out_w - 1) // g.out_w)
    return rows if rows < g.out_h else 0


cdef inline Geometry chunk_of(Geometry* g, Py_ssize_t first_row, Py_ssize_t rows) noexcept nogil:
    """The convolution of output rows first_row .. first_row + rows - 1 alone: the same taps, the
    padding above shifted (it may turn negative: the run's first rows read inside the image)."""
    cdef Geometry chunk = g[0]
    chunk.out_h = rows
    chunk.ph = g.ph - first_row * g.sh
    return chunk


cdef void forward_image(const floating* image, const floating* weight, floating* out, floating* buffer,
                        Py_ssize_t channels, Py_ssize_t out_channels, int groups, Geometry* g,
                        bint has_bias, int threads) noexcept nogil:
    """out (Cout, L) (+)= weight (Cout, K) @ patches (K, L), group by group; threads > 1 splits each gemm."""
    cdef int length = positions(g), group_k = channels // groups * taps(g)
    cdef int group_out = out_channels // groups, group, width
    cdef floating beta = 1 if has_bias else 0
    cdef Py_ssize_t step = chunk_rows(g, channels, groups, threads), first, c, volume = g.depth * g.height * g.width
    cdef Geometry chunk
    cdef const floating* patches
    if step:
        first = 0
        while first < g.out_h:
            chunk = chunk_of(g, first, min(step, g.out_h - first))
            width = positions(&chunk)
            for c in range(channels):
                volume_to_rows(image + c * volume, buffer + c * taps(g) * width, &chunk, width)
            # column-major: out^T[run] (width x Cout) = patches^T (width x K) . weight^T (K x Cout)
            gemm(c'N', c'N', width, out_channels, group_k, <floating>1, buffer, width, weight, group_k, beta,
                 out + first * g.out_w, length)
            first += step
        return
    patches = image_patches(image, channels, buffer, g)
    for group in range(groups):
        # column-major: out^T (L x Cout_g) = patches_g^T (L x K_g) . weight_g^T (K_g x Cout_g)
        if threads > 1:
            gemm_split(c'N', c'N', length, group_out, group_k, <floating>1, patches + group * group_k * length,
                       length, weight + group * group_out * group_k, group_k, beta,
                       out + group * group_out * length, length, threads)
        else:
            gemm(c'N', c'N', length, group_out, group_k, <floating>1, patches + group * group_k * length,
                 length, weight + group * group_out * group_k, group_k, beta,
                 out + group * group_out * length, length)


def conv_forward(const floating[:, :, :, :, ::1] x, const floating[:, ::1] weight, floating[:, :, ::1] out,
                 int groups, bint has_bias, tuple kernel, tuple stride, tuple padding, tuple dilation,
                 tuple out_size):
    """out (N, Cout, Do*Ho*Wo), holding the bias when has_bias, (+)= x (N, C, D, H, W) convolved with
    weight (Cout, C/groups*kd*kh*kw)."""
    cdef Geometry g = geometry((x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size)
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], out_channels = weight.shape[0], n
    cdef int threads = threads_for(batch * out_channels * weight.shape[1] * positions(&g))
    cdef floating[:, ::1] buffers = patch_buffers(x, 1 if batch < threads else threads, &g)
    if batch >= threads:
        for n in prange(batch, nogil=True, schedule="dynamic", num_threads=threads):
            forward_image(&x[n, 0, 0, 0, 0], &weight[0, 0], &out[n, 0, 0], &buffers[omp_get_thread_num(), 0],
                          channels, out_channels, groups, &g, has_bias, 1)
    else:
        with nogil:
            for n in range(batch):
                forward_image(&x[n, 0, 0, 0, 0], &weight[0, 0], &out[n, 0, 0], &buffers[0, 0],
                              channels, out_channels, groups, &g, has_bias, threads)


cdef patch_buffers(x, Py_ssize_t count, Geometry* g):
    """count patch matrices' worth of scratch memory (one element when the kernel is pointwise)."""
    cdef Py_ssize_t size = 1 if is_pointwise(g) else x.shape[1] * taps(g) * positions(g)
    return np.empty((count, size), np.asarray(x).dtype)


cdef void backward_image(const floating* image, const floating* grad, const floating* weight,
                         floating* grad_image, floating* grad_weight, floating* patches_buffer,
                         floating* grad_patches_buffer, Py_ssize_t channels, Py_ssize_t out_channels, int groups,
                         Geometry* g, int threads) noexcept nogil:
    """One image's share of the weight gradient (+=) and its input gradient (grad_image, zeroed)."""
    cdef int length = positions(g), group_k = channels // groups * taps(g)
    cdef int group_out = out_channels // groups, group, width
    cdef Py_ssize_t c, volume = g.depth * g.height * g.width, rows = taps(g) * length
    cdef Py_ssize_t step = chunk_rows(g, channels, groups, threads), first
    cdef Geometry chunk
    cdef const floating* patches
    cdef floating* grad_patches
    if step:
        first = 0
        while first < g.out_h:
            chunk = chunk_of(g, first, min(step, g.out_h - first))
            width = positions(&chunk)
            if grad_weight != NULL:
                for c in range(channels):
                    volume_to_rows(image + c * volume, patches_buffer + c * taps(g) * width, &chunk, width)
                # column-major: grad_weight^T (K x Cout) += patches (K x width) . grad[run]^T (width x Cout)
                gemm(c'T', c'N', group_k, out_channels, width, <floating>1, patches_buffer, width,
                     grad + first * g.out_w, length, <floating>1, grad_weight, group_k)
            if grad_image != NULL:
                # column-major: grad_patches^T (width x K) = grad[run]^T (width x Cout) . weight (Cout x K)
                gemm(c'N', c'T', width, group_k, out_channels, <floating>1, grad + first * g.out_w, length,
                     weight, group_k, <floating>0, grad_patches_buffer, width)
                for c in range(channels):
                    rows_to_volume(grad_patches_buffer + c * taps(g) * width, grad_image + c * volume, &chunk, width)
            first += step
        return
    if grad_weight != NULL:
        patches = image_patches(image, channels, patches_buffer, g)
        for group in range(groups):
            # column-major: grad_weight_g^T (K_g x Cout_g) += patches_g (K_g x L) . grad_g^T (L x Cout_g)
            if threads > 1:
                gemm_split(c'T', c'N', group_k, group_out, length, <floating>1, patches + group * group_k * length,
                           length, grad + group * group_out * length, length, <floating>1,
                           grad_weight + group * group_out * group_k, group_k, threads)
            else:
                gemm(c'T', c'N', group_k, group_out, length, <floating>1, patches + group * group_k * length,
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
                gemm(c'N', c'T', length, group_k, group_out, <floating>1, grad + group * group_out * length,
                     length, weight + group * group_out * group_k, group_k, <floating>0,
                     grad_patches + group * group_k * length, length)
        if not is_pointwise(g):
            for c in range(channels):
                rows_to_volume(grad_patches + c * rows, grad_image + c * volume, g, positions(g))


def conv_backward(const floating[:, :, :, :, ::1] x, const floating[:, ::1] weight, const floating[:, :, ::1] grad,
                  floating[:, :, :, :, ::1] grad_input, floating[:, ::1] grad_weight, int groups, tuple kernel,
                  tuple stride, tuple padding, tuple dilation, tuple out_size):
    """grad_input (N, C, D, H, W, zeroed) and grad_weight (Cout, K) from grad (N, Cout, L); either may be None."""
    cdef Geometry g = geometry((x.shape[2], x.shape[3], x.shape[4]), kernel, stride, padding, dilation, out_size)
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], out_channels = weight.shape[0], n
    cdef int threads = threads_for(batch * out_channels * weight.shape[1] * positions(&g)), t
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
            backward_image(&x[n, 0, 0, 0, 0], &grad[n, 0, 0], &weight[0, 0],
                           &grad_input[n, 0, 0, 0, 0] if need_input else NULL,
                           &partial_weights[t, 0, 0] if need_weight else NULL,
                           &patches[t, 0], &grad_patches[t, 0], channels, out_channels, groups, &g, 1)
    else:
        with nogil:
            for n in range(batch):
                backward_image(&x[n, 0, 0, 0, 0], &grad[n, 0, 0], &weight[0, 0],
                               &grad_input[n, 0, 0, 0, 0] if need_input else NULL,
                               &partial_weights[0, 0, 0] if need_weight else NULL,
                               &patches[0, 0], &grad_patches[0, 0], channels, out_channels, groups, &g, threads)
    if need_weight:
        np.sum(partial_weights, axis=0, out=np.asarray(grad_weight))


# --- Winograd F(2x2, 3x3) ---------------------------------------------------------------------------------
# Interpolation points 0, 1, -1 and infinity. F(4x4, 3x3) saves more multiply-adds, but its points
# (0, +-1, +-2) amplify float32 rounding past what a convolution of 64 or more channels may differ
# from PyTorch's; F(2x2, 3x3) stays as close as im2col. The transforms are written out below as 1-D
# transforms applied along the rows and then the columns of every tile: B^T and A^T, whose entries
# are 0 and +-1, vectorized over a block of tiles; the kernel transform G, which touches only the
# Cout*C*9 weights, in float64.
#
#   B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
#   G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]

cdef enum:
    TILE = 4        # input tile side: OUT_TILE + 3 - 1
    OUT_TILE = 2    # output tile side
    SPOTS = 16      # TILE * TILE transformed positions, one gemm each

# The tiles a thread takes at once (a block): enough for each of the 16 gemms to have many rows,
# few enough that the block's transformed input and products, 16 * (C + Cout) values per tile,
# stay in the core's cache.
cdef enum:
    BLOCK_VALUES = 65536   # (C + Cout) * block
    MAX_BLOCK = 256
    MIN_BLOCK = 32


# Each 1-D transform writes its outputs one loop apiece: with a single destination per loop the
# compiler can check it against the sources and vectorize; four at once exceed its alias checks.

cdef inline void input_1d(const floating* src, Py_ssize_t src_step, Py_ssize_t src_stride, floating* dst,
                          Py_ssize_t dst_step, Py_ssize_t count) noexcept nogil:
    """B^T v for count 4-vectors: entry j of vector r at src[j * src_step + r * src_stride], of its
    transform at dst[j * dst_step + r]."""
    cdef Py_ssize_t r
    cdef const floating* v0 = src
    cdef const floating* v1 = src + src_step
    cdef const floating* v2 = src + 2 * src_step
    cdef const floating* v3 = src + 3 * src_step
    cdef floating* out
    out = dst
    for r in range(count):
        out[r] = v0[r * src_stride] - v2[r * src_stride]
    out = dst + dst_step
    for r in range(count):
        out[r] = v1[r * src_stride] + v2[r * src_stride]
    out = dst + 2 * dst_step
    for r in range(count):
        out[r] = v2[r * src_stride] - v1[r * src_stride]
    out = dst + 3 * dst_step
    for r in range(count):
        out[r] = v1[r * src_stride] - v3[r * src_stride]


cdef inline void output_1d(const floating* src, Py_ssize_t src_step, floating* dst, Py_ssize_t dst_step,
                           Py_ssize_t count) noexcept nogil:
    """A^T m for count 4-vectors (entry j of vector r at src[j * src_step + r]): 2-vectors at dst."""
    cdef Py_ssize_t r
    cdef const floating* m0 = src
    cdef const floating* m1 = src + src_step
    cdef const floating* m2 = src + 2 * src_step
    cdef const floating* m3 = src + 3 * src_step
    cdef floating* out
    out = dst
    for r in range(count):
        out[r] = m0[r] + m1[r] + m2[r]
    out = dst + dst_step
    for r in range(count):
        out[r] = m1[r] - m2[r] - m3[r]


cdef inline void output_adjoint_1d(const floating* src, Py_ssize_t src_step, floating* dst, Py_ssize_t dst_step,
                                   Py_ssize_t count) noexcept nogil:
    """A y for count 2-vectors (entry j of vector r at src[j * src_step + r]): 4-vectors at dst."""
    cdef Py_ssize_t r
    cdef const floating* y0 = src
    cdef const floating* y1 = src + src_step
    cdef floating* out
    out = dst
    for r in range(count):
        out[r] = y0[r]
    out = dst + dst_step
    for r in range(count):
        out[r] = y0[r] + y1[r]
    out = dst + 2 * dst_step
    for r in range(count):
        out[r] = y0[r] - y1[r]
    out = dst + 3 * dst_step
    for r in range(count):
        out[r] = -y1[r]


cdef struct Tiles:
    # A (kd, 3, 3) convolution at stride 1 is a 2-D one over (H, W) planes whose channels are the
    # rows (input channel, depth tap): output plane (n, od) reads channel c's depth od + front + a*dilation
    # through depth tap a. The gemms' inner dimension is the rows = C * kd.
    Py_ssize_t channels, depth, height, width      # the input volumes
    Py_ssize_t taps, front, dilation, rows         # depth taps, first tap's offset, their spacing, C * taps
    Py_ssize_t out_channels, out_d, out_h, out_w   # the output volumes
    Py_ssize_t top, left                    # the input row and column of output (0, 0)'s first tap
    Py_ssize_t tiles_h, tiles_w, count      # output tiles per column, per row, in all
    Py_ssize_t block                        # tiles per thread block


cdef Tiles tiles_of(x_shape, out_shape, Py_ssize_t taps, Py_ssize_t front, Py_ssize_t dilation, Py_ssize_t top,
                    Py_ssize_t left):
    """The tiles of a convolution of x (N, C, D, H, W) into out (N, Cout, Do, Ho, Wo)."""
    cdef Tiles s
    s.channels, s.depth, s.height, s.width = x_shape[1], x_shape[2], x_shape[3], x_shape[4]
    s.taps, s.front, s.dilation, s.rows = taps, front, dilation, s.channels * taps
    s.out_channels, s.out_d, s.out_h, s.out_w = out_shape[1], out_shape[2], out_shape[3], out_shape[4]
    s.top, s.left = top, left
    s.tiles_h = (s.out_h + OUT_TILE - 1) // OUT_TILE
    s.tiles_w = (s.out_w + OUT_TILE - 1) // OUT_TILE
    s.count = x_shape[0] * s.out_d * s.tiles_h * s.tiles_w
    s.block = min(MAX_BLOCK, max(MIN_BLOCK, BLOCK_VALUES // (s.rows + s.out_channels) // 16 * 16))
    return s


cdef inline const floating* input_plane(const floating* x, Tiles* s, Py_ssize_t image, Py_ssize_t row) noexcept nogil:
    """The (H, W) plane of x that gemm row `row` (channel, depth tap) reads for output plane `image`
    (n, od), or NULL in the depth padding."""
    cdef Py_ssize_t n = image // s.out_d, channel = row // s.taps
    cdef Py_ssize_t depth = image - n * s.out_d + s.front + (row - channel * s.taps) * s.dilation
    if depth < 0 or depth >= s.depth:
        return NULL
    return x + ((n * s.channels + channel) * s.depth + depth) * s.height * s.width


cdef inline Py_ssize_t output_plane(Tiles* s, Py_ssize_t image, Py_ssize_t co) noexcept nogil:
    """The offset of output plane `image` (n, od) of channel co in the output (N, Cout, Do, Ho, Wo)."""
    cdef Py_ssize_t n = image // s.out_d
    return ((n * s.out_channels + co) * s.out_d + image - n * s.out_d) * s.out_h * s.out_w


cdef inline Py_ssize_t tile_run(Tiles* s, Py_ssize_t tile, Py_ssize_t left_in_block, Py_ssize_t* image,
                                Py_ssize_t* row, Py_ssize_t* column) noexcept nogil:
    """The output origin (image, row, column) of `tile`, and how many tiles from it on lie in the
    same row of tiles and the block: a run, whose windows step OUT_TILE columns along one image row."""
    cdef Py_ssize_t per_image = s.tiles_h * s.tiles_w, within, run
    image[0] = tile // per_image
    within = tile - image[0] * per_image
    row[0] = within // s.tiles_w * OUT_TILE
    column[0] = within % s.tiles_w * OUT_TILE
    run = s.tiles_w - within % s.tiles_w
    return run if run < left_in_block else left_in_block


cdef void padded_line(const floating* row, Py_ssize_t width, Py_ssize_t start, Py_ssize_t length,
                      floating* line) noexcept nogil:
    """line[0:length] = row[start:start + length], zero where that falls outside row[0:width]."""
    cdef Py_ssize_t lo = -start if start < 0 else 0, hi = width - start, i
    if hi > length:
        hi = length
    if hi < lo:
        hi = lo
    if lo > length:
        lo = hi = length
    memset(line, 0, lo * sizeof(floating))
    for i in range(lo, hi):
        line[i] = row[start + i]
    memset(line + hi, 0, (length - hi) * sizeof(floating))


cdef void transform_input(const floating* x, Tiles* s, Py_ssize_t first, Py_ssize_t count, floating* transformed,
                          floating* scratch) noexcept nogil:
    """transformed (16, C * kd, s.block) = B^T d B for each tile's 4x4 input window d in each gemm row."""
    cdef Py_ssize_t row, k, run, n, y, x0, i, ih, j
    cdef floating* windows = scratch                 # (16, s.block): B^T applied along each window row
    cdef floating* line = scratch + SPOTS * s.block  # one zero-padded image row under a run's windows
    cdef const floating* plane
    for row in range(s.rows):
        k = 0
        while k < count:
            run = tile_run(s, first + k, count - k, &n, &y, &x0)
            plane = input_plane(x, s, n, row)
            for i in range(TILE):
                ih = y + s.top + i
                if plane == NULL or ih < 0 or ih >= s.height:
                    for j in range(TILE):
                        memset(windows + (i * TILE + j) * s.block + k, 0, run * sizeof(floating))
                    continue
                padded_line(plane + ih * s.width, s.width, x0 + s.left, run * OUT_TILE + TILE - OUT_TILE, line)
                input_1d(line, 1, OUT_TILE, windows + i * TILE * s.block + k, s.block, run)
            k += run
        for j in range(TILE):  # B^T down each column of the row-transformed windows
            input_1d(windows + j * s.block, TILE * s.block, 1, transformed + (j * s.rows + row) * s.block,
                     TILE * s.rows * s.block, count)


cdef void transform_output(const floating* products, Py_ssize_t co, Tiles* s, Py_ssize_t first, Py_ssize_t count,
                           floating* out, floating* scratch, bint accumulate) noexcept nogil:
    """out's tiles (+)= A^T m A for the 4x4 products m (16, Cout, s.block) of output channel co."""
    cdef Py_ssize_t j, a, b, k, run, n, y, x0, r, hi
    cdef floating* columns = scratch                 # (2, 4, s.block): A^T applied down each column
    cdef floating* values = scratch + OUT_TILE * TILE * s.block  # (2, 2, s.block): the output tiles
    cdef floating* dst
    cdef const floating* src
    for j in range(TILE):
        output_1d(products + (j * s.out_channels + co) * s.block, TILE * s.out_channels * s.block,
                  columns + j * s.block, TILE * s.block, count)
    for a in range(OUT_TILE):
        output_1d(columns + a * TILE * s.block, s.block, values + a * OUT_TILE * s.block, s.block, count)
    k = 0
    while k < count:
        run = tile_run(s, first + k, count - k, &n, &y, &x0)
        for a in range(OUT_TILE):
            if y + a >= s.out_h:
                break
            for b in range(OUT_TILE):
                dst = out + output_plane(s, n, co) + (y + a) * s.out_w + x0 + b
                src = values + (a * OUT_TILE + b) * s.block + k
                hi = end_inside(x0 + b, OUT_TILE, s.out_w, run)
                if accumulate:
                    for r in range(hi):
                        dst[r * OUT_TILE] += src[r]
                else:
                    for r in range(hi):
                        dst[r * OUT_TILE] = src[r]
        k += run


cdef void transform_output_gradient(const floating* grad, Py_ssize_t co, Tiles* s, Py_ssize_t first,
                                    Py_ssize_t count, floating* products, floating* scratch) noexcept nogil:
    """products (16, Cout, s.block) for channel co = A g A^T for each tile's 2x2 output gradient g (the
    adjoint of transform_output), zero where the tile passes the output's edge."""
    cdef Py_ssize_t a, b, j, k, run, n, y, x0, r, hi
    cdef floating* tiles = scratch                  # (2, 2, s.block): the gradient tiles
    cdef floating* rows = scratch + OUT_TILE * OUT_TILE * s.block  # (2, 4, s.block): A along each tile row
    cdef floating* dst
    cdef const floating* src
    k = 0
    while k < count:
        run = tile_run(s, first + k, count - k, &n, &y, &x0)
        for a in range(OUT_TILE):
            for b in range(OUT_TILE):
                dst = tiles + (a * OUT_TILE + b) * s.block + k
                hi = end_inside(x0 + b, OUT_TILE, s.out_w, run) if y + a < s.out_h else 0
                src = grad + output_plane(s, n, co) + (y + a) * s.out_w + x0 + b
                for r in range(hi):
                    dst[r] = src[r * OUT_TILE]
                for r in range(hi, run):
                    dst[r] = 0
        k += run
    for a in range(OUT_TILE):
        output_adjoint_1d(tiles + a * OUT_TILE * s.block, s.block, rows + a * TILE * s.block, s.block, count)
    for j in range(TILE):
        output_adjoint_1d(rows + j * s.block, TILE * s.block, products + (j * s.out_channels + co) * s.block,
                          TILE * s.out_channels * s.block, count)


cdef void forward_block(const floating* x, const floating* kernels, floating* out, Tiles* s, Py_ssize_t first,
                        Py_ssize_t count, floating* transformed, floating* products, floating* scratch,
                        bint accumulate, const float* packed_kernels, Py_ssize_t packed_size) noexcept nogil:
    """out's tiles first .. first+count-1 (+)= the convolution of x with the transformed kernels
    (16, Cout, C * kd); packed_kernels, when not NULL, holds them packed for gemm_avx512.h, packed_size
    floats for each of the 16."""
    cdef Py_ssize_t e, co
    transform_input(x, s, first, count, transformed, scratch)
    for e in range(SPOTS):
        # column-major: products_e^T (count x Cout) = transformed_e^T (count x K) . kernels_e^T (K x Cout)
        if floating is float:
            if packed_kernels != NULL and count > 1 and axon_sgemm_prepacked(
                    c'N', count, s.out_channels, s.rows, 1, transformed + e * s.rows * s.block, s.block,
                    packed_kernels + e * packed_size, 0, products + e * s.out_channels * s.block, s.block):
                continue
        gemm(c'N', c'N', count, s.out_channels, s.rows, <floating>1, transformed + e * s.rows * s.block,
             s.block, kernels + e * s.out_channels * s.rows, s.rows, <floating>0,
             products + e * s.out_channels * s.block, s.block)
    for co in range(s.out_channels):
        transform_output(products, co, s, first, count, out, scratch, accumulate)


cdef void weight_block(const floating* x, const floating* grad, floating* grad_kernels, Tiles* s, Py_ssize_t first,
                       Py_ssize_t count, floating* transformed, floating* products, floating* scratch) noexcept nogil:
    """grad_kernels (16, Cout, C * kd) += the tiles' share of the transformed kernels' gradient."""
    cdef Py_ssize_t e, co
    transform_input(x, s, first, count, transformed, scratch)
    for co in range(s.out_channels):
        transform_output_gradient(grad, co, s, first, count, products, scratch)
    for e in range(SPOTS):
        # column-major: grad_kernels_e^T (K x Cout) += transformed_e (K x count) . products_e^T (count x Cout)
        gemm(c'T', c'N', s.rows, s.out_channels, count, <floating>1, transformed + e * s.rows * s.block,
                 s.block, products + e * s.out_channels * s.block, s.block, <floating>1,
                 grad_kernels + e * s.out_channels * s.rows, s.rows)


cdef int block_threads(Tiles* s) noexcept nogil:
    """The threads for the blocks of tiles, s.block evened out so that each gets as many tiles: with
    few blocks a short last one left a thread idle for most of a block (ResNet-18's 14x14 stage at
    batch 8: 392 tiles as 128 + 128 | 128 + 8 on two threads)."""
    cdef Py_ssize_t blocks = (s.count + s.block - 1) // s.block, per_thread
    cdef int threads = threads_for(s.count * SPOTS * s.rows * s.out_channels)
    if blocks < threads:
        threads = <int>blocks
    if threads > 1:
        per_thread = (blocks + threads - 1) // threads
        s.block = (s.count + threads * per_thread - 1) // (threads * per_thread)
    return threads


cdef scratch_buffers(Tiles* s, int threads, dtype):
    """Per thread: the transformed inputs, the products and the transforms' scratch of one block."""
    return (np.empty((threads, SPOTS * s.rows * s.block), dtype),
            np.empty((threads, SPOTS * s.out_channels * s.block), dtype),
            np.empty((threads, SPOTS * s.block + OUT_TILE * s.block + TILE), dtype))


cdef winograd_apply(const floating[:, :, :, :, ::1] x, floating[:, :, ::1] kernels,
                    floating[:, :, :, :, ::1] out, Py_ssize_t taps, Py_ssize_t front, Py_ssize_t dilation,
                    Py_ssize_t top, Py_ssize_t left, bint accumulate):
    """out (+)= x convolved with the transformed kernels (16, Cout, C * taps); output (0, 0, 0) reads x
    from depth front (taps `dilation` apart), row top and column left."""
    cdef Tiles s = tiles_of(x.shape, out.shape, taps, front, dilation, top, left)
    cdef int threads = block_threads(&s), t
    cdef floating[:, ::1] transformed, products, scratch
    transformed, products, scratch = scratch_buffers(&s, threads, np.asarray(x).dtype)
    cdef Py_ssize_t block, blocks = (s.count + s.block - 1) // s.block, e, packed_size = 0
    # float32 on AVX-512: the 16 kernel matrices packed for the gemm once, not once per block of tiles
    # (with 256 channels and more, packing them every block took nearly as long as the products)
    cdef float[::1] packed
    cdef const float* packed_kernels = NULL
    if floating is float:
        if axon_sgemm_available() and blocks > 1:
            packed_size = axon_sgemm_packed_b_size(s.out_channels, s.rows)
            packed = np.empty(SPOTS * packed_size, np.float32)
            with nogil:
                for e in range(SPOTS):
                    axon_sgemm_pack_b_all(c'N', s.out_channels, s.rows, &kernels[e, 0, 0], s.rows,
                                          &packed[e * packed_size])
            packed_kernels = &packed[0]
    for block in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        t = omp_get_thread_num()
        forward_block(&x[0, 0, 0, 0, 0], &kernels[0, 0, 0], &out[0, 0, 0, 0, 0], &s, block * s.block,
                      min(s.block, s.count - block * s.block), &transformed[t, 0], &products[t, 0], &scratch[t, 0],
                      accumulate, packed_kernels, packed_size)


# The halves below are products with 0.5, not divisions by 2 (the same value, exactly): with
# divisions the kernel transforms took 5 ms for 256 x 256 kernels, as long as the convolution.

cdef inline void kernel_1d(const double* g, Py_ssize_t g_step, double* out, Py_ssize_t out_step) noexcept nogil:
    """G g for one 3-vector g: the 4-vector out."""
    out[0] = g[0]
    out[out_step] = (g[0] + g[g_step] + g[2 * g_step]) * 0.5
    out[2 * out_step] = (g[0] - g[g_step] + g[2 * g_step]) * 0.5
    out[3 * out_step] = g[2 * g_step]


cdef inline void kernel_adjoint_1d(const double* d, Py_ssize_t d_step, double* out, Py_ssize_t out_step) noexcept nogil:
    """G^T d for one 4-vector d: the 3-vector out."""
    out[0] = d[0] + (d[d_step] + d[2 * d_step]) * 0.5
    out[out_step] = (d[d_step] - d[2 * d_step]) * 0.5
    out[2 * out_step] = (d[d_step] + d[2 * d_step]) * 0.5 + d[3 * d_step]


cdef enum:
    KERNEL_RUN = 64  # kernels a thread transforms at once, their 16 transforms gathered per position


cdef void transform_run(const floating* kernels, Py_ssize_t count, floating* out, Py_ssize_t out_stride) noexcept nogil:
    """G g G^T, in double, of `count` <= KERNEL_RUN kernels (9 taps each, contiguous) into out's 16 rows
    (out_stride apart): gathered per position first, so that each row is written as one run (16 rows
    written element by element, a power of two apart, share a cache set and evict each other)."""
    cdef double g[9]
    cdef double half[12]  # G g, 4 x 3
    cdef double full[16]  # G g G^T
    cdef floating gathered[SPOTS * KERNEL_RUN]
    cdef Py_ssize_t k, u
    for k in range(count):
        for u in range(9):
            g[u] = kernels[k * 9 + u]
        for u in range(3):
            kernel_1d(g + u, 3, half + u, 3)
        for u in range(TILE):
            kernel_1d(half + 3 * u, 1, full + TILE * u, 1)
        for u in range(SPOTS):
            gathered[u * KERNEL_RUN + k] = <floating>full[u]
    for u in range(SPOTS):
        for k in range(count):
            out[u * out_stride + k] = gathered[u * KERNEL_RUN + k]


cdef transform_kernels(const floating[:, ::1] kernels, floating[:, ::1] out):
    cdef Py_ssize_t count = kernels.shape[0], first
    cdef int threads = threads_for(count * SPOTS * 8)
    for first in prange(0, count, KERNEL_RUN, nogil=True, schedule="static", num_threads=threads):
        transform_run(&kernels[first, 0], min(<Py_ssize_t>KERNEL_RUN, count - first), &out[0, first], count)


def _transform_kernels(weight, dtype):
    """G g G^T of every 3x3 kernel g of weight (A, B, 3, 3), computed in float64 and rounded to dtype
    (float32 or float64): (16, A, B)."""
    rows, columns = weight.shape[0], weight.shape[1]
    kernels = np.ascontiguousarray(weight, dtype).reshape(-1, 9)
    out = np.empty((SPOTS, kernels.shape[0]), dtype)
    if kernels.shape[0]:
        if out.dtype == np.float32:
            transform_kernels[float](kernels, out)
        else:
            transform_kernels[double](kernels, out)
    return out.reshape(SPOTS, rows, columns)


def _kernel_gradient(transformed_array):
    """The gradient of the kernels (A, B, 3, 3) from that of their transforms (16, A, B): G^T d G."""
    rows, columns = transformed_array.shape[1], transformed_array.shape[2]
    cdef const double[:, ::1] transformed = np.ascontiguousarray(transformed_array, np.float64).reshape(SPOTS, -1)
    gradient_array = np.empty((transformed.shape[1], 9), np.float64)
    cdef double[:, ::1] gradient = gradient_array
    cdef Py_ssize_t k, u
    cdef double d[16]
    cdef double half[12]  # G^T d, 3 x 4
    with nogil:
        for k in range(transformed.shape[1]):
            for u in range(SPOTS):
                d[u] = transformed[u, k]
            for u in range(TILE):
                kernel_adjoint_1d(d + u, TILE, half + u, TILE)
            for u in range(3):
                kernel_adjoint_1d(half + TILE * u, 1, &gradient[k, 3 * u], 1)
    return gradient_array.reshape(rows, columns, 3, 3)


def winograd_forward(const floating[:, :, :, :, ::1] x, weight, floating[:, :, :, :, ::1] out, bint has_bias,
                     tuple padding, Py_ssize_t depth_dilation):
    """out (N, Cout, Do, Ho, Wo), holding the bias when has_bias, (+)= x (N, C, D, H, W) convolved at
    stride 1 with weight (Cout, C, kd, 3, 3), its depth taps depth_dilation apart; padding: the zeros
    before each axis (D, H, W)."""
    cdef floating[:, :, ::1] kernels = _transform_kernels(_as_planar(weight), np.asarray(x).dtype)
    cdef Py_ssize_t pad_d = padding[0], pad_h = padding[1], pad_w = padding[2], taps = weight.shape[2]
    winograd_apply(x, kernels, out, taps, -pad_d, depth_dilation, -pad_h, -pad_w, has_bias)


def winograd_backward(const floating[:, :, :, :, ::1] x, weight, const floating[:, :, :, :, ::1] grad, grad_input,
                      grad_weight, tuple padding, Py_ssize_t depth_dilation):
    """grad_input (N, C, D, H, W) and grad_weight (Cout, C, kd, 3, 3), either None, from grad
    (N, Cout, Do, Ho, Wo), for winograd_forward's convolution."""
    cdef floating[:, :, ::1] kernels
    cdef floating[:, :, :, :, ::1] grad_volumes
    cdef Py_ssize_t pad_d = padding[0], pad_h = padding[1], pad_w = padding[2], taps = weight.shape[2]
    if grad_input is not None:
        # grad_input[d, h, w] = sum over taps (a, i, j) of grad[d + pad_d - a * dilation, h + pad_h - i,
        # w + pad_w - j] weight[a, i, j]: a correlation of grad with the flipped kernel, transposed to map
        # Cout onto C
        flipped = np.asarray(weight)[:, :, ::-1, ::-1, ::-1].transpose(1, 0, 2, 3, 4)
        kernels = _transform_kernels(_as_planar(flipped), np.asarray(x).dtype)
        grad_volumes = grad_input
        winograd_apply(grad, kernels, grad_volumes, taps, pad_d - (taps - 1) * depth_dilation, depth_dilation,
                       pad_h - 2, pad_w - 2, False)
    if grad_weight is not None:
        np.copyto(grad_weight, _weight_gradient(x, grad, taps, padding, depth_dilation).reshape(weight.shape),
                  casting="unsafe")


def _as_planar(weight):
    """weight (A, B, kd, 3, 3) as (A, B * kd, 3, 3) 2-D kernels, one per gemm row (channel, depth tap)."""
    return np.asarray(weight).reshape((weight.shape[0], weight.shape[1] * weight.shape[2], 3, 3))


cdef _weight_gradient(const floating[:, :, :, :, ::1] x, const floating[:, :, :, :, ::1] grad, Py_ssize_t taps,
                      tuple padding, Py_ssize_t depth_dilation):
    """(Cout, C * kd, 3, 3): G^T (the transformed kernels' gradient, summed per thread and then added) G."""
    cdef Py_ssize_t pad_d = padding[0], pad_h = padding[1], pad_w = padding[2]
    cdef Tiles s = tiles_of(x.shape, grad.shape, taps, -pad_d, depth_dilation, -pad_h, -pad_w)
    cdef int threads = block_threads(&s), t
    dtype = np.asarray(x).dtype
    cdef floating[:, ::1] transformed, products, scratch
    transformed, products, scratch = scratch_buffers(&s, threads, dtype)
    partial_kernels = np.zeros((threads, SPOTS, s.out_channels, s.rows), dtype)
    cdef floating[:, :, :, ::1] partial = partial_kernels
    cdef Py_ssize_t block, blocks = (s.count + s.block - 1) // s.block
    # static: each thread sums a fixed run of blocks, so the gradient is the same on every run
    for block in prange(blocks, nogil=True, schedule="static", num_threads=threads):
        t = omp_get_thread_num()
        weight_block(&x[0, 0, 0, 0, 0], &grad[0, 0, 0, 0, 0], &partial[t, 0, 0, 0], &s, block * s.block,
                     min(s.block, s.count - block * s.block), &transformed[t, 0], &products[t, 0], &scratch[t, 0])
    return _kernel_gradient(partial_kernels.sum(axis=0, dtype=np.float64))
