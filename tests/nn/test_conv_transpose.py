"""ConvTranspose1d, ConvTranspose2d and ConvTranspose3d against PyTorch."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module, load_torch_state
from tests.oracle.oracle import assert_close


CONV_TRANSPOSE2D_OPTIONS = [dict(), dict(stride=2, padding=1), dict(stride=2, output_padding=1),
                            dict(dilation=2, bias=False), dict(groups=2, stride=3, padding=2),
                            dict(stride=(2, 1), padding=(0, 1), output_padding=(1, 0))]
CONV_TRANSPOSE3D_OPTIONS = [dict(), dict(stride=2, padding=1), dict(stride=(2, 1, 3), output_padding=(1, 0, 2)),
                            dict(dilation=(2, 1, 1), bias=False), dict(groups=2, stride=2, padding=(1, 0, 2))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layer, shape, options",
                         [("ConvTranspose2d", (2, 4, 5, 6), options) for options in CONV_TRANSPOSE2D_OPTIONS]
                         + [("ConvTranspose3d", (2, 4, 3, 4, 5), options) for options in CONV_TRANSPOSE3D_OPTIONS],
                         ids=str)
def test_conv_transpose2d_conv_transpose3d_matches_torch(layer, shape, options, dtype, device):
    ours, theirs = getattr(nn, layer)(4, 6, 3, **options), getattr(torch.nn, layer)(4, 6, 3, **options)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=4, bias=False),
                                     dict(stride=3, output_padding=2)])
def test_conv_transpose1d_matches_torch(dtype, options, device):
    ours, theirs = nn.ConvTranspose1d(4, 8, 3, **options), torch.nn.ConvTranspose1d(4, 8, 3, **options)
    check_module(ours, theirs, [(2, 4, 7)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


def test_unbatched_conv_transpose(device):
    check_module(nn.ConvTranspose2d(2, 3, (2, 3), stride=2), torch.nn.ConvTranspose2d(2, 3, (2, 3), stride=2),
                 [(2, 4, 5)], dtype="float64", device=device)


def test_conv_transpose3d_output_size_picks_output_padding():
    ours, theirs = nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose3d(3, 2, 3, stride=2,
                                                                                             padding=1)
    load_torch_state(ours, theirs)
    x = np.random.default_rng(0).standard_normal((1, 3, 3, 4, 5)).astype(np.float32)
    expected = theirs(torch.from_numpy(x), output_size=[6, 7, 10])
    actual = ours(axonml.from_numpy(x), output_size=[6, 7, 10])
    assert actual.shape == tuple(expected.shape)
    assert_close(actual, expected, "float32", "output")


@pytest.mark.parametrize("output_size", [[10, 12], [2, 2, 10, 11], [9, 11]])
def test_conv_transpose_output_size_picks_output_padding(output_size):
    ours, theirs = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(3, 2, 3, stride=2,
                                                                                             padding=1)
    load_torch_state(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6)).astype(np.float32)
    expected = theirs(torch.from_numpy(x), output_size=output_size)
    actual = ours(axonml.from_numpy(x), output_size=output_size)
    assert actual.shape == tuple(expected.shape)
    assert_close(actual, expected, "float32", "output")


def test_conv_transpose_errors_match_torch():
    for lib in (torch, axonml):
        with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
            lib.nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
        layer = lib.nn.ConvTranspose1d(2, 2, 3, stride=2)
        with pytest.raises(ValueError, match=r"requested an output size of \[20\], but valid sizes range from \[11\] "
                                             r"to \[12\]"):
            layer(lib.ones(1, 2, 5), output_size=[20])
        with pytest.raises(ValueError, match="for 3D input, output_size must have 1 or 3 elements"):
            layer(lib.ones(1, 2, 5), output_size=[11, 11])


def test_conv_transpose_state_dict_and_init():
    layer = nn.ConvTranspose2d(8, 4, 3, groups=2)
    assert list(layer.state_dict()) == list(torch.nn.ConvTranspose2d(8, 4, 3, groups=2).state_dict())
    assert layer.weight.shape == (8, 2, 3, 3)
    bound = 1 / math.sqrt(2 * 9)  # fan_in is weight.size(1) * kernel elements
    weight = np.asarray(layer.weight.detach())
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert np.abs(np.asarray(layer.bias.detach())).max() <= bound
