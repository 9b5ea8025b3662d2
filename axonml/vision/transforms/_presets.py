"""The input transform that the published classification weights were trained with."""
from __future__ import annotations

from typing import Sequence

from ...tensor import Tensor
from . import functional as F
from .functional import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification:
    """Resize the shorter edge to ``resize_size``, center-crop ``crop_size``, scale to [0, 1] and
    normalise (torchvision's ``ImageClassification`` preset).

    Args:
        crop_size: side of the square crop.
        resize_size: the shorter edge after resizing. Default: 256.
        mean, std: per-channel normalisation (ImageNet's by default).
        interpolation: the resize filter. Default: bilinear.
        antialias: antialias when shrinking. Default: True.

    Accepts a Pillow image, an (H, W[, C]) uint8 array or a (..., C, H, W) tensor; returns a float
    tensor.
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256,
                 mean: Sequence[float] = (0.485, 0.456, 0.406), std: Sequence[float] = (0.229, 0.224, 0.225),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def __call__(self, img) -> Tensor:
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, "float32")
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(crop_size={self.crop_size}, resize_size={self.resize_size}, mean={self.mean}, "
                f"std={self.std}, interpolation={self.interpolation})")
