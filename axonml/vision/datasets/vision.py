"""VisionDataset: the base of the image datasets (root, transform, target_transform)."""
from __future__ import annotations

import os
from typing import Callable

from ...data import Dataset

__all__ = ["VisionDataset"]


class VisionDataset(Dataset):
    """A dataset of ``(image, target)`` pairs kept under ``root``.

    Args:
        root: the folder holding the dataset's files.
        transform (callable, optional): applied to each image.
        target_transform (callable, optional): applied to each target.
    """

    def __init__(self, root: str | os.PathLike | None, transform: Callable | None = None,
                 target_transform: Callable | None = None):
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    def _apply(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += [line for line in self.extra_repr().splitlines() if line]
        if self.transform is not None:
            lines.append(f"Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + line for line in lines)
