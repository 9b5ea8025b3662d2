"""Box operations (torchvision.ops.boxes' names): IoU, non-maximum suppression, conversions.

Boxes are (N, 4) tensors in (x1, y1, x2, y2) form unless a function says otherwise. The IoU
functions are composed of axonml ops, so they are differentiable; NMS returns indices.
"""
from __future__ import annotations

import numpy as np

from ... import functional as _f
from ...tensor import Tensor, _make

__all__ = ["box_area", "box_iou", "generalized_box_iou", "nms", "batched_nms", "box_convert", "clip_boxes_to_image",
           "remove_small_boxes"]


def _check_boxes(boxes, name: str = "boxes") -> None:
    if not isinstance(boxes, Tensor):
        raise TypeError(f"{name} should be a Tensor, got {type(boxes).__name__}")
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} should be of shape (N, 4), got {tuple(boxes.shape)}")


def box_area(boxes: Tensor) -> Tensor:
    """Areas of (x1, y1, x2, y2) boxes: (x2 - x1) * (y2 - y1)."""
    _check_boxes(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _box_inter_union(boxes1: Tensor, boxes2: Tensor):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = _f.maximum(boxes1[:, None, :2], boxes2[:, :2])
    rb = _f.minimum(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, area1[:, None] + area2 - inter


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Intersection over union of every pair: an (N, M) tensor.

    Example::

        >>> box_iou(axonml.tensor([[0., 0., 2., 2.]]), axonml.tensor([[1., 1., 3., 3.]]))
        tensor([[0.1429]])
    """
    _check_boxes(boxes1, "boxes1")
    _check_boxes(boxes2, "boxes2")
    inter, union = _box_inter_union(boxes1, boxes2)
    return inter / union


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Generalized IoU (Rezatofighi et al., 2019) of every pair: IoU minus the share of the smallest
    enclosing box that the union leaves empty. (N, M), in [-1, 1]."""
    _check_boxes(boxes1, "boxes1")
    _check_boxes(boxes2, "boxes2")
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    lt = _f.minimum(boxes1[:, None, :2], boxes2[:, :2])
    rb = _f.maximum(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    enclosing = wh[:, :, 0] * wh[:, :, 1]
    return iou - (enclosing - union) / enclosing


def _iou_rows(boxes: np.ndarray, index: int, others: np.ndarray) -> np.ndarray:
    box, rest = boxes[index], boxes[others]
    width = np.clip(np.minimum(box[2], rest[:, 2]) - np.maximum(box[0], rest[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], rest[:, 3]) - np.maximum(box[1], rest[:, 1]), 0, None)
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1])
    return inter / (area + areas - inter)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-maximum suppression: keep the best-scoring box, drop the boxes that overlap it with
    IoU > ``iou_threshold``, repeat.

    Args:
        boxes: (N, 4) boxes (x1, y1, x2, y2), 0 <= x1 < x2 and 0 <= y1 < y2.
        scores: (N,) scores.
        iou_threshold: boxes with a larger IoU than this with a kept box are discarded.

    Returns:
        int64 indices of the kept boxes, by decreasing score.
    """
    _check_boxes(boxes)
    if not isinstance(scores, Tensor) or scores.ndim != 1 or scores.shape[0] != boxes.shape[0]:
        raise ValueError(f"scores should be a 1-D tensor with one score per box; got "
                         f"{getattr(scores, 'shape', type(scores))} for {boxes.shape[0]} boxes")
    box_array = boxes.detach().numpy(force=True).astype(np.float64)
    order = np.argsort(-scores.detach().numpy(force=True), kind="stable")
    keep = []
    while order.size:
        best = order[0]
        keep.append(best)
        if order.size == 1:
            break
        order = order[1:][_iou_rows(box_array, best, order[1:]) <= iou_threshold]
    return _make(np.asarray(keep, dtype=np.int64))


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """:func:`nms` within each category ``idxs`` (boxes of different categories never suppress each
    other). Returns the kept indices by decreasing score."""
    _check_boxes(boxes)
    if boxes.shape[0] == 0:
        return _make(np.zeros(0, np.int64))
    box_array = boxes.detach().numpy(force=True).astype(np.float64)
    categories = idxs.detach().numpy(force=True).astype(np.float64)
    # shift each category's boxes to their own region of the plane
    offsets = categories * (box_array.max() + 1)
    return nms(_make(box_array + offsets[:, None]), scores, iou_threshold)


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert between ``"xyxy"`` (corners), ``"xywh"`` (corner, size) and ``"cxcywh"`` (centre, size)."""
    formats = ("xyxy", "xywh", "cxcywh")
    if in_fmt not in formats or out_fmt not in formats:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    _check_boxes(boxes)
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return _f.stack((a, b, c, d), dim=-1)


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Clip (x1, y1, x2, y2) boxes to an image of ``size`` (height, width)."""
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return _f.stack((x[..., 0], y[..., 0], x[..., 1], y[..., 1]), dim=-1)


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the boxes whose sides are both at least ``min_size``."""
    _check_boxes(boxes)
    array = boxes.detach().numpy(force=True)
    keep = ((array[:, 2] - array[:, 0]) >= min_size) & ((array[:, 3] - array[:, 1]) >= min_size)
    return _make(np.nonzero(keep)[0].astype(np.int64))
