"""Upsample, UpsamplingNearest2d and UpsamplingBilinear2d against PyTorch."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs,shape", [
    ("Upsample", dict(scale_factor=2), (2, 3, 4, 5)),
    ("Upsample", dict(size=(3, 7), mode="bilinear"), (2, 3, 4, 5)),
    ("Upsample", dict(scale_factor=(1.5, 2.5), mode="bicubic", align_corners=True), (1, 2, 4, 5)),
    ("Upsample", dict(scale_factor=1.7, mode="linear", recompute_scale_factor=True), (2, 3, 6)),
    ("Upsample", dict(size=(4, 3, 6), mode="trilinear"), (1, 2, 3, 4, 5)),
    ("Upsample", dict(scale_factor=0.5, mode="area"), (2, 3, 8, 6)),
    ("Upsample", dict(size=9, mode="nearest-exact"), (2, 3, 5)),
    ("UpsamplingNearest2d", dict(scale_factor=3), (2, 3, 4, 5)),
    ("UpsamplingNearest2d", dict(size=(7, 2)), (2, 3, 4, 5)),
    ("UpsamplingBilinear2d", dict(scale_factor=2), (2, 3, 4, 5)),
    ("UpsamplingBilinear2d", dict(size=6), (2, 3, 4, 5)),
], ids=str)
def test_upsampling_matches_torch(dtype, name, kwargs, shape, device):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)
    assert (ours.size, ours.scale_factor, ours.mode, ours.align_corners, ours.recompute_scale_factor) == \
        (theirs.size, theirs.scale_factor, theirs.mode, theirs.align_corners, theirs.recompute_scale_factor)
