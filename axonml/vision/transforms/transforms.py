"""Image transforms as callables, with torchvision's names, arguments and random draws.

Random parameters are drawn from axonml's default generator in torchvision's order, so
``axonml.manual_seed`` makes a pipeline reproducible (and DataLoader workers are seeded).
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

from ...data.transforms import Compose, Lambda, _randint, _uniform
from ...random import default_generator
from ...tensor import Tensor
from . import functional as F
from .functional import InterpolationMode

__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "ColorJitter", "Grayscale", "Pad",
           "RandomResizedCrop", "InterpolationMode"]


def _size_pair(size, name: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")


class ToTensor:
    """An (H, W[, C]) uint8 array as a (C, H, W) float32 tensor in [0, 1] (other dtypes keep
    their values)."""

    def __call__(self, pic) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """Normalize a float tensor image per channel: ``output[c] = (input[c] - mean[c]) / std[c]``.

    Args:
        mean: per-channel means.
        std: per-channel standard deviations.
        inplace: modify the input tensor.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        self.mean = mean
        self.std = std
        self.inplace = inplace
        self._constants = {}

    def __call__(self, tensor: Tensor) -> Tensor:
        array = F._normalize_input(tensor)
        constants = self._constants.get(array.dtype)
        if constants is None:
            constants = self._constants[array.dtype] = F._channel_constants(self.mean, self.std, array.dtype)
        return F._normalize(tensor, array, *constants, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to ``size``: (h, w), or an int that the shorter edge is matched to.

    Args:
        size: the output size.
        interpolation: ``InterpolationMode.BILINEAR`` (default) or ``NEAREST``.
        max_size: the longest edge allowed when ``size`` is an int.
        antialias: accepted; no antialiasing is applied.
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None,
                 antialias=True):
        if not isinstance(size, (numbers.Integral, Sequence)) or (isinstance(size, Sequence) and
                                                                  len(size) not in (1, 2)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value})"


class CenterCrop:
    """The central ``size`` region (zero-padded if the image is smaller)."""

    def __init__(self, size):
        self.size = _size_pair(size)

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """A ``size`` crop at a random position.

    Args:
        size: (h, w) or an int for a square.
        padding: border added first (see :func:`functional.pad`).
        pad_if_needed: pad an image smaller than ``size`` instead of failing.
        fill: value of constant padding.
        padding_mode: constant, edge, reflect or symmetric.
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = _size_pair(size)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img):
        return F.hflip(img) if _uniform() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip:
    """Mirror top-bottom with probability ``p``."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img):
        return F.vflip(img) if _uniform() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def _range(value, name: str, center: float = 1.0, bound=(0, float("inf")), clip_first_on_zero: bool = True):
    """torchvision's ColorJitter argument check: a number v means [center - v, center + v]."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, Sequence) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    return None if value[0] == value[1] == center else tuple(value)


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means [-d, d]).

    Args:
        degrees: the range of angles, in degrees, counter-clockwise.
        interpolation: ``NEAREST`` (default) or ``BILINEAR``.
        expand: enlarge the output to hold the whole rotated image.
        center: the rotation centre in pixels (default: the image centre).
        fill: value for the area outside the rotated image.
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
                 fill=0):
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = [-float(degrees), float(degrees)]
        elif isinstance(degrees, Sequence) and len(degrees) == 2:
            degrees = [float(d) for d in degrees]
        else:
            raise ValueError("If degrees is a sequence, it must be of len 2.")
        self.degrees = degrees
        self.interpolation = interpolation
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        return _uniform(float(degrees[0]), float(degrees[1]))

    def __call__(self, img):
        channels = F.get_dimensions(img)[0]
        fill = self.fill
        if isinstance(fill, numbers.Number):
            fill = [float(fill)] * channels
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value})"


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Args:
        brightness: a factor drawn from [max(0, 1 - b), 1 + b] (or a (min, max) pair).
        contrast: likewise.
        saturation: likewise.
        hue: a shift drawn from [-h, h], 0 <= h <= 0.5 (or a pair inside [-0.5, 0.5]).
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast")
        self.saturation = _range(saturation, "saturation")
        self.hue = _range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        order = default_generator.np.permutation(4).tolist()
        factors = [None if r is None else _uniform(r[0], r[1]) for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, brightness, contrast, saturation, hue = self.get_params(self.brightness, self.contrast,
                                                                       self.saturation, self.hue)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        factors = (brightness, contrast, saturation, hue)
        for fn_id in order:
            if factors[fn_id] is not None:
                img = adjust[fn_id](img, factors[fn_id])
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale:
    """Convert to grey (ITU-R 601-2 luma) with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class Pad:
    """Pad the borders (see :func:`functional.pad`)."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        F._padding_ltrb(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomResizedCrop:
    """A crop of random area and aspect ratio, resized to ``size``.

    Args:
        size: the output size.
        scale: the range of the crop's area relative to the image's.
        ratio: the range of the crop's aspect ratio (width / height).
        interpolation: ``BILINEAR`` (default) or ``NEAREST``.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = _size_pair(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, scale={self.scale}, ratio={self.ratio})"
