"""Image utilities: a grid of images and PNG output, without PIL (torchvision.utils' names)."""
from __future__ import annotations

import math
import os
import struct
import zlib
from typing import BinaryIO

import numpy as np

from ..tensor import Tensor, _make

__all__ = ["make_grid", "save_image", "encode_png"]


def _host(tensor) -> np.ndarray:
    if isinstance(tensor, Tensor):
        return tensor.detach().numpy(force=True)
    if isinstance(tensor, (list, tuple)):
        if not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
        return np.stack([t.detach().numpy(force=True) for t in tensor])
    raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")


def _grid(array: np.ndarray, nrow: int, padding: int, normalize: bool, value_range, scale_each: bool,
          pad_value: float) -> np.ndarray:
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        if array.shape[0] == 1:
            array = np.concatenate((array, array, array), 0)
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"expected images of shape (B, C, H, W), (C, H, W) or (H, W), got {array.shape}")
    if array.shape[1] == 1:
        array = np.concatenate((array, array, array), 1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        array = array.astype(np.float32 if array.dtype.kind not in "fV" else array.dtype, copy=True)

        def norm(image):
            low, high = value_range if value_range is not None else (float(image.min()), float(image.max()))
            np.clip(image, low, high, out=image)
            image -= low
            image /= max(high - low, 1e-5)

        if scale_each:
            for image in array:
                norm(image)
        else:
            norm(array)
    if array.shape[0] == 1:
        return array[0]
    count = array.shape[0]
    columns = min(nrow, count)
    rows = int(math.ceil(count / columns))
    height, width = array.shape[2] + padding, array.shape[3] + padding
    grid = np.full((array.shape[1], height * rows + padding, width * columns + padding), pad_value, array.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = array[k]
    return grid


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images into one image.

    Args:
        tensor: a (B, C, H, W) tensor or a list of (C, H, W) tensors (single-channel images are
            repeated to three channels, as in torchvision).
        nrow: images per row.
        padding: pixels between and around the images.
        normalize: shift and scale to [0, 1], using ``value_range`` or the min and max.
        value_range: (min, max) for ``normalize``.
        scale_each: normalize each image on its own.
        pad_value: value of the padding.

    Returns:
        A (3, H', W') tensor (or the single image, three-channel, if there is only one).
    """
    return _make(_grid(_host(tensor), nrow, padding, normalize, value_range, scale_each, pad_value))


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png(pixels: np.ndarray, compress_level: int = 6) -> bytes:
    """PNG bytes for an (H, W) grey or (H, W, 3) RGB uint8 array (8 bits, no filtering)."""
    if pixels.dtype != np.uint8 or not (pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)):
        raise ValueError(f"expected an (H, W) or (H, W, 3) uint8 array, got {pixels.dtype} of shape {pixels.shape}")
    height, width = pixels.shape[:2]
    color_type = 0 if pixels.ndim == 2 else 2
    rows = np.ascontiguousarray(pixels).reshape(height, -1)
    scanlines = np.concatenate((np.zeros((height, 1), np.uint8), rows), axis=1)   # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), compress_level)) + _png_chunk(b"IEND", b""))


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO, format: str | None = None,
               **kwargs) -> None:
    """Save a tensor image, or a grid of a batch (``make_grid``'s keyword arguments), as PNG.

    Values are taken to lie in [0, 1] (use ``normalize=True`` otherwise). Single-channel input is
    written as a greyscale PNG, three-channel input as RGB.

    Args:
        tensor: the image(s), (C, H, W), (B, C, H, W) or a list.
        fp: a file name or a binary file object.
        format: "png" (the only format); by default taken from the file name.
    """
    if format is None and isinstance(fp, (str, os.PathLike)):
        extension = os.path.splitext(os.fspath(fp))[1].lower()
        format = extension[1:] if extension else "png"
    if format is not None and format.lower() != "png":
        raise ValueError(f"unsupported image format {format!r}: save_image writes PNG")
    array = _host(tensor)
    grey = (array.ndim == 2) or (array.ndim >= 3 and array.shape[-3] == 1)
    grid = _grid(array, **{"nrow": 8, "padding": 2, "normalize": False, "value_range": None, "scale_each": False,
                           "pad_value": 0.0, **kwargs})
    scaled = np.clip(grid.astype(np.float32) * np.float32(255) + np.float32(0.5), 0, 255)
    pixels = scaled.astype(np.uint8).transpose(1, 2, 0)
    data = encode_png(np.ascontiguousarray(pixels[:, :, 0]) if grey else np.ascontiguousarray(pixels))
    if isinstance(fp, (str, os.PathLike)):
        with open(fp, "wb") as f:
            f.write(data)
    else:
        fp.write(data)
