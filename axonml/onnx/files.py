"""ONNX files for the command line: a description for ``axonml inspect``, the weights for ``axonml convert``.

Neither runs the graph: they read the model's initializers and header only, so they work on
models whose ops axonml cannot run.
"""
from __future__ import annotations

import collections
import json
import os

import numpy as np
import onnx
from onnx import numpy_helper

from . import _dtypes
from .loader import _inline_external_data, _parse

__all__ = ["describe_onnx", "read_onnx_weights", "CONFIG_KEY"]

CONFIG_KEY = "axonml.config"  # metadata_props entry holding the architecture config of an exported model


def _read(path: str) -> onnx.ModelProto:
    with open(path, "rb") as handle:
        model = _parse(handle.read(), repr(path))
    _inline_external_data(model, os.path.dirname(os.path.abspath(path)), repr(path))
    return model


def describe_onnx(path: str) -> dict:
    """{"format", "tensors": [{"name", "dtype", "shape"}], "metadata"} of an ONNX file."""
    model = _read(path)
    graph = model.graph
    initializer_names = {tensor.name for tensor in graph.initializer}
    tensors = [{"name": tensor.name, "dtype": _dtypes.name_of(tensor.data_type).lower(), "shape": list(tensor.dims)}
               for tensor in graph.initializer]
    ops = collections.Counter(node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
                              for node in graph.node)

    def value(info):
        kind = info.type.tensor_type
        dims = [dim.dim_param or dim.dim_value for dim in kind.shape.dim]
        return f"{info.name}: {_dtypes.name_of(kind.elem_type).lower()} {dims}"
    metadata = {
        "ir_version": model.ir_version,
        "opsets": {entry.domain or "ai.onnx": entry.version for entry in model.opset_import},
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "inputs": [value(info) for info in graph.input if info.name not in initializer_names],
        "outputs": [value(info) for info in graph.output],
        "nodes": len(graph.node),
        "ops": dict(sorted(ops.items())),
        **{entry.key: entry.value for entry in model.metadata_props},
    }
    return {"format": "ONNX", "tensors": tensors, "metadata": metadata}


def read_onnx_weights(path: str) -> tuple[dict, dict, dict | None]:
    """(initializers by name as NumPy arrays, metadata, architecture config or None) of an ONNX file."""
    model = _read(path)
    weights = {}
    for tensor in model.graph.initializer:
        if _dtypes.to_axonml(tensor.data_type) is None:
            raise ValueError(f"{path}: initializer {tensor.name!r} has element type "
                             f"{_dtypes.name_of(tensor.data_type)}, which axonml has no dtype for")
        weights[tensor.name] = np.array(numpy_helper.to_array(tensor))
    properties = {entry.key: entry.value for entry in model.metadata_props}
    config = None
    if CONFIG_KEY in properties:
        try:
            config = json.loads(properties.pop(CONFIG_KEY))
        except ValueError:
            raise ValueError(f"{path}: metadata {CONFIG_KEY} is not JSON") from None
    metadata = {"onnx.producer": f"{model.producer_name} {model.producer_version}".strip(), **properties}
    return weights, metadata, config
