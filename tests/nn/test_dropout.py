"""Dropout layers: parity with p=0 and in eval, statistics in training."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module

NAMES_SHAPES = [("Dropout", (4, 6)), ("Dropout1d", (4, 6, 5)), ("Dropout2d", (4, 6, 3, 3)),
                ("Dropout3d", (2, 6, 2, 2, 2)), ("AlphaDropout", (4, 6)), ("FeatureAlphaDropout", (4, 6, 3, 3))]


@pytest.mark.parametrize("name,shape", NAMES_SHAPES)
@pytest.mark.parametrize("p,train", [(0.0, True), (0.5, False)])
def test_dropout_identity_cases_match_torch(name, shape, p, train, device):
    ours, theirs = getattr(nn, name)(p), getattr(torch.nn, name)(p)
    check_module(ours, theirs, [shape], dtype="float64", train=train, device=device)
    assert repr(ours) == repr(theirs)


def test_dropout_statistics_in_training():
    x = axonml.ones(200, 500)
    out = np.asarray(nn.Dropout(0.3)(x).detach())
    zero_fraction = (out == 0).mean()
    assert abs(zero_fraction - 0.3) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout2d_zeroes_whole_channels():
    out = np.asarray(nn.Dropout2d(0.5)(axonml.ones(50, 40, 3, 3)).detach())
    per_channel = out.reshape(50, 40, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.4 < (per_channel[..., 0] == 0).mean() < 0.6


def test_alpha_dropout_keeps_mean_and_variance():
    x = axonml.randn(400, 500)
    out = np.asarray(nn.AlphaDropout(0.2)(x).detach())
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1.0) < 0.03


def test_dropout_seeded_and_argument_check():
    axonml.manual_seed(1)
    a = np.asarray(nn.Dropout()(axonml.ones(10, 10)).detach())
    axonml.manual_seed(1)
    assert np.array_equal(a, np.asarray(nn.Dropout()(axonml.ones(10, 10)).detach()))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
