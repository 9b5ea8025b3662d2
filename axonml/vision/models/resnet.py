"""ResNet (He et al., 2015) with torchvision's constructor arguments and state-dict keys."""
from __future__ import annotations

from typing import Callable

from ... import nn
from ._api import (Weights, WeightsEnum, _image_classification, _load_weights, _override_num_classes, _register,
                   _weights_for)
from ._meta import IMAGENET_CATEGORIES

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101",
           "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convolutions and a shortcut (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3 (carrying the stride, as torchvision's V1.5), 1×1 expand, and a shortcut."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A residual network: a 7×7 stem, four stages of blocks, global average pooling and a classifier.

    Args:
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        layers: the number of blocks in each of the four stages.
        num_classes: outputs of the final ``fc`` layer. Default: 1000.
        zero_init_residual: start each block's last batch norm at zero, so blocks begin as identities.
        groups, width_per_group: grouped (ResNeXt-style) bottlenecks.
        replace_stride_with_dilation: per stage 2-4, dilate instead of striding.
        norm_layer: the normalisation layer. Default: ``nn.BatchNorm2d``.

    Shape:
        - Input: :math:`(N, 3, H, W)`, H and W at least 32 (any size: the pooling is adaptive).
        - Output: :math:`(N, \\text{num\\_classes})`.

    Example::

        >>> model = axonml.vision.models.resnet18(num_classes=10)
        >>> model(axonml.randn(2, 3, 64, 64)).shape
        axonml.Size([2, 10])
    """

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: list[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: list[bool] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        self._norm_layer = norm_layer or nn.BatchNorm2d
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1, dilate: bool = False) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


_COMMON_META = {"min_size": (1, 1), "categories": IMAGENET_CATEGORIES,
                "recipe": "https://github.com/pytorch/vision/tree/main/references/classification"}


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/resnet18-f37072fd.pth",
                            transforms=_image_classification(crop_size=224),
                            meta={**_COMMON_META, "num_params": 11689512,
                                  "_metrics": {"ImageNet-1K": {"acc@1": 69.758, "acc@5": 89.078}}})
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/resnet34-b627a593.pth",
                            transforms=_image_classification(crop_size=224),
                            meta={**_COMMON_META, "num_params": 21797672,
                                  "_metrics": {"ImageNet-1K": {"acc@1": 73.314, "acc@5": 91.420}}})
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/resnet50-0676ba61.pth",
                            transforms=_image_classification(crop_size=224),
                            meta={**_COMMON_META, "num_params": 25557032,
                                  "_metrics": {"ImageNet-1K": {"acc@1": 76.130, "acc@5": 92.862}}})
    IMAGENET1K_V2 = Weights(url="https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
                            transforms=_image_classification(crop_size=224, resize_size=232),
                            meta={**_COMMON_META, "num_params": 25557032,
                                  "_metrics": {"ImageNet-1K": {"acc@1": 80.858, "acc@5": 95.434}}})
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/resnet101-63fe2227.pth",
                            transforms=_image_classification(crop_size=224),
                            meta={**_COMMON_META, "num_params": 44549160,
                                  "_metrics": {"ImageNet-1K": {"acc@1": 77.374, "acc@5": 93.546}}})
    IMAGENET1K_V2 = Weights(url="https://download.pytorch.org/models/resnet101-cd907fc2.pth",
                            transforms=_image_classification(crop_size=224, resize_size=232),
                            meta={**_COMMON_META, "num_params": 44549160,
                                  "_metrics": {"ImageNet-1K": {"acc@1": 81.886, "acc@5": 95.780}}})
    DEFAULT = IMAGENET1K_V2


def _resnet(name, block, layers, weights, weights_enum, progress, kwargs) -> ResNet:
    weights = _weights_for(weights, weights_enum, name)
    _override_num_classes(kwargs, weights)
    return _load_weights(ResNet(block, layers, **kwargs), weights, progress)


def resnet18(*, weights: ResNet18_Weights | str | None = None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-18 (`Deep Residual Learning for Image Recognition <https://arxiv.org/abs/1512.03385>`_).

    Args:
        weights: a :class:`ResNet18_Weights` entry (or its name) to load; ``None`` for random init.
        progress: show a progress bar while downloading.
        **kwargs: passed to :class:`ResNet` (``num_classes``, ``zero_init_residual`` ...).
    """
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, ResNet18_Weights, progress, kwargs)


def resnet34(*, weights: ResNet34_Weights | str | None = None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-34; arguments as :func:`resnet18`."""
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, ResNet34_Weights, progress, kwargs)


def resnet50(*, weights: ResNet50_Weights | str | None = None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-50 (bottleneck blocks); arguments as :func:`resnet18`."""
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, ResNet50_Weights, progress, kwargs)


def resnet101(*, weights: ResNet101_Weights | str | None = None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-101 (bottleneck blocks); arguments as :func:`resnet18`."""
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, ResNet101_Weights, progress, kwargs)


for _name, _enum in (("resnet18", ResNet18_Weights), ("resnet34", ResNet34_Weights), ("resnet50", ResNet50_Weights),
                     ("resnet101", ResNet101_Weights)):
    _register(_name, _enum)
