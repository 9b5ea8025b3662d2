"""RoIAlign (He et al., 2017, Mask R-CNN): bilinear pooling of image regions to a fixed size."""
from __future__ import annotations

import numpy as np

from ... import nn
from ...functional import cat, matmul
from ...tensor import Tensor, _make

__all__ = ["roi_align", "RoIAlign"]


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, np.integer)) else (int(value[0]), int(value[1]))


def _rois_array(boxes) -> np.ndarray:
    """(K, 5) rows of (batch index, x1, y1, x2, y2) from a tensor of them or a list of (L, 4) tensors."""
    if isinstance(boxes, (list, tuple)):
        rows = []
        for index, per_image in enumerate(boxes):
            array = per_image.detach().numpy(force=True).astype(np.float64)
            if array.ndim != 2 or array.shape[1] != 4:
                raise ValueError(f"boxes[{index}] should be of shape (L, 4), got {array.shape}")
            rows.append(np.concatenate([np.full((len(array), 1), index, np.float64), array], axis=1))
        return np.concatenate(rows) if rows else np.zeros((0, 5))
    if not isinstance(boxes, Tensor):
        raise TypeError("boxes should be a Tensor[K, 5] or a list of Tensor[L, 4]")
    array = boxes.detach().numpy(force=True).astype(np.float64)
    if array.ndim != 2 or array.shape[1] != 5:
        raise ValueError(f"boxes should be of shape (K, 5), got {array.shape}")
    return array


def _axis_weights(start: np.ndarray, extent: np.ndarray, bins: int, grid: np.ndarray, size: int) -> np.ndarray:
    """(K, bins, size): how much each input row (or column) contributes to each output bin, summing
    torchvision's bilinear taps over the ``grid`` samples of the bin and dividing by their number."""
    count = len(start)
    weights = np.zeros((count, bins, size))
    bin_size = extent / bins
    for k in range(count):
        samples = int(grid[k])
        offsets = (np.arange(samples) + 0.5) / samples
        coords = start[k] + (np.arange(bins)[:, None] + offsets[None, :]) * bin_size[k]   # (bins, samples)
        valid = (coords >= -1.0) & (coords <= size)
        coords = np.clip(coords, 0.0, None)
        low = np.floor(coords).astype(np.int64)
        at_edge = low >= size - 1
        low = np.where(at_edge, size - 1, low)
        high = np.where(at_edge, size - 1, low + 1)
        coords = np.where(at_edge, low, coords)
        frac = coords - low
        rows = np.repeat(np.arange(bins), samples)
        np.add.at(weights[k], (rows, low.ravel()), ((1.0 - frac) * valid).ravel() / samples)
        np.add.at(weights[k], (rows, high.ravel()), (frac * valid).ravel() / samples)
    return weights


def roi_align(input: Tensor, boxes, output_size, spatial_scale: float = 1.0, sampling_ratio: int = -1,
              aligned: bool = False) -> Tensor:
    """Average of bilinearly sampled points in each bin of each region (torchvision's RoIAlign).

    Args:
        input: (N, C, H, W) feature maps.
        boxes: (K, 5) rows of (batch index, x1, y1, x2, y2), or a list of (L, 4) boxes per image.
        output_size: (height, width) of each pooled region, or an int.
        spatial_scale: multiplies the box coordinates (1 / stride of the feature map).
        sampling_ratio: samples per bin along each axis; <= 0: ``ceil(region / output)`` per region.
        aligned: shift boxes by -0.5 pixel so that pixel centres line up (Detectron2's RoIAlignV2).

    Returns:
        (K, C, output_height, output_width). Differentiable with respect to ``input``.

    The sampling is separable, so each region is two matrix products with (output, H) and
    (output, W) weight matrices built on the host.
    """
    if not isinstance(input, Tensor) or input.ndim != 4:
        raise ValueError(f"input should be a (N, C, H, W) tensor, got {getattr(input, 'shape', type(input))}")
    pooled_h, pooled_w = _pair(output_size)
    rois = _rois_array(boxes)
    _, channels, height, width = input.shape
    if len(rois) == 0:
        return input.new_zeros((0, channels, pooled_h, pooled_w))
    batch_index = rois[:, 0].astype(np.int64)
    if batch_index.min() < 0 or batch_index.max() >= input.shape[0]:
        raise IndexError(f"box batch indices must lie in [0, {input.shape[0]}), got {batch_index.min()}.."
                         f"{batch_index.max()}")
    offset = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (rois[:, i] * spatial_scale - offset for i in range(1, 5))
    roi_w, roi_h = x2 - x1, y2 - y1
    if not aligned:
        roi_w, roi_h = np.maximum(roi_w, 1.0), np.maximum(roi_h, 1.0)
    if sampling_ratio > 0:
        grid_h = grid_w = np.full(len(rois), sampling_ratio)
    else:
        grid_h = np.ceil(roi_h / pooled_h).astype(np.int64)
        grid_w = np.ceil(roi_w / pooled_w).astype(np.int64)
    dtype = input.dtype.np
    weights_y = _axis_weights(y1, roi_h, pooled_h, np.maximum(grid_h, 1), height) * (grid_h > 0)[:, None, None]
    weights_x = _axis_weights(x1, roi_w, pooled_w, np.maximum(grid_w, 1), width) * (grid_w > 0)[:, None, None]
    outputs, order = [], []
    for image in np.unique(batch_index):
        chosen = np.nonzero(batch_index == image)[0]
        features = input[int(image)]                                              # (C, H, W)
        wy = _make(weights_y[chosen].reshape(-1, height).astype(dtype))           # (k * ph, H)
        rows = matmul(wy, features.permute(1, 0, 2).reshape(height, channels * width))
        rows = rows.reshape(len(chosen), pooled_h, channels, width).permute(0, 2, 1, 3)   # (k, C, ph, W)
        wx = _make(np.ascontiguousarray(weights_x[chosen].transpose(0, 2, 1)).astype(dtype))[:, None]
        outputs.append(matmul(rows, wx))                                          # (k, C, ph, pw)
        order.append(chosen)
    result = outputs[0] if len(outputs) == 1 else cat(outputs, dim=0)
    permutation = np.concatenate(order)
    if (permutation != np.arange(len(permutation))).any():
        result = result[_make(np.argsort(permutation).astype(np.int64))]
    return result


class RoIAlign(nn.Module):
    """Module form of :func:`roi_align`."""

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int, aligned: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois) -> Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned}")
