"""Learned and random augmentation policies: AutoAugment, RandAugment, TrivialAugmentWide.

The operations are those of :mod:`functional` (Pillow's ImageOps/ImageEnhance semantics); random
choices are drawn from axonml's default generator, so ``axonml.manual_seed`` reproduces them.
"""
from __future__ import annotations

import math
from enum import Enum

import numpy as np

from ...data.transforms import _randint, _uniform
from ...tensor import Tensor
from . import functional as F
from .functional import InterpolationMode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]


def _apply_op(img, op_name: str, magnitude: float, interpolation: InterpolationMode, fill):
    if op_name == "ShearX":
        # shear by atan(magnitude) degrees about the top-left corner: the x' = x + magnitude * y of the paper
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=[math.degrees(math.atan(magnitude)), 0.0],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "ShearY":
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=[0.0, math.degrees(math.atan(magnitude))],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "TranslateX":
        return F.affine(img, angle=0.0, translate=[int(magnitude), 0], scale=1.0, interpolation=interpolation,
                        shear=[0.0, 0.0], fill=fill)
    if op_name == "TranslateY":
        return F.affine(img, angle=0.0, translate=[0, int(magnitude)], scale=1.0, interpolation=interpolation,
                        shear=[0.0, 0.0], fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    if op_name == "Brightness":
        return F.adjust_brightness(img, 1.0 + magnitude)
    if op_name == "Color":
        return F.adjust_saturation(img, 1.0 + magnitude)
    if op_name == "Contrast":
        return F.adjust_contrast(img, 1.0 + magnitude)
    if op_name == "Sharpness":
        return F.adjust_sharpness(img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    if op_name == "AutoContrast":
        return F.autocontrast(img)
    if op_name == "Equalize":
        return F.equalize(img)
    if op_name == "Invert":
        return F.invert(img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _fill_per_channel(img, fill):
    if isinstance(img, Tensor) or isinstance(img, np.ndarray):
        if isinstance(fill, (int, float)):
            return [float(fill)] * F.get_dimensions(img)[0]
        if fill is not None:
            return [float(f) for f in fill]
    return fill


def _posterize_bits(num_bins: int, spread: int) -> np.ndarray:
    return (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / spread))).astype(np.int64)


class AutoAugmentPolicy(Enum):
    """AutoAugment policies learned on ImageNet, CIFAR-10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# (operation, probability, magnitude bin) pairs of Cubuk et al., 2019 (Appendix A).
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None))],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None))],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None))],
}


def _shared_space(num_bins: int, height: int, width: int, identity: bool) -> dict:
    """{operation: (magnitudes, signed)} of AutoAugment and RandAugment."""
    space = {"Identity": (np.array(0.0), False)} if identity else {}
    space.update({
        "ShearX": (np.linspace(0.0, 0.3, num_bins), True), "ShearY": (np.linspace(0.0, 0.3, num_bins), True),
        "TranslateX": (np.linspace(0.0, 150.0 / 331.0 * width, num_bins), True),
        "TranslateY": (np.linspace(0.0, 150.0 / 331.0 * height, num_bins), True),
        "Rotate": (np.linspace(0.0, 30.0, num_bins), True), "Brightness": (np.linspace(0.0, 0.9, num_bins), True),
        "Color": (np.linspace(0.0, 0.9, num_bins), True), "Contrast": (np.linspace(0.0, 0.9, num_bins), True),
        "Sharpness": (np.linspace(0.0, 0.9, num_bins), True), "Posterize": (_posterize_bits(num_bins, 4), False),
        "Solarize": (np.linspace(255.0, 0.0, num_bins), False), "AutoContrast": (np.array(0.0), False),
        "Equalize": (np.array(0.0), False)})
    return space


class AutoAugment:
    """AutoAugment (Cubuk et al., 2019): one of a policy's 25 sub-policies, each two operations
    applied with their probabilities and magnitudes.

    Args:
        policy: :class:`AutoAugmentPolicy`. Default: IMAGENET.
        interpolation: for the geometric operations. Default: NEAREST.
        fill: value(s) for the area outside the image after a geometric operation.

    Accepts uint8 tensors (..., 1 or 3, H, W), uint8 arrays and Pillow L/RGB images.
    """

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST, fill=None):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy = policy
        self.interpolation = interpolation
        self.fill = fill
        self.policies = _POLICIES[policy]

    def _augmentation_space(self, num_bins: int, image_size: tuple[int, int]) -> dict:
        space = _shared_space(num_bins, image_size[0], image_size[1], identity=False)
        space["Invert"] = (np.array(0.0), False)
        return space

    @staticmethod
    def get_params(transform_num: int):
        """(sub-policy index, two probabilities, two signs)."""
        policy_id = _randint(0, transform_num)
        probs = [_uniform(), _uniform()]
        signs = [_randint(0, 2), _randint(0, 2)]
        return policy_id, probs, signs

    def __call__(self, img):
        fill = _fill_per_channel(img, self.fill)
        _, height, width = F.get_dimensions(img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        space = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i] <= p:
                magnitudes, signed = space[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment:
    """RandAugment (Cubuk et al., 2020): ``num_ops`` operations chosen uniformly, all at one magnitude.

    Args:
        num_ops: operations applied in sequence. Default: 2.
        magnitude: the magnitude bin, in [0, num_magnitude_bins). Default: 9.
        num_magnitude_bins: Default: 31.
        interpolation: for the geometric operations. Default: NEAREST.
        fill: value(s) for the area outside the image after a geometric operation.
    """

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST, fill=None):
        if not 0 <= magnitude < num_magnitude_bins:
            raise ValueError(f"magnitude should be in [0, {num_magnitude_bins}), got {magnitude}")
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size: tuple[int, int]) -> dict:
        return _shared_space(num_bins, image_size[0], image_size[1], identity=True)

    def __call__(self, img):
        fill = _fill_per_channel(img, self.fill)
        _, height, width = F.get_dimensions(img)
        space = self._augmentation_space(self.num_magnitude_bins, (height, width))
        names = list(space)
        for _ in range(self.num_ops):
            op_name = names[_randint(0, len(names))]
            magnitudes, signed = space[op_name]
            magnitude = float(magnitudes[self.magnitude]) if magnitudes.ndim > 0 else 0.0
            if signed and _randint(0, 2):
                magnitude *= -1.0
            img = _apply_op(img, op_name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, fill={self.fill})")


class TrivialAugmentWide:
    """TrivialAugment (Müller & Hutter, 2021): one operation and one magnitude, both drawn uniformly
    from the wide ranges.

    Args:
        num_magnitude_bins: Default: 31.
        interpolation: for the geometric operations. Default: NEAREST.
        fill: value(s) for the area outside the image after a geometric operation.
    """

    def __init__(self, num_magnitude_bins: int = 31, interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill=None):
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int) -> dict:
        return {
            "Identity": (np.array(0.0), False), "ShearX": (np.linspace(0.0, 0.99, num_bins), True),
            "ShearY": (np.linspace(0.0, 0.99, num_bins), True), "TranslateX": (np.linspace(0.0, 32.0, num_bins), True),
            "TranslateY": (np.linspace(0.0, 32.0, num_bins), True), "Rotate": (np.linspace(0.0, 135.0, num_bins), True),
            "Brightness": (np.linspace(0.0, 0.99, num_bins), True), "Color": (np.linspace(0.0, 0.99, num_bins), True),
            "Contrast": (np.linspace(0.0, 0.99, num_bins), True), "Sharpness": (np.linspace(0.0, 0.99, num_bins), True),
            "Posterize": (_posterize_bits(num_bins, 6), False), "Solarize": (np.linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (np.array(0.0), False), "Equalize": (np.array(0.0), False)}

    def __call__(self, img):
        fill = _fill_per_channel(img, self.fill)
        space = self._augmentation_space(self.num_magnitude_bins)
        names = list(space)
        op_name = names[_randint(0, len(names))]
        magnitudes, signed = space[op_name]
        magnitude = float(magnitudes[_randint(0, len(magnitudes))]) if magnitudes.ndim > 0 else 0.0
        if signed and _randint(0, 2):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, self.interpolation, fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
