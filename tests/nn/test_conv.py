"""Conv1d, Conv2d and Conv3d against PyTorch."""
import math

import numpy as np
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


CONV2D_OPTIONS = [dict(), dict(stride=2, padding=1), dict(dilation=2, bias=False), dict(groups=2, padding="same"),
                  dict(padding="valid"), dict(padding=2, padding_mode="reflect"),
                  dict(padding=1, padding_mode="circular"), dict(padding=(1, 2), padding_mode="replicate")]
CONV3D_OPTIONS = [dict(), dict(stride=(2, 1, 2), padding=1), dict(dilation=(1, 2, 1), bias=False),
                  dict(groups=2, padding="same"), dict(padding="valid"), dict(padding=2, padding_mode="reflect"),
                  dict(padding=1, padding_mode="circular"), dict(padding=(1, 0, 2), padding_mode="replicate")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layer, shape, options",
                         [("Conv2d", (2, 4, 7, 8), options) for options in CONV2D_OPTIONS]
                         + [("Conv3d", (2, 4, 5, 6, 7), options) for options in CONV3D_OPTIONS], ids=str)
def test_conv2d_conv3d_matches_torch(layer, shape, options, dtype, device):
    ours, theirs = getattr(nn, layer)(4, 6, 3, **options), getattr(torch.nn, layer)(4, 6, 3, **options)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=4, bias=False),
                                     dict(padding="same"), dict(padding=1, padding_mode="circular")])
def test_conv1d_matches_torch(dtype, options, device):
    ours, theirs = nn.Conv1d(4, 8, 3, **options), torch.nn.Conv1d(4, 8, 3, **options)
    check_module(ours, theirs, [(2, 4, 9)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


def test_unbatched_conv(device):
    check_module(nn.Conv2d(2, 3, (2, 3)), torch.nn.Conv2d(2, 3, (2, 3)), [(2, 5, 6)], dtype="float64", device=device)
    check_module(nn.Conv3d(2, 3, (2, 3, 1)), torch.nn.Conv3d(2, 3, (2, 3, 1)), [(2, 4, 5, 6)], dtype="float64",
                 device=device)


def test_conv3d_state_dict_and_init():
    layer = nn.Conv3d(4, 8, (3, 2, 2), groups=2)
    assert list(layer.state_dict()) == list(torch.nn.Conv3d(4, 8, (3, 2, 2), groups=2).state_dict())
    assert layer.weight.shape == (8, 2, 3, 2, 2)
    bound = 1 / math.sqrt(2 * 12)
    weight = np.asarray(layer.weight.detach())
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert np.abs(np.asarray(layer.bias.detach())).max() <= bound


def test_conv_default_init_bounds():
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)
    weight = np.asarray(conv.weight.detach())
    assert weight.shape == (16, 8, 3, 3)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.95 * bound
    assert np.abs(np.asarray(conv.bias.detach())).max() <= bound


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv1d(2, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv3d(2, 2, 3, stride=(1, 1, 2), padding="same")
