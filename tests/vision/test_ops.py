"""vision.ops: box IoU, NMS and RoIAlign against direct implementations of their definitions."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml.vision import ops


def random_boxes(rng, n, size=50.0):
    corner = rng.uniform(0, size, (n, 2))
    extent = rng.uniform(1, size / 2, (n, 2))
    return np.concatenate([corner, corner + extent], axis=1)


def iou_reference(a, b):
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            w = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
            h = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            inter = w * h
            out[i, j] = inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter)
    return out


def test_box_iou_and_its_gradient(rng):
    a, b = random_boxes(rng, 7), random_boxes(rng, 5)
    np.testing.assert_allclose(ops.box_iou(axonml.tensor(a), axonml.tensor(b)).numpy(), iou_reference(a, b), rtol=1e-12)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    lt = torch.max(ta[:, None, :2], tb[:, :2])
    rb = torch.min(ta[:, None, 2:], tb[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    (inter / (area(ta)[:, None] + area(tb) - inter)).sum().backward()
    xa, xb = axonml.tensor(a, requires_grad=True), axonml.tensor(b, requires_grad=True)
    ops.box_iou(xa, xb).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(xb.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-14)
    giou = ops.generalized_box_iou(axonml.tensor(a), axonml.tensor(a)).numpy()
    np.testing.assert_allclose(np.diag(giou), 1.0)
    assert (giou >= -1).all() and (giou <= 1).all()
    with pytest.raises(ValueError, match=r"shape \(N, 4\)"):
        ops.box_iou(axonml.zeros(3, 5), axonml.zeros(2, 4))


def nms_reference(boxes, scores, threshold):
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    keep, suppressed = [], set()
    for i in order:
        if i in suppressed:
            continue
        keep.append(i)
        for j in order:
            if j not in suppressed and j != i and iou_reference(boxes[i:i + 1], boxes[j:j + 1])[0, 0] > threshold:
                suppressed.add(j)
    return keep


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9])
def test_nms_matches_the_greedy_definition(rng, threshold):
    boxes = random_boxes(rng, 60, size=40)
    scores = rng.random(60)
    keep = ops.nms(axonml.tensor(boxes), axonml.tensor(scores), threshold)
    assert keep.dtype == axonml.int64
    assert keep.numpy().tolist() == nms_reference(boxes, scores, threshold)


def test_batched_nms_keeps_categories_apart(rng):
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [20, 20, 30, 30.]])
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    keep = ops.batched_nms(axonml.tensor(boxes), axonml.tensor(scores), axonml.tensor([0, 0, 1, 1]), 0.5)
    assert keep.numpy().tolist() == [0, 2, 3]
    assert ops.nms(axonml.tensor(boxes), axonml.tensor(scores), 0.5).numpy().tolist() == [0, 3]


def test_box_convert_round_trips_and_clipping(rng):
    boxes = axonml.tensor(random_boxes(rng, 6))
    for fmt in ("xywh", "cxcywh"):
        there = ops.box_convert(boxes, "xyxy", fmt)
        np.testing.assert_allclose(ops.box_convert(there, fmt, "xyxy").numpy(), boxes.numpy(), rtol=1e-12)
    xywh = ops.box_convert(boxes, "xyxy", "xywh").numpy()
    np.testing.assert_allclose(xywh[:, 2:], boxes.numpy()[:, 2:] - boxes.numpy()[:, :2])
    clipped = ops.clip_boxes_to_image(boxes, (30, 20)).numpy()
    assert clipped[:, 0::2].max() <= 20 and clipped[:, 1::2].max() <= 30
    small = ops.remove_small_boxes(axonml.tensor([[0, 0, 1, 5.], [0, 0, 5, 5]]), 2.0)
    assert small.numpy().tolist() == [1]


def bilinear(feature, y, x):
    height, width = feature.shape[-2:]
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return np.zeros(feature.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_high = y_low = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_high = x_low = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    return (hy * hx * feature[:, y_low, x_low] + hy * lx * feature[:, y_low, x_high]
            + ly * hx * feature[:, y_high, x_low] + ly * lx * feature[:, y_high, x_high])


def roi_align_reference(features, rois, pooled, scale, sampling_ratio, aligned):
    """torchvision's CPU RoIAlign, one sample point at a time."""
    ph, pw = pooled
    out = np.zeros((len(rois), features.shape[1], ph, pw))
    offset = 0.5 if aligned else 0.0
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        start_w, start_h = x1 * scale - offset, y1 * scale - offset
        roi_w, roi_h = x2 * scale - offset - start_w, y2 * scale - offset - start_h
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / ph, roi_w / pw
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / ph)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / pw)
        count = max(grid_h * grid_w, 1)
        for i in range(ph):
            for j in range(pw):
                total = np.zeros(features.shape[1])
                for iy in range(grid_h):
                    y = start_h + i * bin_h + (iy + 0.5) * bin_h / grid_h
                    for ix in range(grid_w):
                        x = start_w + j * bin_w + (ix + 0.5) * bin_w / grid_w
                        total += bilinear(features[int(b)], y, x)
                out[k, :, i, j] = total / count
    return out


