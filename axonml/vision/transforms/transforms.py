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
           "RandomResizedCrop", "InterpolationMode", "PILToTensor", "ToPILImage", "ConvertImageDtype", "RandomAffine",
           "RandomPerspective", "GaussianBlur", "RandomErasing", "RandomApply", "RandomChoice", "RandomOrder",
           "RandomGrayscale", "RandomInvert", "RandomAutocontrast", "RandomEqualize", "RandomPosterize",
           "RandomSolarize", "RandomAdjustSharpness", "FiveCrop", "TenCrop"]


def _size_pair(size, name: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")


class ToTensor:
    """A Pillow image or (H, W[, C]) array as a (C, H, W) tensor: uint8 becomes float32 in [0, 1],
    other dtypes keep their values."""

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
        interpolation: an :class:`InterpolationMode`. Default: bilinear.
        max_size: the longest edge allowed when ``size`` is an int.
        antialias: antialias when shrinking tensors (Pillow images always are). Default: True.
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
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, self.antialias)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class PILToTensor:
    """A Pillow image as a (C, H, W) tensor of its pixel values (no scaling)."""

    def __call__(self, pic) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    """A (C, H, W) tensor or (H, W[, C]) array as a Pillow image (see :func:`functional.to_pil_image`)."""

    def __init__(self, mode: str | None = None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode})" if self.mode else f"{type(self).__name__}()"


class ConvertImageDtype:
    """Convert a tensor image to ``dtype``, rescaling its values (see :func:`functional.convert_image_dtype`)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image: Tensor) -> Tensor:
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dtype={self.dtype})"


def _degrees_range(value, name: str) -> list[float]:
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [-float(value), float(value)]
    if isinstance(value, Sequence) and len(value) == 2:
        return [float(v) for v in value]
    raise ValueError(f"If {name} is a sequence, it must be of len 2.")


def _channel_fill(img, fill):
    """A number fill as one value per channel for tensors (torchvision's convention)."""
    if isinstance(img, Tensor) and isinstance(fill, (int, float)):
        return [float(fill)] * F.get_dimensions(img)[0]
    return fill


class RandomAffine:
    """A random affine transformation keeping the centre fixed.

    Args:
        degrees: rotation range (a number d means [-d, d]).
        translate: (a, b): horizontal shift drawn from [-a * width, a * width], vertical likewise.
        scale: (min, max) scale range. Default: no scaling.
        shear: a number s (x-shear in [-s, s]), (min, max) for x, or (xmin, xmax, ymin, ymax).
        interpolation: NEAREST (default) or BILINEAR.
        fill: value(s) for the area outside the image. Default: 0.
        center: the fixed point in pixels. Default: the image centre.
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        self.degrees = _degrees_range(degrees, "degrees")
        if translate is not None:
            if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translate should be a sequence of two values between 0 and 1")
        if scale is not None:
            if len(scale) != 2 or any(s <= 0 for s in scale):
                raise ValueError("scale values should be positive")
        if shear is not None:
            if isinstance(shear, numbers.Number):
                shear = _degrees_range(shear, "shear")
            elif len(shear) not in (2, 4):
                raise ValueError("shear should be a number or a sequence of 2 or 4 values")
            shear = [float(s) for s in shear]
        self.translate = translate
        self.scale = scale
        self.shear = shear
        self.interpolation = interpolation
        self.fill = fill
        self.center = center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size) -> tuple:
        """(angle, (tx, ty), scale, (shear_x, shear_y)) drawn in torchvision's order; img_size is [width, height]."""
        angle = _uniform(float(degrees[0]), float(degrees[1]))
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (int(round(_uniform(-max_dx, max_dx))), int(round(_uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = _uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def __call__(self, img):
        _, height, width = F.get_dimensions(img)
        angle, translations, scale, shear = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                                            [width, height])
        return F.affine(img, angle, list(translations), scale, list(shear), self.interpolation,
                        _channel_fill(img, self.fill), self.center)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={self.degrees}, translate={self.translate}, scale={self.scale}, "
                f"shear={self.shear})")


class RandomPerspective:
    """With probability ``p``, move each corner inwards by up to ``distortion_scale`` of half the
    image size and warp the image accordingly.

    Args:
        distortion_scale: in [0, 1]. Default: 0.5.
        p: probability of applying. Default: 0.5.
        interpolation: BILINEAR (default) or NEAREST.
        fill: value(s) for the area outside the image. Default: 0.
    """

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5, interpolation=InterpolationMode.BILINEAR,
                 fill=0):
        if not 0.0 <= distortion_scale <= 1.0:
            raise ValueError("distortion_scale should be between 0 and 1")
        self.distortion_scale = distortion_scale
        self.p = p
        self.interpolation = interpolation
        self.fill = fill

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float):
        """(startpoints, endpoints): the corners and where they move, drawn in torchvision's order."""
        half_height, half_width = height // 2, width // 2
        dx, dy = int(distortion_scale * half_width), int(distortion_scale * half_height)
        topleft = [_randint(0, dx + 1), _randint(0, dy + 1)]
        topright = [_randint(width - dx - 1, width), _randint(0, dy + 1)]
        botright = [_randint(width - dx - 1, width), _randint(height - dy - 1, height)]
        botleft = [_randint(0, dx + 1), _randint(height - dy - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def __call__(self, img):
        if _uniform() < self.p:
            _, height, width = F.get_dimensions(img)
            startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, startpoints, endpoints, self.interpolation, _channel_fill(img, self.fill))
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class GaussianBlur:
    """Blur with a Gaussian whose sigma is drawn uniformly from ``sigma`` (a number is fixed).

    Args:
        kernel_size: odd kernel size, an int or (kx, ky).
        sigma: (min, max) range of the standard deviation. Default: (0.1, 2.0).
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        self.kernel_size = _size_pair(kernel_size, "Kernel size")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (float(sigma), float(sigma))
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        return _uniform(float(sigma_min), float(sigma_max))

    def __call__(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, [self.kernel_size[1], self.kernel_size[0]], [sigma, sigma])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing:
    """With probability ``p``, erase a random rectangle of a tensor image (Zhong et al., 2017).

    Args:
        p: probability of erasing. Default: 0.5.
        scale: range of the erased area relative to the image's.
        ratio: range of its aspect ratio.
        value: the fill: a number, one number per channel, or ``"random"`` (standard normal noise).
        inplace: erase in place.
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace: bool = False):
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(img: Tensor, scale, ratio, value=None):
        """(i, j, h, w, v): the rectangle and its fill; ``value=None`` draws normal noise."""
        channels, height, width = img.shape[-3], img.shape[-2], img.shape[-1]
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < height and w < width):
                continue
            if value is None:
                v = default_generator.np.standard_normal((channels, h, w)).astype(np.float32)
            else:
                v = np.asarray(value, dtype=np.float32)[:, None, None]
            i = _randint(0, height - h + 1)
            j = _randint(0, width - w + 1)
            return i, j, h, w, F._make(np.ascontiguousarray(v)).to(img.dtype)
        return 0, 0, height, width, img

    def __call__(self, img):
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if _uniform() >= self.p:
            return img
        if isinstance(self.value, numbers.Number):
            value = [float(self.value)]
        elif isinstance(self.value, str):
            value = None
        else:
            value = [float(v) for v in self.value]
        channels = img.shape[-3]
        if value is not None and len(value) not in (1, channels):
            raise ValueError(f"If value is a sequence, it should have either a single value or {channels} "
                             f"(number of input channels)")
        i, j, h, w, v = self.get_params(img, self.scale, self.ratio, value)
        return F.erase(img, i, j, h, w, v, self.inplace)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")


