"""Spatial transformers: affine_grid builds sampling grids, grid_sample reads an input at them.

Both are composed from ops that hold their own forward and backward (matmul, gather, floor,
elementwise arithmetic), so the gradients to the input (through gather's scatter-add) and to the
grid (through the interpolation weights) and every device come with them. The coordinate rules
are PyTorch's (aten/src/ATen/native/GridSampler.h): unnormalisation, border clipping, reflection
about the edge pixels' centres (align_corners=True) or their outer edges (False), and the A=-0.75
cubic convolution of bicubic sampling.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from ..tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_CORNERS_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                          "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                          "documentation of grid_sample for details.")
_CUBIC_A = -0.75


def _align_corners(align_corners) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _sizes(shape) -> str:
    return str(list(shape))


# --- affine_grid --------------------------------------------------------------------------------------------

def _base_coordinates(steps: int, align_corners: bool) -> np.ndarray:
    """The normalised pixel centres along one dim: -1..1, shrunk by (steps - 1) / steps without align_corners."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    coordinates = np.linspace(-1.0, 1.0, steps)
    return coordinates if align_corners else coordinates * ((steps - 1) / steps)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine transforms, for :func:`grid_sample`.

    Args:
        theta: (N, 2, 3) affine matrices for 2-d sizes, (N, 3, 4) for 3-d ones
        size: the output's size, (N, C, H, W) or (N, C, D, H, W)
        align_corners: whether -1 and 1 are the centres of the corner pixels (True) or their outer
            edges (False, the default, with a warning when left unset)

    Returns:
        the grid, (N, H, W, 2) or (N, D, H, W, 3), holding (x, y[, z]) in normalised coordinates.

    Example:
        >>> theta = axonml.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)[0, 0]
        tensor([[-0.5000, -0.5000],
                [ 0.5000, -0.5000]])
    """
    align_corners = _align_corners(align_corners)
    size = tuple(int(s) for s in size)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) not in (4, 5):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    spatial = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (spatial, spatial + 1):
        raise ValueError(f"Expected a batch of {spatial}D affine matrices of shape Nx{spatial}x{spatial + 1} for "
                         f"size {size}. Got {_sizes(theta.shape)}.")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: expected theta of batch size {size[0]}, but got theta with sizes "
                           f"{_sizes(theta.shape)}")
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    # (x, y[, z], 1) for every output position, x varying along the last dim
    axes = [_base_coordinates(s, align_corners) for s in reversed(size[2:])]
    mesh = np.meshgrid(*axes[::-1], indexing="ij")[::-1]
    base = np.stack([*mesh, np.ones_like(mesh[0])], axis=-1).reshape(1, -1, spatial + 1)
    from ..creation import tensor
    base = tensor(base, dtype=theta.dtype, device=theta.device)
    grid = base.matmul(theta.transpose(1, 2))
    return grid.reshape(size[0], *size[2:], spatial)


# --- grid_sample --------------------------------------------------------------------------------------------

def _unnormalize(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    """-1..1 to pixel units: the corner pixels' centres (align_corners) or their outer edges."""
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _reflect(coordinate: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Reflect into [twice_low / 2, twice_high / 2], as often as it takes."""
    if twice_low == twice_high:
        return coordinate * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coordinate - low).abs()
    extra = distance.fmod(span)
    flips = (distance / span).floor().detach()
    even = flips.fmod(2) == 0
    from .elementwise import where
    return where(even, extra + low, (extra * -1) + (span + low))


def _pad_coordinate(coordinate: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """The padding rule of a pixel coordinate: clip to the border, or reflect and clip; zeros leaves it."""
    if padding_mode == "reflection":
        coordinate = _reflect(coordinate, 0, 2 * (size - 1)) if align_corners else \
            _reflect(coordinate, -1, 2 * size - 1)
    if padding_mode in ("border", "reflection"):
        coordinate = coordinate.clamp(0, size - 1)
    return coordinate


def _interpolate(input: Tensor, taps: list, out_spatial: tuple) -> Tensor:
    """The weighted sum of input[n, :, i_d, ..., i_w] over taps, zero outside the input, in one gather.

    Each tap is (indices, weight): one integer-valued float tensor per spatial dim, in the input's
    dim order, and a weight, all (N, *out_spatial).
    """
    from .elementwise import logical_and
    from .shape import stack
    n, c, sizes = input.shape[0], input.shape[1], tuple(input.shape[2:])
    linears, weights = [], []
    for indices, weight in taps:
        linear, inside = None, None
        for index, size in zip(indices, sizes):
            in_range = logical_and(index >= 0, index <= size - 1)
            inside = in_range if inside is None else logical_and(inside, in_range)
            index = index.clamp(0, size - 1)
            linear = index if linear is None else linear * size + index
        linears.append(linear)
        weights.append(weight * inside.to(weight.dtype))
    count = len(taps) * math.prod(out_spatial)
    linear = stack(linears, 1).long().reshape(n, 1, count).expand(n, c, count)
    values = input.reshape(n, c, -1).gather(2, linear).reshape(n, c, len(taps), *out_spatial)
    return (values * stack(weights, 1).unsqueeze(1)).sum(2)


def _check_grid_sample(input: Tensor, grid: Tensor, mode: str, padding_mode: str) -> None:
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {_sizes(input.shape)} and grid with sizes {_sizes(grid.shape)}")
    if grid.ndim != input.ndim or grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {_sizes(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {_sizes(input.shape)} and grid with sizes {_sizes(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be on same device, but input is on "
                           f"{input.device} and grid is on {grid.device}")
    if mode == "bicubic" and input.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if min(input.shape[2:], default=1) <= 0:
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                           f"sizes {_sizes(input.shape)}")


def _cubic_coefficients(t: Tensor) -> list:
    """The four cubic-convolution weights of the taps at floor - 1 .. floor + 2 for a fraction t."""
    def near(x):  # |x| <= 1
        return ((x * (_CUBIC_A + 2) - (_CUBIC_A + 3)) * x) * x + 1

    def far(x):  # 1 < |x| < 2
        return ((x * _CUBIC_A - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A
    return [far(t + 1), near(t), near((t * -1) + 1), far((t * -1) + 2)]


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample input at the grid's normalised coordinates, differentiably in both.

    Args:
        input: (N, C, H, W), or (N, C, D, H, W) for bilinear (trilinear) and nearest sampling
        grid: (N, H_out, W_out, 2) holding (x, y) in [-1, 1], or (N, D_out, H_out, W_out, 3) holding (x, y, z)
        mode: 'bilinear', 'nearest' (ties round half to even) or 'bicubic' (4-d only)
        padding_mode: what positions outside the input read: 'zeros', 'border' (the nearest edge pixel) or
            'reflection' (the input mirrored at its border)
        align_corners: whether -1 and 1 are the centres of the corner pixels (True) or their outer edges
            (False, the default, with a warning when left unset)

    Returns:
        (N, C, H_out, W_out) or (N, C, D_out, H_out, W_out).

    Example:
        >>> image = axonml.arange(16.0).reshape(1, 1, 4, 4)
        >>> theta = axonml.tensor([[[0.5, 0.0, 0.0], [0.0, 0.5, 0.0]]])
        >>> zoomed = F.grid_sample(image, F.affine_grid(theta, (1, 1, 4, 4), False), align_corners=False)
    """
    align_corners = _align_corners(align_corners)
    _check_grid_sample(input, grid, mode, padding_mode)
    spatial = input.ndim - 2
    sizes = tuple(input.shape[2:])
    out_spatial = tuple(grid.shape[1:-1])
    # grid's last dim is (x, y[, z]): reversed, it lines up with the input's (D,) H, W dims
    coordinates = [_unnormalize(grid.select(-1, spatial - 1 - d), sizes[d], align_corners) for d in range(spatial)]

    if mode == "bicubic":
        floors = [c.detach().floor() for c in coordinates]
        weights = [_cubic_coefficients(c - f) for c, f in zip(coordinates, floors)]
        taps = []
        for offsets in itertools.product(range(4), repeat=spatial):
            indices = [_pad_coordinate(f + (offset - 1), size, padding_mode, align_corners).floor()
                       for f, offset, size in zip(floors, offsets, sizes)]
            taps.append((indices, math.prod((w[offset] for w, offset in zip(weights, offsets)), start=1)))
        return _interpolate(input, taps, out_spatial)

    coordinates = [_pad_coordinate(c, size, padding_mode, align_corners) for c, size in zip(coordinates, sizes)]
    if mode == "nearest":
        indices = [c.detach().round() for c in coordinates]
        # weight 1, and a zero gradient to the grid, as torch gives
        return _interpolate(input, [(indices, coordinates[0] * 0 + 1)], out_spatial)

    floors = [c.detach().floor() for c in coordinates]
    fractions = [c - f for c, f in zip(coordinates, floors)]
    taps = [([f + step for f, step in zip(floors, corner)],
             math.prod((t if step else (t * -1) + 1 for t, step in zip(fractions, corner)), start=1))
            for corner in itertools.product((0, 1), repeat=spatial)]
    return _interpolate(input, taps, out_spatial)
