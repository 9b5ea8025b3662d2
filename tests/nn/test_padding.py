"""Padding layers against PyTorch: every mode in 1-D, 2-D and 3-D, int and tuple padding, repr."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module

SHAPES = {1: [(2, 3, 5), (3, 5)], 2: [(2, 3, 4, 5), (3, 4, 5)], 3: [(1, 2, 3, 4, 5), (2, 3, 4, 5)]}
PADDINGS = {1: [2, (1, 3)], 2: [1, (1, 2, 0, 3)], 3: [1, (1, 0, 2, 1, 0, 2)]}


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("kind", ["Zero", "Reflection", "Replication", "Circular"])
@pytest.mark.parametrize("which", [0, 1])
def test_padding_layers_match_torch(spatial, kind, which, device):
    name = f"{kind}Pad{spatial}d"
    for shape in SHAPES[spatial]:
        padding = PADDINGS[spatial][which]
        ours, theirs = getattr(nn, name)(padding), getattr(torch.nn, name)(padding)
        check_module(ours, theirs, [shape], device=device)
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_constant_padding_matches_torch(spatial, device):
    name = f"ConstantPad{spatial}d"
    ours, theirs = getattr(nn, name)(PADDINGS[spatial][1], 2.5), getattr(torch.nn, name)(PADDINGS[spatial][1], 2.5)
    check_module(ours, theirs, [SHAPES[spatial][0]], dtype="float64", device=device)
    assert repr(ours) == repr(theirs)


def test_a_padding_of_the_wrong_length_raises():
    with pytest.raises(ValueError):
        nn.ReflectionPad2d((1, 2, 3))
