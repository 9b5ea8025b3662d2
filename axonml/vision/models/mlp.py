"""MLP: a fully connected classifier over flattened inputs."""
from __future__ import annotations

from typing import Sequence

from ... import nn

__all__ = ["MLP"]


class MLP(nn.Module):
    """Flatten, then Linear + activation (+ dropout) per hidden size, then a Linear to the outputs.

    Args:
        in_features: size of a flattened input (784 for MNIST).
        hidden_sizes: widths of the hidden layers (may be empty: a linear model).
        num_classes: number of outputs.
        activation: the activation module class. Default: ``nn.ReLU``.
        dropout: dropout probability after each hidden activation (0 disables).

    Shape:
        - Input: (N, *) with in_features elements per sample
        - Output: (N, num_classes)
    """

    def __init__(self, in_features: int = 784, hidden_sizes: Sequence[int] = (256, 128), num_classes: int = 10,
                 activation=None, dropout: float = 0.0):
        super().__init__()
        activation = activation or nn.ReLU
        layers, previous = [nn.Flatten()], in_features
        for width in hidden_sizes:
            layers += [nn.Linear(previous, width), activation()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            previous = width
        layers.append(nn.Linear(previous, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)
