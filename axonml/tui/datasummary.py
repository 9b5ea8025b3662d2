"""Dataset summaries for the data view: split sizes, class balance, pixel statistics and sample images
drawn with shade characters.

A dataset is named as ``axonml train`` names it (``digits``, embedded; ``mnist``, ``fashion-mnist``,
``cifar10``, read from a data directory, never downloaded here) or given as a folder of class
folders (``root/<class>/<image>``, as ImageFolder reads it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["DataSummary", "summarise", "shade", "NAMED_DATASETS"]

NAMED_DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10")
_RAMPS = {"unicode": " \u2591\u2592\u2593\u2588", "ascii": " .:-=+*#%@"}
_SAMPLES_PER_CLASS = 1
_MAX_SAMPLES = 10


@dataclass
class DataSummary:
    """What the data view shows about one dataset.

    Attributes:
        name: the dataset's name or folder; source: where it was read from.
        splits: samples per split ({"train": 1438, "test": 359}).
        classes: class names; counts: samples per class, per split.
        sample_shape: the shape of one image; value_range: (min, max, mean) of the training pixels.
        samples: (image as a NumPy array, class index) for the first image of each class.
    """
    name: str
    source: str
    splits: dict[str, int] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    counts: dict[str, list[int]] = field(default_factory=dict)
    sample_shape: tuple = ()
    value_range: tuple | None = None
    max_value: float = 255.0
    samples: list[tuple[np.ndarray, int]] = field(default_factory=list)


def _array(value) -> np.ndarray:
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _first_of_each_class(labels: np.ndarray, images, count: int) -> list[tuple[np.ndarray, int]]:
    samples = []
    for label in np.unique(labels)[:count]:
        index = int(np.flatnonzero(labels == label)[0])
        samples.append((_array(images[index]), int(label)))
    return samples


def _named(name: str, data_dir: str) -> DataSummary:
    from ..vision import datasets
    if name == "digits":
        parts = {"train": datasets.Digits(train=True), "test": datasets.Digits(train=False)}
        source, max_value = "embedded in axonml", 16.0
    else:
        cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}[name]
        parts = {"train": cls(data_dir, train=True), "test": cls(data_dir, train=False)}
        source, max_value = data_dir, 255.0
    train = parts["train"]
    summary = DataSummary(name=name, source=source, classes=list(train.classes), max_value=max_value)
    for split, dataset in parts.items():
        labels = _array(dataset.targets).astype(np.int64)
        summary.splits[split] = len(labels)
        summary.counts[split] = np.bincount(labels, minlength=len(summary.classes)).tolist()
    images = _array(train.data)
    labels = _array(train.targets).astype(np.int64)
    summary.sample_shape = tuple(images.shape[1:])
    summary.value_range = (float(images.min()), float(images.max()), float(images.mean()))
    summary.samples = _first_of_each_class(labels, images, _MAX_SAMPLES)
    return summary


def _folder(root: str) -> DataSummary:
    from ..vision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset, pil_loader
    classes, class_to_idx = find_classes(root)
    samples = make_dataset(root, class_to_idx, IMG_EXTENSIONS, allow_empty=True)
    labels = np.array([label for _, label in samples], dtype=np.int64)
    summary = DataSummary(name=os.path.basename(os.path.normpath(root)), source=root, classes=classes)
    summary.splits["all"] = len(samples)
    summary.counts["all"] = np.bincount(labels, minlength=len(classes)).tolist()
    for label in range(len(classes))[:_MAX_SAMPLES]:
        path = next((p for p, l in samples if l == label), None)
        if path is not None:
            summary.samples.append((np.asarray(pil_loader(path)), label))
    if summary.samples:
        first = summary.samples[0][0]
        summary.sample_shape = tuple(first.shape)
        pixels = np.concatenate([image.reshape(-1) for image, _ in summary.samples]).astype(np.float64)
        summary.value_range = (float(pixels.min()), float(pixels.max()), float(pixels.mean()))
    return summary


def summarise(spec: str, data_dir: str = "data") -> DataSummary:
    """The summary of a named dataset (read from `data_dir`) or of a class-folder directory.

    Raises:
        ValueError: the spec names neither; FileNotFoundError: the files are missing.
    """
    if spec in NAMED_DATASETS:
        return _named(spec, data_dir)
    if os.path.isdir(spec):
        return _folder(spec)
    raise ValueError(f"--data takes one of {', '.join(NAMED_DATASETS)} or a folder of class folders, got {spec!r}")


def shade(image: np.ndarray, max_columns: int, max_rows: int, max_value: float = 255.0,
          glyphs: str = "unicode") -> list[str]:
    """An image as rows of shade characters, two characters per pixel (terminal cells are about twice as tall
    as wide), shrunk by whole factors to fit max_columns x max_rows. Colour images are drawn in grey."""
    pixels = np.asarray(image, dtype=np.float64)
    if pixels.ndim == 3:
        pixels = pixels.mean(axis=2 if pixels.shape[2] in (1, 3, 4) else 0)
    if pixels.ndim != 2 or pixels.size == 0:
        raise ValueError(f"shade takes an (H, W) or (H, W, C) image, got shape {tuple(np.shape(image))}")
    height, width = pixels.shape
    factor = max(1, -(-height // max(max_rows, 1)), -(-(2 * width) // max(max_columns, 2)))
    rows, columns = height // factor, width // factor
    if rows == 0 or columns == 0:
        return []
    pooled = pixels[:rows * factor, :columns * factor].reshape(rows, factor, columns, factor).mean(axis=(1, 3))
    ramp = _RAMPS[glyphs]
    levels = np.clip(pooled / max_value, 0.0, 1.0) * (len(ramp) - 1)
    return ["".join(ramp[int(round(v))] * 2 for v in row) for row in levels]
