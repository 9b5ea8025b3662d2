// Pooling over the last three dims of contiguous volumes (P, D, H, W); 1-D and 2-D pools have
// unit D (and H).
//
// The host defines T. Max pools also write the flat index ((d * H + h) * W + w) of each maximum
// within its plane, which the backward pass scatters the gradient to. Windows follow PyTorch:
// padding before, dilation for max pooling, floor/ceil window bounds for adaptive pooling.

typedef struct {
    long depth, height, width, out_d, out_h, out_w;
    long kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw;
} window_t;

// output o's dilated window [*start, *stop) along one axis, its first element inside the input
inline void max_window(long o, long k, long s, long p, long d, long size, long* start, long* stop) {
    *start = o * s - p;
    *stop = min(*start + (k - 1) * d + 1, size);
    while (*start < 0) *start += d;
}

// the maximum of a window of one (D, H, W) plane and its flat index; the first NaN wins
inline T window_max(__global const T* plane, long height, long width, long d0, long d1, long h0, long h1, long w0,
                    long w1, long dd, long dh, long dw, long* best_index) {
    T best = -INFINITY;
    *best_index = (d0 * height + h0) * width + w0;
    for (long id = d0; id < d1; id += dd) {
        for (long ih = h0; ih < h1; ih += dh) {
            for (long iw = w0; iw < w1; iw += dw) {
                const long at = (id * height + ih) * width + iw;
                const T value = plane[at];
                if (value > best || isnan(value)) {
                    best = value;
                    *best_index = at;
                    if (isnan(value)) return best;
                }
            }
        }
    }
    return best;
}

__kernel void max_pool3d(__global T* out, __global long* indices, __global const T* x, const window_t g,
                         const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, od = (i / (g.out_w * g.out_h)) % g.out_d;
    const long p = i / (g.out_w * g.out_h * g.out_d);
    long d0, d1, h0, h1, w0, w1, best_index;
    max_window(od, g.kd, g.sd, g.pd, g.dd, g.depth, &d0, &d1);
    max_window(oh, g.kh, g.sh, g.ph, g.dh, g.height, &h0, &h1);
    max_window(ow, g.kw, g.sw, g.pw, g.dw, g.width, &w0, &w1);
    out[i] = window_max(x + p * g.depth * g.height * g.width, g.height, g.width, d0, d1, h0, h1, w0, w1, g.dd, g.dh,
                        g.dw, &best_index);
    indices[i] = best_index;
}

// output o's window along one axis clipped to the input; returns its length clipped to the padded input
inline long avg_window(long o, long k, long s, long p, long size, long* start, long* stop) {
    *start = o * s - p;
    *stop = min(*start + k, size + p);
    const long padded = *stop - *start;
    *start = max(*start, 0L);
    *stop = min(*stop, size);
    return padded;
}

// the divisor of output (od, oh, ow), 0 when its window holds no input element
inline T avg_divisor(const window_t* g, long od, long oh, long ow, int count_include_pad, long divisor_override,
                     long* d0, long* d1, long* h0, long* h1, long* w0, long* w1) {
    const long padded = avg_window(od, g->kd, g->sd, g->pd, g->depth, d0, d1) *
                        avg_window(oh, g->kh, g->sh, g->ph, g->height, h0, h1) *
                        avg_window(ow, g->kw, g->sw, g->pw, g->width, w0, w1);
    if (*d0 >= *d1 || *h0 >= *h1 || *w0 >= *w1) return 0;
    if (divisor_override) return (T)divisor_override;
    return (T)(count_include_pad ? padded : (*d1 - *d0) * (*h1 - *h0) * (*w1 - *w0));
}

__kernel void avg_pool3d(__global T* out, __global const T* x, const window_t g, const int count_include_pad,
                         const long divisor_override, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, od = (i / (g.out_w * g.out_h)) % g.out_d;
    const long p = i / (g.out_w * g.out_h * g.out_d);
    long d0, d1, h0, h1, w0, w1;
    const T divisor = avg_divisor(&g, od, oh, ow, count_include_pad, divisor_override, &d0, &d1, &h0, &h1, &w0, &w1);
    if (divisor == 0) {
        out[i] = 0;
        return;
    }
    __global const T* plane = x + p * g.depth * g.height * g.width;
    T sum = 0;
    for (long id = d0; id < d1; ++id)
        for (long ih = h0; ih < h1; ++ih)
            for (long iw = w0; iw < w1; ++iw) sum += plane[(id * g.height + ih) * g.width + iw];
    out[i] = sum / divisor;
}

// the first output along one axis whose window can reach input position at
inline long first_covering(long at, long k, long s, long p) { return max((at + p - k) / s, 0L); }

