"""Flatten and Unflatten against PyTorch."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.Flatten(), torch.nn.Flatten(), (2, 3, 4, 5)),
    (nn.Flatten(0, 2), torch.nn.Flatten(0, 2), (2, 3, 4, 5)),
    (nn.Unflatten(1, (2, 5)), torch.nn.Unflatten(1, (2, 5)), (3, 10)),
    (nn.Unflatten(-1, [2, -1]), torch.nn.Unflatten(-1, [2, -1]), (3, 10)),
])
def test_flatten_unflatten(ours, theirs, shape, device):
    check_module(ours, theirs, [shape], dtype="float64", device=device)
    assert repr(ours) == repr(theirs)


def test_unflatten_argument_types():
    with pytest.raises(TypeError):
        nn.Unflatten(1, 5)
