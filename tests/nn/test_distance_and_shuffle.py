"""PairwiseDistance, CosineSimilarity, PixelShuffle, PixelUnshuffle and ChannelShuffle modules against PyTorch."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("options", [dict(), dict(p=1.0, keepdim=True), dict(eps=0.1)])
def test_pairwise_distance_module(options, device):
    check_module(nn.PairwiseDistance(**options), torch.nn.PairwiseDistance(**options), [(6, 4), (6, 4)], device=device)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cosine_similarity_module(dim, device):
    check_module(nn.CosineSimilarity(dim), torch.nn.CosineSimilarity(dim), [(3, 5, 2), (3, 5, 2)], device=device)


@pytest.mark.parametrize("name, factor, shape", [("PixelShuffle", 2, (2, 8, 3, 3)), ("PixelUnshuffle", 3, (1, 2, 6, 9)),
                                                 ("ChannelShuffle", 2, (2, 6, 3, 3))])
def test_shuffle_modules(name, factor, shape, device):
    ours, theirs = getattr(nn, name)(factor), getattr(torch.nn, name)(factor)
    check_module(ours, theirs, [shape], grad=name != "ChannelShuffle", device=device)
    assert repr(ours) == repr(theirs)