class RandomApply:
    """Apply ``transforms`` in order with probability ``p`` (all or none)."""

    def __init__(self, transforms: Sequence, p: float = 0.5):
        self.transforms = list(transforms)
        self.p = p

    def __call__(self, img):
        if self.p < _uniform():
            return img
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p}, transforms={self.transforms})"


class RandomChoice:
    """Apply one of ``transforms``, chosen with probabilities ``p`` (default: uniform)."""

    def __init__(self, transforms: Sequence, p: Sequence[float] | None = None):
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        self.transforms = list(transforms)
        self.p = p

    def __call__(self, *args):
        weights = np.ones(len(self.transforms)) if self.p is None else np.asarray(self.p, np.float64)
        cumulative = np.cumsum(weights / weights.sum())
        index = min(int(np.searchsorted(cumulative, _uniform(), side="right")), len(self.transforms) - 1)
        return self.transforms[index](*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(transforms={self.transforms}, p={self.p})"


class RandomOrder:
    """Apply all of ``transforms`` in a random order."""

    def __init__(self, transforms: Sequence):
        self.transforms = list(transforms)

    def __call__(self, img):
        for index in default_generator.np.permutation(len(self.transforms)).tolist():
            img = self.transforms[index](img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(transforms={self.transforms})"


class _RandomOp:
    """Apply one functional operation with probability ``p``."""

    _op = None

    def __init__(self, p: float = 0.5):
        self.p = p

    def _apply(self, img):
        return type(self)._op(img)

    def __call__(self, img):
        return self._apply(img) if _uniform() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomGrayscale(_RandomOp):
    """Convert to grey with probability ``p`` (default 0.1), keeping the number of channels."""

    def __init__(self, p: float = 0.1):
        super().__init__(p)

    def _apply(self, img):
        return F.rgb_to_grayscale(img, num_output_channels=F.get_dimensions(img)[0])


class RandomInvert(_RandomOp):
    """Invert the colours with probability ``p``."""

    _op = staticmethod(F.invert)


class RandomAutocontrast(_RandomOp):
    """Stretch the contrast of each channel with probability ``p``."""

    _op = staticmethod(F.autocontrast)


class RandomEqualize(_RandomOp):
    """Equalise the histogram of a uint8 image with probability ``p``."""

    _op = staticmethod(F.equalize)


class RandomPosterize(_RandomOp):
    """Keep ``bits`` bits per channel with probability ``p``."""

    def __init__(self, bits: int, p: float = 0.5):
        super().__init__(p)
        self.bits = bits

    def _apply(self, img):
        return F.posterize(img, self.bits)


class RandomSolarize(_RandomOp):
    """Invert the values at or above ``threshold`` with probability ``p``."""

    def __init__(self, threshold: float, p: float = 0.5):
        super().__init__(p)
        self.threshold = threshold

    def _apply(self, img):
        return F.solarize(img, self.threshold)


class RandomAdjustSharpness(_RandomOp):
    """Adjust the sharpness by ``sharpness_factor`` with probability ``p``."""

    def __init__(self, sharpness_factor: float, p: float = 0.5):
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def _apply(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)


class FiveCrop:
    """The four corner crops and the central crop of ``size``, as a tuple."""

    def __init__(self, size):
        self.size = _size_pair(size)

    def __call__(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class TenCrop:
    """:class:`FiveCrop` of the image and of its mirror image (vertical with ``vertical_flip``)."""

    def __init__(self, size, vertical_flip: bool = False):
        self.size = _size_pair(size)
        self.vertical_flip = vertical_flip

    def __call__(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"
