// Pooling over the last two dims of contiguous planes (P, H, W); a 1-D pool has H = 1.
//
// The host defines T. Max pools also write the flat index (h * W + w) of each maximum within
// its plane, which the backward pass scatters the gradient to. Windows follow PyTorch:
// padding before, dilation for max pooling, floor/ceil window bounds for adaptive pooling.

typedef struct {
    long height, width, out_h, out_w;
    long kh, kw, sh, sw, ph, pw, dh, dw;
} window_t;

__kernel void max_pool2d(__global T* out, __global long* indices, __global const T* x, const window_t g,
                         const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, p = i / (g.out_w * g.out_h);
    long h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    const long h1 = min(h0 + (g.kh - 1) * g.dh + 1, g.height), w1 = min(w0 + (g.kw - 1) * g.dw + 1, g.width);
    while (h0 < 0) h0 += g.dh;
    while (w0 < 0) w0 += g.dw;
    __global const T* plane = x + p * g.height * g.width;
    T best = -INFINITY;
    long best_index = h0 * g.width + w0;
    for (long ih = h0; ih < h1 && !isnan(best); ih += g.dh) {
        for (long iw = w0; iw < w1; iw += g.dw) {
            const T value = plane[ih * g.width + iw];
            if (value > best || isnan(value)) {
                best = value;
                best_index = ih * g.width + iw;
                if (isnan(value)) break;
            }
        }
    }
    out[i] = best;
    indices[i] = best_index;
}

inline long avg_window(const window_t* g, long oh, long ow, long* h0, long* h1, long* w0, long* w1) {
    *h0 = oh * g->sh - g->ph;
    *w0 = ow * g->sw - g->pw;
    *h1 = min(*h0 + g->kh, g->height + g->ph);
    *w1 = min(*w0 + g->kw, g->width + g->pw);
    const long padded_size = (*h1 - *h0) * (*w1 - *w0);
    *h0 = max(*h0, 0L);
    *w0 = max(*w0, 0L);
    *h1 = min(*h1, g->height);
    *w1 = min(*w1, g->width);
    return padded_size;
}

inline T avg_divisor(long padded_size, long h0, long h1, long w0, long w1, int count_include_pad,
                     long divisor_override) {
    if (divisor_override) return (T)divisor_override;
    return (T)(count_include_pad ? padded_size : (h1 - h0) * (w1 - w0));
}

__kernel void avg_pool2d(__global T* out, __global const T* x, const window_t g, const int count_include_pad,
                         const long divisor_override, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, p = i / (g.out_w * g.out_h);
    long h0, h1, w0, w1;
    const long padded_size = avg_window(&g, oh, ow, &h0, &h1, &w0, &w1);
    if (h0 >= h1 || w0 >= w1) {
        out[i] = 0;
        return;
    }
    __global const T* plane = x + p * g.height * g.width;
    T sum = 0;
    for (long ih = h0; ih < h1; ++ih)
        for (long iw = w0; iw < w1; ++iw) sum += plane[ih * g.width + iw];
    out[i] = sum / avg_divisor(padded_size, h0, h1, w0, w1, count_include_pad, divisor_override);
}

// one work-item per input pixel: the shares of every output window that covers it (no atomics)
__kernel void avg_pool2d_backward(__global T* grad_input, __global const T* grad, const window_t g,
                                  const int count_include_pad, const long divisor_override, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long w = i % g.width, h = (i / g.width) % g.height, p = i / (g.width * g.height);
    __global const T* grad_plane = grad + p * g.out_h * g.out_w;
    T sum = 0;
    const long oh_first = max((h + g.ph - g.kh) / g.sh, 0L), ow_first = max((w + g.pw - g.kw) / g.sw, 0L);
    for (long oh = oh_first; oh < g.out_h && oh * g.sh - g.ph <= h; ++oh) {
        for (long ow = ow_first; ow < g.out_w && ow * g.sw - g.pw <= w; ++ow) {
            long h0, h1, w0, w1;
            const long padded_size = avg_window(&g, oh, ow, &h0, &h1, &w0, &w1);
            if (h < h0 || h >= h1 || w < w0 || w >= w1) continue;
            sum += grad_plane[oh * g.out_w + ow] /
                   avg_divisor(padded_size, h0, h1, w0, w1, count_include_pad, divisor_override);
        }
    }
    grad_input[i] = sum;
}

inline long window_start(long o, long out_size, long size) { return (o * size) / out_size; }
inline long window_end(long o, long out_size, long size) { return ((o + 1) * size + out_size - 1) / out_size; }

__kernel void adaptive_pool2d(__global T* out, __global long* indices, __global const T* x, const window_t g,
                              const int take_max, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, p = i / (g.out_w * g.out_h);
    const long h0 = window_start(oh, g.out_h, g.height), h1 = window_end(oh, g.out_h, g.height);
    const long w0 = window_start(ow, g.out_w, g.width), w1 = window_end(ow, g.out_w, g.width);
    __global const T* plane = x + p * g.height * g.width;
    if (take_max) {
        T best = -INFINITY;
        long best_index = h0 * g.width + w0;
        for (long ih = h0; ih < h1 && !isnan(best); ++ih) {
            for (long iw = w0; iw < w1; ++iw) {
                const T value = plane[ih * g.width + iw];
                if (value > best || isnan(value)) {
                    best = value;
                    best_index = ih * g.width + iw;
                    if (isnan(value)) break;
                }
            }
        }
        out[i] = best;
        indices[i] = best_index;
    } else {
        T sum = 0;
        for (long ih = h0; ih < h1; ++ih)
            for (long iw = w0; iw < w1; ++iw) sum += plane[ih * g.width + iw];
        out[i] = sum / (T)((h1 - h0) * (w1 - w0));
    }
}

__kernel void adaptive_avg_pool2d_backward(__global T* grad_input, __global const T* grad, const window_t g,
                                           const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long w = i % g.width, h = (i / g.width) % g.height, p = i / (g.width * g.height);
    __global const T* grad_plane = grad + p * g.out_h * g.out_w;
    T sum = 0;
    for (long oh = 0; oh < g.out_h; ++oh) {
        const long h0 = window_start(oh, g.out_h, g.height), h1 = window_end(oh, g.out_h, g.height);
        if (h < h0 || h >= h1) continue;
        for (long ow = 0; ow < g.out_w; ++ow) {
            const long w0 = window_start(ow, g.out_w, g.width), w1 = window_end(ow, g.out_w, g.width);
            if (w < w0 || w >= w1) continue;
            sum += grad_plane[oh * g.out_w + ow] / (T)((h1 - h0) * (w1 - w0));
        }
    }
    grad_input[i] = sum;
}
