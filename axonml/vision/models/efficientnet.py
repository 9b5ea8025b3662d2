"""EfficientNet-B0 (Tan & Le, 2019) with torchvision's constructor arguments and keys."""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import partial
from typing import Callable, Sequence

from ... import nn
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ..ops.stochastic_depth import StochasticDepth
from ..transforms.functional import InterpolationMode
from ._api import (Weights, WeightsEnum, _image_classification, _load_weights, _override_num_classes, _register,
                   _weights_for)
from ._meta import IMAGENET_CATEGORIES
from .mobilenetv2 import _make_divisible

__all__ = ["EfficientNet", "MBConv", "MBConvConfig", "efficientnet_b0", "EfficientNet_B0_Weights"]


@dataclass
class MBConvConfig:
    """One stage of MBConv blocks: expansion, kernel, stride, channels in and out, number of blocks."""

    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: Callable[..., nn.Module]

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, width_mult: float = 1.0, depth_mult: float = 1.0,
                 block: Callable[..., nn.Module] | None = None) -> None:
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.num_layers = int(math.ceil(num_layers * depth_mult))
        self.block = block or MBConv

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConv(nn.Module):
    """Mobile inverted bottleneck: 1×1 expansion, depthwise k×k, squeeze-excitation, 1×1 projection
    (SiLU activations), with stochastic depth on the shortcut."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer: Callable[..., nn.Module],
                 se_layer: Callable[..., nn.Module] = SqueezeExcitation) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers: list[nn.Module] = []
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded_channels, squeeze_channels, activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, x):
        result = self.block(x)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + x
        return result


class EfficientNet(nn.Module):
    """EfficientNet: a stem, stages of MBConv blocks, a 1×1 head convolution, pooling and a classifier.

    Args:
        inverted_residual_setting: the stages (:class:`MBConvConfig`).
        dropout: before the classifier.
        stochastic_depth_prob: the largest drop probability (it grows linearly with depth). Default: 0.2.
        num_classes: outputs. Default: 1000.
        norm_layer: default ``nn.BatchNorm2d``.
        last_channel: channels of the head convolution (default: 4× the last stage's).

    Shape:
        - Input: :math:`(N, 3, H, W)`.
        - Output: :math:`(N, \\text{num\\_classes})`.
    """

    def __init__(self, inverted_residual_setting: Sequence[MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 norm_layer: Callable[..., nn.Module] | None = None, last_channel: int | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        layers: list[nn.Module] = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels, kernel_size=3,
                                                        stride=2, norm_layer=norm_layer, activation_layer=nn.SiLU)]
        total_stage_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        stage_block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_input_channels = inverted_residual_setting[-1].out_channels
        lastconv_output_channels = last_channel if last_channel is not None else 4 * lastconv_input_channels
        layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(lastconv_output_channels, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init_range = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -init_range, init_range)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/efficientnet_b0_rwightman-7f5810bc.pth",
        transforms=_image_classification(crop_size=224, resize_size=256, interpolation=InterpolationMode.BICUBIC),
        meta={"num_params": 5288548, "min_size": (1, 1), "categories": IMAGENET_CATEGORIES,
              "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v1"})
    DEFAULT = IMAGENET1K_V1


def efficientnet_b0(*, weights: EfficientNet_B0_Weights | str | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B0 (`Rethinking Model Scaling for CNNs <https://arxiv.org/abs/1905.11946>`_).

    Args:
        weights: a :class:`EfficientNet_B0_Weights` entry (or its name); ``None`` for random init.
        progress: show a progress bar while downloading.
        **kwargs: passed to :class:`EfficientNet` (``num_classes``, ``stochastic_depth_prob``,
            ``dropout`` (default 0.2) ...).
    """
    weights = _weights_for(weights, EfficientNet_B0_Weights, "efficientnet_b0")
    _override_num_classes(kwargs, weights)
    bneck_conf = partial(MBConvConfig, width_mult=1.0, depth_mult=1.0)
    setting = [bneck_conf(1, 3, 1, 32, 16, 1), bneck_conf(6, 3, 2, 16, 24, 2), bneck_conf(6, 5, 2, 24, 40, 2),
               bneck_conf(6, 3, 2, 40, 80, 3), bneck_conf(6, 5, 1, 80, 112, 3), bneck_conf(6, 5, 2, 112, 192, 4),
               bneck_conf(6, 3, 1, 192, 320, 1)]
    dropout = kwargs.pop("dropout", 0.2)
    return _load_weights(EfficientNet(setting, dropout, **kwargs), weights, progress)


_register("efficientnet_b0", EfficientNet_B0_Weights)
