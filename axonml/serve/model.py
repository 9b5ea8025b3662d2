"""Saved models behind one interface: what a served model takes and gives, and how it runs.

:func:`load_model` picks a loader by the file's suffix (:data:`LOADERS`): an ``.axonml`` archive,
a checkpoint (``.safetensors``, ``.pth`` ...) with its architecture config, or an ONNX file gives
a :class:`ServedModel` (``kind == "tensor"``: batched ``predict``), whose :class:`TensorSpec` s
(shape per sample, dtype) are what ``/info`` reports and what requests are checked against; a
GGUF file gives a :class:`LanguageModel` (``kind == "language"``: text in, tokens streamed out).
"""
from __future__ import annotations

import inspect
import json
import os
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["TensorSpec", "ServedModel", "LanguageModel", "load_model", "LOADERS", "CHECKPOINT_SUFFIXES"]

CHECKPOINT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin", ".ckpt")


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of a model, per sample (without the batch dimension).

    ``shape`` holds None for a dimension of any size; ``allow_nonfinite`` says whether NaN and
    infinities are valid input values (they are not for the vision and tabular models axonml builds).
    """

    name: str
    shape: tuple
    dtype: str
    allow_nonfinite: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}

    @property
    def is_image(self) -> bool:
        """A (C, H, W) input with 1 or 3 channels and a known size, which an image file can fill."""
        return len(self.shape) == 3 and self.shape[0] in (1, 3) and None not in self.shape


class ServedModel:
    """A loaded model: its name, format, device, input and output specs, and :meth:`predict`.

    ``fixed_batch`` is the batch size the model's graph is fixed to (an ONNX file exported with
    batch 1, say), or None; smaller batches are padded to it and the padding is dropped again.
    ``predict`` runs one batch at a time (a lock), so one model can be shared by threads.
    """

    kind = "tensor"

    def __init__(self, module, name: str, format: str, source: str, device: str, inputs: list[TensorSpec],
                 outputs: list[TensorSpec] | None = None, fixed_batch: int | None = None):
        if len(inputs) != 1:
            raise ValueError(f"{source}: the model takes {len(inputs)} inputs; serving takes one-input models")
        self.module, self.name, self.format, self.source, self.device = module, name, format, source, device
        self.inputs, self.outputs, self.fixed_batch = inputs, outputs, fixed_batch
        self._lock = threading.Lock()

    @property
    def input(self) -> TensorSpec:
        return self.inputs[0]

    def predict(self, batch: np.ndarray) -> list[np.ndarray]:
        """The model's outputs (one array per output, batch first) for a batch of samples."""
        import axonml
        count = batch.shape[0]
        if self.fixed_batch is not None and count != self.fixed_batch:
            if count > self.fixed_batch:
                raise ValueError(f"a batch of {count}; this model's graph takes {self.fixed_batch}")
            padding = np.zeros((self.fixed_batch - count,) + batch.shape[1:], dtype=batch.dtype)
            batch = np.concatenate([batch, padding])
        with self._lock, axonml.no_grad():
            x = axonml.from_numpy(np.ascontiguousarray(batch))
            if self.device != "cpu":
                x = x.to(self.device)
            result = self.module(x)
            results = result if isinstance(result, (tuple, list)) else (result,)
            return [np.asarray(r.detach().cpu().numpy())[:count] for r in results]

    def warm_up(self) -> None:
        """Run one sample of zeros through the model (compiling kernels, touching memory) and record
        the output specs from it when the input's shape is fully known."""
        if None in self.input.shape:
            return
        sample = np.zeros((1,) + tuple(self.input.shape), dtype=self.input.dtype)
        results = self.predict(sample)
        if self.outputs is None or any(None in spec.shape for spec in self.outputs):
            names = [spec.name for spec in self.outputs] if self.outputs and len(self.outputs) == len(results) \
                else [f"output{i}" if len(results) > 1 else "output" for i in range(len(results))]
            self.outputs = [TensorSpec(name, tuple(r.shape[1:]), str(r.dtype)) for name, r in zip(names, results)]

    def info(self) -> dict:
        return {"name": self.name, "format": self.format, "source": self.source, "device": self.device,
                "inputs": [spec.to_json() for spec in self.inputs],
                "outputs": [spec.to_json() for spec in self.outputs] if self.outputs is not None else None,
                "fixed_batch": self.fixed_batch}


