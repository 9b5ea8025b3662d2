"""F.interpolate against PyTorch: every mode, size or scale_factor (used as given or recomputed),
align_corners, antialias, down- and upsampling, forward and backward."""
import numpy as np
import pytest
import torch

import axonml
import axonml.nn.functional as F
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def _F(x):
    return torch.nn.functional if isinstance(x, torch.Tensor) else F


SHAPES = {1: (2, 3, 7), 2: (2, 3, 5, 6), 3: (1, 2, 3, 4, 5)}
MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 2),
         ("nearest-exact", 3), ("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3), ("area", 1),
         ("area", 2), ("area", 3)]
# sizes and scale factors that up- and downsample, by integer and fractional ratios; a scale
# factor is used as given (1 / scale_factor steps) unless recompute_scale_factor
RESIZES = [dict(size=11), dict(size=3), dict(size=1), dict(scale_factor=2), dict(scale_factor=0.5),
           dict(scale_factor=1.7), dict(scale_factor=3.3, recompute_scale_factor=True), dict(scale_factor=0.75),
           dict(scale_factor=0.75, recompute_scale_factor=True)]


def _cases():
    for mode, dim in MODES:
        for resize in RESIZES:
            for align_corners in ((None,) if mode in ("nearest", "nearest-exact", "area") else (False, True)):
                options = dict(resize, mode=mode)
                if align_corners is not None:
                    options["align_corners"] = align_corners
                yield pytest.param(SHAPES[dim], options, id=f"{dim}d-{options}")


@pytest.mark.parametrize("shape, options", list(_cases()))
def test_interpolate(shape, options, device):
    check(lambda x: _F(x).interpolate(x, **options), [shape], device=device)


@pytest.mark.parametrize("shape, options", [
    ((2, 3, 5, 6), dict(size=(9, 4), mode="bilinear")),
    ((2, 3, 5, 6), dict(size=(3, 13), mode="bicubic", align_corners=True)),
    ((2, 3, 5, 6), dict(scale_factor=(2.5, 0.5), mode="nearest")),
    ((1, 2, 3, 4, 5), dict(size=(5, 2, 8), mode="trilinear")),
    ((1, 2, 3, 4, 5), dict(scale_factor=(1.5, 2, 0.6), mode="nearest-exact")),
    ((2, 3, 5, 6), dict(size=(5, 12), mode="bilinear")),  # one axis unchanged
    ((2, 3, 5, 6), dict(size=(5, 6), mode="bicubic")),
], ids=str)
def test_interpolate_per_axis_sizes(shape, options, device):
    check(lambda x: _F(x).interpolate(x, **options), [shape], device=device)


def test_interpolate_nearest_integers(device):
    values = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(np.uint8)
    check(lambda x: _F(x).interpolate(x, scale_factor=1.5, mode="nearest"), [values], grad=False, device=device)


def test_interpolate_bicubic_overshoot():
    """Bicubic weights are negative outside the centre taps, so a step overshoots as in PyTorch."""
    step = np.zeros((1, 1, 4, 8))
    step[..., 4:] = 1.0
    check(lambda x: _F(x).interpolate(x, scale_factor=3, mode="bicubic"), [step])


@pytest.mark.parametrize("shape, options", [
    ((2, 3, 5, 6), dict(size=4, scale_factor=2)),
    ((2, 3, 5, 6), dict()),
    ((2, 3, 5, 6), dict(size=(4, 4, 4))),
    ((2, 3, 5, 6), dict(scale_factor=(2, 2, 2))),
    ((2, 3, 5, 6), dict(size=4, mode="nearest", align_corners=True)),
    ((2, 3, 5, 6), dict(size=4, mode="area", align_corners=False)),
    ((2, 3, 5, 6), dict(size=4, mode="linear")),
    ((2, 3, 7), dict(size=4, mode="bilinear")),
    ((2, 3, 7), dict(size=4, mode="bicubic")),
    ((1, 2, 3, 4, 5), dict(size=4, mode="bilinear")),
    ((2, 3, 5, 6), dict(size=4, mode="foo")),
    ((2, 3), dict(size=4)),
    ((2, 3, 5, 6), dict(size=(0, 4))),
    ((2, 3, 5, 6), dict(scale_factor=-1.0)),
    ((2, 3, 5, 6), dict(size=(2.5, 4))),
    ((2, 3, 5, 6), dict(size=4, recompute_scale_factor=True)),
    ((2, 3, 7), dict(size=4, mode="linear", antialias=True)),
], ids=range(17))
def test_interpolate_errors(shape, options):
    check_raises(lambda x: _F(x).interpolate(x, **options), [shape])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("options", [dict(size=(4, 5)), dict(scale_factor=0.3), dict(size=(20, 7)),
                                     dict(size=(3, 2), align_corners=True),
                                     dict(scale_factor=0.7, recompute_scale_factor=True)], ids=str)
def test_interpolate_antialias(mode, options, device):
    check(lambda x: _F(x).interpolate(x, mode=mode, antialias=True, **options), [(2, 3, 9, 13)], device=device)


def test_deprecated_upsample_functions():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    for name, kwargs in [("upsample", dict(scale_factor=2, mode="bilinear")), ("upsample_nearest", dict(size=5)),
                         ("upsample_bilinear", dict(scale_factor=2))]:
        with pytest.warns(UserWarning, match="deprecated"):
            ours = getattr(F, name)(axonml.from_numpy(x), **kwargs)
        with pytest.warns(UserWarning, match="deprecated"):
            theirs = getattr(torch.nn.functional, name)(torch.from_numpy(x), **kwargs)
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-5, atol=1e-6)


def _double(*shape):
    return axonml.tensor(np.random.default_rng(0).standard_normal(shape), dtype=axonml.float64, requires_grad=True)


@pytest.mark.parametrize("options", [dict(scale_factor=2, mode="nearest"), dict(size=(3, 7), mode="nearest-exact"),
                                     dict(size=(7, 3), mode="bilinear"), dict(scale_factor=1.6, mode="bicubic"),
                                     dict(size=(4, 5), mode="bicubic", align_corners=True),
                                     dict(size=(2, 3), mode="area"),
                                     dict(size=(2, 3), mode="bicubic", antialias=True)], ids=str)
def test_interpolate_gradcheck(options):
    assert gradcheck(lambda x: F.interpolate(x, **options), (_double(1, 2, 4, 5),))
