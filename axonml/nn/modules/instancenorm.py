"""Instance normalisation: InstanceNorm1d, InstanceNorm2d, InstanceNorm3d."""
from __future__ import annotations

import warnings

from ...tensor import Tensor
from .. import functional as F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _spatial_dims = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        if local_metadata.get("version", None) is None and not self.track_running_stats:
            # checkpoints from before running stats became optional carry buffers this module lacks
            keys = [prefix + name for name in ("running_mean", "running_var") if prefix + name in state_dict]
            if keys:
                names = " and ".join(f'"{k}"' for k in keys)
                klass = type(self).__name__
                error_msgs.append(
                    f"Unexpected running stats buffer(s) {names} for {klass} with track_running_stats=False. If "
                    "state_dict is a checkpoint saved before 0.4.0, this may be expected because "
                    f"{klass} does not track running stats by default since 0.4.0. Please remove these keys from "
                    f"state_dict. If the running stats are actually needed, instead set track_running_stats=True "
                    f"in {klass} to enable them. See the documentation of {klass} for details.")
                for key in keys:
                    state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, input: Tensor) -> Tensor:
        unbatched = self._spatial_dims + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise ValueError(f"expected {unbatched}D or {unbatched + 1}D input (got {input.dim()}D input)")
        feature_dim = input.dim() - unbatched
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        if input.dim() == unbatched:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    r"""Normalise each channel of each sample over its length: input (N, C, L) or (C, L).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: weight of the new statistics in the running averages. Default: 0.1.
        affine: learn a per-channel weight and bias. Default: ``False``.
        track_running_stats: keep running mean and variance, used in eval mode. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the shape of the input.

    Example::

        >>> nn.InstanceNorm1d(100)(axonml.randn(20, 100, 40)).shape
        axonml.Size([20, 100, 40])
    """

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    r"""Normalise each channel of each sample over its height and width: input (N, C, H, W) or (C, H, W).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: weight of the new statistics in the running averages. Default: 0.1.
        affine: learn a per-channel weight and bias. Default: ``False``.
        track_running_stats: keep running mean and variance, used in eval mode. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the shape of the input.

    Example::

        >>> nn.InstanceNorm2d(100, affine=True)(axonml.randn(20, 100, 35, 45)).shape
        axonml.Size([20, 100, 35, 45])
    """

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    r"""Normalise each channel of each sample over its depth, height and width: input (N, C, D, H, W) or (C, D, H, W).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: weight of the new statistics in the running averages. Default: 0.1.
        affine: learn a per-channel weight and bias. Default: ``False``.
        track_running_stats: keep running mean and variance, used in eval mode. Default: ``False``.

    Shape:
        - Input: (N, C, D, H, W) or (C, D, H, W); Output: the same shape.

    Example::

        >>> nn.InstanceNorm3d(4, affine=True)(axonml.randn(2, 4, 3, 5, 5)).shape
        axonml.Size([2, 4, 3, 5, 5])
    """

    _spatial_dims = 3
