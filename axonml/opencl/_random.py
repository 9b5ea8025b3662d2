"""Random tensors on an OpenCL device from the counter-based Philox stream (random.cl).

A draw of n values reserves ceil(n / 4) counters from the generator
(``Generator.next_offset``), so the same seed gives the same values on every device.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["uniform", "normal", "bernoulli", "randint", "randperm"]


def _key(generator) -> bytes:
    seed = generator.initial_seed() & 0xFFFF_FFFF_FFFF_FFFF
    return np.array([seed & 0xFFFF_FFFF, seed >> 32], np.uint32).tobytes()


def _float_type(dtype):
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fV" and dtype.itemsize >= 4 else np.dtype(np.float32)


def _defines(backend, float_type, out_type=None) -> tuple:
    defines = (("T", backend._ctype(float_type)),)
    if float_type == np.float64:
        defines += (("T_IS_DOUBLE", 1),)
    if out_type is not None:
        defines += (("OUT_T", backend._ctype(out_type)),)
    return defines + backend._type_defines(float_type, out_type or float_type)


def _draw(backend, name, shape, dtype, generator, per_item, defines, *params):
    out = backend.new(shape, dtype)
    items = math.ceil(out.size / per_item)
    offset = generator.next_offset(items)
    if items:
        backend.launch(backend.kernel("random", name, defines), items, out.buffer, np.int64(out.size),
                       np.uint64(offset), _key(generator), *params)
    return out


def _floats(backend, name, shape, a, b, dtype, generator):
    float_type = _float_type(dtype)
    out = _draw(backend, name, shape, float_type, generator, 4, _defines(backend, float_type),
                float_type.type(a), float_type.type(b))
    return backend.astype(out, dtype)


def uniform(backend, shape, low, high, dtype, generator):
    return _floats(backend, "uniform", shape, low, high, dtype, generator)


def normal(backend, shape, mean, std, dtype, generator):
    return _floats(backend, "normal", shape, mean, std, dtype, generator)


def bernoulli(backend, shape, p, dtype, generator):
    float_type = np.dtype(np.float64 if backend.has_float64 else np.float32)
    return _draw(backend, "bernoulli", shape, dtype, generator, 4, _defines(backend, float_type, dtype),
                 float_type.type(p))


def randint(backend, shape, low, high, dtype, generator):
    if high <= low:
        raise ValueError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    float_type = np.dtype(np.float32)
    return _draw(backend, "randint", shape, dtype, generator, 2, _defines(backend, float_type, dtype),
                 np.int64(low), np.uint64(high - low))


def randperm(backend, n, dtype, generator):
    """A permutation of range(n); serial on the device (one work-item), n counters of the stream."""
    out = backend.new((n,), dtype)
    offset = generator.next_offset(n)
    if n:
        float_type = np.dtype(np.float32)
        backend.launch(backend.kernel("random", "randperm", _defines(backend, float_type, dtype)), 1, out.buffer,
                       np.int64(n), np.uint64(offset), _key(generator), local=1)
    return out
