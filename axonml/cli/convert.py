"""`axonml convert IN OUT`: convert model weights between .pth, .safetensors and .axonml, by extension.

A reader (in :data:`READERS`, by the input's suffix) returns the weights as a ``{name: tensor}``
dict, plus the metadata and architecture config when the file has them; a writer (in
:data:`WRITERS`, by the output's suffix) writes them. Writing an ``.axonml`` archive needs the
architecture: it comes from an ``.axonml`` input or from ``--config``.
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Callable, NamedTuple

from .errors import CommandError

__all__ = ["register", "run", "READERS", "WRITERS", "Weights"]


class Weights(NamedTuple):
    """What a reader returns: the tensors by name, user metadata, and the architecture config (or None)."""

    state_dict: dict
    metadata: dict
    config: dict | None


def _tensor_dict(obj, path: str, key: str | None) -> dict:
    from ..tensor import Tensor
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            keys = list(obj)[:20] if isinstance(obj, dict) else []
            raise CommandError(f"{path} has no entry {key!r} (its keys: {keys})")
        obj = obj[key]
    if isinstance(obj, dict) and obj and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items()):
        return dict(obj)
    if isinstance(obj, dict):
        nested = [k for k, v in obj.items() if isinstance(v, dict)]
        raise CommandError(f"{path} holds a checkpoint, not a dict of tensors: pick the state dict with --key "
                           f"(entries holding dicts: {nested[:20]})")
    raise CommandError(f"{path} holds a {type(obj).__name__}, not a dict of tensors")


def read_torch_or_safetensors(path: str, key: str | None) -> Weights:
    import axonml
    return Weights(_tensor_dict(axonml.load(path), path, key), {}, None)


def read_archive(path: str, key: str | None) -> Weights:
    from ..creation import from_numpy
    from ..serialize.archive import read_archive as read
    info = read(path)
    metadata = info["metadata"] if isinstance(info["metadata"], dict) else {"metadata": info["metadata"]}
    return Weights({name: from_numpy(array) for name, array in info["weights"].items()}, metadata, info["config"])


def read_onnx(path: str, key: str | None) -> Weights:
    from ..creation import from_numpy
    from ..onnx.files import read_onnx_weights
    arrays, metadata, config = read_onnx_weights(path)
    return Weights(_tensor_dict({name: from_numpy(array) for name, array in arrays.items()}, path, key), metadata,
                   config)


def write_safetensors(path: str, weights: Weights) -> None:
    from ..serialize import save_state_dict
    save_state_dict(weights.state_dict, path)


def write_pytorch(path: str, weights: Weights) -> None:
    from ..serialize.pytorch_writer import save_pytorch
    save_pytorch(weights.state_dict, path)


def write_archive(path: str, weights: Weights) -> None:
    from ..serialize.archive import build_from_config, save_archive
    if weights.config is None:
        raise CommandError("writing an .axonml archive needs the architecture: pass --config "
                           "'{\"builder\": \"resnet18\", \"kwargs\": {\"num_classes\": 10}}'")
    model = build_from_config(weights.config, "--config")
    try:
        model.load_state_dict(weights.state_dict)
    except (KeyError, RuntimeError, ValueError) as error:
        raise CommandError(f"the weights do not fit {weights.config['builder']}: {error}") from None
    save_archive(model, path, metadata=weights.metadata, config=weights.config)


# suffix -> reader(path, key) -> Weights
READERS: dict[str, Callable[[str, str | None], Weights]] = {
    ".pth": read_torch_or_safetensors, ".pt": read_torch_or_safetensors, ".bin": read_torch_or_safetensors,
    ".safetensors": read_torch_or_safetensors, ".axonml": read_archive, ".onnx": read_onnx,
}
# suffix -> writer(path, Weights)
WRITERS: dict[str, Callable[[str, Weights], None]] = {
    ".safetensors": write_safetensors, ".pth": write_pytorch, ".pt": write_pytorch, ".axonml": write_archive,
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert", help="convert model weights between .pth, .safetensors and .axonml",
        description="Convert model weights between formats, chosen by the files' extensions: read "
                    f"{', '.join(sorted(READERS))}; write {', '.join(sorted(WRITERS))}. PyTorch files are read "
                    "without running their pickle.")
    parser.add_argument("input", metavar="IN", help="the file to read")
    parser.add_argument("output", metavar="OUT", help="the file to write (replaced atomically)")
    parser.add_argument("--key", help="the entry of a checkpoint dict that holds the state dict (e.g. state_dict)")
    parser.add_argument("--config", metavar="JSON",
                        help="the architecture for an .axonml output: {\"builder\": NAME, \"kwargs\": {...}}, "
                             "as JSON text or a JSON file")
    parser.set_defaults(handler=run)


def _config(text: str | None):
    if text is None:
        return None
    if os.path.isfile(text):
        with open(text, encoding="utf-8") as f:
            text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"--config is not valid JSON: {error}") from None


def run(args: argparse.Namespace) -> int:
    source_suffix = os.path.splitext(args.input)[1].lower()
    target_suffix = os.path.splitext(args.output)[1].lower()
    if source_suffix not in READERS:
        raise CommandError(f"cannot read {args.input}: convert reads {', '.join(sorted(READERS))}")
    if target_suffix not in WRITERS:
        raise CommandError(f"cannot write {args.output}: convert writes {', '.join(sorted(WRITERS))}")
    if not os.path.isfile(args.input):
        raise CommandError(f"no such file: {args.input}")
    if os.path.abspath(args.input) == os.path.abspath(args.output):
        raise CommandError("IN and OUT are the same file")
    try:
        weights = READERS[source_suffix](args.input, args.key)
        config = _config(args.config)
        if config is not None:
            weights = weights._replace(config=config)
        WRITERS[target_suffix](args.output, weights)
    except (ValueError, OSError, TypeError, ImportError) as error:
        raise CommandError(str(error)) from None
    count = sum(t.numel() for t in weights.state_dict.values())
    print(f"{args.input} -> {args.output}: {len(weights.state_dict)} tensors, {count:,} parameters")
    return 0
