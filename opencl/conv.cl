// im2col / col2im for 2-D convolution (a 1-D convolution is a 2-D one of height 1).
//
// images (N, C, H, W) and columns (N, C*kh*kw, out_h*out_w) are contiguous. The host defines T.
// geometry: kh, kw, sh, sw, ph, pw (padding before), dh, dw, out_h, out_w.

typedef struct {
    long channels, height, width;
    long kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w;
} geometry_t;

// one work-item per column entry
__kernel void im2col(__global T* columns, __global const T* images, const geometry_t g, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long positions = g.out_h * g.out_w;
    const long taps = g.kh * g.kw;
    const long position = i % positions;
    const long row = (i / positions) % (g.channels * taps);
    const long n = i / (positions * g.channels * taps);
    const long c = row / taps, tap = row % taps;
    const long ih = (position / g.out_w) * g.sh - g.ph + (tap / g.kw) * g.dh;
    const long iw = (position % g.out_w) * g.sw - g.pw + (tap % g.kw) * g.dw;
    columns[i] = (ih >= 0 && ih < g.height && iw >= 0 && iw < g.width)
        ? images[((n * g.channels + c) * g.height + ih) * g.width + iw] : (T)0;
}

// one work-item per image pixel: the sum of every column entry read from it (no atomics)
__kernel void col2im(__global T* images, __global const T* columns, const geometry_t g, const long total) {
    const long i = get_global_id(0);
    if (i >= total) return;
    const long w = i % g.width, h = (i / g.width) % g.height;
    const long c = (i / (g.width * g.height)) % g.channels, n = i / (g.width * g.height * g.channels);
    const long positions = g.out_h * g.out_w, taps = g.kh * g.kw;
    __global const T* image_columns = columns + (n * g.channels + c) * taps * positions;
    T total_value = 0;
    for (long ki = 0; ki < g.kh; ++ki) {
        const long y = h + g.ph - ki * g.dh;
        if (y < 0 || y % g.sh) continue;
        const long oh = y / g.sh;
        if (oh >= g.out_h) continue;
        for (long kj = 0; kj < g.kw; ++kj) {
            const long x = w + g.pw - kj * g.dw;
            if (x < 0 || x % g.sw) continue;
            const long ow = x / g.sw;
            if (ow >= g.out_w) continue;
            total_value += image_columns[(ki * g.kw + kj) * positions + oh * g.out_w + ow];
        }
    }
    images[i] = total_value;
}
