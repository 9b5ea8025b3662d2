"""`axonml inspect FILE`: tensor names, shapes, dtypes, parameter count and metadata of a model file.

Each file type has a describer, chosen by the file's suffix in :data:`DESCRIBERS` (a file with
another suffix is recognised by its first bytes). A describer takes the path and returns a plain
dict: ``format``, ``tensors`` (rows of name, dtype, shape) and ``metadata``; ``inspect`` adds the
parameter count and prints it as text or, with ``--json``, as JSON. Nothing is executed: the
PyTorch describer goes through axonml's pickle interpreter, the others read headers.
"""
from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any, Callable

from .errors import CommandError

__all__ = ["register", "run", "DESCRIBERS", "describe"]


def _rows(tensors) -> list[dict]:
    return [{"name": name, "dtype": str(dtype).removeprefix("axonml."), "shape": list(shape)}
            for name, dtype, shape in tensors]


def _flatten(obj, prefix: str, tensors: list, scalars: dict, seen: set) -> None:
    """Tensors of a nested checkpoint under dotted names; plain values go to scalars."""
    from ..tensor import Tensor
    if isinstance(obj, Tensor):
        tensors.append((prefix, obj.dtype, tuple(obj.shape)))
        return
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for key, value in items:
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), tensors, scalars, seen)
        return
    if isinstance(obj, (int, float, str, bool)) or obj is None:
        scalars[prefix or "value"] = obj
    else:
        scalars[prefix or "value"] = str(obj)


def _dtype_name(np_dtype) -> str:
    from .._dtype import _BY_NUMPY
    return _BY_NUMPY[np_dtype].name if np_dtype in _BY_NUMPY else str(np_dtype)


def describe_safetensors(path: str) -> dict:
    from ..serialize.safetensors_io import parse_header
    with open(path, "rb") as f:
        header = parse_header(f, os.fstat(f.fileno()).st_size, f"'{path}'")
    metadata = dict(header.metadata)
    if "axonml.structure" in metadata:     # written by axonml.save: list the tensors it holds, not its buffers
        import axonml
        tensors, scalars = [], {}
        _flatten(axonml.load(path, mmap=True), "", tensors, scalars, set())
        metadata.pop("axonml.structure")
        return {"format": "axonml (safetensors + structure)", "tensors": _rows(tensors),
                "metadata": {**metadata, **scalars}}
    rows = [(name, _dtype_name(dtype), shape) for name, (dtype, shape, _, _) in header.entries.items()]
    aliases = json.loads(metadata["axonml.aliases"]) if "axonml.aliases" in metadata else {}
    rows += [(alias, _dtype_name(header.entries[target][0]), header.entries[target][1])
             for alias, target in aliases.items() if target in header.entries]
    return {"format": "safetensors", "tensors": _rows(sorted(rows)), "metadata": metadata}


def describe_pytorch(path: str) -> dict:
    from ..serialize.pytorch import load_pytorch
    with open(path, "rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"
    tensors, scalars = [], {}
    _flatten(load_pytorch(path, mmap=is_zip), "", tensors, scalars, set())
    return {"format": "pytorch (zip)" if is_zip else "pytorch (legacy)", "tensors": _rows(tensors),
            "metadata": scalars}


def describe_archive(path: str) -> dict:
    from ..serialize.archive import read_archive
    info = read_archive(path, weights=False)
    metadata = {"axonml_version": info["axonml_version"], "created": info["created"],
                "format_version": info["format_version"], "config": info["config"], "user": info["metadata"]}
    return {"format": "axonml archive (HDF5)",
            "tensors": _rows((name, dtype, shape) for name, (dtype, shape) in info["tensors"].items()),
            "metadata": metadata}


def describe_gguf(path: str) -> dict:
    from ..quant.gguf import inspect_gguf
    return inspect_gguf(path)


# suffix -> describer(path) -> {"format", "tensors": [{"name", "dtype", "shape"}], "metadata"}
DESCRIBERS: dict[str, Callable[[str], dict]] = {
    ".safetensors": describe_safetensors,
    ".pth": describe_pytorch,
    ".pt": describe_pytorch,
    ".bin": describe_pytorch,
    ".ckpt": describe_pytorch,
    ".axonml": describe_archive,
    ".gguf": describe_gguf,
    ".onnx": lambda path: __import__("axonml.onnx.files", fromlist=["describe_onnx"]).describe_onnx(path),
}


def _sniffed_suffix(path: str) -> str | None:
    with open(path, "rb") as f:
        head = f.read(16)
    from ..serialize.pytorch import is_pytorch_checkpoint
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return ".axonml"
    if is_pytorch_checkpoint(head):
        return ".pth"
    if len(head) >= 9 and head[8:9] == b"{":
        return ".safetensors"
    return None


def describe(path: str) -> dict:
    """The description of a file, with ``parameters`` (total elements) added."""
    if not os.path.isfile(path):
        raise CommandError(f"no such file: {path}")
    suffix = os.path.splitext(path)[1].lower()
    describer = DESCRIBERS.get(suffix) or DESCRIBERS.get(_sniffed_suffix(path) or "")
    if describer is None:
        raise CommandError(f"{path}: unknown file type; inspect reads {', '.join(sorted(DESCRIBERS))}")
    try:
        info = describer(path)
    except (ValueError, OSError, ImportError) as error:
        raise CommandError(str(error)) from None
    info["parameters"] = sum(math.prod(row["shape"]) for row in info["tensors"])
    return info


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspect", help="list the tensors and metadata of a model file",
        description="Print the tensor names, dtypes and shapes, the parameter count and the metadata of a "
                    f"model file ({', '.join(sorted(DESCRIBERS))}). Nothing in the file is executed.")
    parser.add_argument("file", metavar="FILE", help="the file to inspect")
    parser.add_argument("--json", action="store_true", help="print the description as JSON")
    parser.set_defaults(handler=run)


def _format_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 200 else text[:197] + "..."


def run(args: argparse.Namespace) -> int:
    info = describe(args.file)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    print(f"{args.file}: {info['format']}, {len(info['tensors'])} tensors, {info['parameters']:,} parameters")
    if info["tensors"]:
        width = max(len(row["name"]) for row in info["tensors"])
        for row in info["tensors"]:
            print(f"  {row['name']:<{width}}  {row['dtype']:<9} {list(row['shape'])}")
    if info["metadata"]:
        print("metadata:")
        for key, value in info["metadata"].items():
            print(f"  {key}: {_format_value(value)}")
    return 0
