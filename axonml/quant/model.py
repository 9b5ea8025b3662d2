"""quantize_model: swap a model's Linear layers (and Embedding tables) for their quantized forms."""
from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass

import numpy as np

from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..nn.modules.sparse import Embedding
from .formats import dequantize, qtype_of, quantize_padded
from .modules import QuantizedEmbedding, QuantizedLinear

__all__ = ["quantize_model", "LayerReport", "quantization_report", "weight_report"]


def _skipped(name: str, skip) -> bool:
    return any(name == pattern or fnmatch.fnmatchcase(name, pattern) for pattern in skip)


def quantize_model(model: Module, qtype="Q8_0", skip=(), embeddings: bool = True, inplace: bool = False, *,
                   activation_quant: bool = False) -> Module:
    """Replace every ``nn.Linear`` by a :class:`QuantizedLinear` (and every ``nn.Embedding`` by a
    :class:`QuantizedEmbedding`) whose weight is quantized to qtype.

    Rows that are not whole blocks of qtype (``in_features`` not a multiple of 32 for the 32-value
    formats) are stored zero-padded to whole blocks. The layers named in ``skip`` stay in float32.

    Args:
        model: any Module.
        qtype: the GGML type of the quantized weights. Default: 'Q8_0'.
        skip: qualified module names (``"classifier"``, ``"encoder.layers.0.linear1"``) or glob
            patterns (``"*.head"``) to leave in float32.
        embeddings: whether Embedding tables are quantized too. Default: ``True``.
        inplace: change ``model`` itself rather than a deep copy of it. Default: ``False``
            (as ``torch.ao.quantization.quantize_dynamic``).
        activation_quant: the Linear layers' products on 8-bit activations (:class:`QuantizedLinear`).
            Default: ``False``.

    Returns:
        the quantized model.

    Example::

        >>> qmodel = quantize_model(model, "Q4_0", skip=("fc3",))
    """
    qtype = qtype_of(qtype)
    skip = (skip,) if isinstance(skip, str) else tuple(skip)
    if not inplace:
        model = copy.deepcopy(model)
    for name, module in list(model.named_modules()):
        for child_name, child in list(module._modules.items()):
            full_name = f"{name}.{child_name}" if name else child_name
            if child is None or _skipped(full_name, skip):
                continue
            if isinstance(child, Linear):
                module._modules[child_name] = QuantizedLinear.from_float(child, qtype, activation_quant=activation_quant)
            elif embeddings and isinstance(child, Embedding):
                module._modules[child_name] = QuantizedEmbedding.from_float(child, qtype)
    return model


@dataclass
class LayerReport:
    """What quantizing one weight did: its size before and after, and its error."""

    name: str
    shape: tuple
    qtype: str
    float_bytes: int
    quantized_bytes: int
    rmse: float            # root-mean-square error of the decoded weight
    relative_rmse: float   # rmse / rms of the weight
    max_abs_error: float


def quantization_report(model: Module, qtype="Q8_0", skip=(), embeddings: bool = True) -> list[LayerReport]:
    """Per layer of ``model`` that :func:`quantize_model` would quantize: sizes and weight error at qtype."""
    qtype = qtype_of(qtype)
    skip = (skip,) if isinstance(skip, str) else tuple(skip)
    reports = []
    for name, module in model.named_modules():
        if not name or _skipped(name, skip):
            continue
        if isinstance(module, Linear) or (embeddings and isinstance(module, Embedding)):
            reports.append(weight_report(name, module.weight.detach().cpu().numpy(), qtype))
    return reports


def weight_report(name: str, weight: np.ndarray, qtype) -> LayerReport:
    """The size and error of ``weight`` (any shape; its rows the last dim) quantized to qtype, rows zero-padded
    to whole blocks."""
    qtype = qtype_of(qtype)
    weight = np.asarray(weight, np.float32)
    rows = weight.reshape(-1, weight.shape[-1]) if weight.ndim else weight.reshape(1, 1)
    blocks = quantize_padded(rows, qtype)
    error = dequantize(blocks, qtype)[:, :rows.shape[1]].astype(np.float64).reshape(weight.shape) - weight
    rmse = float(np.sqrt(np.mean(error ** 2))) if error.size else 0.0
    rms = float(np.sqrt(np.mean(weight.astype(np.float64) ** 2))) if weight.size else 0.0
    return LayerReport(name=name, shape=tuple(weight.shape), qtype=qtype.name, float_bytes=weight.nbytes,
                       quantized_bytes=blocks.nbytes, rmse=rmse, relative_rmse=rmse / rms if rms else 0.0,
                       max_abs_error=float(np.abs(error).max()) if error.size else 0.0)