# --- the architectures axonml builds -------------------------------------------------------------------------

def _input_spec_of_config(config: dict) -> TensorSpec:
    """The input an architecture config's model takes: (in_features,) or (channels, size, size)."""
    from ..vision import models
    builder = getattr(models, config["builder"])
    defaults = {name: p.default for name, p in inspect.signature(builder).parameters.items()
                if p.default is not inspect.Parameter.empty}
    kwargs = {**defaults, **config["kwargs"]}
    if "in_features" in kwargs:
        shape = (int(kwargs["in_features"]),)
    elif "input_size" in kwargs:
        shape = (int(kwargs.get("in_channels", 3)), int(kwargs["input_size"]), int(kwargs["input_size"]))
    else:
        size = int(kwargs.get("image_size", 224))
        shape = (3, size, size)
    return TensorSpec("input", shape, "float32")


def _place(module, device: str):
    module.eval()
    if device != "cpu":
        module.to(device)
    return module


def load_archive_model(path: str, device: str, config: dict | None) -> ServedModel:
    from ..serialize import load_archive
    from ..serialize.archive import read_archive
    stored = read_archive(path, weights=False)["config"]
    if config is not None and config != stored:
        raise ValueError(f"'{path}' is an archive with its own architecture; do not pass a config")
    module = _place(load_archive(path), device)
    return ServedModel(module, stored["builder"], "axonml archive", os.path.basename(path), device,
                       [_input_spec_of_config(stored)])


def load_checkpoint_model(path: str, device: str, config: dict | None) -> ServedModel:
    """A state dict (or a checkpoint dict holding one under ``model`` or ``state_dict``) and the config
    of its architecture, given or stored in the checkpoint under ``config``."""
    import axonml
    from ..serialize.archive import build_from_config
    from ..tensor import Tensor

    def is_state(obj):
        return isinstance(obj, dict) and obj and all(isinstance(v, Tensor) for v in obj.values())

    loaded = axonml.load(path)
    if is_state(loaded):
        state = loaded
    else:
        entries = [loaded[key] for key in ("model", "state_dict") if isinstance(loaded, dict) and is_state(loaded.get(key))]
        if not entries:
            raise ValueError(f"'{path}' holds neither a state dict nor a checkpoint with a 'model' or 'state_dict' entry")
        state = entries[0]
        if config is None and isinstance(loaded.get("config"), dict):
            config = loaded["config"]
    if config is None:
        raise ValueError(f"'{path}' holds weights without their architecture: pass --config "
                         "'{\"builder\": ..., \"kwargs\": {...}}'")
    module = build_from_config(config, "the config")
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError) as error:
        raise ValueError(f"the weights in '{path}' do not fit {config['builder']}: {error}") from None
    return ServedModel(_place(module, device), config["builder"], "checkpoint", os.path.basename(path), device,
                       [_input_spec_of_config(config)])


def _onnx_spec(value) -> tuple[TensorSpec, int | None]:
    """(spec per sample, the fixed batch size or None) of an ONNX graph input or output."""
    from onnx import helper
    tensor_type = value.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor_type.shape.dim]
    if not dims:
        raise ValueError(f"the graph input {value.name!r} is a scalar; serving needs a batch dimension")
    dtype = str(np.dtype(helper.tensor_dtype_to_np_dtype(tensor_type.elem_type)))
    return TensorSpec(value.name, tuple(dims[1:]), dtype), dims[0]


def load_onnx_model(path: str, device: str, config: dict | None) -> ServedModel:
    import onnx
    from .. import onnx as axonml_onnx
    if config is not None:
        raise ValueError(f"'{path}' is an ONNX file, which holds its graph; do not pass a config")
    proto = onnx.load(path, load_external_data=False)
    initializers = {tensor.name for tensor in proto.graph.initializer}
    graph_inputs = [value for value in proto.graph.input if value.name not in initializers]
    specs = [_onnx_spec(value) for value in graph_inputs]
    outputs = [_onnx_spec(value)[0] for value in proto.graph.output]
    module = _place(axonml_onnx.load(path), device)
    fixed_batch = specs[0][1] if len(specs) == 1 else None
    name = proto.graph.name or os.path.splitext(os.path.basename(path))[0]
    return ServedModel(module, name, "onnx", os.path.basename(path), device, [spec for spec, _ in specs], outputs,
                       fixed_batch)


