"""LeNet-5 (LeCun et al., 1998), sized for 32×32, 28×28 or small inputs such as 8×8 digits."""
from __future__ import annotations

from ... import nn

__all__ = ["LeNet", "lenet"]


def _conv_plan(input_size: int) -> tuple[int, int]:
    """(kernel, first-layer padding): 5×5 kernels padded to LeNet's 32×32 for 16 pixels and up,
    3×3 'same' convolutions below that (8×8 digits)."""
    if input_size >= 16:
        return 5, max(0, (32 - input_size) // 2)
    return 3, 1


class LeNet(nn.Module):
    """LeNet-5: two convolution + pooling stages and three fully connected layers.

    Args:
        in_channels: image channels (1 for MNIST, 3 for CIFAR).
        num_classes: number of outputs.
        input_size: image height and width (square images), e.g. 28, 32 or 8.

    Shape:
        - Input: (N, in_channels, input_size, input_size)
        - Output: (N, num_classes)

    Example::

        >>> model = LeNet(in_channels=1, num_classes=10, input_size=28)
        >>> model(axonml.randn(4, 1, 28, 28)).shape
        axonml.Size([4, 10])
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, input_size: int = 28):
        super().__init__()
        kernel, padding = _conv_plan(input_size)
        second_padding = 0 if kernel == 5 else 1
        size = (input_size + 2 * padding - kernel + 1) // 2
        size = (size + 2 * second_padding - kernel + 1) // 2
        if size < 1:
            raise ValueError(f"input_size {input_size} is too small for LeNet")
        self.in_channels, self.num_classes, self.input_size = in_channels, num_classes, input_size
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel, padding=padding), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel, padding=second_padding), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * size * size, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def lenet(**kwargs) -> LeNet:
    """LeNet-5 (see :class:`LeNet` for the arguments)."""
    return LeNet(**kwargs)
