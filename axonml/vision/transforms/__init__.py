"""Image transforms with torchvision's names: classes here, functions in ``functional``."""
from . import functional
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, Grayscale, Lambda, Normalize, Pad, RandomCrop,
                         RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize,
                         ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "Lambda", "ToTensor", "Normalize", "Resize", "CenterCrop",
           "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "ColorJitter", "Grayscale",
           "Pad", "RandomResizedCrop"]
