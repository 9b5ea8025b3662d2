"""Tensor creation: tensor, from_numpy, zeros/ones/full/empty(+_like), arange, linspace, eye, random."""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import _dtype
from ._device import default_device_or_none as _default_device_or_none
from ._device import device as _device_cls
from .backends import get_backend
from .random import default_generator
from .tensor import Tensor, _make

__all__ = ["tensor", "as_tensor", "asarray", "frombuffer", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn", "randint", "normal",
           "rand_like", "randn_like", "randint_like", "randperm"]


def _finish(data, requires_grad: bool) -> Tensor:
    t = _make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _backend(device):
    if device is None:
        device = _default_device_or_none()
    return get_backend(_device_cls(device if device is not None else "cpu"))


def _size(size) -> tuple:
    """PyTorch's *size: zeros(2, 3) and zeros((2, 3)) alike."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _infer_dtype(data) -> _dtype.dtype:
    """PyTorch's inference for Python data: bools -> bool, ints -> int64, any float -> default float."""
    kinds = set()

    def walk(x):
        if isinstance(x, Tensor):
            kinds.add(x.dtype)
        elif isinstance(x, (bool, np.bool_)):
            kinds.add("b")
        elif isinstance(x, numbers.Integral):
            kinds.add("i")
        elif isinstance(x, numbers.Real):
            kinds.add("f")
        elif isinstance(x, numbers.Complex):
            kinds.add("c")
        elif isinstance(x, (list, tuple)):
            for item in x:
                walk(item)
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    walk(data)
    tensor_types = [k for k in kinds if isinstance(k, _dtype.dtype)]
    if tensor_types:
        result = tensor_types[0]
        for d in tensor_types[1:]:
            result = _dtype.promote_types(result, d)
        if "c" in kinds and not result.is_complex:
            result = result.to_complex() if result.is_floating_point else _dtype.default_complex_dtype()
        elif "f" in kinds and not result.is_floating_point and not result.is_complex:
            result = _dtype.get_default_dtype()
        return result
    if "c" in kinds:
        return _dtype.default_complex_dtype()
    if "f" in kinds:
        return _dtype.get_default_dtype()
    if "i" in kinds:
        return _dtype.int64
    if "b" in kinds:
        return _dtype.bool
    return _dtype.get_default_dtype()


