"""int8 post-training calibration: observers that watch values and choose a scale and zero point.

An observer is called on every batch it should see (``observer(x)``, as PyTorch's
``torch.ao.quantization`` observers) and then gives ``calculate_qparams() -> (scale, zero_point)``
for the range it chose: per tensor, or per channel along ``ch_axis``. The range comes from

- :class:`MinMaxObserver`: the smallest and largest value seen;
- :class:`PercentileObserver`: percentiles of the values seen (clips rare outliers);
- :class:`MeanStdObserver`: mean +- k standard deviations (within the values seen);
- :class:`EntropyObserver`: the clipping threshold whose 8-bit histogram is closest to the float one
  in KL divergence (TensorRT's entropy calibration).

The scale and zero point follow PyTorch's formula (``_calculate_qparams`` of its observers) for the
same range, dtype and scheme, and :func:`quantize_per_tensor` / :func:`quantize_per_channel` round as
``torch.quantize_per_tensor`` does. :func:`calibrate` runs a model over sample batches and returns
the parameters of every Linear layer's input and weight.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor

__all__ = ["MinMaxObserver", "PercentileObserver", "MeanStdObserver", "EntropyObserver", "calibrate",
           "quantize_per_tensor", "dequantize_per_tensor", "quantize_per_channel", "dequantize_per_channel",
           "QSCHEMES"]

QSCHEMES = ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric")
_RANGES = {"qint8": (-128, 127), "quint8": (0, 255)}
_EPS = float(np.finfo(np.float32).eps)
_BINS = 2048


def _dtype_name(dtype) -> str:
    name = getattr(dtype, "name", None) or str(dtype)
    name = name.replace("torch.", "").replace("axonml.", "")
    name = {"int8": "qint8", "uint8": "quint8"}.get(name, name)
    if name not in _RANGES:
        raise ValueError(f"observers quantize to qint8 or quint8, got {dtype}")
    return name


def _values(x) -> np.ndarray:
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    array = np.asarray(x)
    if array.dtype.kind != "f":
        raise TypeError(f"observers watch floating-point values, got {array.dtype}")
    return array.astype(np.float64, copy=False)


class _Observer:
    """Shared by the observers: dtype, scheme, channel axis, and the (scale, zero_point) formula."""

    def __init__(self, dtype="quint8", qscheme: str = "per_tensor_affine", ch_axis: int = 0,
                 reduce_range: bool = False, quant_min: int | None = None, quant_max: int | None = None,
                 eps: float = _EPS) -> None:
        if qscheme not in QSCHEMES:
            raise ValueError(f"unknown qscheme {qscheme!r}; one of {', '.join(QSCHEMES)}")
        self.dtype = _dtype_name(dtype)
        self.qscheme = qscheme
        self.ch_axis = int(ch_axis)
        low, high = _RANGES[self.dtype]
        if reduce_range:  # 7-bit range, as PyTorch's reduce_range
            low, high = (-64, 63) if self.dtype == "qint8" else (0, 127)
        self.quant_min = low if quant_min is None else int(quant_min)
        self.quant_max = high if quant_max is None else int(quant_max)
        if not low <= self.quant_min < self.quant_max <= high:
            raise ValueError(f"quant_min/quant_max ({self.quant_min}, {self.quant_max}) must lie in [{low}, {high}] "
                             f"with quant_min < quant_max")
        self.eps = float(eps)
        self.seen = 0

    @property
    def per_channel(self) -> bool:
        return self.qscheme.startswith("per_channel")

    @property
    def symmetric(self) -> bool:
        return self.qscheme.endswith("symmetric")

    def _rows(self, x) -> np.ndarray:
        """x as (channels, values) for per-channel schemes, (1, values) per tensor."""
        array = _values(x)
        if not self.per_channel:
            return array.reshape(1, -1)
        if array.ndim == 0:
            raise ValueError("per-channel observers need at least one dimension")
        return np.moveaxis(array, self.ch_axis, 0).reshape(array.shape[self.ch_axis], -1)

    def __call__(self, x):
        """Observe x (a Tensor or array) and return it unchanged, as an observer module does."""
        rows = self._rows(x)
        if rows.size:
            self._observe(rows)
            self.seen += 1
        return x

    forward = __call__

    def _observe(self, rows: np.ndarray) -> None:
        raise NotImplementedError

    def range(self) -> tuple[np.ndarray, np.ndarray]:
        """The chosen (min, max), float32 arrays of one entry per channel (one for per-tensor)."""
        raise NotImplementedError

    def calculate_qparams(self):
        """(scale, zero_point): floats and ints per tensor, float32 and int64 arrays per channel."""
        if not self.seen:
            raise RuntimeError(f"{type(self).__name__} has observed no values: call it on data first")
        low, high = self.range()
        scale, zero_point = _qparams(np.asarray(low, np.float32), np.asarray(high, np.float32), self.quant_min,
                                     self.quant_max, self.symmetric, self.dtype, self.eps)
        if self.per_channel:
            return scale, zero_point
        return float(scale[0]), int(zero_point[0])


def _qparams(min_val, max_val, quant_min, quant_max, symmetric, dtype, eps):
    """PyTorch's UniformQuantizationObserverBase._calculate_qparams, in float32."""
    min_neg = np.minimum(min_val, np.float32(0))
    max_pos = np.maximum(max_val, np.float32(0))
    eps = np.float32(eps)
    if symmetric:
        max_pos = np.maximum(-min_neg, max_pos)
        scale = np.maximum(max_pos / np.float32((quant_max - quant_min) / 2), eps).astype(np.float32)
        middle = (quant_min + quant_max + 1) // 2 if dtype == "quint8" else 0
        zero_point = np.full(scale.shape, middle, np.int64)
    else:
        scale = np.maximum((max_pos - min_neg) / np.float32(quant_max - quant_min), eps).astype(np.float32)
        zero_point = quant_min - np.rint(min_neg / scale).astype(np.int64)
        zero_point = np.clip(zero_point, quant_min, quant_max)
    return scale, zero_point


