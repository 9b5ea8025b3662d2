"""PyTorch's tensor repr: tensor([[ 1.0000, -2.5000], ...], requires_grad=True).

The rules are PyTorch's: one formatter per tensor picks integer, fixed or scientific notation from
the nonzero finite values and pads every element to a common width; tensors with more than
`threshold` elements show `edgeitems` items at each end of every dimension around `...`.
"""
from __future__ import annotations

import math

import numpy as np

from . import _dtype

__all__ = ["format_tensor", "set_printoptions"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80}
_PROFILES = {"default": _DEFAULTS, "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
             "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80}}
_options = dict(_DEFAULTS, sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """Set options for printing tensors.

    Args:
        precision: digits after the point for floating point output (default 4).
        threshold: element count above which the repr is summarised (default 1000).
        edgeitems: items shown at each end of each dimension when summarising (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``: preset values for the options above.
        sci_mode: force scientific notation on (True) or off (False); None chooses per tensor.
    """
    if profile is not None:
        _options.update(_PROFILES[profile])
    for key, value in dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                           linewidth=linewidth).items():
        if value is not None:
            _options[key] = value
    _options["sci_mode"] = sci_mode


class _Formatter:
    """Formats each element of one tensor to the same width."""

    def __init__(self, values: np.ndarray):
        # ml_dtypes' types are all of kind 'V': int4, uint4, int2 and uint2 among them print as integers
        self.floating = values.dtype.kind == "f" or (values.dtype.kind == "V" and
                                                     _dtype.from_numpy_dtype(values.dtype).is_floating_point)
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = _options["precision"]
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        flat = flat.astype(np.float64)
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        sci = _options["sci_mode"]
        self.sci_mode = (largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4) if sci is None else sci
        for value in nonzero_finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value) -> str:
        precision = _options["precision"]
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


class _ComplexFormatter:
    """PyTorch's complex elements: the real parts and the imaginary parts each formatted to one width."""

    def __init__(self, values: np.ndarray):
        self.real = _Formatter(np.ascontiguousarray(values.real))
        self.imag = _Formatter(np.ascontiguousarray(values.imag))
        self.max_width = self.real.max_width + self.imag.max_width + 1

    def format(self, value) -> str:
        value = complex(value)
        real_text = self.real.format(value.real)
        imag_text = (self.imag.format(value.imag) + "j").lstrip()
        return real_text + imag_text if imag_text[0] in "+-" else real_text + "+" + imag_text


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements a summarised repr shows (what the formatter measures)."""
    edge = _options["edgeitems"]
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        return np.concatenate((data[:edge], data[-edge:])) if data.shape[0] > 2 * edge else data
    if not edge:
        return np.empty((0,) * data.ndim, data.dtype)
    rows = list(range(edge)) + list(range(data.shape[0] - edge, data.shape[0])) \
        if data.shape[0] > 2 * edge else range(data.shape[0])
    return np.stack([_summarized(data[i]) for i in rows])


def _vector_str(data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    edge = _options["edgeitems"]
    per_line = max(1, math.floor((_options["linewidth"] - indent) / (formatter.max_width + 2)))
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = ([formatter.format(v) for v in data[:edge].tolist()] + [" ..."]
                 + [formatter.format(v) for v in data[-edge:].tolist()])
    else:
        items = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, formatter)
    edge = _options["edgeitems"]
    if summarize and data.shape[0] > 2 * edge:
        slices = ([_tensor_str(data[i], indent + 1, summarize, formatter) for i in range(edge)] + ["..."]
                  + [_tensor_str(data[i], indent + 1, summarize, formatter)
                     for i in range(data.shape[0] - edge, data.shape[0])])
    else:
        slices = [_tensor_str(data[i], indent + 1, summarize, formatter) for i in range(data.shape[0])]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _options["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def format_tensor(t) -> str:
    """repr(t) as PyTorch writes it, with ``axonml.`` where PyTorch writes ``torch.``."""
    data = np.asarray(t.detach().cpu().numpy())
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dtype_suffix = f"dtype=axonml.{data.dtype.name}"
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != np.float32:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not _options["edgeitems"]:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype.name not in ("float32", "int64", "bool", "complex64"):
            suffixes.append(dtype_suffix)
        summarize = data.size > _options["threshold"]
        shown = _summarized(data) if summarize else data
        formatter = _ComplexFormatter(shown) if data.dtype.kind == "c" else _Formatter(shown)
        body = _tensor_str(data, indent, summarize, formatter)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
