"""MobileNetV2 (Sandler et al., 2018) with torchvision's constructor arguments and keys."""
from __future__ import annotations

from typing import Callable

from ... import nn
from ..ops.misc import Conv2dNormActivation
from ._api import (Weights, WeightsEnum, _image_classification, _load_weights, _override_num_classes, _register,
                   _weights_for)
from ._meta import IMAGENET_CATEGORIES

__all__ = ["MobileNetV2", "InvertedResidual", "mobilenet_v2", "MobileNet_V2_Weights"]


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% below ``v``."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class InvertedResidual(nn.Module):
    """1×1 expansion (ReLU6), 3×3 depthwise (ReLU6), linear 1×1 projection; a shortcut when shapes allow."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        norm_layer = norm_layer or nn.BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers += [Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                        norm_layer=norm_layer, activation_layer=nn.ReLU6),
                   nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False), norm_layer(oup)]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2: a strided stem, 17 inverted-residual blocks, a 1×1 convolution to 1280 channels.

    Args:
        num_classes: outputs. Default: 1000.
        width_mult: multiplies every layer's channels. Default: 1.0.
        inverted_residual_setting: rows of (expansion t, channels c, repeats n, stride s).
        round_nearest: channel counts are rounded to multiples of this. Default: 8.
        block: the residual block class. Default: :class:`InvertedResidual`.
        norm_layer: default ``nn.BatchNorm2d``.
        dropout: before the classifier. Default: 0.2.

    Shape:
        - Input: :math:`(N, 3, H, W)`.
        - Output: :math:`(N, \\text{num\\_classes})`.
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: list[list[int]] | None = None, round_nearest: int = 8,
                 block: Callable[..., nn.Module] | None = None, norm_layer: Callable[..., nn.Module] | None = None,
                 dropout: float = 0.2) -> None:
        super().__init__()
        block = block or InvertedResidual
        norm_layer = norm_layer or nn.BatchNorm2d
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                                         [6, 160, 3, 2], [6, 320, 1, 1]]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(f"inverted_residual_setting should be non-empty or a 4-element list, got "
                             f"{inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: list[nn.Module] = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                                          activation_layer=nn.ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(x.flatten(1))


_COMMON_META = {"num_params": 3504872, "min_size": (1, 1), "categories": IMAGENET_CATEGORIES}


class MobileNet_V2_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
        transforms=_image_classification(crop_size=224),
        meta={**_COMMON_META, "recipe": "https://github.com/pytorch/vision/tree/main/references/classification"
                                        "#mobilenetv2"})
    IMAGENET1K_V2 = Weights(
        url="https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth",
        transforms=_image_classification(crop_size=224, resize_size=232),
        meta={**_COMMON_META, "recipe": "https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning"})
    DEFAULT = IMAGENET1K_V2


def mobilenet_v2(*, weights: MobileNet_V2_Weights | str | None = None, progress: bool = True,
                 **kwargs) -> MobileNetV2:
    """MobileNetV2 (`Inverted Residuals and Linear Bottlenecks <https://arxiv.org/abs/1801.04381>`_).

    Args:
        weights: a :class:`MobileNet_V2_Weights` entry (or its name); ``None`` for random init.
        progress: show a progress bar while downloading.
        **kwargs: passed to :class:`MobileNetV2`.
    """
    weights = _weights_for(weights, MobileNet_V2_Weights, "mobilenet_v2")
    _override_num_classes(kwargs, weights)
    return _load_weights(MobileNetV2(**kwargs), weights, progress)


_register("mobilenet_v2", MobileNet_V2_Weights)