// one work-item per input element: the shares of every output window that covers it (no atomics)
__kernel void avg_pool3d_backward(__global T* grad_input, __global const T* grad, const window_t g,
                                  const int count_include_pad, const long divisor_override, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long w = i % g.width, h = (i / g.width) % g.height, d = (i / (g.width * g.height)) % g.depth;
    const long p = i / (g.width * g.height * g.depth);
    __global const T* grad_plane = grad + p * g.out_d * g.out_h * g.out_w;
    T sum = 0;
    for (long od = first_covering(d, g.kd, g.sd, g.pd); od < g.out_d && od * g.sd - g.pd <= d; ++od) {
        for (long oh = first_covering(h, g.kh, g.sh, g.ph); oh < g.out_h && oh * g.sh - g.ph <= h; ++oh) {
            for (long ow = first_covering(w, g.kw, g.sw, g.pw); ow < g.out_w && ow * g.sw - g.pw <= w; ++ow) {
                long d0, d1, h0, h1, w0, w1;
                const T divisor = avg_divisor(&g, od, oh, ow, count_include_pad, divisor_override, &d0, &d1, &h0,
                                              &h1, &w0, &w1);
                if (d < d0 || d >= d1 || h < h0 || h >= h1 || w < w0 || w >= w1) continue;
                sum += grad_plane[(od * g.out_h + oh) * g.out_w + ow] / divisor;
            }
        }
    }
    grad_input[i] = sum;
}

inline long window_start(long o, long out_size, long size) { return (o * size) / out_size; }
inline long window_end(long o, long out_size, long size) { return ((o + 1) * size + out_size - 1) / out_size; }

__kernel void adaptive_pool3d(__global T* out, __global long* indices, __global const T* x, const window_t g,
                              const int take_max, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, od = (i / (g.out_w * g.out_h)) % g.out_d;
    const long p = i / (g.out_w * g.out_h * g.out_d);
    const long d0 = window_start(od, g.out_d, g.depth), d1 = window_end(od, g.out_d, g.depth);
    const long h0 = window_start(oh, g.out_h, g.height), h1 = window_end(oh, g.out_h, g.height);
    const long w0 = window_start(ow, g.out_w, g.width), w1 = window_end(ow, g.out_w, g.width);
    __global const T* plane = x + p * g.depth * g.height * g.width;
    if (take_max) {
        long best_index;
        out[i] = window_max(plane, g.height, g.width, d0, d1, h0, h1, w0, w1, 1, 1, 1, &best_index);
        indices[i] = best_index;
    } else {
        T sum = 0;
        for (long id = d0; id < d1; ++id)
            for (long ih = h0; ih < h1; ++ih)
                for (long iw = w0; iw < w1; ++iw) sum += plane[(id * g.height + ih) * g.width + iw];
        out[i] = sum / (T)((d1 - d0) * (h1 - h0) * (w1 - w0));
    }
}

// the outputs along one axis whose adaptive windows hold input position at: [*first, *last]
inline void covering_outputs(long at, long out_size, long size, long* first, long* last) {
    *first = (at * out_size) / size;
    while (*first > 0 && window_end(*first - 1, out_size, size) > at) --*first;
    *last = *first;
    while (*last + 1 < out_size && window_start(*last + 1, out_size, size) <= at) ++*last;
}

__kernel void adaptive_avg_pool3d_backward(__global T* grad_input, __global const T* grad, const window_t g,
                                           const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long w = i % g.width, h = (i / g.width) % g.height, d = (i / (g.width * g.height)) % g.depth;
    const long p = i / (g.width * g.height * g.depth);
    __global const T* grad_plane = grad + p * g.out_d * g.out_h * g.out_w;
    long od0, od1, oh0, oh1, ow0, ow1;
    covering_outputs(d, g.out_d, g.depth, &od0, &od1);
    covering_outputs(h, g.out_h, g.height, &oh0, &oh1);
    covering_outputs(w, g.out_w, g.width, &ow0, &ow1);
    T sum = 0;
    for (long od = od0; od <= od1; ++od) {
        const long depth_size = window_end(od, g.out_d, g.depth) - window_start(od, g.out_d, g.depth);
        for (long oh = oh0; oh <= oh1; ++oh) {
            const long height_size = window_end(oh, g.out_h, g.height) - window_start(oh, g.out_h, g.height);
            for (long ow = ow0; ow <= ow1; ++ow) {
                const long width_size = window_end(ow, g.out_w, g.width) - window_start(ow, g.out_w, g.width);
                sum += grad_plane[(od * g.out_h + oh) * g.out_w + ow] / (T)(depth_size * height_size * width_size);
            }
        }
    }
    grad_input[i] = sum;
}
