"""The margin, ranking, embedding and likelihood loss modules against PyTorch's, reductions and repr."""
import numpy as np
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module

RNG = np.random.default_rng(3)
SIGNS = np.where(RNG.random(5) > 0.5, 1.0, -1.0)
CASES = [
    ("MarginRankingLoss", dict(margin=0.2), [(5,), (5,), SIGNS]),
    ("HingeEmbeddingLoss", dict(margin=0.5), [(5,), SIGNS]),
    ("SoftMarginLoss", dict(), [(5,), SIGNS]),
    ("MultiLabelSoftMarginLoss", dict(), [(3, 4), (RNG.random((3, 4)) > 0.5).astype(float)]),
    ("MultiMarginLoss", dict(p=2, margin=0.5), [(3, 4), np.array([0, 3, 2])]),
    ("MultiLabelMarginLoss", dict(), [(2, 4), np.array([[1, 3, -1, 0], [2, -1, 0, 0]])]),
    ("CosineEmbeddingLoss", dict(margin=0.1), [(5, 3), (5, 3), SIGNS]),
    ("TripletMarginLoss", dict(margin=0.5, p=1.0, swap=True), [(5, 3), (5, 3), (5, 3)]),
    ("TripletMarginWithDistanceLoss", dict(margin=0.5), [(5, 3), (5, 3), (5, 3)]),
    # counts above 1: where target <= 1 torch's target gradient of the Stirling term is NaN, axonml's is 0
    ("PoissonNLLLoss", dict(full=True), [(3, 4), RNG.integers(2, 6, (3, 4)).astype(float)]),
    ("GaussianNLLLoss", dict(full=True), [(3, 4), (3, 4), RNG.random((3, 4)) + 0.1]),
]


@pytest.mark.parametrize("name, options, inputs", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_loss_modules_match_torch(name, options, inputs, reduction, device):
    ours = getattr(nn, name)(reduction=reduction, **options)
    theirs = getattr(torch.nn, name)(reduction=reduction, **options)
    # PyTorch's soft_margin_loss refuses a target that requires grad (as axonml's does)
    check_module(ours, theirs, inputs, dtype="float64", grad=name != "SoftMarginLoss", device=device)
    assert repr(ours) == repr(theirs)