class MinMaxObserver(_Observer):
    """The range of all values seen: [min, max] (per channel along ch_axis for the per_channel schemes).

    Args:
        dtype: 'qint8' (-128..127) or 'quint8' (0..255). Default: 'quint8', as PyTorch.
        qscheme: one of 'per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine',
            'per_channel_symmetric'. Default: 'per_tensor_affine'.
        ch_axis: the channel dimension of the per-channel schemes. Default: 0.
        reduce_range: use 7 bits of the range. Default: ``False``.
        quant_min, quant_max: a narrower integer range. Default: the dtype's.

    Example::

        >>> observer = MinMaxObserver(dtype="qint8", qscheme="per_tensor_symmetric")
        >>> for batch in batches:
        ...     observer(batch)
        >>> scale, zero_point = observer.calculate_qparams()
    """

    def __init__(self, dtype="quint8", qscheme: str = "per_tensor_affine", ch_axis: int = 0, **kwargs) -> None:
        super().__init__(dtype, qscheme, ch_axis, **kwargs)
        self.min_val = self.max_val = None

    def _observe(self, rows):
        low, high = rows.min(axis=1), rows.max(axis=1)
        if self.min_val is None:
            self.min_val, self.max_val = low, high
        else:
            if low.shape != self.min_val.shape:
                raise ValueError(f"{self.min_val.size} channels observed so far, this batch has {low.size}")
            self.min_val, self.max_val = np.minimum(self.min_val, low), np.maximum(self.max_val, high)

    def range(self):
        return self.min_val.astype(np.float32), self.max_val.astype(np.float32)


