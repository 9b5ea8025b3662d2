"""RReLU, EmbeddingBag, LocalResponseNorm/CrossMapLRN2d, gumbel_softmax and the in-place activations vs torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml import nn
from tests.nn.parity import check_module
from tests.oracle.oracle import assert_close, check

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("name, args", [("relu_", ()), ("elu_", (0.5,)), ("selu_", ()), ("celu_", (1.5,)),
                                        ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)),
                                        ("threshold_", (0.1, -2.0)), ("rrelu_", ())])
def test_inplace_activations(name, args, device):
    values = RNG.standard_normal((3, 4)).astype(np.float32)
    ours, theirs = axonml.from_numpy(values.copy()).to(device), torch.from_numpy(values.copy())
    assert getattr(F, name)(ours, *args) is ours
    getattr(TF, name)(theirs, *args)
    assert_close(ours, theirs)


def test_rrelu_in_evaluation_uses_the_mean_slope(device):
    check(lambda x: F.rrelu(x, 0.1, 0.3), [(4, 5)], torch_fn=lambda x: TF.rrelu(x, 0.1, 0.3), device=device)
    check_module(nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3), [(4, 5)], train=False)
    assert repr(nn.RReLU(0.1, 0.3, True)) == repr(torch.nn.RReLU(0.1, 0.3, True))


def test_rrelu_in_training_draws_slopes_between_lower_and_upper():
    x = axonml.full((20000,), -1.0, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = (y / x).detach()
    assert float(slopes.min()) >= 0.1 and float(slopes.max()) <= 0.3
    assert abs(float(slopes.mean()) - 0.2) < 0.005
    y.sum().backward()
    assert_close(x.grad, torch.from_numpy(slopes.numpy()))  # the gradient uses the same slopes
    positive = axonml.ones(10)
    assert axonml.equal(F.rrelu(positive, training=True), positive)


def _bag_inputs(two_d):
    if two_d:
        return np.array([[1, 2, 4], [4, 3, 9]]), None
    return np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4, 4, 6])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag(mode, padding_idx, two_d, device):
    indices, offsets = _bag_inputs(two_d)
    inputs = [(10, 3), indices] + ([offsets] if offsets is not None else [])
    check(lambda w, i, *o: F.embedding_bag(i, w, *o, mode=mode, padding_idx=padding_idx), inputs,
          torch_fn=lambda w, i, *o: TF.embedding_bag(i, w, *o, mode=mode, padding_idx=padding_idx), device=device)


def test_embedding_bag_per_sample_weights_and_last_offset(device):
    indices, offsets = np.array([1, 2, 4, 5, 4, 3]), np.array([0, 2, 6])
    check(lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p, include_last_offset=True),
          [(10, 3), indices, offsets, (6,)],
          torch_fn=lambda w, i, o, p: TF.embedding_bag(i, w, o, mode="sum", per_sample_weights=p,
                                                       include_last_offset=True), device=device)


def test_embedding_bag_module_and_errors(device):
    ours, theirs = nn.EmbeddingBag(10, 3, mode="max", padding_idx=2), torch.nn.EmbeddingBag(10, 3, mode="max",
                                                                                         padding_idx=2)
    assert repr(ours) == repr(theirs)
    check_module(ours, theirs, [np.array([1, 2, 4, 5, 2, 3]), np.array([0, 3])], device=device)
    with pytest.raises(NotImplementedError):
        F.embedding_bag(axonml.tensor([[1, 2]]), axonml.randn(5, 2), mode="mean",
                        per_sample_weights=axonml.ones(1, 2))
    with pytest.raises(ValueError):
        F.embedding_bag(axonml.tensor([1, 2]), axonml.randn(5, 2))


@pytest.mark.parametrize("shape, size", [((2, 6, 5), 3), ((2, 5, 4, 4), 2), ((1, 4, 3, 2, 2), 4)])
def test_local_response_norm(shape, size, device):
    check(lambda x: F.local_response_norm(x, size, 0.01, 0.6, 2.0), [shape],
          torch_fn=lambda x: TF.local_response_norm(x, size, 0.01, 0.6, 2.0), device=device)


def test_lrn_modules(device):
    ours, theirs = nn.LocalResponseNorm(3, k=2.0), torch.nn.LocalResponseNorm(3, k=2.0)
    assert repr(ours) == repr(theirs)
    check_module(ours, theirs, [(2, 5, 4, 4)], dtype="float64", device=device)
    assert repr(nn.CrossMapLRN2d(3)) == repr(torch.nn.CrossMapLRN2d(3))
    # torch's legacy CrossMapLRN2d keeps channel 0 in later windows; ours is the documented LRN window
    check_module(nn.CrossMapLRN2d(3), torch.nn.LocalResponseNorm(3, k=1), [(2, 5, 4, 4)], dtype="float64",
                 device=device)
    with pytest.raises(ValueError):
        nn.CrossMapLRN2d(3)(axonml.randn(2, 5, 4))


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax(hard, device):
    logits = axonml.from_numpy(np.log(np.array([[0.1, 0.6, 0.3]] * 6000, dtype=np.float32))).to(device)
    logits.requires_grad_()
    sample = F.gumbel_softmax(logits, tau=0.5, hard=hard)
    assert_close(sample.sum(-1), torch.ones(6000))
    if hard:
        assert set(np.unique(sample.detach().cpu().numpy())) <= {0.0, 1.0}
        frequencies = sample.detach().cpu().numpy().mean(0)
        np.testing.assert_allclose(frequencies, [0.1, 0.6, 0.3], atol=0.03)  # argmax of Gumbel-perturbed logits
    (sample * axonml.arange(3.0).to(device)).sum().backward()
    assert logits.grad is not None and np.isfinite(logits.grad.cpu().numpy()).all()
