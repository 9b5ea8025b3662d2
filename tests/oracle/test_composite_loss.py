"""Margin, ranking and embedding losses, Poisson/Gaussian NLL, distances and pixel shuffles against PyTorch."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from tests.oracle.oracle import check, check_raises

REDUCTIONS = ["none", "mean", "sum"]
RNG = np.random.default_rng(7)
SIGNS = np.where(RNG.random(6) > 0.5, 1.0, -1.0)


def both(name, **kwargs):
    return (lambda *xs: getattr(F, name)(*xs, **kwargs), lambda *xs: getattr(TF, name)(*xs, **kwargs))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_margin_ranking_loss(reduction, margin, device):
    ax, th = both("margin_ranking_loss", margin=margin, reduction=reduction)
    check(ax, [(6,), (6,), SIGNS], torch_fn=th, grad_inputs=[0, 1], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss(reduction, device):
    ax, th = both("hinge_embedding_loss", margin=0.5, reduction=reduction)
    check(ax, [(2, 6), np.stack([SIGNS, -SIGNS])], torch_fn=th, grad_inputs=[0], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(reduction, device):
    ax, th = both("soft_margin_loss", reduction=reduction)
    check(ax, [(2, 6), np.stack([SIGNS, -SIGNS])], torch_fn=th, grad_inputs=[0], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_loss(reduction, weighted, device):
    target = (RNG.random((4, 5)) > 0.5).astype(np.float64)
    inputs = [(4, 5), target] + ([RNG.random(5) + 0.5] if weighted else [])
    check(lambda x, t, *w: F.multilabel_soft_margin_loss(x, t, *w, reduction=reduction), inputs,
          torch_fn=lambda x, t, *w: TF.multilabel_soft_margin_loss(x, t, *w, reduction=reduction),
          grad_inputs=[0], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss(reduction, p, weighted, device):
    inputs = [(5, 4), np.array([0, 3, 1, 1, 2])] + ([RNG.random(4) + 0.5] if weighted else [])
    check(lambda x, t, *w: F.multi_margin_loss(x, t, p=p, margin=0.8, weight=w[0] if w else None,
                                               reduction=reduction), inputs,
          torch_fn=lambda x, t, *w: TF.multi_margin_loss(x, t, p=p, margin=0.8, weight=w[0] if w else None,
                                                          reduction=reduction),
          grad_inputs=[0], device=device)
    ax, th = both("multi_margin_loss", reduction=reduction)
    check(ax, [(4,), np.array(2)], torch_fn=th, grad_inputs=[0], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction, device):
    target = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 1, 2, 0]])
    ax, th = both("multilabel_margin_loss", reduction=reduction)
    check(ax, [(3, 4), target], torch_fn=th, grad_inputs=[0], device=device)
    check(ax, [(4,), np.array([1, 2, -1, 0])], torch_fn=th, grad_inputs=[0], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(reduction, margin, device):
    ax, th = both("cosine_embedding_loss", margin=margin, reduction=reduction)
    check(ax, [(6, 5), (6, 5), SIGNS], torch_fn=th, grad_inputs=[0, 1], device=device)
    check(ax, [(5,), (5,), np.array(-1.0)], torch_fn=th, grad_inputs=[0, 1], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, swap", [(2, False), (1, True), (3, False)])
def test_triplet_margin_loss(reduction, p, swap, device):
    ax, th = both("triplet_margin_loss", margin=0.9, p=p, swap=swap, reduction=reduction)
    check(ax, [(6, 5), (6, 5), (6, 5)], torch_fn=th, device=device)


def test_triplet_margin_with_distance_loss(device):
    ax = lambda a, p, n: F.triplet_margin_with_distance_loss(  # noqa: E731
        a, p, n, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y), margin=0.5, swap=True)
    th = lambda a, p, n: TF.triplet_margin_with_distance_loss(  # noqa: E731
        a, p, n, distance_function=lambda x, y: 1 - TF.cosine_similarity(x, y), margin=0.5, swap=True)
    check(ax, [(6, 5), (6, 5), (6, 5)], torch_fn=th, device=device)
    ax, th = both("triplet_margin_with_distance_loss", reduction="none")
    check(ax, [(6, 5), (6, 5), (6, 5)], torch_fn=th, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input, full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_loss(reduction, log_input, full, device):
    rates = RNG.random((3, 4)) * 2 + 0.1
    counts = RNG.integers(0, 5, size=(3, 4)).astype(np.float64)
    ax, th = both("poisson_nll_loss", log_input=log_input, full=full, reduction=reduction)
    check(ax, [np.log(rates) if log_input else rates, counts], torch_fn=th, grad_inputs=[0], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(reduction, var_shape, full, device):
    var = RNG.random(var_shape) + 0.05
    var.flat[0] = 1e-8  # below eps: clamped, the gradient passes through
    ax, th = both("gaussian_nll_loss", full=full, reduction=reduction)
    check(ax, [(4, 3), (4, 3), var], torch_fn=th, device=device)


def test_gaussian_nll_loss_with_a_float_variance():
    x, t = axonml.randn(4, 3), axonml.randn(4, 3)
    expected = TF.gaussian_nll_loss(torch.from_numpy(x.numpy()), torch.from_numpy(t.numpy()),
                                    torch.full((4, 3), 0.5))
    np.testing.assert_allclose(F.gaussian_nll_loss(x, t, 0.5).item(), expected.item(), rtol=1e-6)


def test_soft_margin_loss_refuses_a_target_that_requires_grad():
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(axonml.randn(3), axonml.ones(3, requires_grad=True))


def test_loss_errors_match_torch():
    check_raises(lambda x, y, t: F.margin_ranking_loss(x, y, t), [(3,), (3, 1), np.ones(3)],
                 torch_fn=lambda x, y, t: TF.margin_ranking_loss(x, y, t))
    check_raises(lambda x, t: F.multi_margin_loss(x, t, p=3), [(3, 4), np.array([0, 1, 2])],
                 torch_fn=lambda x, t: TF.multi_margin_loss(x, t, p=3))
    check_raises(lambda x, t, v: F.gaussian_nll_loss(x, t, v), [(4, 3), (4, 3), -np.ones((4, 3))],
                 torch_fn=lambda x, t, v: TF.gaussian_nll_loss(x, t, v))
    check_raises(lambda x, t, v: F.gaussian_nll_loss(x, t, v), [(4, 3), (4, 3), np.ones((2, 3))],
                 torch_fn=lambda x, t, v: TF.gaussian_nll_loss(x, t, v))
    check_raises(lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=0.0),
                 [(2, 3), (2, 3), (2, 3)],
                 torch_fn=lambda a, p, n: TF.triplet_margin_with_distance_loss(a, p, n, margin=0.0))


# --- distances -------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [1, 2, 3.5, math.inf])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, keepdim, device):
    ax, th = both("pairwise_distance", p=p, keepdim=keepdim)
    check(ax, [(6, 5), (6, 5)], torch_fn=th, device=device)
    check(ax, [(6, 5), (5,)], torch_fn=th, device=device)


@pytest.mark.parametrize("p", [1, 2, 0.5, math.inf])
def test_pdist(p, device):
    check(lambda x: F.pdist(x, p), [(5, 3)], torch_fn=lambda x: TF.pdist(x, p), device=device)


@pytest.mark.parametrize("p", [0, 1, 2, 3, math.inf])
def test_cdist(p, device):
    check(lambda a, b: axonml.cdist(a, b, p), [(2, 4, 3), (2, 5, 3)], torch_fn=lambda a, b: torch.cdist(a, b, p),
          device=device, grad=p != 0)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist",
                                  "use_mm_for_euclid_dist_if_necessary"])
def test_cdist_compute_modes(mode, device):
    check(lambda a, b: axonml.cdist(a, b, compute_mode=mode), [(30, 3), (27, 3)],
          torch_fn=lambda a, b: torch.cdist(a, b, compute_mode=mode), device=device)


def test_distance_errors_match_torch():
    check_raises(lambda x: F.pdist(x), [(2, 3, 4)], torch_fn=lambda x: TF.pdist(x))
    check_raises(lambda a, b: axonml.cdist(a, b), [(4, 3), (5, 2)], torch_fn=lambda a, b: torch.cdist(a, b))


# --- pixel and channel shuffles --------------------------------------------------------------------

@pytest.mark.parametrize("shape, factor", [((1, 8, 3, 5), 2), ((2, 3, 9, 2, 2), 3), ((4, 2, 2), 2)])
def test_pixel_shuffle_and_unshuffle(shape, factor, device):
    check(lambda x: F.pixel_shuffle(x, factor), [shape], torch_fn=lambda x: TF.pixel_shuffle(x, factor),
          device=device)
    up = shape[:-3] + (shape[-3] // factor ** 2, shape[-2] * factor, shape[-1] * factor)
    check(lambda x: F.pixel_unshuffle(x, factor), [up], torch_fn=lambda x: TF.pixel_unshuffle(x, factor),
          device=device)


def test_channel_shuffle(device):
    check(lambda x: F.channel_shuffle(x, 3), [(2, 6, 2, 3)], torch_fn=lambda x: TF.channel_shuffle(x, 3),
          device=device, grad=False)
    check(lambda x: F.channel_shuffle(x, 3), [(2, 6, 2, 3)], torch_fn=lambda x: x.reshape(2, 3, 2, 2, 3)
          .transpose(1, 2).reshape(2, 6, 2, 3), device=device)


def test_shuffle_errors_match_torch():
    check_raises(lambda x: F.pixel_shuffle(x, 2), [(1, 6, 2, 2)], torch_fn=lambda x: TF.pixel_shuffle(x, 2))
    check_raises(lambda x: F.pixel_unshuffle(x, 2), [(1, 1, 3, 2)], torch_fn=lambda x: TF.pixel_unshuffle(x, 2))
    check_raises(lambda x: F.pixel_shuffle(x, 2), [(4, 2)], torch_fn=lambda x: TF.pixel_shuffle(x, 2))
