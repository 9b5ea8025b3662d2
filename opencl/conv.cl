// im2col / col2im for convolution over 1 to 3 spatial dims: every image is a (C, D, H, W) volume
// (a 2-D convolution has D = 1, a 1-D one D = H = 1).
//
// images (N, C, D, H, W) and columns (N, C*kd*kh*kw, out_d*out_h*out_w) are contiguous; column row
// ((c*kd + a)*kh + i)*kw + j, position (od*out_h + oh)*out_w + ow reads pixel
// (od*sd - pd + a*dd, oh*sh - ph + i*dh, ow*sw - pw + j*dw) of channel c. The host defines T.

typedef struct {
    long channels, depth, height, width;
    long kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw;   // pd, ph, pw: the padding before each axis
    long out_d, out_h, out_w;
} geometry_t;

// one work-item per column entry
__kernel void im2col(__global T* columns, __global const T* images, const geometry_t g, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long positions = g.out_d * g.out_h * g.out_w;
    const long taps = g.kd * g.kh * g.kw;
    const long position = i % positions;
    const long row = (i / positions) % (g.channels * taps);
    const long n = i / (positions * g.channels * taps);
    const long c = row / taps, tap = row % taps;
    const long ow = position % g.out_w, oh = (position / g.out_w) % g.out_h, od = position / (g.out_w * g.out_h);
    const long kj = tap % g.kw, ki = (tap / g.kw) % g.kh, ka = tap / (g.kw * g.kh);
    const long id = od * g.sd - g.pd + ka * g.dd;
    const long ih = oh * g.sh - g.ph + ki * g.dh;
    const long iw = ow * g.sw - g.pw + kj * g.dw;
    columns[i] = (id >= 0 && id < g.depth && ih >= 0 && ih < g.height && iw >= 0 && iw < g.width)
        ? images[(((n * g.channels + c) * g.depth + id) * g.height + ih) * g.width + iw] : (T)0;
}

// the output position along one axis that reads input index `at` through kernel tap `tap`, or -1
inline long reader(const long at, const long tap, const long stride, const long pad, const long dilation,
                   const long out_size) {
    const long shifted = at + pad - tap * dilation;
    if (shifted < 0 || shifted % stride) return -1;
    const long o = shifted / stride;
    return o < out_size ? o : -1;
}

// one work-item per image pixel: the sum of every column entry read from it (no atomics)
__kernel void col2im(__global T* images, __global const T* columns, const geometry_t g, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long w = i % g.width, h = (i / g.width) % g.height, d = (i / (g.width * g.height)) % g.depth;
    const long c = (i / (g.width * g.height * g.depth)) % g.channels;
    const long n = i / (g.width * g.height * g.depth * g.channels);
    const long positions = g.out_d * g.out_h * g.out_w, taps = g.kd * g.kh * g.kw;
    __global const T* image_columns = columns + (n * g.channels + c) * taps * positions;
    T total_value = 0;
    for (long ka = 0; ka < g.kd; ++ka) {
        const long od = reader(d, ka, g.sd, g.pd, g.dd, g.out_d);
        if (od < 0) continue;
        for (long ki = 0; ki < g.kh; ++ki) {
            const long oh = reader(h, ki, g.sh, g.ph, g.dh, g.out_h);
            if (oh < 0) continue;
            for (long kj = 0; kj < g.kw; ++kj) {
                const long ow = reader(w, kj, g.sw, g.pw, g.dw, g.out_w);
                if (ow < 0) continue;
                total_value += image_columns[((ka * g.kh + ki) * g.kw + kj) * positions
                                             + (od * g.out_h + oh) * g.out_w + ow];
            }
        }
    }
    images[i] = total_value;
}
