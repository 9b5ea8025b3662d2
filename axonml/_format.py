"""A torch-like repr for tensors: tensor([1.0000, 2.5000], requires_grad=True)."""
from __future__ import annotations

import numpy as np

__all__ = ["format_tensor", "set_printoptions"]

_options = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, sci_mode=None) -> None:
    for key, value in dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                           linewidth=linewidth, sci_mode=sci_mode).items():
        if value is not None:
            _options[key] = value


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)]
    precision = _options["precision"]
    if finite.size == 0:
        return lambda v: f"{v}"
    abs_finite = np.abs(finite.astype(np.float64))
    integral = np.all(finite == np.round(finite))
    largest = abs_finite.max()
    smallest = abs_finite[abs_finite > 0].min() if np.any(abs_finite > 0) else 0.0
    sci = _options["sci_mode"]
    if sci is None:
        sci = largest >= 1e8 or (smallest != 0 and smallest < 1e-4) or (smallest and largest / smallest > 1000
                                                                        and not integral)
    if sci:
        return lambda v: f"{v:.{precision}e}"
    if integral:
        width = len(f"{largest:.0f}") + 1
        return lambda v: (f"{v:.0f}." if np.isfinite(v) else f"{v}").rjust(width)
    width = len(f"{largest:.{precision}f}")
    return lambda v: (f"{v:.{precision}f}" if np.isfinite(v) else f"{v}").rjust(width)


def format_tensor(t) -> str:
    data = np.asarray(t)
    if data.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(data.astype(np.float64))}
    elif data.dtype.kind == "b":
        formatter = {"bool": lambda v: "True" if v else "False"}
    else:
        formatter = None
    body = np.array2string(data, separator=", ", prefix="tensor(", formatter=formatter,
                           threshold=_options["threshold"], edgeitems=_options["edgeitems"],
                           max_line_width=_options["linewidth"])
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default_dtypes = ("float32", "int64", "bool")
    if data.dtype.name not in default_dtypes or (data.size == 0 and data.dtype.name != "float32"):
        extras.append(f"dtype=axonml.{data.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
