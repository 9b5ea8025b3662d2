"""Image transforms with torchvision's names: classes here, functions in ``functional``."""
from . import functional
from ._presets import ImageClassification
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, FiveCrop, GaussianBlur, Grayscale,
                         Lambda, Normalize, Pad, PILToTensor, RandomAdjustSharpness, RandomAffine, RandomApply,
                         RandomAutocontrast, RandomChoice, RandomCrop, RandomEqualize, RandomErasing, RandomGrayscale,
                         RandomHorizontalFlip, RandomInvert, RandomOrder, RandomPerspective, RandomPosterize,
                         RandomResizedCrop, RandomRotation, RandomSolarize, RandomVerticalFlip, Resize, TenCrop,
                         ToPILImage, ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "Lambda", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "RandomCrop", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomRotation", "RandomAffine", "RandomPerspective", "ColorJitter", "Grayscale",
           "GaussianBlur", "RandomErasing", "Pad", "RandomResizedCrop", "AutoAugmentPolicy", "AutoAugment",
           "RandAugment", "TrivialAugmentWide", "ImageClassification", "RandomApply", "RandomChoice", "RandomOrder",
           "RandomGrayscale", "RandomInvert", "RandomAutocontrast", "RandomEqualize", "RandomPosterize",
           "RandomSolarize", "RandomAdjustSharpness", "FiveCrop", "TenCrop"]
