"""Embedding against PyTorch."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [{}, dict(padding_idx=0), dict(padding_idx=-1), dict(max_norm=1.0),
                                     dict(scale_grad_by_freq=True)])
def test_embedding_matches_torch(dtype, options, device):
    ours, theirs = nn.Embedding(10, 4, **options), torch.nn.Embedding(10, 4, **options)
    indices = np.array([[0, 2, 9, 2], [9, 1, 0, 5]])
    check_module(ours, theirs, [indices], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


def test_padding_row_starts_at_zero_and_init_is_standard_normal():
    layer = nn.Embedding(2000, 50, padding_idx=3)
    weight = np.asarray(layer.weight.detach())
    assert not weight[3].any()
    assert abs(weight.mean()) < 0.01 and abs(weight.std() - 1) < 0.01


def test_from_pretrained():
    table = axonml.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad
    np.testing.assert_allclose(np.asarray(layer(axonml.tensor([1])).detach()), [[4.0, 5.1, 6.3]], rtol=1e-6)
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError):
        nn.Embedding.from_pretrained(axonml.zeros(3))
    with pytest.raises(AssertionError):
        nn.Embedding(3, 2, padding_idx=3)
