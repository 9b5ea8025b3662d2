"""Reading and writing image files (torchvision.io's names): PNG, JPEG and what Pillow decodes.

Decoding and JPEG encoding use Pillow (``pip install 'axonml[vision]'``); PNG encoding reuses
:func:`axonml.vision.utils.encode_png`. Images are uint8 (C, H, W) tensors; a 16-bit PNG decodes
to int32 values in [0, 65535] (axonml has no uint16). A truncated or corrupt file raises
``RuntimeError``; an image with more pixels than Pillow's decompression-bomb limit is refused.
"""
from __future__ import annotations

import io
import os
from enum import Enum

import numpy as np

from ..tensor import Tensor, _make
from . import utils

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_png", "decode_jpeg", "read_image",
           "encode_png", "encode_jpeg", "write_png", "write_jpeg"]


class ImageReadMode(Enum):
    """The channels to decode to: as stored, grey, grey + alpha, RGB, RGB + alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def _pil():
    try:
        from PIL import Image, ImageOps
    except ImportError as error:
        raise ImportError("axonml.vision.io needs Pillow: pip install 'axonml[vision]'") from error
    return Image, ImageOps


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    return _make(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename: str | os.PathLike, data: Tensor) -> None:
    """Write a 1-D uint8 tensor of bytes to a file."""
    if not isinstance(data, Tensor) or data.ndim != 1 or data.dtype.np != np.uint8:
        raise ValueError("data should be a 1-D uint8 tensor")
    with open(os.fspath(filename), "wb") as f:
        f.write(data.numpy().tobytes())


def _encoded_bytes(input) -> bytes:
    if isinstance(input, (str, os.PathLike)):
        with open(os.fspath(input), "rb") as f:
            return f.read()
    if isinstance(input, (bytes, bytearray, memoryview)):
        return bytes(input)
    if not isinstance(input, Tensor) or input.ndim != 1 or input.dtype.np != np.uint8:
        raise TypeError("Expected a 1-D uint8 tensor of encoded bytes (or a path)")
    return input.numpy().tobytes()


def _mode(mode) -> ImageReadMode:
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode should be an ImageReadMode, got {mode!r}")
    return mode


def _decode(data: bytes, mode: ImageReadMode, apply_exif_orientation: bool, expected: str | None) -> Tensor:
    Image, ImageOps = _pil()
    try:
        image = Image.open(io.BytesIO(data))
        if expected is not None and image.format != expected:
            raise RuntimeError(f"Expected a {expected} image, got {image.format}")
        image.load()
    except Image.DecompressionBombError as error:
        raise RuntimeError(f"refusing to decode the image: {error}") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise RuntimeError(f"could not decode the image ({len(data)} bytes): {error}") from error
    if apply_exif_orientation:
        image = ImageOps.exif_transpose(image)
    if mode is ImageReadMode.UNCHANGED:
        if image.mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        elif image.mode in ("1", "CMYK", "YCbCr", "PA"):
            image = image.convert({"1": "L", "PA": "RGBA"}.get(image.mode, "RGB"))
    else:
        wanted = _PIL_MODES[mode]
        if image.mode in ("I;16", "I;16B", "I") and wanted in ("L", "LA"):
            image = image.point(lambda v: v / 256).convert("L") if wanted == "L" else image.convert("L")
        if image.mode != wanted:
            image = image.convert(wanted)
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = array.astype(np.int32)
    chw = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return _make(np.ascontiguousarray(chw))


def decode_image(input, mode: ImageReadMode = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Decode an encoded image (a 1-D uint8 tensor of its bytes, or a path) to a (C, H, W) tensor.

    Args:
        input: the encoded bytes (or a file path).
        mode: the channels to decode to (:class:`ImageReadMode`). Default: as stored.
        apply_exif_orientation: rotate/flip as the EXIF Orientation tag says.

    Raises:
        RuntimeError: the data is not a decodable image.
    """
    return _decode(_encoded_bytes(input), _mode(mode), apply_exif_orientation, None)


def decode_png(input: Tensor, mode: ImageReadMode = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes (see :func:`decode_image`); other formats are an error."""
    return _decode(_encoded_bytes(input), _mode(mode), apply_exif_orientation, "PNG")


def decode_jpeg(input: Tensor, mode: ImageReadMode = ImageReadMode.UNCHANGED,
                apply_exif_orientation: bool = False) -> Tensor:
    """Decode JPEG bytes (see :func:`decode_image`); other formats are an error."""
    return _decode(_encoded_bytes(input), _mode(mode), apply_exif_orientation, "JPEG")


def read_image(path: str | os.PathLike, mode: ImageReadMode = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Read and decode an image file (PNG, JPEG, GIF, BMP, WebP, TIFF ...) to a (C, H, W) tensor.

    Example::

        >>> image = axonml.vision.io.read_image("cat.jpg", axonml.vision.io.ImageReadMode.RGB)
        >>> image.shape, image.dtype
        (axonml.Size([3, 480, 640]), axonml.uint8)
    """
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _check_image(input, name: str) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name} expects a Tensor, got {type(input).__name__}")
    if input.dtype.np != np.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {input.dtype}")
    if input.ndim != 3:
        raise RuntimeError(f"Input data should be a 3-dimensional tensor, got {input.ndim} dimensions")
    if input.shape[0] not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {input.shape[0]}")
    array = input.detach().numpy(force=True).transpose(1, 2, 0)
    return np.ascontiguousarray(array[..., 0] if array.shape[2] == 1 else array)


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG bytes (a 1-D uint8 tensor) of a uint8 (C, H, W) image with 1 or 3 channels."""
    if not 0 <= compression_level <= 9:
        raise RuntimeError(f"Compression level should be between 0 and 9, got {compression_level}")
    data = utils.encode_png(_check_image(input, "encode_png"), compression_level)
    return _make(np.frombuffer(data, dtype=np.uint8).copy())


def encode_jpeg(input: Tensor, quality: int = 75) -> Tensor:
    """JPEG bytes (a 1-D uint8 tensor) of a uint8 (C, H, W) image with 1 or 3 channels
    (baseline, 4:2:0 chroma subsampling for colour, libjpeg's tables scaled to ``quality``)."""
    if not 1 <= quality <= 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    Image, _ = _pil()
    buffer = io.BytesIO()
    Image.fromarray(_check_image(input, "encode_jpeg")).save(buffer, format="JPEG", quality=quality)
    return _make(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())


def _write_atomically(filename, data: Tensor) -> None:
    path = os.fspath(filename)
    partial = path + ".partial"
    write_file(partial, data)
    os.replace(partial, path)


def write_png(input: Tensor, filename: str | os.PathLike, compression_level: int = 6) -> None:
    """Encode a uint8 (C, H, W) image as PNG and write it to ``filename``."""
    _write_atomically(filename, encode_png(input, compression_level))


def write_jpeg(input: Tensor, filename: str | os.PathLike, quality: int = 75) -> None:
    """Encode a uint8 (C, H, W) image as JPEG and write it to ``filename``."""
    _write_atomically(filename, encode_jpeg(input, quality))
