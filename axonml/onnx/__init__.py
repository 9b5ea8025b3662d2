"""ONNX in and out: import an ONNX model as an axonml Module, export an axonml Module as ONNX.

``load`` runs the imported graph on axonml ops (so on every axonml device, and differentiably);
``export`` traces a model on example inputs and writes a model that ``onnx.checker`` accepts.
"""
from ._registry import claimed_ops
from .export import export
from .loader import OnnxModule, load

__all__ = ["load", "export", "OnnxModule", "claimed_ops"]
