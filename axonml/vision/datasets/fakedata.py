"""FakeData: deterministic synthetic images for tests and demos that have no files."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .vision import VisionDataset

__all__ = ["FakeData", "FakeMNIST", "FakeCIFAR10"]


class FakeData(VisionDataset):
    """Synthetic ``(image, label)`` pairs, the same for the same index and seed on every call.

    Unlike torchvision's FakeData the images are learnable: each class has a fixed random
    template and an image is its template plus noise, so a model can fit them.

    Args:
        size: number of samples.
        image_size: (C, H, W) of each image.
        num_classes: number of labels.
        transform (callable, optional): applied to each image, an (H, W, C) uint8 array
            ((H, W) when C is 1, like MNIST's).
        target_transform (callable, optional): applied to each label (an int).
        random_offset: added to the index when seeding each sample (different data, same size).
        seed: selects the class templates.
        noise: the noise's standard deviation, in pixel units (0..255).
    """

    def __init__(self, size: int = 1000, image_size: Sequence[int] = (3, 224, 224), num_classes: int = 10,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 random_offset: int = 0, seed: int = 0, noise: float = 40.0):
        super().__init__(None, transform, target_transform)
        if size < 0 or num_classes < 1:
            raise ValueError(f"size must be >= 0 and num_classes >= 1, got {size} and {num_classes}")
        self.size = size
        self.image_size = tuple(image_size)
        self.num_classes = num_classes
        self.random_offset = random_offset
        self.seed = seed
        self.noise = noise
        channels, height, width = self.image_size
        templates = np.random.default_rng([seed, 0x7E3A]).uniform(0, 255, (num_classes, height, width, channels))
        self._templates = templates

    def __getitem__(self, index: int):
        if not -self.size <= index < self.size:
            raise IndexError(f"{type(self).__name__} index {index} is out of range for size {self.size}")
        index %= self.size
        rng = np.random.default_rng([self.seed, index + self.random_offset])
        target = int(rng.integers(0, self.num_classes))
        image = self._templates[target] + rng.normal(0.0, self.noise, self._templates.shape[1:])
        image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        if self.image_size[0] == 1:
            image = image[:, :, 0]
        return self._apply(image, target)

    def __len__(self) -> int:
        return self.size


class FakeMNIST(FakeData):
    """FakeData shaped like MNIST: (28, 28) uint8 images, 10 classes."""

    def __init__(self, size: int = 1000, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, seed: int = 0):
        super().__init__(size, (1, 28, 28), 10, transform, target_transform,
                         random_offset=0 if train else 1 << 31, seed=seed)


class FakeCIFAR10(FakeData):
    """FakeData shaped like CIFAR-10: (32, 32, 3) uint8 images, 10 classes."""

    def __init__(self, size: int = 1000, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, seed: int = 0):
        super().__init__(size, (3, 32, 32), 10, transform, target_transform,
                         random_offset=0 if train else 1 << 31, seed=seed)
