"""Image transforms with torchvision's names: classes here, functions in ``functional``."""
from . import functional
from ._presets import ImageClassification
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, GaussianBlur, Grayscale, Lambda,
                         Normalize, Pad, PILToTensor, RandomAffine, RandomCrop, RandomErasing, RandomHorizontalFlip,
                         RandomPerspective, RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize, ToPILImage,
                         ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "Lambda", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "RandomCrop", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomRotation", "RandomAffine", "RandomPerspective", "ColorJitter", "Grayscale",
           "GaussianBlur", "RandomErasing", "Pad", "RandomResizedCrop", "AutoAugmentPolicy", "AutoAugment",
           "RandAugment", "TrivialAugmentWide", "ImageClassification"]
