"""Image transforms as functions (torchvision.transforms.functional's names and semantics).

An image is a tensor of shape (..., C, H, W), any dtype; a Pillow image; or a NumPy array in the
layout Pillow images convert to: (H, W, C) or (H, W), usually uint8. A function returns the kind
it was given. Integer images keep their dtype (results rounded or truncated as torchvision does for
uint8 tensors); float images are taken to lie in [0, 1].

Pillow images are resized and affinely or perspectively warped by Pillow, as torchvision's are;
for the other operations they are converted to arrays and back (the results agree with Pillow's
ImageOps/ImageEnhance within one grey level). Tensors and arrays are worked on with vectorised
NumPy on the host, except the geometric transforms and blurs (resize, affine, perspective,
gaussian_blur, erase), which are axonml ops, so gradients flow through them for float tensors as
through torchvision's.
"""
from __future__ import annotations

import math
import numbers
import sys
from enum import Enum
from typing import Sequence

import numpy as np

from ...tensor import Tensor, _make

__all__ = ["InterpolationMode", "get_dimensions", "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype",
           "normalize", "resize", "crop", "center_crop", "resized_crop", "pad", "hflip", "vflip", "rotate", "affine",
           "perspective", "gaussian_blur", "erase", "rgb_to_grayscale", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "adjust_sharpness", "invert", "posterize", "solarize", "autocontrast",
           "equalize", "five_crop", "ten_crop"]


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

    __slots__ = ("array", "is_tensor", "pil_mode")

    def __init__(self, img):
        self.pil_mode = None
        if _is_pil_image(img):
            self.pil_mode = img.mode
            img = _pil_to_array(img)
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
            raise TypeError(f"img should be PIL Image, Tensor or an (H, W[, C]) ndarray. Got {type(img)}")

    def result(self, array: np.ndarray):
        if self.is_tensor:
            return _make(np.ascontiguousarray(array))
        out = np.ascontiguousarray(array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0))
        if self.pil_mode is not None:
            return _array_to_pil(out, self.pil_mode)
        return out


def _is_pil_image(img) -> bool:
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(img, image_module.Image)


def _pil():
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("Pillow images need the Pillow package: pip install 'axonml[vision]'") from error
    return Image