class LanguageModel:
    """A causal language model and its tokenizer: a prompt in, generated text out, piece by piece.

    ``generate`` runs one generation at a time (a lock); ``on_text`` gets each piece of text as
    its tokens complete it and may raise to stop the generation (a client that went away).
    """

    kind = "language"

    def __init__(self, module, tokenizer, name: str, format: str, source: str, device: str):
        self.module, self.tokenizer, self.name, self.format, self.source, self.device = \
            module, tokenizer, name, format, source, device
        self.context_length = getattr(module.config, "max_position_embeddings", None)
        self._lock = threading.Lock()

    def generate(self, prompt: str, max_new_tokens: int, on_text: Callable[[str], None] | None = None,
                 temperature: float | None = None, seed: int | None = None) -> tuple[str, int]:
        """(the generated text, how many tokens), greedy unless a temperature is given."""
        from ..llm.gguf_tokenizer import TokenStreamDecoder
        ids = self.tokenizer.encode(prompt)
        if self.context_length is not None and len(ids) + max_new_tokens > self.context_length:
            raise ValueError(f"the prompt's {len(ids)} tokens and {max_new_tokens} new ones exceed the model's "
                             f"context of {self.context_length}")
        stream, pieces, count = TokenStreamDecoder(self.tokenizer, skip_special_tokens=True), [], 0

        def streamer(token_id):
            nonlocal count
            count += 1
            piece = stream.push(int(token_id))
            if piece:
                pieces.append(piece)
                if on_text is not None:
                    on_text(piece)

        sampling = {"do_sample": True, "temperature": temperature, "seed": seed} if temperature else {}
        with self._lock:
            self.module.generate([ids], max_new_tokens=max_new_tokens, eos_token_id=self.tokenizer.eos_token_id,
                                 streamer=streamer, **sampling)
        tail = stream.flush()
        if tail:
            pieces.append(tail)
            if on_text is not None:
                on_text(tail)
        return "".join(pieces), count

    def warm_up(self) -> None:
        self.generate("Hello", max_new_tokens=1)

    def info(self) -> dict:
        return {"name": self.name, "format": self.format, "source": self.source, "device": self.device,
                "inputs": [{"name": "prompt", "shape": [None], "dtype": "text"}],
                "outputs": [{"name": "text", "shape": [None], "dtype": "text"}],
                "context_length": self.context_length, "vocab_size": len(self.tokenizer)}


def load_gguf_model(path: str, device: str, config: dict | None) -> LanguageModel:
    from ..llm import load_gguf
    if config is not None:
        raise ValueError(f"'{path}' is a GGUF file, which holds its architecture; do not pass a config")
    module, tokenizer = load_gguf(path)
    module = _place(module, device)
    name = os.path.splitext(os.path.basename(path))[0]
    return LanguageModel(module, tokenizer, name, "gguf", os.path.basename(path), device)


LOADERS: dict[str, Callable[[str, str, dict | None], "ServedModel | LanguageModel"]] = {
    ".axonml": load_archive_model, ".onnx": load_onnx_model, ".gguf": load_gguf_model,
    **{suffix: load_checkpoint_model for suffix in CHECKPOINT_SUFFIXES},
}


def load_model(path: str | os.PathLike, device: str = "cpu",
               config: dict | str | None = None) -> "ServedModel | LanguageModel":
    """Load a saved model for serving, by its suffix (see :data:`LOADERS`).

    Args:
        path: the model file.
        device: ``"cpu"`` or ``"opencl"``.
        config: the architecture (``{"builder": ..., "kwargs": {...}}``, or its JSON) for a
            checkpoint that holds only weights.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a suffix no loader reads, or a model that cannot be served.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such model file: '{path}'")
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError as error:
            raise ValueError(f"the config is not valid JSON: {error}") from None
    suffix = os.path.splitext(path)[1].lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise ValueError(f"'{path}': serve reads {', '.join(sorted(LOADERS))} files, not {suffix or 'no suffix'}")
    return loader(path, device, config)