class MeanStdObserver(_Observer):
    """The range mean +- ``num_std`` standard deviations of all values seen, within [min, max].

    Args:
        num_std: how many standard deviations either side of the mean. Default: 3.
        dtype, qscheme, ch_axis, ...: as :class:`MinMaxObserver`.
    """

    def __init__(self, num_std: float = 3.0, dtype="quint8", qscheme: str = "per_tensor_affine", ch_axis: int = 0,
                 **kwargs) -> None:
        super().__init__(dtype, qscheme, ch_axis, **kwargs)
        if not num_std > 0:
            raise ValueError(f"num_std must be positive, got {num_std}")
        self.num_std = float(num_std)
        self._minmax = MinMaxObserver(dtype, qscheme, ch_axis, **kwargs)
        self.count = self.total = self.total_sq = None

    def _observe(self, rows):
        self._minmax._observe(rows)
        count, total, total_sq = rows.shape[1], rows.sum(axis=1), (rows ** 2).sum(axis=1)
        if self.count is None:
            self.count, self.total, self.total_sq = count, total, total_sq
        else:
            self.count, self.total, self.total_sq = self.count + count, self.total + total, self.total_sq + total_sq

    def range(self):
        mean = self.total / self.count
        std = np.sqrt(np.maximum(self.total_sq / self.count - mean ** 2, 0.0))
        low, high = self._minmax.range()
        return (np.maximum(mean - self.num_std * std, low).astype(np.float32),
                np.minimum(mean + self.num_std * std, high).astype(np.float32))


class _HistogramObserver(_Observer):
    """Keeps, per channel, a histogram of the values seen over [min, max] (re-binned as the range grows)."""

    def __init__(self, dtype, qscheme, ch_axis, bins: int = _BINS, **kwargs) -> None:
        super().__init__(dtype, qscheme, ch_axis, **kwargs)
        if bins < 2:
            raise ValueError(f"bins must be at least 2, got {bins}")
        self.bins = int(bins)
        self.histograms = self.low = self.high = None

    def _observe(self, rows):
        low, high = rows.min(axis=1), rows.max(axis=1)
        if self.histograms is None:
            self.low, self.high = low, high
            self.histograms = np.zeros((rows.shape[0], self.bins), np.float64)
        elif low.shape != self.low.shape:
            raise ValueError(f"{self.low.size} channels observed so far, this batch has {low.size}")
        new_low, new_high = np.minimum(self.low, low), np.maximum(self.high, high)
        for c in range(rows.shape[0]):
            if (new_low[c], new_high[c]) != (self.low[c], self.high[c]) and self.histograms[c].any():
                self.histograms[c] = _rebin(self.histograms[c], self.low[c], self.high[c], new_low[c], new_high[c])
            self.histograms[c] += _histogram(rows[c], new_low[c], new_high[c], self.bins)
        self.low, self.high = new_low, new_high

    def _edges(self, c):
        return np.linspace(self.low[c], self.high[c], self.bins + 1) if self.high[c] > self.low[c] else None


def _histogram(values, low, high, bins):
    if high <= low:
        counts = np.zeros(bins)
        counts[0] = values.size
        return counts
    return np.histogram(values, bins=bins, range=(low, high))[0].astype(np.float64)


def _rebin(counts, low, high, new_low, new_high):
    """Move a histogram over [low, high] onto the same number of bins over [new_low, new_high] (each old
    bin's count goes to the new bin of its centre)."""
    bins = counts.size
    if high <= low:
        centres = np.full(bins, low)
    else:
        centres = low + (np.arange(bins) + 0.5) * (high - low) / bins
    index = np.clip(((centres - new_low) / (new_high - new_low) * bins).astype(np.int64), 0, bins - 1)
    return np.bincount(index, weights=counts, minlength=bins)


def _cumulative_quantile(counts, edges, q):
    """The value below which a fraction q of the histogram's mass lies (linear within a bin)."""
    cumulative = np.cumsum(counts)
    target = q * cumulative[-1]
    i = int(np.searchsorted(cumulative, target, side="left"))
    i = min(i, counts.size - 1)
    before = cumulative[i - 1] if i else 0.0
    inside = (target - before) / counts[i] if counts[i] else 0.0
    return edges[i] + inside * (edges[i + 1] - edges[i])


