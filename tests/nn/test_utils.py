"""nn.utils: gradient clipping and parameter/vector conversion against PyTorch."""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import load_torch_state
from tests.oracle.oracle import assert_close


def _pair_with_grads(scale=1.0):
    ours, theirs = nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 2)), torch.nn.Sequential(torch.nn.Linear(4, 5),
                                                                                         torch.nn.Linear(5, 2))
    load_torch_state(ours, theirs)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32) * scale
    (theirs(torch.from_numpy(x)) ** 2).sum().backward()
    (ours(axonml.from_numpy(x)) ** 2).sum().backward()
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _pair_with_grads(scale=3.0)
    total_t = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm, norm_type)
    total_a = nn.utils.clip_grad_norm_(ours.parameters(), max_norm, norm_type)
    assert_close(total_a, total_t, "float32")
    for a, t in zip(ours.parameters(), theirs.parameters()):
        assert_close(a.grad, t.grad, "float32")


def test_clip_grad_norm_edge_cases():
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(axonml.zeros(2))], 1.0)) == 0.0
    p = nn.Parameter(axonml.zeros(2))
    p.grad = axonml.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    single = nn.Parameter(axonml.zeros(2))
    single.grad = axonml.tensor([3.0, 4.0])
    assert abs(float(nn.utils.clip_grad_norm_(single, 1.0)) - 5.0) < 1e-6
    np.testing.assert_allclose(np.asarray(single.grad), [0.6, 0.8], rtol=1e-5)


def test_clip_grad_value_matches_torch():
    ours, theirs = _pair_with_grads(scale=3.0)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.5)
    nn.utils.clip_grad_value_(ours.parameters(), 0.5)
    for a, t in zip(ours.parameters(), theirs.parameters()):
        assert_close(a.grad, t.grad, "float32")


def test_parameters_vector_roundtrip():
    ours, theirs = _pair_with_grads()
    vec_a = nn.utils.parameters_to_vector(ours.parameters())
    assert_close(vec_a, torch.nn.utils.parameters_to_vector(theirs.parameters()), "float32")
    weight = ours[0].weight
    nn.utils.vector_to_parameters(vec_a * 0 + axonml.arange(vec_a.numel(), dtype=axonml.float32), ours.parameters())
    assert ours[0].weight is weight
    np.testing.assert_array_equal(np.asarray(ours[0].weight.detach()).ravel(), np.arange(20))
    np.testing.assert_array_equal(np.asarray(ours[1].bias.detach()), [35, 36])
    with pytest.raises(TypeError):
        nn.utils.vector_to_parameters([1, 2], ours.parameters())