@pytest.mark.parametrize("pooled, scale, sampling_ratio, aligned", [((3, 3), 1.0, -1, False), ((2, 4), 0.5, 2, True),
                                                                    ((5, 5), 0.25, -1, True), ((4, 3), 1.0, 1, False)])
def test_roi_align_matches_the_definition(rng, pooled, scale, sampling_ratio, aligned):
    features = rng.standard_normal((2, 3, 11, 13))
    boxes = np.concatenate([rng.integers(0, 2, (9, 1)), random_boxes(rng, 9, size=12 / scale)], axis=1)
    boxes[0, 1:] = [-3.0, -2.0, 2.0, 30.0]        # partly outside the map
    boxes[1, 1:] = [4.0, 4.0, 4.2, 4.1]           # smaller than a pixel
    expected = roi_align_reference(features, boxes, pooled, scale, sampling_ratio, aligned)
    x = axonml.tensor(features, requires_grad=True)
    out = ops.roi_align(x, axonml.tensor(boxes), pooled, scale, sampling_ratio, aligned)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    per_image = [axonml.tensor(boxes[boxes[:, 0] == i, 1:]) for i in range(2)]
    as_list = ops.roi_align(axonml.tensor(features), per_image, pooled, scale, sampling_ratio, aligned).numpy()
    np.testing.assert_allclose(as_list, np.concatenate([expected[boxes[:, 0] == i] for i in range(2)]), rtol=1e-10)
    # linear in the features: the gradient of <out, g> is the adjoint applied to g
    g = rng.standard_normal(expected.shape)
    (out * axonml.tensor(g)).sum().backward()
    assert math.isclose(float((x.grad.numpy() * features).sum()), float((expected * g).sum()), rel_tol=1e-9)
    module = ops.RoIAlign(pooled, scale, sampling_ratio, aligned)
    np.testing.assert_allclose(module(axonml.tensor(features), axonml.tensor(boxes)).numpy(), expected, rtol=1e-10)


def test_roi_align_rejects_bad_boxes():
    with pytest.raises(ValueError, match=r"\(K, 5\)"):
        ops.roi_align(axonml.zeros(1, 1, 4, 4), axonml.zeros(2, 4), 2)
    with pytest.raises(IndexError, match="batch indices"):
        ops.roi_align(axonml.zeros(1, 1, 4, 4), axonml.tensor([[3, 0, 0, 1, 1.]]), 2)
    assert ops.roi_align(axonml.zeros(1, 2, 4, 4), axonml.zeros(0, 5), 2).shape == (0, 2, 2, 2)


def test_stochastic_depth_drops_rows_in_training_only():
    axonml.manual_seed(0)
    x = axonml.ones(1000, 3)
    out = ops.stochastic_depth(x, 0.3, "row").numpy()
    kept = out[:, 0] != 0
    assert np.allclose(out[kept], 1 / 0.7) and (out[~kept] == 0).all() and 0.6 < kept.mean() < 0.8
    assert (out == out[:, :1]).all()
    assert ops.stochastic_depth(x, 0.3, "row", training=False) is x
    with pytest.raises(ValueError, match="mode"):
        ops.stochastic_depth(x, 0.3, "column")
