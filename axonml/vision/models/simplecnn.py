"""SimpleCNN: a small convolutional classifier for MNIST/CIFAR-sized images."""
from __future__ import annotations

from typing import Sequence

from ... import nn

__all__ = ["SimpleCNN"]


class SimpleCNN(nn.Module):
    """Blocks of 3×3 convolution, batch norm, ReLU and 2×2 max pooling, then a two-layer classifier.

    Args:
        in_channels: image channels.
        num_classes: number of outputs.
        input_size: image height and width (square images).
        channels: output channels of each block (each block halves the resolution).
        hidden: width of the hidden fully connected layer.
        dropout: dropout probability before the last layer.

    Shape:
        - Input: (N, in_channels, input_size, input_size)
        - Output: (N, num_classes)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, input_size: int = 28,
                 channels: Sequence[int] = (32, 64), hidden: int = 128, dropout: float = 0.25):
        super().__init__()
        layers, previous, size = [], in_channels, input_size
        for width in channels:
            layers += [nn.Conv2d(previous, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2)]
            previous, size = width, size // 2
        if size < 1:
            raise ValueError(f"input_size {input_size} is too small for {len(channels)} pooling blocks")
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(previous * size * size, hidden), nn.ReLU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))
