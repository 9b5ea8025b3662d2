"""Statistics: quantile, nanquantile, histogram, bucketize, cov and corrcoef.

All are composed from other ops (sort, gather, searchsorted, scatter_add, matmul ...), so they run
wherever those do and are differentiable where torch's are (quantile through the gathered sorted
values, cov and corrcoef through the products).
"""
from __future__ import annotations

import numbers
from collections import namedtuple

from ..tensor import Tensor
from ._checks import check_tensor as _check_tensor
from .reduce import _legacy_name, return_types
from .sort import searchsorted

__all__ = ["quantile", "nanquantile", "bucketize", "histogram", "histogramdd", "cov", "corrcoef"]

return_types.histogram = namedtuple("histogram", ["hist", "bin_edges"])
return_types.histogramdd = namedtuple("histogramdd", ["hist", "bin_edges"])
_builtin_range = range

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name: str, input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    """The q-th quantiles along dim (all elements when None) of the sorted values, NaN sorted last: a NaN in a
    line makes its quantiles NaN, unless ignore_nan drops NaNs from the count."""
    from ..creation import tensor as _tensor
    _check_tensor(name, input)
    if input.dtype.np.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        q_values = [float(v) for v in q.detach().cpu().reshape(-1).tolist()]
        scalar_q = q.ndim == 0
    elif isinstance(q, numbers.Real) and not isinstance(q, bool):
        q_values, scalar_q = [float(q)], True
    else:
        raise TypeError(f"{name}(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    for value in q_values:
        if not 0.0 <= value <= 1.0:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {value}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")

    if dim is None:
        lines = input.reshape(-1)
        out_shape = [1] * input.ndim if keepdim else []
    else:
        if not -max(input.ndim, 1) <= dim < max(input.ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                             f"{max(input.ndim, 1) - 1}], but got {dim})")
        dim = dim % max(input.ndim, 1)
        lines = input.movedim(dim, -1) if input.ndim else input.reshape(1)
        out_shape = list(input.shape)
        if input.ndim:
            if keepdim:
                out_shape[dim] = 1
            else:
                del out_shape[dim]
    size = lines.shape[-1]
    ordered = lines.sort(dim=-1).values
    q_tensor = _tensor(q_values, dtype=input.dtype, device=input.device)
    if ignore_nan:
        counts = (~ordered.detach().isnan()).sum(-1, keepdim=True).to(input.dtype)
        ranks = (q_tensor * (counts - 1)).clamp(min=0)
    else:
        # a NaN sorts last: pointing every rank of its line there makes the line's quantiles NaN
        last_is_nan = ordered.detach()[..., -1:].isnan()
        ranks = (q_tensor * (size - 1)).where(~last_is_nan, float(size - 1))
    ranks = ranks.expand(*ordered.shape[:-1], len(q_values))

    if interpolation in ("lower", "higher", "nearest"):
        rounded = {"lower": ranks.floor, "higher": ranks.ceil, "nearest": ranks.round}[interpolation]()
        result = ordered.gather(-1, rounded.long())
    else:
        below = ranks.floor().long()
        above = ranks.ceil().long()
        weight = ranks - below.to(input.dtype)
        if interpolation == "midpoint":
            weight = (above > below).to(input.dtype) * 0.5
        low, high = ordered.gather(-1, below), ordered.gather(-1, above)
        result = low + weight * (high - low)
    # (..., Q) -> (Q, *out_shape), or out_shape for a scalar q
    result = result.movedim(-1, 0)
    return result.reshape(out_shape) if scalar_q else result.reshape([len(q_values)] + out_shape)


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles of input along dim (of all its elements when dim is None).

    A line holding a NaN has NaN quantiles (nanquantile ignores NaNs instead).

    Args:
        input: a float tensor.
        q: a probability in [0, 1], or a 0-d or 1-d tensor of them (of input's dtype): the quantiles then
            make the result's first dimension.
        dim: the dimension to reduce, or None for all elements.
        keepdim: keep dim (all dims when dim is None) with size 1.
        interpolation: between the two data points i < j around the rank q (n - 1): 'linear'
            (x_i + (x_j - x_i) * fraction), 'lower' (x_i), 'higher' (x_j), 'nearest' (the nearer, ties to the even
            rank) or 'midpoint' ((x_i + x_j) / 2).

    Example:
        >>> axonml.quantile(axonml.tensor([0.0, 1.0, 2.0, 3.0]), 0.25)
        tensor(0.7500)
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile, ignoring NaNs: each line's quantiles are those of its non-NaN values (NaN when all are NaN).

    Args:
        input, q, dim, keepdim, interpolation: as for quantile.
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The index of the bucket of boundaries each element of input falls in.

    With right=False the index i satisfies boundaries[i-1] < x <= boundaries[i]; with right=True,
    boundaries[i-1] <= x < boundaries[i].

    Args:
        input: a tensor or a number.
        boundaries: a 1-d ascending tensor.
        out_int32: int32 indices instead of int64.
        right: which side of a boundary equal to x the bucket is on.
    """
    _check_tensor("bucketize", boundaries)
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _bin_edges(input: Tensor, values: Tensor, bins, low_high):
    """One dimension's bin edges: bins itself when it is a tensor, else bins + 1 edges evenly spaced over low_high
    (by default the values' minimum and maximum; widened by 0.5 each way when they coincide)."""
    from ..creation import linspace
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise RuntimeError(f"histogramdd(): bins tensor should have one dimension, but got {bins.ndim}")
        if bins.dtype != input.dtype:
            raise RuntimeError("histogramdd(): bins tensor should have same dtype as input")
        if bins.numel() < 1:
            raise RuntimeError("histogramdd(): bins tensor should have at least 1 element, but got 0")
        return bins.detach()
    if not isinstance(bins, numbers.Integral) or isinstance(bins, bool):
        raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"histogramdd(): bins must be > 0, but got {bins}")
    if low_high is not None:
        low, high = float(low_high[0]), float(low_high[1])
    elif values.numel():
        low, high = float(values.min().item()), float(values.max().item())
    else:
        low, high = 0.0, 0.0
    if low > high:
        raise RuntimeError(f"histogramdd(): min should not exceed max, but got min {low} max {high}")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return linspace(low, high, int(bins) + 1, dtype=input.dtype, device=input.device)


def _bin_index(values: Tensor, edges: Tensor):
    """(bin index, inside): bin i holds edges[i] <= x < edges[i+1], the last bin also x == edges[-1]."""
    count = edges.numel() - 1
    index = searchsorted(edges, values, right=True) - 1
    index = index.where(values != edges[-1], count - 1)
    inside = (values >= edges[0]) & (values <= edges[-1]) & (index >= 0) & (index < max(count, 1))
    return index, inside


def _histogram(points: Tensor, bins: list, ranges: list, weight, density: bool):
    """The D-dimensional histogram of points (N, D): (hist shaped by the bin counts, the edges of each dim)."""
    from ..creation import tensor as _tensor, zeros
    edges = [_bin_edges(points, points[:, d], b, r) for d, (b, r) in enumerate(zip(bins, ranges))]
    counts = [e.numel() - 1 for e in edges]
    total = 1
    for c in counts:
        total *= c
    flat = None
    inside = None
    for d, e in enumerate(edges):
        index, within = _bin_index(points[:, d], e)
        flat = index if flat is None else flat * counts[d] + index
        inside = within if inside is None else inside & within
    rows = points.shape[0]
    counted = (weight.detach().reshape(-1).to(points.dtype) if weight is not None
               else _tensor(1.0, dtype=points.dtype, device=points.device).expand(rows))
    counted = counted.where(inside, 0.0)
    slots = flat.where(inside, total)
    hist = zeros(total + 1, dtype=points.dtype, device=points.device).scatter_add(0, slots, counted)[:total]
    hist = hist.reshape(counts)
    if density:
        volume = None
        for d, e in enumerate(edges):
            width = (e[1:] - e[:-1]).reshape([-1 if k == d else 1 for k in _builtin_range(len(edges))])
            volume = width if volume is None else volume * width
        hist = hist / (hist.sum() * volume)
    return hist, edges


def _check_histogram_input(name: str, input: Tensor, weight, rows_shape) -> None:
    _check_tensor(name, input)
    if input.dtype.np.kind != "f":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_legacy_name(input.dtype)}'")
    if weight is not None and tuple(weight.shape) != tuple(rows_shape):
        raise RuntimeError(f"histogramdd(): if weight tensor is provided it should have the same shape as the input "
                           f"tensor excluding its innermost dimension, but got input with shape "
                           f"{list(input.shape)} and weight with shape {list(weight.shape)}")


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False):
    """A histogram of input's values: the named tuple (hist, bin_edges).

    Args:
        input: a float tensor (flattened).
        bins: the number of equal-width bins, or a 1-d tensor of ascending bin edges.
        range: (min, max) of the bins for an integer bins; by default the data's minimum and maximum.
        weight: a tensor shaped like input: each element counts its weight instead of 1.
        density: divide each count by the total count times its bin's width, so the histogram integrates to 1.

    Elements outside the edges are not counted; the last bin includes its right edge.

    Example:
        >>> axonml.histogram(axonml.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
        histogram(hist=tensor([0., 2., 1., 0.]), bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
    """
    _check_histogram_input("histogram", input, weight, input.shape)
    hist, (edges,) = _histogram(input.detach().reshape(-1, 1), [bins], [range], weight, density)
    return return_types.histogram(hist, edges)


