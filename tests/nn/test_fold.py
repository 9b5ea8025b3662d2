"""Fold and Unfold against PyTorch."""
import pytest
import torch

from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options,shape", [(dict(kernel_size=2), (2, 3, 5, 5)),
                                           (dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2),
                                            (2, 3, 6, 7)),
                                           (dict(kernel_size=3, padding=1), (3, 4, 4))])
def test_unfold_matches_torch(dtype, options, shape, device):
    ours, theirs = nn.Unfold(**options), torch.nn.Unfold(**options)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options,shape", [(dict(output_size=(4, 5), kernel_size=2), (2, 12, 12)),
                                           (dict(output_size=6, kernel_size=(2, 3), dilation=(1, 2), padding=1,
                                                 stride=2), (2, 18, 8)),
                                           (dict(output_size=(3, 3), kernel_size=2), (8, 4))])
def test_fold_matches_torch(dtype, options, shape, device):
    ours, theirs = nn.Fold(**options), torch.nn.Fold(**options)
    check_module(ours, theirs, [shape], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)
