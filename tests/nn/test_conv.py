"""Conv1d and Conv2d against PyTorch."""
import math

import numpy as np
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1), dict(dilation=2, bias=False),
                                     dict(groups=2, padding="same"), dict(padding="valid"),
                                     dict(padding=2, padding_mode="reflect"), dict(padding=1, padding_mode="circular"),
                                     dict(padding=(1, 2), padding_mode="replicate")])
def test_conv2d_matches_torch(dtype, options):
    ours, theirs = nn.Conv2d(4, 6, 3, **options), torch.nn.Conv2d(4, 6, 3, **options)
    check_module(ours, theirs, [(2, 4, 7, 8)], dtype=dtype)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=4, bias=False),
                                     dict(padding="same"), dict(padding=1, padding_mode="circular")])
def test_conv1d_matches_torch(dtype, options):
    ours, theirs = nn.Conv1d(4, 8, 3, **options), torch.nn.Conv1d(4, 8, 3, **options)
    check_module(ours, theirs, [(2, 4, 9)], dtype=dtype)
    assert repr(ours) == repr(theirs)


def test_unbatched_conv():
    check_module(nn.Conv2d(2, 3, (2, 3)), torch.nn.Conv2d(2, 3, (2, 3)), [(2, 5, 6)], dtype="float64")


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