class PercentileObserver(_HistogramObserver):
    """The range between percentiles of the values seen (from a histogram of ``bins`` bins).

    Affine schemes clip at the ``100 - percentile`` and ``percentile`` percentiles; symmetric ones at
    the ``percentile`` percentile of the magnitudes.

    Args:
        percentile: in (50, 100]. Default: 99.99.
        bins: histogram bins per channel. Default: 2048.
        dtype, qscheme, ch_axis, ...: as :class:`MinMaxObserver`.
    """

    def __init__(self, percentile: float = 99.99, dtype="quint8", qscheme: str = "per_tensor_affine",
                 ch_axis: int = 0, bins: int = _BINS, **kwargs) -> None:
        super().__init__(dtype, qscheme, ch_axis, bins, **kwargs)
        if not 50 < percentile <= 100:
            raise ValueError(f"percentile must lie in (50, 100], got {percentile}")
        self.percentile = float(percentile)

    def range(self):
        q = self.percentile / 100
        lows, highs = [], []
        for c in range(self.histograms.shape[0]):
            edges = self._edges(c)
            if edges is None:
                lows.append(self.low[c])
                highs.append(self.high[c])
            elif self.symmetric:
                bound = _magnitude_quantile(self.histograms[c], edges, q)
                lows.append(max(-bound, self.low[c]))
                highs.append(min(bound, self.high[c]))
            else:
                lows.append(_cumulative_quantile(self.histograms[c], edges, 1 - q))
                highs.append(_cumulative_quantile(self.histograms[c], edges, q))
        return np.asarray(lows, np.float32), np.asarray(highs, np.float32)


def _magnitudes(counts, edges):
    """A histogram of |x| over [0, max |edge|] with as many bins, from a histogram of x."""
    bins = counts.size
    top = max(abs(edges[0]), abs(edges[-1]))
    centres = np.abs((edges[:-1] + edges[1:]) / 2)
    index = np.clip((centres / top * bins).astype(np.int64), 0, bins - 1) if top > 0 else np.zeros(bins, np.int64)
    return np.bincount(index, weights=counts, minlength=bins), np.linspace(0.0, top, bins + 1)


def _magnitude_quantile(counts, edges, q):
    magnitude_counts, magnitude_edges = _magnitudes(counts, edges)
    return _cumulative_quantile(magnitude_counts, magnitude_edges, q)


class EntropyObserver(_HistogramObserver):
    """The clipping threshold T that minimises KL(P || Q), P the histogram of |x| clipped at T (outliers
    added to its last bin) and Q the same histogram quantized to the integer range's levels (TensorRT's
    entropy calibration). The range is [-T, T] for symmetric schemes, [max(min, -T), min(max, T)] for affine ones.

    Args:
        bins: histogram bins per channel. Default: 2048.
        dtype, qscheme, ch_axis, ...: as :class:`MinMaxObserver`.
    """

    def __init__(self, dtype="quint8", qscheme: str = "per_tensor_affine", ch_axis: int = 0, bins: int = _BINS,
                 **kwargs) -> None:
        super().__init__(dtype, qscheme, ch_axis, bins, **kwargs)

    def range(self):
        levels = (self.quant_max - self.quant_min + 1) // 2  # the levels on one side of zero
        lows, highs = [], []
        for c in range(self.histograms.shape[0]):
            edges = self._edges(c)
            if edges is None:
                lows.append(self.low[c])
                highs.append(self.high[c])
                continue
            counts, magnitude_edges = _magnitudes(self.histograms[c], edges)
            threshold = magnitude_edges[_kl_threshold_bin(counts, levels)]
            lows.append(max(-threshold, self.low[c]))
            highs.append(min(threshold, self.high[c]))
        return np.asarray(lows, np.float32), np.asarray(highs, np.float32)


def _kl_threshold_bin(counts: np.ndarray, levels: int) -> int:
    """The number of leading bins i (levels <= i <= bins) whose clipped distribution quantizes with the
    least KL divergence; all bins when there are no more than ``levels``."""
    bins = counts.size
    if bins <= levels:
        return bins
    best, best_divergence = bins, math.inf
    for i in range(levels, bins + 1):
        reference = counts[:i].copy()
        reference[-1] += counts[i:].sum()  # outliers clip to the threshold
        if reference.sum() == 0:
            continue
        # Q: merge the i bins into `levels` groups, spread each group's mass over its non-empty bins
        group = (np.arange(i) * levels) // i
        nonzero = counts[:i] != 0
        mass = np.bincount(group, weights=counts[:i], minlength=levels)
        filled = np.bincount(group, weights=nonzero, minlength=levels)
        candidate = np.where(nonzero, mass[group] / np.maximum(filled[group], 1), 0.0)
        p = reference / reference.sum()
        total = candidate.sum()
        if total == 0:
            continue
        q = candidate / total
        support = p > 0
        if np.any(q[support] == 0):
            divergence = math.inf
        else:
            divergence = float(np.sum(p[support] * np.log(p[support] / q[support])))
        if divergence < best_divergence:
            best, best_divergence = i, divergence
    return best