def _to_numpy_nested(data):
    if isinstance(data, Tensor):
        return np.asarray(data)
    if isinstance(data, (list, tuple)):
        return [_to_numpy_nested(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of data (nested lists, scalars, NumPy arrays or tensors).

    Example::

        >>> axonml.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    """
    if isinstance(data, np.ndarray):
        inferred = _dtype.from_numpy_dtype(data.dtype)
        values = data
    elif isinstance(data, Tensor):
        inferred = data.dtype
        values = np.asarray(data)
    elif isinstance(data, np.generic):
        inferred = _dtype.from_numpy_dtype(data.dtype)
        values = np.asarray(data)
    else:
        inferred = _infer_dtype(data)
        values = _to_numpy_nested(data)
    target = _dtype.to_dtype(dtype) if dtype is not None else inferred
    try:
        if target in _dtype._FLOAT8:  # PyTorch's rounding and saturation, not NumPy's (ml_dtypes')
            array = _dtype.cast_array(np.array(values), target.np)
        else:
            array = np.array(values, dtype=target.np)
    except ValueError as error:
        raise ValueError(f"could not build a tensor from the data: {error}") from None
    if array.dtype == object:
        raise ValueError("could not build a tensor from ragged nested sequences")
    device = device if device is not None else _default_device_or_none()
    return _finish(_backend(device).asarray(array) if device is not None else array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """data as a tensor, sharing memory with a NumPy array or tensor when dtype and device already match."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device is not None or dtype is not None) else data
    if isinstance(data, np.ndarray) and device in (None, "cpu") and (dtype is None or _dtype.to_dtype(dtype).np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None, requires_grad: bool = False) -> Tensor:
    """obj as a tensor: shares a tensor's or NumPy array's memory when dtype and device allow and copy is not
    True; copy=False raises where sharing is impossible (torch.asarray)."""
    if copy:
        result = tensor(obj, dtype=dtype, device=device)
    else:
        result = as_tensor(obj, dtype=dtype, device=device)
        shares = isinstance(obj, Tensor) and result is obj or isinstance(obj, np.ndarray) and \
            type(result._data) is np.ndarray and np.shares_memory(result._data, obj)
        if copy is False and not shares:
            raise ValueError("can't alias the data: it needs a copy (a dtype or device change, or Python data)")
    if requires_grad:
        result = result.detach() if result is obj else result
        result.requires_grad_(True)
    return result


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-d tensor sharing memory with an object that exposes the buffer protocol (bytes, bytearray, array ...)."""
    target = _dtype.to_dtype(dtype)
    length = memoryview(buffer).nbytes
    if offset < 0 or offset > length:
        raise ValueError(f"offset ({offset}) must be non-negative and no greater than buffer length ({length}) "
                         "minus one")
    if count == 0 or (length - offset) // target.itemsize == 0 and count < 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if count > 0 and offset + count * target.itemsize > length:
        raise ValueError(f"requested buffer length ({count} * {target.itemsize} bytes) after offset ({offset}) "
                         f"must not be greater than actual buffer length ({length})")
    array = np.frombuffer(buffer, dtype=target.np, count=count, offset=offset)
    return _finish(array, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return _make(array)


def _filled(kind, size, fill_value, dtype, device, requires_grad):
    shape = _size(size)
    d = _dtype.to_dtype(dtype)
    backend = _backend(device)
    if kind == "zeros":
        data = backend.zeros(shape, d.np)
    elif kind == "ones":
        data = backend.ones(shape, d.np)
    elif kind == "empty":
        data = backend.empty(shape, d.np)
    else:
        data = backend.full(shape, fill_value, d.np)
    return _finish(data, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled("zeros", size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled("ones", size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled("empty", size, 0, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = _infer_dtype(fill_value)
    return _filled("full", (size,) if not isinstance(size, (tuple, list)) else (tuple(size),), fill_value, dtype,
                   device, requires_grad)


def _like(kind, input, fill_value, dtype, device, requires_grad):
    return _filled(kind, (tuple(input.shape),), fill_value, dtype or input.dtype, device or input.device,
                   requires_grad)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like("zeros", input, 0, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like("ones", input, 1, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like("empty", input, 0, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like("full", input, fill_value, dtype, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 unless any argument is a float."""
    if end is None:
        start, end = 0, start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _infer_dtype([start, end, step])
    d = _dtype.to_dtype(dtype)
    count = max(0, math.ceil((end - start) / step))
    data = start + step * np.arange(count, dtype=np.float64 if d.is_floating_point else np.int64)
    device = device if device is not None else _default_device_or_none()
    return _finish(_backend(device).asarray(data.astype(d.np)) if device is not None else data.astype(d.np),
                   requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """steps values evenly spaced from start to end, both included.

    The values are PyTorch's: the first half counts up from start and the second half down from
    end, so both ends are exact; an integer dtype truncates start and end to that dtype, spaces
    the values in float64 and truncates each towards zero (linspace(-5, 3, 7, dtype=int64) is
    [-5, -3, -2, 0, 0, 1, 3]).

    Example::

        >>> axonml.linspace(0, 10, 7, dtype=axonml.int64)
        tensor([ 0,  1,  3,  5,  6,  8, 10])
    """
    start, end = (x.item() if isinstance(x, Tensor) else x for x in (start, end))
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    d = _dtype.to_dtype(dtype)
    return _finish(_backend(device).asarray(_linspace_values(start, end, int(steps), d.np)), requires_grad)


def _linspace_values(start, end, steps: int, dtype) -> np.ndarray:
    """PyTorch's linspace values as a NumPy array of dtype.

    torch computes value i as fma(step, i, start) below steps // 2 and fma(-step, steps - 1 - i, end)
    from there on, in float32 for float32 and in float64 otherwise (integer ends truncated to the
    dtype first). The fused multiply-add is emulated by a product in a wider type (exact for the
    index range that matters), then a single rounding.
    """
    dtype = np.dtype(dtype)
    compute = np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    if dtype.kind in "biu":
        start, end = (np.array(math.trunc(x), dtype=np.int64).astype(dtype) for x in (start, end))
    start, end = compute.type(start), compute.type(end)
    if steps == 1:
        return np.full(1, start).astype(dtype)
    wide = np.float64 if compute == np.float32 else np.longdouble
    step = (end - start) / compute.type(steps - 1)
    position = np.arange(steps)
    values = np.where(position < steps // 2, wide(step) * position + wide(start),
                      wide(-step) * (steps - 1 - position) + wide(end))
    return values.astype(compute).astype(dtype)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    d = _dtype.to_dtype(dtype)
    return _finish(_backend(device).eye(n, n if m is None else m, d.np), requires_grad)


# --- random ------------------------------------------------------------------------------------------

def _float_dtype(dtype):
    d = _dtype.to_dtype(dtype)
    if not d.is_floating_point:
        raise RuntimeError(f"expected a floating-point dtype for a random float tensor, got {d}")
    return d


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    d = _float_dtype(dtype)
    data = _backend(device).uniform(_size(size), 0.0, 1.0, d.np, generator or default_generator)
    return _finish(data, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    d = _float_dtype(dtype)
    data = _backend(device).normal(_size(size), 0.0, 1.0, d.np, generator or default_generator)
    return _finish(data, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high); randint(high, size) starts at 0."""
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    d = _dtype.to_dtype(dtype if dtype is not None else _dtype.int64)
    data = _backend(device).randint(_size((size,)), int(low), int(high), d.np, generator or default_generator)
    return _finish(data, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples; mean/std may be tensors (broadcast together) or floats with a size."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        mean_t = mean if isinstance(mean, Tensor) else None
        std_t = std if isinstance(std, Tensor) else None
        ref = mean_t if mean_t is not None else std_t
        shape = np.broadcast_shapes(tuple(mean_t.shape) if mean_t is not None else (),
                                    tuple(std_t.shape) if std_t is not None else ())
        noise = randn(*shape, generator=generator, dtype=ref.dtype, device=ref.device)
        return (noise * std + mean).detach()
    if size is None:
        raise TypeError("normal() with float mean and std needs a size")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    d = _float_dtype(dtype)
    data = _backend(device).normal(_size((size,)), float(mean), float(std), d.np, generator or default_generator)
    return _finish(data, requires_grad)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low, high=None, *, dtype=None, device=None) -> Tensor:
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    d = _dtype.to_dtype(dtype if dtype is not None else _dtype.int64)
    return _finish(_backend(device).randperm(int(n), d.np, generator or default_generator), requires_grad)
