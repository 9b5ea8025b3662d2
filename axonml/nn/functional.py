"""The functional API PyTorch users import as ``F``: every layer's and loss's math, without parameters.

Nothing is defined here: each name is the op from axonml/ops that holds the math, its
forward and its backward.

Example::

    >>> import axonml.nn.functional as F
    >>> loss = F.cross_entropy(F.linear(x, w, b), labels, label_smoothing=0.1)
"""
from ..ops import composite_loss as _composite_loss
from ..ops import conv as _conv
from ..ops import pool as _pool
from ..ops.attention import scaled_dot_product_attention
from ..ops.composite_loss import *  # noqa: F401,F403 - margin, ranking and embedding losses
from ..ops.conv import *  # noqa: F401,F403 - conv1d, conv2d, ... as ops/conv.py exports them
from ..ops.distance import pairwise_distance, pdist
from ..ops.activation import (celu, celu_, elu, elu_, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh,
                              hardtanh_, leaky_relu, leaky_relu_, logsigmoid, mish, prelu, relu, relu6, rrelu, rrelu_,
                              selu, selu_, silu, softplus, softshrink, softsign, tanhshrink, threshold, threshold_)
from ..ops.aliases import relu_
from ..ops.elementwise import sigmoid, tanh
from ..ops.linalg import bilinear, linear
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,
                        l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from ..ops.nn import (alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, embedding, embedding_bag,
                      feature_alpha_dropout, cosine_similarity, gumbel_softmax, log_softmax, normalize, one_hot, pad,
                      softmax, softmin)
from ..ops.ctc import ctc_loss
from ..ops.grid import affine_grid, grid_sample
from ..ops.interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest
from ..ops.norm import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm, rms_norm
from ..ops.pool import *  # noqa: F401,F403 - max_pool2d, avg_pool2d, ... as ops/pool.py exports them
from ..ops.rearrange import channel_shuffle, native_channel_shuffle, pixel_shuffle, pixel_unshuffle

__all__ = [
    # linear and convolution
    "linear", "bilinear", *_conv.__all__,
    # pooling
    *_pool.__all__,
    # activations
    "relu", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "leaky_relu", "softplus", "hardtanh",
    "hardsigmoid", "hardswish", "sigmoid", "tanh", "logsigmoid", "softmax", "log_softmax", "softmin",
    "threshold", "glu", "hardshrink", "softshrink", "softsign", "tanhshrink", "prelu", "rrelu",
    "relu_", "elu_", "selu_", "celu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu_",
    # dropout
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    # sparse and attention
    "embedding", "embedding_bag", "one_hot", "scaled_dot_product_attention", "normalize", "cosine_similarity",
    "gumbel_softmax",
    # normalisation
    "layer_norm", "batch_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm",
    # padding and resampling
    "pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "affine_grid", "grid_sample",
    # losses
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "ctc_loss", *_composite_loss.__all__,
    # distances and channel rearrangements
    "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
]
