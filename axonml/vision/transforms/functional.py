"""Image transforms as functions (torchvision.transforms.functional's names and semantics).

An image is either a tensor of shape (..., C, H, W), any dtype, or a NumPy array in the layout
PIL images convert to: (H, W, C) or (H, W), usually uint8. A function returns the kind it was
given: a tensor for a tensor, an (H, W[, C]) array for an array. Integer images keep their
dtype (results rounded or truncated as torchvision does for uint8 tensors); float images are
taken to lie in [0, 1].

The work is done with NumPy on host memory: these run per sample in the data pipeline, outside
any autograd graph.
"""
from __future__ import annotations

import math
import numbers
from enum import Enum
from typing import Sequence

import numpy as np

from ...tensor import Tensor, _make

__all__ = ["InterpolationMode", "get_dimensions", "to_tensor", "normalize", "resize", "crop", "center_crop",
           "resized_crop", "pad", "hflip", "vflip", "rotate", "rgb_to_grayscale", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue"]


class InterpolationMode(Enum):
    """Resampling filters, with torchvision's names and values."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# --- image <-> channel-first array ---------------------------------------------------------------------

class _Image:
    """An image as a (..., C, H, W) array, and how to give a result back in the caller's kind."""

    __slots__ = ("array", "is_tensor", "requires_grad")

    def __init__(self, img):
        if isinstance(img, Tensor):
            if img.ndim < 2:
                raise TypeError(f"Tensor is not a torch image: expected at least 2 dimensions, got {img.ndim}")
            array = img.detach().numpy(force=True)
            self.array = array[None] if array.ndim == 2 else array
            self.is_tensor = True
        elif isinstance(img, np.ndarray):
            if img.ndim == 2:
                self.array = img[None]
            elif img.ndim == 3:
                self.array = img.transpose(2, 0, 1)
            else:
                raise TypeError(f"an image array must be (H, W) or (H, W, C), got shape {img.shape}")
            self.is_tensor = False
        else:
            raise TypeError(f"img should be a Tensor or an (H, W[, C]) ndarray. Got {type(img)}")

    def result(self, array: np.ndarray):
        if self.is_tensor:
            return _make(np.ascontiguousarray(array))
        if array.shape[0] == 1:
            return np.ascontiguousarray(array[0])
        return np.ascontiguousarray(array.transpose(1, 2, 0))


def _max_value(dtype: np.dtype) -> float:
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else 1.0


def _to_dtype(values: np.ndarray, dtype: np.dtype, rounding: bool) -> np.ndarray:
    """Float work values back to the image dtype (integer images: rounded or truncated, clipped)."""
    if dtype.kind in "fV":
        return values.astype(dtype, copy=False)
    if dtype.kind == "b":
        return values > 0.5
    if rounding:
        values = np.rint(values)
    info = np.iinfo(dtype)
    return np.clip(values, info.min, info.max).astype(dtype)


def _work_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind in "fV" else np.dtype(np.float32)


def get_dimensions(img) -> list[int]:
    """[channels, height, width] of an image."""
    array = _Image(img).array
    return [array.shape[-3], array.shape[-2], array.shape[-1]]


# --- conversion and normalisation ------------------------------------------------------------------------

def to_tensor(pic) -> Tensor:
    """An (H, W[, C]) array as a (C, H, W) tensor; uint8 values are scaled to float32 in [0, 1],
    other dtypes are kept."""
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    chw = pic[None] if pic.ndim == 2 else pic.transpose(2, 0, 1)
    if pic.dtype == np.uint8:
        out = np.empty(chw.shape, np.float32)
        np.divide(chw, np.float32(255), out=out)
        return _make(out)
    return _make(np.ascontiguousarray(chw))


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """Normalize a float tensor image channel by channel: ``(x - mean[c]) / std[c]``."""
    array = _normalize_input(tensor)
    return _normalize(tensor, array, *_channel_constants(mean, std, array.dtype), inplace)


def _normalize_input(tensor) -> np.ndarray:
    """The host array of a float tensor image, or torchvision's error."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    return tensor.detach().numpy(force=True)


def _normalize(tensor: Tensor, array: np.ndarray, mean: np.ndarray, std: np.ndarray, inplace: bool) -> Tensor:
    if inplace and type(tensor._data) is np.ndarray:
        np.subtract(array, mean, out=array)
        np.divide(array, std, out=array)
        return tensor
    out = np.subtract(array, mean)
    np.divide(out, std, out=out)
    return _make(out)


def _channel_constants(mean, std, dtype):
    mean_a = np.asarray(mean, dtype=dtype)
    std_a = np.asarray(std, dtype=dtype)
    if (std_a == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean_a.ndim == 1:
        mean_a = mean_a.reshape(-1, 1, 1)
    if std_a.ndim == 1:
        std_a = std_a.reshape(-1, 1, 1)
    return mean_a, std_a


# --- geometry ------------------------------------------------------------------------------------------

def _pair(size, name: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{name} should be an int or a sequence of one or two ints, got {size}")


def _resized_size(height: int, width: int, size, max_size: int | None) -> tuple[int, int]:
    """torchvision's output size: an int (or 1-sequence) matches the shorter edge, keeping the aspect."""
    if isinstance(size, Sequence) and len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge")
        return int(size[0]), int(size[1])
    requested = int(size) if isinstance(size, numbers.Integral) else int(size[0])
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if width <= height else (new_short, new_long)


def _source_coords(out_size: int, in_size: int, mode: InterpolationMode):
    """For each output index along one axis: (i0, i1, weight of i1), PyTorch's interpolate with
    align_corners=False."""
    scale = in_size / out_size
    dst = np.arange(out_size, dtype=np.float64)
    if mode is InterpolationMode.NEAREST:
        i0 = np.minimum(np.floor(dst * scale).astype(np.int64), in_size - 1)
        return i0, i0, np.zeros(out_size)
    src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, src - i0


def _interpolation(interpolation) -> InterpolationMode:
    if isinstance(interpolation, str):
        interpolation = InterpolationMode(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError(f"interpolation should be an InterpolationMode, got {interpolation!r}")
    return interpolation


def _resize_array(array: np.ndarray, out_h: int, out_w: int, mode: InterpolationMode) -> np.ndarray:
    in_h, in_w = array.shape[-2:]
    y0, y1, wy = _source_coords(out_h, in_h, mode)
    x0, x1, wx = _source_coords(out_w, in_w, mode)
    if mode is InterpolationMode.NEAREST:
        return array[..., y0[:, None], x0[None, :]]
    work = _work_dtype(array.dtype)
    values = array.astype(work, copy=False)
    wy = wy.astype(work)[:, None]
    wx = wx.astype(work)
    rows = values[..., y0, :] * (1 - wy) + values[..., y1, :] * wy
    out = rows[..., x0] * (1 - wx) + rows[..., x1] * wx
    return _to_dtype(out, array.dtype, rounding=True)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None, antialias=None):
    """Resize an image to ``size`` ((h, w), or an int for the shorter edge), bilinear by default.

    Matches ``torch.nn.functional.interpolate(..., align_corners=False, antialias=False)``;
    ``antialias`` is accepted and ignored (no antialiasing when shrinking).
    """
    image = _Image(img)
    height, width = image.array.shape[-2:]
    out_h, out_w = _resized_size(height, width, size, max_size)
    if (out_h, out_w) == (height, width):
        return img
    return image.result(_resize_array(image.array, out_h, out_w, _interpolation(interpolation)))


def _pad_array(array: np.ndarray, left: int, top: int, right: int, bottom: int, fill=0,
               padding_mode: str = "constant") -> np.ndarray:
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode != "constant":
        return np.pad(array, widths, mode=padding_mode)
    if isinstance(fill, Sequence) and not isinstance(fill, str):
        fill_values = np.asarray(fill, dtype=np.float64)
        if fill_values.size == 1:
            return np.pad(array, widths, constant_values=fill_values.item())
        out = np.pad(array, widths)
        mask = np.ones(out.shape[-2:], bool)
        mask[top:top + array.shape[-2], left:left + array.shape[-1]] = False
        out[..., mask] = fill_values.astype(array.dtype).reshape(-1, 1)
        return out
    return np.pad(array, widths, constant_values=fill)


def _padding_ltrb(padding) -> tuple[int, int, int, int]:
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * 4
    if isinstance(padding, Sequence) and len(padding) == 1:
        return (int(padding[0]),) * 4
    if isinstance(padding, Sequence) and len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    if isinstance(padding, Sequence) and len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {padding}")


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders: ``padding`` is an int (all sides), (left/right, top/bottom) or
    (left, top, right, bottom); ``padding_mode`` is constant, edge, reflect or symmetric."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding_ltrb(padding)
    if min(left, top, right, bottom) < 0:
        raise ValueError(f"padding must be non-negative, got {padding}")
    image = _Image(img)
    return image.result(_pad_array(image.array, left, top, right, bottom, fill, padding_mode))


def _crop_array(array: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """A crop; the parts outside the image are zeros (torchvision's tensor crop)."""
    in_h, in_w = array.shape[-2:]
    bottom, right = top + height, left + width
    if top < 0 or left < 0 or bottom > in_h or right > in_w:
        pad_ltrb = (max(-left, 0), max(-top, 0), max(right - in_w, 0), max(bottom - in_h, 0))
        inner = array[..., max(top, 0):min(bottom, in_h), max(left, 0):min(right, in_w)]
        return _pad_array(inner, *pad_ltrb)
    return array[..., top:bottom, left:right]


def crop(img, top: int, left: int, height: int, width: int):
    """The region with top-left corner (top, left) and the given size."""
    image = _Image(img)
    return image.result(_crop_array(image.array, top, left, height, width))


def center_crop(img, output_size):
    """The central region of ``output_size`` (zero-padded first if the image is smaller)."""
    crop_h, crop_w = _pair(output_size, "output_size")
    image = _Image(img)
    array = image.array
    in_h, in_w = array.shape[-2:]
    if crop_w > in_w or crop_h > in_h:
        ltrb = ((crop_w - in_w) // 2 if crop_w > in_w else 0, (crop_h - in_h) // 2 if crop_h > in_h else 0,
                (crop_w - in_w + 1) // 2 if crop_w > in_w else 0, (crop_h - in_h + 1) // 2 if crop_h > in_h else 0)
        array = _pad_array(array, *ltrb)
        in_h, in_w = array.shape[-2:]
    top = int(round((in_h - crop_h) / 2.0))
    left = int(round((in_w - crop_w) / 2.0))
    return image.result(array[..., top:top + crop_h, left:left + crop_w])


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias=None):
    """crop then resize."""
    image = _Image(img)
    cropped = _crop_array(image.array, top, left, height, width)
    out_h, out_w = _resized_size(height, width, size, None)
    if (out_h, out_w) != cropped.shape[-2:]:
        cropped = _resize_array(cropped, out_h, out_w, _interpolation(interpolation))
    return image.result(cropped)


def hflip(img):
    """Mirror left-right."""
    image = _Image(img)
    return image.result(image.array[..., ::-1])


def vflip(img):
    """Mirror top-bottom."""
    image = _Image(img)
    return image.result(image.array[..., ::-1, :])


def _inverse_rotation(angle: float, center: tuple[float, float]) -> list[float]:
    """torchvision's inverse affine matrix for a rotation by ``angle`` degrees (counter-clockwise)
    about ``center`` (in pixels relative to the image centre)."""
    rot = math.radians(-angle)
    cx, cy = center
    matrix = [math.cos(rot), math.sin(rot), 0.0, -math.sin(rot), math.cos(rot), 0.0]
    matrix[2] += matrix[0] * -cx + matrix[1] * -cy + cx
    matrix[5] += matrix[3] * -cx + matrix[4] * -cy + cy
    return matrix


def _expanded_size(matrix: list[float], width: int, height: int) -> tuple[int, int]:
    corners = np.array([[-0.5 * width, -0.5 * height, 1.0], [-0.5 * width, 0.5 * height, 1.0],
                        [0.5 * width, 0.5 * height, 1.0], [0.5 * width, -0.5 * height, 1.0]], np.float32)
    moved = corners @ np.array(matrix, np.float32).reshape(2, 3).T
    half = np.array([0.5 * width, 0.5 * height], np.float32)
    low, high = moved.min(0) + half, moved.max(0) + half
    tol = 1e-4
    size = np.ceil(np.trunc(high / tol) * tol) - np.floor(np.trunc(low / tol) * tol)
    return int(size[0]), int(size[1])


def _sample(values: np.ndarray, ys: np.ndarray, xs: np.ndarray, mode: InterpolationMode) -> np.ndarray:
    """grid_sample with zero padding at float pixel coordinates (ys, xs) of shape (H', W')."""
    in_h, in_w = values.shape[-2:]
    if mode is InterpolationMode.NEAREST:
        yi, xi = np.rint(ys).astype(np.int64), np.rint(xs).astype(np.int64)
        inside = (yi >= 0) & (yi < in_h) & (xi >= 0) & (xi < in_w)
        out = values[..., np.clip(yi, 0, in_h - 1), np.clip(xi, 0, in_w - 1)]
        return out * inside
    y0, x0 = np.floor(ys).astype(np.int64), np.floor(xs).astype(np.int64)
    wy, wx = (ys - y0).astype(values.dtype), (xs - x0).astype(values.dtype)
    out = np.zeros(values.shape[:-2] + ys.shape, values.dtype)
    for dy, weight_y in ((0, 1 - wy), (1, wy)):
        for dx, weight_x in ((0, 1 - wx), (1, wx)):
            yi, xi = y0 + dy, x0 + dx
            inside = (yi >= 0) & (yi < in_h) & (xi >= 0) & (xi < in_w)
            corner = values[..., np.clip(yi, 0, in_h - 1), np.clip(xi, 0, in_w - 1)]
            out += corner * (weight_y * weight_x * inside)
    return out


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False,
           center: Sequence[int] | None = None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about the centre (or ``center``, in pixels).

    Args:
        expand: enlarge the output to hold the whole rotated image.
        fill: value for the area outside the source (default: 0); a sequence gives one per channel.
    """
    interpolation = _interpolation(interpolation)
    image = _Image(img)
    array = image.array
    height, width = array.shape[-2:]
    center_f = (0.0, 0.0) if center is None else (center[0] - width * 0.5, center[1] - height * 0.5)
    matrix = _inverse_rotation(angle, center_f)
    out_w, out_h = _expanded_size(matrix, width, height) if expand else (width, height)
    # Output pixel centres relative to the output centre, mapped back into the source and then
    # to source pixel coordinates (grid_sample with align_corners=False).
    xo = (np.arange(out_w) - out_w * 0.5 + 0.5)[None, :]
    yo = (np.arange(out_h) - out_h * 0.5 + 0.5)[:, None]
    xs = (matrix[0] * xo + matrix[1] * yo + matrix[2]) + (width - 1) * 0.5
    ys = (matrix[3] * xo + matrix[4] * yo + matrix[5]) + (height - 1) * 0.5
    values = array.astype(_work_dtype(array.dtype), copy=False)
    out = _sample(values, ys, xs, interpolation)
    if fill is not None:
        channels = array.shape[-3]
        fill_values = np.broadcast_to(np.asarray(fill, values.dtype).reshape(-1), (channels,)) \
            if np.size(fill) in (1, channels) else None
        if fill_values is None:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                             f"({np.size(fill)} != {channels})")
        mask = _sample(np.ones((height, width), values.dtype), ys, xs, interpolation)
        fill_img = fill_values.reshape(-1, 1, 1)
        if interpolation is InterpolationMode.NEAREST:
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return image.result(_to_dtype(out, array.dtype, rounding=True))


# --- colour ------------------------------------------------------------------------------------------------

def _channels(array: np.ndarray) -> int:
    return array.shape[-3]


def _grayscale(array: np.ndarray) -> np.ndarray:
    """(..., 1, H, W) luma in the image's dtype (truncated for integer images, as torchvision)."""
    r, g, b = (array[..., i, :, :].astype(np.float32, copy=False) for i in range(3))
    luma = 0.2989 * r + 0.587 * g + 0.114 * b
    return luma.astype(array.dtype)[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), with 1 or 3 identical output channels."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    image = _Image(img)
    array = image.array
    channels = _channels(array)
    if channels not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {channels}")
    gray = _grayscale(array) if channels == 3 else array
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:])
    return image.result(gray)