def histogramdd(input: Tensor, bins=10, *, range=None, weight: Tensor | None = None, density: bool = False):
    """A D-dimensional histogram of the points in input's rows (..., D): the named tuple (hist, bin_edges).

    Args:
        input: a float tensor of at least 2 dimensions; its last dimension holds each point's D coordinates.
        bins: one bin count for every dimension, a sequence of D counts, or a sequence of D 1-d edge tensors.
        range: the flat sequence (min_0, max_0, ..., min_{D-1}, max_{D-1}) of the bins for integer counts; by
            default each dimension's data minimum and maximum.
        weight: a tensor shaped like input without its last dimension: each point counts its weight instead of 1.
        density: divide each count by the total count times its bin's volume.
    """
    _check_histogram_input("histogramdd", input, weight, input.shape[:-1])
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    dims = input.shape[-1]
    bins = list(bins) if isinstance(bins, (list, tuple)) else [bins] * dims
    if len(bins) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None:
        range = [float(v) for v in range]
        if len(range) != 2 * dims:
            raise RuntimeError("histogramdd: The size of range must be equal to 2 * the innermost dimension of the "
                               "input.")
        ranges = [range[2 * d:2 * d + 2] for d in _builtin_range(dims)]
    else:
        ranges = [None] * dims
    hist, edges = _histogram(input.detach().reshape(-1, dims), bins, ranges, weight, density)
    return return_types.histogramdd(hist, tuple(edges))


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in input's rows (observations in its columns).

    Args:
        input: a 1-d tensor (one variable) or a 2-d tensor (variables, observations).
        correction: the difference between the sample size and the degrees of freedom (1: Bessel's unbiased
            estimate, 0: the maximum-likelihood one).
        fweights: integer frequency weights, one per observation (how often it was seen).
        aweights: float observation weights, one per observation (its importance).

    Example:
        >>> axonml.cov(axonml.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    _check_tensor("cov", input)
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x.dtype.np.kind not in "fV":
        from .._dtype import get_default_dtype
        x = x.to(get_default_dtype())
    observations = x.shape[1]
    weights = None
    for name, w, integral in (("fweights", fweights, True), ("aweights", aweights, False)):
        if w is None:
            continue
        _check_tensor("cov", w)
        if w.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{w.ndim} dimensions")
        if w.numel() != observations:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                               f"input but got {w.numel()} != {observations}")
        if integral and w.dtype.np.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{_legacy_name(w.dtype)} dtype")
        if not integral and w.dtype.np.kind not in "fV":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{_legacy_name(w.dtype)} dtype")
        if w.numel() and (w < 0).any().item():
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = w.reshape(-1).to(x.dtype)
        weights = w if weights is None else weights * w
    if weights is None:
        mean = x.mean(1, keepdim=True)
        weight_sum = float(observations)
        norm = weight_sum - correction
    else:
        weight_sum_t = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / weight_sum_t
        weight_sum = weight_sum_t
        if aweights is None:
            norm = weight_sum - correction
        else:
            norm = weight_sum - correction * (weights * aweights.reshape(-1).to(x.dtype)).sum() / weight_sum
    centered = x - mean
    product = (centered * weights if weights is not None else centered).matmul(centered.t())
    if isinstance(norm, Tensor):
        norm = norm.clamp(min=0)
    else:
        norm = max(norm, 0.0)
    result = product / norm
    return result.reshape(()) if x.shape[0] == 1 else result


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the variables in input's rows, cov / (std_i std_j), clipped to
    [-1, 1].

    Args:
        input: a 1-d tensor (one variable) or a 2-d tensor (variables, observations).
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    return (c / std.unsqueeze(1) / std.unsqueeze(0)).clamp(-1, 1)
