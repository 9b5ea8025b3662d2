"""Building blocks shared by the vision models (torchvision.ops.misc's names and keys)."""
from __future__ import annotations

from typing import Callable

from ... import nn

__all__ = ["Conv2dNormActivation", "SqueezeExcitation", "MLP"]


class Conv2dNormActivation(nn.Sequential):
    """Conv2d, then a normalisation layer, then an activation (children ``0``, ``1``, ``2``).

    Args:
        in_channels, out_channels, kernel_size, stride, groups, dilation: as :class:`nn.Conv2d`.
        padding: default ``(kernel_size - 1) // 2 * dilation`` (same size at stride 1).
        norm_layer: default ``nn.BatchNorm2d``; ``None`` for none.
        activation_layer: default ``nn.ReLU``; ``None`` for none.
        inplace: passed to the activation.
        bias: default: a bias only when there is no normalisation layer.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int | None = None, groups: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = nn.BatchNorm2d,
                 activation_layer: Callable[..., nn.Module] | None = nn.ReLU, dilation: int = 1,
                 inplace: bool | None = True, bias: bool | None = None) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                            groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer() if inplace is None else activation_layer(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al., 2018): channels rescaled by a gate computed from their means.

    Args:
        input_channels: channels of the input.
        squeeze_channels: width of the bottleneck.
        activation: between the two 1×1 convolutions. Default: ``nn.ReLU``.
        scale_activation: the gate. Default: ``nn.Sigmoid``.
    """

    def __init__(self, input_channels: int, squeeze_channels: int,
                 activation: Callable[..., nn.Module] = nn.ReLU,
                 scale_activation: Callable[..., nn.Module] = nn.Sigmoid) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class MLP(nn.Sequential):
    """Linear layers with an activation and dropout after each but the last one's activation.

    Args:
        in_channels: input features.
        hidden_channels: the width of each Linear layer; the last is the output width.
        norm_layer: optional normalisation after each hidden Linear.
        activation_layer: default ``nn.ReLU``.
        inplace: passed to the activation and dropout (``None``: their default).
        bias: biases in the Linear layers.
        dropout: dropout probability after each layer.
    """

    def __init__(self, in_channels: int, hidden_channels: list[int],
                 norm_layer: Callable[..., nn.Module] | None = None,
                 activation_layer: Callable[..., nn.Module] | None = nn.ReLU, inplace: bool | None = None,
                 bias: bool = True, dropout: float = 0.0) -> None:
        params = {} if inplace is None else {"inplace": inplace}
        layers = []
        in_dim = in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers.append(nn.Linear(in_dim, hidden_dim, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden_dim))
            layers.append(activation_layer(**params))
            layers.append(nn.Dropout(dropout, **params))
            in_dim = hidden_dim
        layers.append(nn.Linear(in_dim, hidden_channels[-1], bias=bias))
        layers.append(nn.Dropout(dropout, **params))
        super().__init__(*layers)