def _blend(img1: np.ndarray, img2, ratio: float) -> np.ndarray:
    bound = _max_value(img1.dtype)
    work = _work_dtype(img1.dtype)
    mixed = ratio * img1.astype(work, copy=False) + (1.0 - ratio) * np.asarray(img2, dtype=work)
    return _to_dtype(np.clip(mixed, 0, bound), img1.dtype, rounding=False)


def _check_factor(value: float, name: str) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img, brightness_factor: float):
    """Scale the intensities by ``brightness_factor`` (0 gives black, 1 the original)."""
    _check_factor(brightness_factor, "brightness_factor")
    image = _Image(img)
    return image.result(_blend(image.array, 0.0, brightness_factor))


def adjust_contrast(img, contrast_factor: float):
    """Blend with the image's mean grey level (0 gives flat grey, 1 the original)."""
    _check_factor(contrast_factor, "contrast_factor")
    image = _Image(img)
    array = image.array
    work = _work_dtype(array.dtype)
    gray = _grayscale(array) if _channels(array) == 3 else array
    mean = gray.astype(work).mean(axis=(-3, -2, -1), keepdims=True)
    return image.result(_blend(array, mean, contrast_factor))


def adjust_saturation(img, saturation_factor: float):
    """Blend with the grey version (0 gives grey, 1 the original, 2 doubles the saturation)."""
    _check_factor(saturation_factor, "saturation_factor")
    image = _Image(img)
    array = image.array
    if _channels(array) == 1:
        return img
    return image.result(_blend(array, _grayscale(array), saturation_factor))


