"""Reading a Hugging Face model directory: ``config.json`` and the safetensors weights (one file or an
indexed set of shards), and fitting the checkpoint's names onto a model's state dict.

Checkpoints are saved both from a bare base model (``h.0.attn...``) and from a model with a head
(``transformer.h.0.attn...``); :func:`load_pretrained_weights` adds or strips the base model's prefix
as needed, drops buffers the reference keeps but axonml recomputes, and fills tied weights.
"""
from __future__ import annotations

import json
import os
import warnings

from .._dtype import float32
from ..serialize import safetensors as _safetensors

__all__ = ["read_config", "read_safetensors", "load_pretrained_weights"]


def read_config(model_dir: str | os.PathLike) -> dict:
    """The ``config.json`` of a model directory as a dict."""
    path = os.path.join(os.fspath(model_dir), "config.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no config.json in {os.fspath(model_dir)!r}: expected a Hugging Face model directory")
    with open(path, encoding="utf-8") as handle:
        try:
            config = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(config).__name__}")
    return config


def read_safetensors(model_dir: str | os.PathLike) -> dict:
    """Every tensor of ``model.safetensors`` (or of the shards ``model.safetensors.index.json`` lists)."""
    model_dir = os.fspath(model_dir)
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.isfile(single):
        return _safetensors.load_file(single)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if not os.path.isfile(index):
        raise FileNotFoundError(f"no model.safetensors (or model.safetensors.index.json) in {model_dir!r}")
    with open(index, encoding="utf-8") as handle:
        weight_map = json.load(handle).get("weight_map")
    if not isinstance(weight_map, dict):
        raise ValueError(f"{index}: no weight_map")
    tensors: dict = {}
    for shard in sorted(set(weight_map.values())):
        if os.path.basename(shard) != shard:
            raise ValueError(f"{index}: shard name {shard!r} must be a file in the model directory")
        tensors.update(_safetensors.load_file(os.path.join(model_dir, shard)))
    return tensors


def load_pretrained_weights(model, tensors: dict, base_prefix: str, ignored_suffixes: tuple = (),
                            tied: dict | None = None, ignored_prefixes: tuple = (),
                            new_prefixes: tuple = ()) -> list[str]:
    """Load a checkpoint's ``tensors`` into ``model``, strictly, after fitting the names.

    Args:
        model: the axonml module.
        tensors: name -> Tensor as read from the checkpoint.
        base_prefix: the base model's attribute in models with a head (``"bert."``, ``"transformer."``);
            added to names that lack it, stripped from names that should not have it.
        ignored_suffixes: checkpoint names ending so are buffers axonml does not keep (position ids,
            causal masks).
        tied: target name -> source name for weights a checkpoint may omit because they are tied.
        ignored_prefixes: checkpoint names starting so belong to heads this model does not have (a
            pre-training checkpoint's ``cls.`` loaded into a bare encoder).
        new_prefixes: model names starting so may be absent from the checkpoint (a fresh task head
            on a pre-trained encoder); they keep their initialisation and a warning names them.

    Returns:
        the names that kept their initialisation.
    """
    expected = model.state_dict()
    fitted = {}
    for name, tensor in tensors.items():
        if name.endswith(ignored_suffixes) or name.startswith(ignored_prefixes) and name not in expected:
            continue
        if name not in expected:
            if base_prefix and base_prefix + name in expected:
                name = base_prefix + name
            elif base_prefix and name.startswith(base_prefix) and name[len(base_prefix):] in expected:
                name = name[len(base_prefix):]
        if tensor.is_floating_point() and tensor.dtype != float32 and name in expected:
            tensor = tensor.to(expected[name].dtype)
        fitted[name] = tensor
    for target, source in (tied or {}).items():
        if target in expected and target not in fitted and source in fitted:
            fitted[target] = fitted[source]
    fresh = [name for name in expected if name not in fitted and name.startswith(new_prefixes)]
    missing = [name for name in expected if name not in fitted and name not in fresh]
    unexpected = [name for name in fitted if name not in expected]
    if missing or unexpected:
        raise RuntimeError(f"{type(model).__name__}: the checkpoint does not fit: missing {missing[:8]}"
                           f"{' ...' if len(missing) > 8 else ''}, unexpected {unexpected[:8]}"
                           f"{' ...' if len(unexpected) > 8 else ''}")
    model.load_state_dict(fitted, strict=False)
    if fresh:
        warnings.warn(f"{type(model).__name__}: {', '.join(fresh)} not in the checkpoint; they keep their "
                      f"random initialisation (train the model before using it)", stacklevel=3)
    return fresh
