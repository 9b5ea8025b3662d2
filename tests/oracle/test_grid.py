"""affine_grid and grid_sample (axonml/ops/grid.py) against PyTorch, forward and backward to input and grid."""
import warnings

import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def _F(x):
    return torch.nn.functional if isinstance(x, torch.Tensor) else axonml.nn.functional


def _grid(shape, seed=3, spread=1.3):
    """Coordinates in [-spread, spread]: some outside [-1, 1], so that every padding rule is exercised."""
    return np.random.default_rng(seed).uniform(-spread, spread, shape)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 3, 4, 2)], ids=str)
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, align_corners, device):
    spatial = len(size) - 2
    check(lambda theta: _F(theta).affine_grid(theta, size, align_corners=align_corners),
          [(size[0], spatial, spatial + 1)], device=device)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d(mode, padding_mode, align_corners, device):
    check(lambda x, g: _F(x).grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners),
          [(2, 3, 5, 6), _grid((2, 4, 7, 2), spread=2.5 if padding_mode == "reflection" else 1.3)], device=device)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_3d(mode, padding_mode, align_corners, device):
    check(lambda x, g: _F(x).grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners),
          [(2, 2, 3, 4, 5), _grid((2, 2, 3, 4, 3))], device=device)


def test_grid_sample_of_an_affine_grid(device):
    """The spatial-transformer pattern: gradients flow through the grid back to theta."""
    check(lambda x, theta: _F(x).grid_sample(x, _F(x).affine_grid(theta, (2, 3, 4, 4), align_corners=False),
                                             align_corners=False),
          [(2, 3, 6, 5), _grid((2, 2, 3), spread=0.8)], device=device)


def test_single_pixel_reflection(device):
    check(lambda x, g: _F(x).grid_sample(x, g, padding_mode="reflection", align_corners=True),
          [(1, 2, 1, 4), _grid((1, 3, 3, 2))], device=device)


def test_gradcheck():
    x = axonml.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = axonml.tensor(_grid((1, 2, 3, 2)), requires_grad=True)
    for mode in ("bilinear", "bicubic"):
        assert gradcheck(lambda a, b: axonml.nn.functional.grid_sample(a, b, mode=mode, padding_mode="border",
                                                                       align_corners=False), (x, g))


def test_unset_align_corners_warns_as_torch():
    x, g = axonml.zeros(1, 1, 2, 2), axonml.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="align_corners=False"):
        axonml.nn.functional.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False"):
        axonml.nn.functional.affine_grid(axonml.zeros(1, 2, 3), (1, 1, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        axonml.nn.functional.grid_sample(x, g, align_corners=False)


@pytest.mark.parametrize("call, shapes", [
    (lambda x, g: _F(x).grid_sample(x, g, mode="cubic", align_corners=False), [(1, 1, 3, 3), (1, 2, 2, 2)]),
    (lambda x, g: _F(x).grid_sample(x, g, padding_mode="wrap", align_corners=False), [(1, 1, 3, 3), (1, 2, 2, 2)]),
    (lambda x, g: _F(x).grid_sample(x, g, align_corners=False), [(1, 1, 3, 3), (2, 2, 2, 2)]),
    (lambda x, g: _F(x).grid_sample(x, g, align_corners=False), [(1, 1, 3, 3), (1, 2, 2, 3)]),
    (lambda x, g: _F(x).grid_sample(x, g, align_corners=False), [(1, 3, 3), (1, 2, 2)]),
    (lambda x, g: _F(x).grid_sample(x, g, mode="bicubic", align_corners=False), [(1, 1, 3, 3, 3), (1, 2, 2, 2, 3)]),
    (lambda x, g: _F(x).grid_sample(x, g.double(), align_corners=False), [(1, 1, 3, 3), (1, 2, 2, 2)]),
    (lambda t: _F(t).affine_grid(t, (1, 1, 3, 3, 3), align_corners=False), [(1, 2, 3)]),
    (lambda t: _F(t).affine_grid(t, (1, 1, 3, 3), align_corners=False), [(1, 3, 4)]),
    (lambda t: _F(t).affine_grid(t, (2, 1, 3, 3), align_corners=False), [(1, 2, 3)]),
    (lambda t: _F(t).affine_grid(t, (1, 1, 3), align_corners=False), [(1, 2, 3)]),
], ids=range(11))
def test_errors_match_torch(call, shapes):
    check_raises(call, shapes)
