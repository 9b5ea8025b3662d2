"""General data transforms: callables applied to one sample (a tensor, array or number).

They run on host memory, inside the DataLoader (often in worker processes), never inside an
autograd graph, so they compute with NumPy on the sample's array and return a new tensor.
Randomness comes from axonml's default generator, so ``axonml.manual_seed`` (or the per-worker
seeding of the DataLoader) makes them reproducible. Image-specific transforms with
torchvision's names live in :mod:`axonml.vision.transforms`.
"""
from __future__ import annotations

import numbers
from typing import Callable, Sequence

import numpy as np

from .. import _dtype
from ..random import default_generator
from ..tensor import Tensor, _make

__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "Scale", "Clamp", "Flatten", "Reshape", "RandomNoise",
           "RandomCrop", "RandomFlip"]


def _host_array(sample) -> np.ndarray:
    """The sample's values as a NumPy array (a CPU tensor's array is shared, not copied)."""
    if isinstance(sample, Tensor):
        return sample.detach().numpy(force=True)
    return np.asarray(sample)


def _float_array(sample) -> np.ndarray:
    array = _host_array(sample)
    return array if array.dtype.kind in "fV" else array.astype(_dtype.get_default_dtype().np)


def _uniform(low: float = 0.0, high: float = 1.0) -> float:
    """One draw from U[low, high) on axonml's default generator."""
    return low + (high - low) * float(default_generator.np.random())


def _randint(low: int, high: int) -> int:
    """One integer from [low, high) on axonml's default generator."""
    return int(default_generator.np.integers(low, high))


class Compose:
    """Apply transforms one after another.

    Example::

        >>> Compose([ToTensor(), Scale(1 / 16), Flatten()])
    """

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, sample):
        for transform in self.transforms:
            sample = transform(sample)
        return sample

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class Lambda:
    """A user function as a transform."""

    def __init__(self, lambd: Callable):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, sample):
        return self.lambd(sample)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToTensor:
    """A NumPy array, number or (nested) list as a tensor, values unchanged.

    Args:
        dtype (optional): the tensor's dtype; default keeps the array's (Python floats become the
            default float dtype, as ``axonml.tensor`` does).
    """

    def __init__(self, dtype=None):
        self.dtype = None if dtype is None else _dtype.to_dtype(dtype)

    def __call__(self, sample) -> Tensor:
        if isinstance(sample, Tensor):
            return sample if self.dtype is None else sample.to(self.dtype)
        if isinstance(sample, np.ndarray):
            array = sample if self.dtype is None else sample.astype(self.dtype.np, copy=False)
            _dtype.from_numpy_dtype(array.dtype)
            return _make(array)
        from ..creation import tensor
        return tensor(sample, dtype=self.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dtype={self.dtype})"


class Normalize:
    """``(sample - mean) / std``, with mean and std broadcast against the sample's trailing
    dimensions (one value per feature of a feature vector, or scalars).

    For images in (C, H, W) layout with one value per channel use
    :class:`axonml.vision.transforms.Normalize`.
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if (self.std == 0).any():
            raise ValueError(f"std evaluated to zero, leading to division by zero: std={std}")

    def __call__(self, sample) -> Tensor:
        array = _float_array(sample)
        return _make(((array - self.mean.astype(array.dtype)) / self.std.astype(array.dtype)).astype(array.dtype))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Scale:
    """Multiply by a constant factor (e.g. ``Scale(1 / 255)``)."""

    def __init__(self, factor: float):
        self.factor = factor

    def __call__(self, sample) -> Tensor:
        array = _float_array(sample)
        return _make(array * array.dtype.type(self.factor))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(factor={self.factor})"


class Clamp:
    """Clamp values into [min, max] (either bound may be None)."""

    def __init__(self, min: float | None = None, max: float | None = None):
        if min is None and max is None:
            raise ValueError("At least one of 'min' or 'max' must not be None")
        self.min = min
        self.max = max

    def __call__(self, sample) -> Tensor:
        return _make(np.clip(_host_array(sample), self.min, self.max))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(min={self.min}, max={self.max})"


class Flatten:
    """Flatten dimensions start_dim..end_dim of the sample into one (default: all)."""

    def __init__(self, start_dim: int = 0, end_dim: int = -1):
        self.start_dim = start_dim
        self.end_dim = end_dim

    def __call__(self, sample) -> Tensor:
        array = _host_array(sample)
        if array.ndim == 0:
            return _make(array.reshape(1))
        start, end = self.start_dim % array.ndim, self.end_dim % array.ndim
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = array.shape[:start] + (-1,) + array.shape[end + 1:]
        return _make(array.reshape(shape))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(start_dim={self.start_dim}, end_dim={self.end_dim})"


class Reshape:
    """Reshape the sample (one dimension may be -1)."""

    def __init__(self, shape: Sequence[int]):
        self.shape = tuple(shape)

    def __call__(self, sample) -> Tensor:
        array = _host_array(sample)
        try:
            return _make(array.reshape(self.shape))
        except ValueError:
            raise RuntimeError(f"shape '{list(self.shape)}' is invalid for input of size {array.size}") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape})"


class RandomNoise:
    """Add Gaussian noise ``N(mean, std**2)`` with probability ``p``.

    Args:
        std: standard deviation of the noise.
        mean: mean of the noise.
        p: probability of adding noise to a given sample.
    """

    def __init__(self, std: float = 0.1, mean: float = 0.0, p: float = 1.0):
        if std < 0:
            raise ValueError(f"std should be non-negative, got {std}")
        self.std = std
        self.mean = mean
        self.p = p

    def __call__(self, sample) -> Tensor:
        array = _float_array(sample)
        if self.p < 1.0 and _uniform() >= self.p:
            return _make(array)
        noise = default_generator.np.standard_normal(array.shape) * self.std + self.mean
        return _make((array + noise).astype(array.dtype))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(std={self.std}, mean={self.mean}, p={self.p})"


class RandomCrop:
    """Crop the last ``len(size)`` dimensions to ``size`` at a random offset.

    Args:
        size: the output size of the trailing dimensions (an int crops the last dimension).
    """

    def __init__(self, size: int | Sequence[int]):
        self.size = (size,) if isinstance(size, numbers.Integral) else tuple(size)

    def __call__(self, sample) -> Tensor:
        array = _host_array(sample)
        if array.ndim < len(self.size):
            raise ValueError(f"RandomCrop of size {self.size} needs at least {len(self.size)} dimensions, got "
                             f"shape {array.shape}")
        lead = array.ndim - len(self.size)
        slices = [slice(None)] * lead
        for extent, wanted in zip(array.shape[lead:], self.size):
            if wanted > extent:
                raise ValueError(f"Required crop size {self.size} is larger than input size {array.shape[lead:]}")
            start = _randint(0, extent - wanted + 1)
            slices.append(slice(start, start + wanted))
        return _make(array[tuple(slices)])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomFlip:
    """Reverse each of ``dims`` independently with probability ``p``.

    Args:
        dims: the dimensions that may be flipped (default: the last).
        p: probability of flipping each of them.
    """

    def __init__(self, dims: int | Sequence[int] = -1, p: float = 0.5):
        self.dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
        self.p = p

    def __call__(self, sample) -> Tensor:
        array = _host_array(sample)
        flipped = [d for d in self.dims if _uniform() < self.p]
        return _make(np.flip(array, flipped).copy() if flipped else array)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dims={self.dims}, p={self.p})"
