"""Vision models built from axonml.nn, with torchvision's builders, arguments and state-dict keys."""
from ._api import Weights, WeightsEnum, get_model_weights, get_weight
from .efficientnet import EfficientNet, EfficientNet_B0_Weights, efficientnet_b0
from .lenet import LeNet, lenet
from .mlp import MLP
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from .resnet import (ResNet, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, ResNet101_Weights, resnet18,
                     resnet34, resnet50, resnet101)
from .simplecnn import SimpleCNN
from .vgg import (VGG, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights, VGG13_Weights, VGG16_BN_Weights,
                  VGG16_Weights, VGG19_BN_Weights, VGG19_Weights, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn,
                  vgg19, vgg19_bn)
from .vision_transformer import ViT_B_16_Weights, ViT_B_32_Weights, VisionTransformer, vit_b_16, vit_b_32

__all__ = ["LeNet", "lenet", "SimpleCNN", "MLP", "Weights", "WeightsEnum", "get_model_weights", "get_weight",
           "ResNet", "resnet18", "resnet34", "resnet50", "resnet101", "ResNet18_Weights", "ResNet34_Weights",
           "ResNet50_Weights", "ResNet101_Weights", "VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "VisionTransformer", "vit_b_16",
           "vit_b_32", "ViT_B_16_Weights", "ViT_B_32_Weights", "MobileNetV2", "mobilenet_v2", "MobileNet_V2_Weights",
           "EfficientNet", "efficientnet_b0", "EfficientNet_B0_Weights"]
