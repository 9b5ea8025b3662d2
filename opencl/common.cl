// Shared by every program: the strided-array descriptors and index arithmetic.
//
// An array the host passes to a kernel is a buffer plus a layout: an element offset and one
// stride (in elements) per dim. The logical shape is passed once per kernel (shape_t), so
// inputs broadcast against it through zero strides, and views reach kernels without copies.

#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable

#define MAX_DIMS 8

typedef struct {
    long ndim;
    long size;
    long shape[MAX_DIMS];
} shape_t;

typedef struct {
    long offset;  // a negative offset marks a scalar operand passed by value
    long strides[MAX_DIMS];
} layout_t;

// The buffer position of the i-th element (C order over s) of an array laid out as l.
// What is left of i after the inner dims is the outermost index itself: a 1-d (coalesced,
// e.g. contiguous) array costs no division.
inline long offset_of(const shape_t* s, const layout_t* l, long i) {
    long offset = l->offset;
    for (int d = (int)s->ndim - 1; d > 0; --d) {
        const long n = s->shape[d];
        offset += (i % n) * l->strides[d];
        i /= n;
    }
    return s->ndim > 0 ? offset + i * l->strides[0] : offset;
}