def _integer_dtype(dtype) -> np.dtype:
    return np.dtype(np.int8 if _dtype_name(dtype) == "qint8" else np.uint8)


def quantize_per_tensor(x, scale: float, zero_point: int, dtype="quint8") -> np.ndarray:
    """The integers of x quantized with one scale and zero point: clamp(round(x / scale) + zero_point)
    (round half to even, as ``torch.quantize_per_tensor(...).int_repr()``). A NumPy int8 / uint8 array."""
    info = np.iinfo(_integer_dtype(dtype))
    values = np.asarray(_values(x), np.float32)
    q = np.rint(values / np.float32(scale)) + np.float32(zero_point)
    return np.clip(q, info.min, info.max).astype(info.dtype)


def dequantize_per_tensor(q, scale: float, zero_point: int) -> np.ndarray:
    """(q - zero_point) * scale as float32."""
    return ((np.asarray(q, np.int32) - int(zero_point)).astype(np.float32) * np.float32(scale)).astype(np.float32)


def _channel_shape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return shape


def quantize_per_channel(x, scales, zero_points, axis: int, dtype="qint8") -> np.ndarray:
    """As :func:`quantize_per_tensor` with one scale and zero point per index of ``axis``."""
    info = np.iinfo(_integer_dtype(dtype))
    values = np.asarray(_values(x), np.float32)
    shape = _channel_shape(values.ndim, axis)
    scales = np.asarray(scales, np.float32).reshape(shape)
    zero_points = np.asarray(zero_points, np.float32).reshape(shape)
    q = np.rint(values / scales) + zero_points
    return np.clip(q, info.min, info.max).astype(info.dtype)


def dequantize_per_channel(q, scales, zero_points, axis: int) -> np.ndarray:
    q = np.asarray(q, np.int32)
    shape = _channel_shape(q.ndim, axis)
    return ((q - np.asarray(zero_points, np.int32).reshape(shape)).astype(np.float32)
            * np.asarray(scales, np.float32).reshape(shape)).astype(np.float32)


def calibrate(model, batches, observer=MinMaxObserver, weight_observer=None, layer_types=None) -> dict:
    """Run ``model`` on calibration batches and return int8 parameters for each Linear layer.

    Args:
        model: a Module; it runs in eval mode under no_grad, its mode restored afterwards.
        batches: an iterable of inputs (each passed as ``model(batch)``; tuples as ``model(*batch)``).
        observer: a callable that makes the activation observer (a class or a ``functools.partial``).
            Default: :class:`MinMaxObserver` (quint8, per tensor affine).
        weight_observer: makes the weight observer. Default: per-channel symmetric qint8 MinMax.
        layer_types: module classes to calibrate. Default: ``(nn.Linear,)``.

    Returns:
        ``{layer name: {"input": (scale, zero_point), "weight": (scales, zero_points)}}``.
    """
    from ..autograd import no_grad
    from ..nn.modules.linear import Linear
    layer_types = tuple(layer_types or (Linear,))
    if weight_observer is None:
        def weight_observer():
            return MinMaxObserver(dtype="qint8", qscheme="per_channel_symmetric", ch_axis=0)
    observers, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            observers[name] = observer()

            def hook(mod, args, _observer=observers[name]):
                _observer(args[0])
            handles.append(module.register_forward_pre_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for batch in batches:
                model(*batch) if isinstance(batch, (tuple, list)) else model(batch)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    modules = dict(model.named_modules())
    result = {}
    for name, input_observer in observers.items():
        weights = weight_observer()
        weights(modules[name].weight)
        result[name] = {"input": input_observer.calculate_qparams(), "weight": weights.calculate_qparams()}
    return result