def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    equal = maxc == minc
    chroma = maxc - minc
    saturation = chroma / np.where(equal, 1.0, maxc)
    divisor = np.where(equal, 1.0, chroma)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    hue = ((maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
           + ((maxc != g) & (maxc != r)) * (4.0 + gc - rc))
    hue = np.fmod(hue / 6.0 + 1.0, 1.0)
    return np.stack((hue, saturation, maxc), axis=-3)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    sector = np.floor(h * 6.0)
    f = h * 6.0 - sector
    sector = sector.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros_like(hsv)
    for index, (red, green, blue) in enumerate(table):
        chosen = sector == index
        out[..., 0, :, :] += red * chosen
        out[..., 1, :, :] += green * chosen
        out[..., 2, :, :] += blue * chosen
    return out


def adjust_hue(img, hue_factor: float):
    """Shift the hue by ``hue_factor`` turns of the colour wheel (in [-0.5, 0.5])."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    image = _Image(img)
    array = image.array
    if _channels(array) == 1:
        return img
    if array.dtype.kind in "fV":
        values = array
    else:
        values = array.astype(np.float32) / np.float32(_max_value(array.dtype))
    hsv = _rgb_to_hsv(values)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + hue_factor, 1.0)
    rgb = _hsv_to_rgb(hsv)
    if array.dtype.kind in "fV":
        return image.result(rgb.astype(array.dtype, copy=False))
    # torchvision's convert_image_dtype from float to an integer type
    top = _max_value(array.dtype)
    return image.result((rgb * (top + 1.0 - 1e-3)).astype(array.dtype))
