"""default_collate and default_convert: samples -> a batch, as torch.utils.data does it."""
from __future__ import annotations

import collections.abc
import functools
import numbers

import numpy as np

from .._dtype import from_numpy_dtype, promote_types
from ..tensor import Tensor, _make

__all__ = ["default_collate", "default_convert"]

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _stack_tensors(batch) -> Tensor:
    first = batch[0]
    shape = first._data.shape
    for i, t in enumerate(batch):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(t._data.shape)} at entry {i}")
    if all(type(t._data) is np.ndarray for t in batch):
        if any(t._data.dtype != first._data.dtype for t in batch):
            result = functools.reduce(promote_types, (t.dtype for t in batch))
            return _make(np.stack([t._data.astype(result.np, copy=False) for t in batch]))
        return _make(np.stack([t._data for t in batch]))
    from ..functional import stack
    return stack(list(batch), 0)


def _numpy_ok(array: np.ndarray) -> bool:
    """Whether array holds numbers; raises for numeric dtypes that tensors cannot hold (uint16 ...)."""
    if array.dtype.kind not in "biuf":
        return False
    from_numpy_dtype(array.dtype)
    return True


def default_collate(batch):
    """Merge a list of samples into a batch, recursively.

    Tensors and NumPy arrays are stacked along a new dimension 0; Python floats become a float64
    tensor, ints an int64 tensor, bools a bool tensor; strings stay a list; dicts, namedtuples
    and sequences are collated field by field (tuples come back as lists, as in PyTorch).

    Example::

        >>> default_collate([(axonml.zeros(2), 0), (axonml.ones(2), 1)])
        [tensor([[0., 0.], [1., 1.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        if not _numpy_ok(elem):
            raise TypeError(_ERROR.format(elem.dtype))
        try:
            return _make(np.stack(batch))
        except ValueError:
            shapes = [a.shape for a in batch]
            bad = next(i for i, s in enumerate(shapes) if s != shapes[0])
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                               f"and {list(shapes[bad])} at entry {bad}") from None
    if isinstance(elem, np.generic):
        if not _numpy_ok(np.asarray(elem)):
            raise TypeError(_ERROR.format(elem.dtype))
        return _make(np.array(batch))
    if isinstance(elem, bool):
        return _make(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return _make(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _make(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """Turn NumPy arrays inside ``data`` into tensors, leaving everything else as it is (the
    DataLoader's conversion when automatic batching is off)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return _make(data) if _numpy_ok(data) else data
    if isinstance(data, np.generic) and _numpy_ok(np.asarray(data)):
        return _make(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