def _pil_to_array(img) -> np.ndarray:
    """A Pillow image as the (H, W[, C]) array of its pixel values (palette images expanded)."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode == "1":
        return np.asarray(img, dtype=np.uint8) * np.uint8(255)
    return np.asarray(img)


def _array_to_pil(array: np.ndarray, mode: str | None = None):
    Image = _pil()
    if mode == "1":
        return Image.fromarray(array > 127).convert("1")
    # Pillow infers the mode from the dtype and the number of channels (L, LA, RGB, RGBA, I, F ...).
    return Image.fromarray(array)


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
    """A Pillow image or (H, W[, C]) array as a (C, H, W) tensor; uint8 values are scaled to
    float32 in [0, 1], other dtypes are kept (Pillow's I, I;16 and F modes as int32, int16, float32)."""
    if _is_pil_image(pic):
        pic = _pil_to_array(pic)
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    chw = pic[None] if pic.ndim == 2 else pic.transpose(2, 0, 1)
    if pic.dtype == np.uint8:
        out = np.empty(chw.shape, np.float32)
        np.divide(chw, np.float32(255), out=out)
        return _make(out)
    if pic.dtype == np.uint16:
        chw = chw.astype(np.int32)
    return _make(np.ascontiguousarray(chw))


def pil_to_tensor(pic) -> Tensor:
    """A Pillow image as a (C, H, W) tensor of its pixel values, without scaling (uint8 stays uint8)."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = _pil_to_array(pic)
    if array.dtype == np.uint16:
        array = array.astype(np.int32)
    return _make(np.ascontiguousarray(array[None] if array.ndim == 2 else array.transpose(2, 0, 1)))


def to_pil_image(pic, mode: str | None = None):
    """A (C, H, W) tensor or (H, W[, C]) array as a Pillow image.

    Float values are taken to lie in [0, 1] and become uint8 ``round-down(255 * x)`` as
    torchvision's; 1, 2, 3 and 4 channels become L, LA, RGB and RGBA images (or ``mode``).
    """
    Image = _pil()
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic.detach().numpy(force=True)
        if array.ndim == 3:
            array = array.transpose(1, 2, 0)
        if array.dtype.kind == "f" and mode != "F":
            array = (array * 255).astype(np.uint8)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic
        if array.dtype.kind == "f" and mode != "F":
            array = (array * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {array.shape[2]} channels.")
    if array.dtype == np.int64:
        array = array.astype(np.int32)
    image = Image.fromarray(np.ascontiguousarray(array))
    return image if mode is None or image.mode == mode else image.convert(mode)


def convert_image_dtype(image: Tensor, dtype="float32") -> Tensor:
    """Convert a tensor image to ``dtype``, rescaling values: integers span [0, max], floats [0, 1].

    Float to integer multiplies by ``max + 1 - 0.001`` and truncates, as torchvision does.
    """
    from ... import _dtype
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    target = _dtype.to_dtype(dtype)
    if image.dtype == target:
        return image
    source_np, target_np = image.dtype.np, target.np
    if image.is_floating_point():
        if target_np.kind == "f":
            return image.to(target)
        return (image * (float(np.iinfo(target_np).max) + 1.0 - 1e-3)).to(target)
    input_max = float(np.iinfo(source_np).max)
    if target_np.kind == "f":
        return image.to(target) / input_max
    output_max = float(np.iinfo(target_np).max)
    array = image.numpy().astype(np.int64)
    if input_max > output_max:
        array = np.floor_divide(array, int((input_max + 1) // (output_max + 1)))
    else:
        array = array * int((output_max + 1) // (input_max + 1))
    return _make(array.astype(target_np))


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


def _interpolation(interpolation) -> InterpolationMode:
    if isinstance(interpolation, str):
        interpolation = InterpolationMode(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError(f"interpolation should be an InterpolationMode, got {interpolation!r}")
    return interpolation


_PIL_FILTERS = {"nearest": 0, "nearest-exact": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4,
                "hamming": 5}


def _pil_filter(mode: InterpolationMode) -> int:
    return _PIL_FILTERS[mode.value]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None, antialias=True):
    """Resize an image to ``size`` ((h, w), or an int for the shorter edge), bilinear by default.

    Pillow images are resized by Pillow (always antialiased, as torchvision's). Tensors and arrays
    go through :func:`axonml.nn.functional.interpolate` with ``antialias`` (differentiable for
    float tensors; integer results are rounded and clamped).
    """
    interpolation = _interpolation(interpolation)
    if _is_pil_image(img):
        width, height = img.size
        out_h, out_w = _resized_size(height, width, size, max_size)
        if (out_h, out_w) == (height, width):
            return img
        return img.resize((out_w, out_h), _pil_filter(interpolation))
    if isinstance(img, Tensor):
        return _resize_tensor(img, size, interpolation, max_size, antialias)
    image = _Image(img)
    height, width = image.array.shape[-2:]
    if _resized_size(height, width, size, max_size) == (height, width):
        return img
    resized = _resize_tensor(_make(np.ascontiguousarray(image.array)), size, interpolation, max_size, antialias)
    return image.result(resized.numpy())


def _resize_tensor(img: Tensor, size, interpolation: InterpolationMode, max_size, antialias) -> Tensor:
    from ...nn.functional import interpolate
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: expected at least 2 dimensions, got {img.ndim}")
    height, width = img.shape[-2:]
    out_h, out_w = _resized_size(height, width, size, max_size)
    if (out_h, out_w) == (height, width):
        return img
    if interpolation.value not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"tensor images can be resized with nearest, nearest-exact, bilinear or bicubic, "
                         f"not {interpolation.value}")
    shape = tuple(img.shape)
    batch = img.reshape(-1, *shape[-3:]) if img.ndim >= 3 else img.reshape(1, 1, *shape)
    is_float = batch.is_floating_point()
    work = batch if is_float else batch.float()
    mode = interpolation.value
    smooth = mode in ("bilinear", "bicubic")
    out = interpolate(work, size=[out_h, out_w], mode=mode, align_corners=False if smooth else None,
                      antialias=bool(antialias) and smooth)
    if not is_float:
        out = _round_to(out, batch.dtype.np, rounding=smooth)
    return out.reshape(*shape[:-2], out_h, out_w)


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
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
    """:func:`crop`, then :func:`resize` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


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


# --- affine, perspective and blur: axonml ops on tensors, Pillow on Pillow images ------------------------------

def _get_inverse_affine_matrix(center: Sequence[float], angle: float, translate: Sequence[float], scale: float,
                               shear: Sequence[float]) -> list[float]:
    """The inverse of ``T * C * R * S * Sh * C^-1`` (translation, centre, rotation, scale, shear),
    torchvision's convention: the 2×3 matrix mapping output pixels to input pixels."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty) + cx
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty) + cy
    return matrix


def _grid_sample_image(img: Tensor, grid: np.ndarray, mode: InterpolationMode, fill) -> Tensor:
    """Sample a tensor image at a normalised (H', W', 2) grid (zeros outside, then ``fill``)."""
    from ... import creation
    from ...functional import cat
    from ...nn.functional import grid_sample
    if mode.value not in ("nearest", "bilinear", "bicubic"):
        raise ValueError(f"tensor images can be resampled with nearest, bilinear or bicubic, not {mode.value}")
    shape = tuple(img.shape)
    batch = img.reshape(-1, *shape[-3:])
    is_float = batch.is_floating_point()
    work = batch if is_float else batch.float()
    channels = work.shape[1]
    if fill is not None:
        ones = creation.ones((work.shape[0], 1, *work.shape[2:]), dtype=work.dtype, device=work.device)
        work = cat([work, ones], dim=1)
    grid_t = _make(np.ascontiguousarray(np.broadcast_to(grid[None], (work.shape[0],) + grid.shape)).astype(
        work.dtype.np if is_float else np.float32)).to(work.device)
    out = grid_sample(work, grid_t, mode=mode.value, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = out[:, channels:]
        out = out[:, :channels]
        fill_values = np.broadcast_to(np.asarray(fill, np.float64).reshape(-1), (channels,)).reshape(1, -1, 1, 1)
        fill_t = _make(fill_values.astype(out.dtype.np)).to(out.device)
        if mode is InterpolationMode.NEAREST:
            keep = _make((mask.detach().numpy(force=True) >= 0.5).astype(out.dtype.np)).to(out.device)
            out = out * keep + fill_t * (1 - keep)
        else:
            out = out * mask + (1.0 - mask) * fill_t
    if not is_float:
        out = _round_to(out, batch.dtype.np, rounding=mode is not InterpolationMode.NEAREST)
    return out.reshape(*shape[:-2], *grid.shape[:2])


def _round_to(values: Tensor, dtype: np.dtype, rounding: bool = True) -> Tensor:
    """Float work values back to an integer image dtype (rounded, clipped), on their device."""
    array = values.detach().numpy(force=True)
    if rounding:
        array = np.rint(array)
    info = np.iinfo(dtype)
    return _make(np.clip(array, info.min, info.max).astype(dtype)).to(values.device)


def _affine_grid(matrix: list[float], width: int, height: int) -> np.ndarray:
    """torchvision's affine grid: output pixel centres (relative to the image centre) mapped by
    ``matrix`` and normalised to [-1, 1] for grid_sample (align_corners=False)."""
    xs = np.arange(width, dtype=np.float64) - width * 0.5 + 0.5
    ys = np.arange(height, dtype=np.float64) - height * 0.5 + 0.5
    theta = np.asarray(matrix, np.float64).reshape(2, 3)
    gx = (theta[0, 0] * xs[None, :] + theta[0, 1] * ys[:, None] + theta[0, 2]) / (0.5 * width)
    gy = (theta[1, 0] * xs[None, :] + theta[1, 1] * ys[:, None] + theta[1, 2]) / (0.5 * height)
    return np.stack([gx, gy], axis=-1)


def _as_tensor_image(img):
    """(tensor, how to give a result back) for a tensor or an (H, W[, C]) array."""
    if isinstance(img, Tensor):
        return img, lambda out: out
    image = _Image(img)
    return _make(np.ascontiguousarray(image.array)), lambda out: image.result(out.numpy())


def _fill_for_pil(fill, mode: str):
    if fill is None:
        return None
    if isinstance(fill, (int, float)):
        fill = [fill]
    values = tuple(int(round(v)) if mode not in ("F",) else float(v) for v in fill)
    bands = len(mode) if mode in ("RGB", "RGBA", "LA") else 1
    if len(values) == 1:
        values = values * bands
    return values[0] if bands == 1 else values


def affine(img, angle: float, translate: Sequence[int], scale: float, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center: Sequence[int] | None = None):
    """Rotate by ``angle`` degrees, translate by ``translate`` pixels, scale, and shear by ``shear``
    degrees (a number or (x, y)), keeping the image centre (or ``center``) fixed.

    Args:
        img: a Pillow image, an (H, W[, C]) array or a (..., C, H, W) tensor.
        interpolation: NEAREST (default) or BILINEAR (BICUBIC too for tensors).
        fill: value(s) for the area outside the source. Default: 0.
        center: the fixed point in pixels. Default: the image centre.
    """
    interpolation = _interpolation(interpolation)
    if isinstance(shear, numbers.Number):
        shear = [float(shear), 0.0]
    shear = [float(s) for s in shear] + ([0.0] if len(shear) == 1 else [])
    if len(translate) != 2:
        raise ValueError(f"Argument translate should be a sequence of length 2, got {translate}")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if _is_pil_image(img):
        width, height = img.size
        center_p = [width * 0.5, height * 0.5] if center is None else list(center)
        matrix = _get_inverse_affine_matrix(center_p, angle, translate, scale, shear)
        return img.transform((width, height), _pil().Transform.AFFINE, matrix, _pil_filter(interpolation),
                             fillcolor=_fill_for_pil(fill, img.mode))
    tensor, give_back = _as_tensor_image(img)
    height, width = tensor.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, angle, [float(t) for t in translate], scale, shear)
    return give_back(_grid_sample_image(tensor, _affine_grid(matrix, width, height), interpolation, fill))


def _get_perspective_coeffs(startpoints, endpoints) -> list[float]:
    """The 8 coefficients mapping output (end) points to input (start) points, by least squares."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    a_matrix = np.zeros((8, 8), np.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a_matrix[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a_matrix[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b_matrix = np.asarray(startpoints, np.float64).reshape(8)
    return np.linalg.lstsq(a_matrix, b_matrix, rcond=None)[0].tolist()


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp so that the four ``startpoints`` (top-left, top-right, bottom-right, bottom-left, as
    [x, y] pixels) move to ``endpoints``.

    Args:
        img: a Pillow image, an (H, W[, C]) array or a (..., C, H, W) tensor.
        interpolation: BILINEAR (default) or NEAREST.
        fill: value(s) for the area outside the source. Default: 0.
    """
    interpolation = _interpolation(interpolation)
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    if _is_pil_image(img):
        return img.transform(img.size, _pil().Transform.PERSPECTIVE, coeffs, _pil_filter(interpolation),
                             fillcolor=_fill_for_pil(fill, img.mode))
    tensor, give_back = _as_tensor_image(img)
    height, width = tensor.shape[-2:]
    a, b, c, d, e, f, g, h = coeffs
    xs = np.arange(width, dtype=np.float64)[None, :] + 0.5
    ys = np.arange(height, dtype=np.float64)[:, None] + 0.5
    denominator = g * xs + h * ys + 1.0
    gx = (a * xs + b * ys + c) / denominator / (0.5 * width) - 1.0
    gy = (d * xs + e * ys + f) / denominator / (0.5 * height) - 1.0
    return give_back(_grid_sample_image(tensor, np.stack([gx, gy], axis=-1), interpolation, fill))


def _gaussian_kernel1d(kernel_size: int, sigma: float) -> np.ndarray:
    half = (kernel_size - 1) * 0.5
    x = np.linspace(-half, half, kernel_size)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel: ``kernel_size`` (odd, an int or (kx, ky)), ``sigma`` (default:
    ``0.3 * ((k - 1) * 0.5 - 1) + 0.8``); borders reflected, as torchvision's.

    Pillow images are blurred by the same kernel (converted to a tensor and back, as torchvision's).
    """
    from ...nn.functional import conv2d, pad
    if isinstance(kernel_size, numbers.Integral):
        kernel_size = [int(kernel_size)] * 2
    kernel_size = [int(k) for k in kernel_size]
    if len(kernel_size) == 1:
        kernel_size = kernel_size * 2
    if len(kernel_size) != 2 or any(k <= 0 or k % 2 == 0 for k in kernel_size):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    elif isinstance(sigma, numbers.Number):
        sigma = [float(sigma)] * 2
    sigma = [float(s) for s in sigma] * (2 if len(sigma) == 1 else 1)
    if any(s <= 0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _is_pil_image(img):
        return to_pil_image(gaussian_blur(pil_to_tensor(img), kernel_size, sigma), mode=img.mode)
    tensor, give_back = _as_tensor_image(img)
    shape = tuple(tensor.shape)
    batch = tensor.reshape(-1, *shape[-3:])
    is_float = batch.is_floating_point()
    work = batch if is_float else batch.float()
    kernel = np.outer(_gaussian_kernel1d(kernel_size[1], sigma[1]), _gaussian_kernel1d(kernel_size[0], sigma[0]))
    channels = work.shape[1]
    weight = _make(np.ascontiguousarray(np.broadcast_to(kernel, (channels, 1) + kernel.shape)).astype(
        work.dtype.np)).to(work.device)
    padded = pad(work, [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2],
                 mode="reflect")
    out = conv2d(padded, weight, groups=channels)
    if not is_float:
        out = _round_to(out, batch.dtype.np)
    return give_back(out.reshape(shape))


def erase(img: Tensor, i: int, j: int, h: int, w: int, v, inplace: bool = False) -> Tensor:
    """Replace the region with top-left (i, j) and size (h, w) by ``v`` (a number or a tensor that
    broadcasts to (..., C, h, w)). Differentiable with respect to the image and ``v``."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


# --- colour operations of AutoAugment -------------------------------------------------------------------------

def invert(img):
    """The negative: ``max - x`` (255 for uint8, 1 for floats)."""
    image = _Image(img)
    array = image.array
    return image.result((_max_value(array.dtype) - array).astype(array.dtype) if array.dtype.kind != "b"
                        else ~array)


def posterize(img, bits: int):
    """Keep the top ``bits`` bits of each uint8 value."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    image = _Image(img)
    if image.array.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {image.array.dtype}")
    mask = np.uint8(-(1 << (8 - bits)) & 0xFF)
    return image.result(image.array & mask)


def solarize(img, threshold: float):
    """Invert the values at or above ``threshold``."""
    image = _Image(img)
    array = image.array
    if threshold > _max_value(array.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    inverted = (_max_value(array.dtype) - array).astype(array.dtype)
    return image.result(np.where(array >= threshold, inverted, array))


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed copy (Pillow's 3×3 SMOOTH kernel; borders kept): 0 blurs, 1 is the
    original, 2 sharpens."""
    _check_factor(sharpness_factor, "sharpness_factor")
    image = _Image(img)
    array = image.array
    height, width = array.shape[-2:]
    if height <= 2 or width <= 2:
        return img
    work = _work_dtype(array.dtype)
    values = array.astype(work, copy=False)
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], work) / work.type(13)
    inner = sum(kernel[dy, dx] * values[..., dy:height - 2 + dy, dx:width - 2 + dx]
                for dy in range(3) for dx in range(3))
    if array.dtype.kind in "iu":
        inner = np.rint(inner)
    degenerate = values.copy()
    degenerate[..., 1:-1, 1:-1] = inner
    return image.result(_blend(array, degenerate, sharpness_factor))


def autocontrast(img):
    """Stretch each channel linearly so its darkest value becomes 0 and its brightest the maximum."""
    image = _Image(img)
    array = image.array
    bound = _max_value(array.dtype)
    work = _work_dtype(array.dtype)
    values = array.astype(work, copy=False)
    minimum = values.min(axis=(-2, -1), keepdims=True)
    maximum = values.max(axis=(-2, -1), keepdims=True)
    flat = maximum == minimum
    scale = bound / np.where(flat, 1, maximum - minimum)
    minimum = np.where(flat, 0, minimum)
    scale = np.where(flat, 1, scale)
    out = np.clip((values - minimum) * scale, 0, bound)
    return image.result(_to_dtype(out, array.dtype, rounding=False))


def _equalize_channel(channel: np.ndarray) -> np.ndarray:
    """Pillow's ImageOps.equalize on one uint8 channel (a lookup table from the histogram)."""
    hist = np.bincount(channel.ravel(), minlength=256)
    nonzero = hist[hist != 0]
    step = (nonzero.sum() - nonzero[-1]) // 255 if nonzero.size else 0
    if step == 0:
        return channel
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.concatenate([[0], lut[:-1]]).clip(0, 255).astype(np.uint8)
    return lut[channel]


def equalize(img):
    """Histogram equalisation of each uint8 channel (Pillow's algorithm)."""
    image = _Image(img)
    array = image.array
    if array.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {array.dtype}")
    flat = array.reshape(-1, *array.shape[-2:])
    out = np.stack([_equalize_channel(channel) for channel in flat]).reshape(array.shape)
    return image.result(out)


def five_crop(img, size):
    """(top-left, top-right, bottom-left, bottom-right, center) crops of ``size``."""
    crop_h, crop_w = _pair(size, "size")
    _, height, width = get_dimensions(img)
    if crop_w > width or crop_h > height:
        raise ValueError(f"Requested crop size {(crop_h, crop_w)} is bigger than input size {(height, width)}")
    return (crop(img, 0, 0, crop_h, crop_w), crop(img, 0, width - crop_w, crop_h, crop_w),
            crop(img, height - crop_h, 0, crop_h, crop_w), crop(img, height - crop_h, width - crop_w, crop_h, crop_w),
            center_crop(img, [crop_h, crop_w]))


def ten_crop(img, size, vertical_flip: bool = False):
    """:func:`five_crop` of the image, then of its horizontal (or vertical) mirror image."""
    flipped = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)
