"""Serving saved models over HTTP: ``python -m axonml serve MODEL_PATH`` (see docs/serving.md).

:func:`load_model` puts an ``.axonml`` archive, a checkpoint with its architecture config or an
ONNX file behind one interface (:class:`ServedModel`); :class:`DynamicBatcher` groups requests
into batches; :func:`create_app` is the starlette application and :func:`serve` runs it under
uvicorn. starlette, uvicorn and prometheus-client come with the ``serve`` extra.
"""
from .app import ServeSettings, create_app
from .batcher import DynamicBatcher, QueueFull
from .model import LOADERS, ServedModel, TensorSpec, load_model
from .server import serve

__all__ = ["load_model", "ServedModel", "TensorSpec", "LOADERS", "DynamicBatcher", "QueueFull", "ServeSettings",
           "create_app", "serve"]
