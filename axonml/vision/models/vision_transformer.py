"""Vision Transformer (Dosovitskiy et al., 2020) with torchvision's constructor arguments and keys."""
from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial
from typing import Callable

from ... import creation, nn
from ...functional import cat
from ..ops.misc import MLP
from ._api import (Weights, WeightsEnum, _image_classification, _load_weights, _override_num_classes, _register,
                   _weights_for)
from ._meta import IMAGENET_CATEGORIES

__all__ = ["VisionTransformer", "vit_b_16", "vit_b_32", "ViT_B_16_Weights", "ViT_B_32_Weights"]


class MLPBlock(MLP):
    """The transformer's feed-forward block: Linear, GELU, Dropout, Linear, Dropout."""

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm transformer layer: ``x + attention(ln_1(x))``, then ``x + mlp(ln_2(x))``."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer: Callable[..., nn.Module] = partial(nn.LayerNorm, eps=1e-6)) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout,
                                                    batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        if input.ndim != 3:
            raise ValueError(f"Expected (batch_size, seq_length, hidden_dim) got {tuple(input.shape)}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """Learned position embeddings, a stack of :class:`EncoderBlock` and a final LayerNorm."""

    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float, attention_dropout: float,
                 norm_layer: Callable[..., nn.Module] = partial(nn.LayerNorm, eps=1e-6)) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(creation.empty(1, seq_length, hidden_dim))
        nn.init.normal_(self.pos_embedding, std=0.02)
        self.dropout = nn.Dropout(dropout)
        layers = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                                                        norm_layer)
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        if input.ndim != 3:
            raise ValueError(f"Expected (batch_size, seq_length, hidden_dim) got {tuple(input.shape)}")
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """A Vision Transformer: non-overlapping patches embedded by a strided convolution, a class
    token, a transformer encoder and a classification head on the class token.

    Args:
        image_size: height and width of the (square) input.
        patch_size: side of a patch; ``image_size`` must be divisible by it.
        num_layers, num_heads, hidden_dim, mlp_dim: the encoder's size.
        dropout, attention_dropout: dropout probabilities. Default: 0.0.
        num_classes: outputs. Default: 1000.
        representation_size: a Tanh pre-logits layer of this width before the head (``None``: none).
        norm_layer: default ``LayerNorm(eps=1e-6)``.

    Shape:
        - Input: :math:`(N, 3, \\text{image\\_size}, \\text{image\\_size})`.
        - Output: :math:`(N, \\text{num\\_classes})`.
    """

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000,
                 representation_size: int | None = None,
                 norm_layer: Callable[..., nn.Module] = partial(nn.LayerNorm, eps=1e-6)) -> None:
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError("Input shape indivisible by patch size!")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.norm_layer = norm_layer
        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1
        self.class_token = nn.Parameter(creation.zeros(1, 1, hidden_dim))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                               norm_layer)
        self.seq_length = seq_length
        heads = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)

        fan_in = self.conv_proj.in_channels * self.conv_proj.kernel_size[0] * self.conv_proj.kernel_size[1]
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        if representation_size is not None:
            pre_logits = self.heads.pre_logits
            nn.init.trunc_normal_(pre_logits.weight, std=math.sqrt(1 / pre_logits.in_features))
            nn.init.zeros_(pre_logits.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        n, c, h, w = x.shape
        if h != self.image_size or w != self.image_size:
            raise ValueError(f"Wrong image size: expected {self.image_size}x{self.image_size}, got {h}x{w}")
        patches = (h // self.patch_size) * (w // self.patch_size)
        return self.conv_proj(x).reshape(n, self.hidden_dim, patches).permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        batch_class_token = self.class_token.expand(x.shape[0], -1, -1)
        x = self.encoder(cat([batch_class_token, x], dim=1))
        return self.heads(x[:, 0])


def _vision_transformer(name, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, weights, weights_enum,
                        progress, kwargs) -> VisionTransformer:
    weights = _weights_for(weights, weights_enum, name)
    _override_num_classes(kwargs, weights)
    if weights is not None:
        expected = weights.meta["min_size"][0]
        if kwargs.get("image_size", expected) != expected:
            raise ValueError(f"The parameter 'image_size' expected value {expected} but got {kwargs['image_size']} "
                             f"instead.")
        kwargs["image_size"] = expected
    image_size = kwargs.pop("image_size", 224)
    model = VisionTransformer(image_size=image_size, patch_size=patch_size, num_layers=num_layers,
                              num_heads=num_heads, hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs)
    return _load_weights(model, weights, progress)


_COMMON_META = {"categories": IMAGENET_CATEGORIES, "min_size": (224, 224)}


class ViT_B_16_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vit_b_16-c867db91.pth",
        transforms=_image_classification(crop_size=224),
        meta={**_COMMON_META, "num_params": 86567656,
              "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#vit_b_16"})
    DEFAULT = IMAGENET1K_V1


class ViT_B_32_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/vit_b_32-d86f8d99.pth",
        transforms=_image_classification(crop_size=224),
        meta={**_COMMON_META, "num_params": 88224232,
              "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#vit_b_32"})
    DEFAULT = IMAGENET1K_V1


def vit_b_16(*, weights: ViT_B_16_Weights | str | None = None, progress: bool = True,
             **kwargs) -> VisionTransformer:
    """ViT-B/16 (`An Image is Worth 16x16 Words <https://arxiv.org/abs/2010.11929>`_): 12 layers,
    12 heads, width 768, MLP 3072, 16×16 patches.

    Args:
        weights: a :class:`ViT_B_16_Weights` entry (or its name); ``None`` for random init.
        progress: show a progress bar while downloading.
        **kwargs: passed to :class:`VisionTransformer` (``image_size`` (default 224), ``num_classes`` ...).
    """
    return _vision_transformer("vit_b_16", 16, 12, 12, 768, 3072, weights, ViT_B_16_Weights, progress, kwargs)


def vit_b_32(*, weights: ViT_B_32_Weights | str | None = None, progress: bool = True,
             **kwargs) -> VisionTransformer:
    """ViT-B/32: as :func:`vit_b_16` with 32×32 patches."""
    return _vision_transformer("vit_b_32", 32, 12, 12, 768, 3072, weights, ViT_B_32_Weights, progress, kwargs)


_register("vit_b_16", ViT_B_16_Weights)
_register("vit_b_32", ViT_B_32_Weights)
