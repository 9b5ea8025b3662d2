"""VGG (Simonyan & Zisserman, 2014), with and without batch norm, with torchvision's keys."""
from __future__ import annotations

from ... import nn
from ._api import (Weights, WeightsEnum, _image_classification, _load_weights, _override_num_classes, _register,
                   _weights_for)
from ._meta import IMAGENET_CATEGORIES

__all__ = ["VGG", "make_layers", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
           "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
           "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights"]


class VGG(nn.Module):
    """A VGG network: ``features`` (3×3 convolutions and max pooling), 7×7 adaptive average pooling
    and a three-layer classifier.

    Args:
        features: the convolutional part (see :func:`make_layers`).
        num_classes: outputs. Default: 1000.
        init_weights: torchvision's initialisation (Kaiming convolutions, N(0, 0.01) linears).
        dropout: dropout in the classifier. Default: 0.5.

    Shape:
        - Input: :math:`(N, 3, H, W)`, H and W at least 32.
        - Output: :math:`(N, \\text{num\\_classes})`.
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def make_layers(cfg: list, batch_norm: bool = False) -> nn.Sequential:
    """The ``features`` of a VGG: an int is a 3×3 convolution to that many channels (then batch norm
    if asked, then ReLU), ``"M"`` a 2×2 max pooling."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


cfgs: dict[str, list] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}

_COMMON_META = {"min_size": (32, 32), "categories": IMAGENET_CATEGORIES,
                "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg"}


def _entry(file_name: str, num_params: int) -> Weights:
    return Weights(url=f"https://download.pytorch.org/models/{file_name}",
                   transforms=_image_classification(crop_size=224), meta={**_COMMON_META, "num_params": num_params})


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg11-8a719046.pth", 132863336)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg11_bn-6002323d.pth", 132868840)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg13-19584684.pth", 133047848)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg13_bn-abd245e5.pth", 133053736)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg16-397923af.pth", 138357544)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg16_bn-6c64b313.pth", 138365992)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg19-dcbb9e9d.pth", 143667240)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _entry("vgg19_bn-c79401a0.pth", 143678248)
    DEFAULT = IMAGENET1K_V1


def _vgg(name: str, cfg: str, batch_norm: bool, weights, weights_enum, progress: bool, kwargs) -> VGG:
    weights = _weights_for(weights, weights_enum, name)
    if weights is not None:
        kwargs["init_weights"] = False
    _override_num_classes(kwargs, weights)
    return _load_weights(VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), weights, progress)


def vgg11(*, weights: VGG11_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 (configuration "A", `Very Deep Convolutional Networks <https://arxiv.org/abs/1409.1556>`_).

    Args:
        weights: a weights entry (or its name) to load; ``None`` for random init.
        progress: show a progress bar while downloading.
        **kwargs: passed to :class:`VGG`.
    """
    return _vgg("vgg11", "A", False, weights, VGG11_Weights, progress, kwargs)


def vgg11_bn(*, weights: VGG11_BN_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg11_bn", "A", True, weights, VGG11_BN_Weights, progress, kwargs)


def vgg13(*, weights: VGG13_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-13 (configuration "B"); arguments as :func:`vgg11`."""
    return _vgg("vgg13", "B", False, weights, VGG13_Weights, progress, kwargs)


def vgg13_bn(*, weights: VGG13_BN_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-13 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg13_bn", "B", True, weights, VGG13_BN_Weights, progress, kwargs)


def vgg16(*, weights: VGG16_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-16 (configuration "D"); arguments as :func:`vgg11`."""
    return _vgg("vgg16", "D", False, weights, VGG16_Weights, progress, kwargs)


def vgg16_bn(*, weights: VGG16_BN_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-16 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg16_bn", "D", True, weights, VGG16_BN_Weights, progress, kwargs)


def vgg19(*, weights: VGG19_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-19 (configuration "E"); arguments as :func:`vgg11`."""
    return _vgg("vgg19", "E", False, weights, VGG19_Weights, progress, kwargs)


def vgg19_bn(*, weights: VGG19_BN_Weights | str | None = None, progress: bool = True, **kwargs) -> VGG:
    """VGG-19 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg19_bn", "E", True, weights, VGG19_BN_Weights, progress, kwargs)


for _name, _enum in (("vgg11", VGG11_Weights), ("vgg11_bn", VGG11_BN_Weights), ("vgg13", VGG13_Weights),
                     ("vgg13_bn", VGG13_BN_Weights), ("vgg16", VGG16_Weights), ("vgg16_bn", VGG16_BN_Weights),
                     ("vgg19", VGG19_Weights), ("vgg19_bn", VGG19_BN_Weights)):
    _register(_name, _enum)
