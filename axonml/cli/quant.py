"""`axonml quant MODEL --type Q4_0 -o OUT.gguf`: quantize a model's weights into a GGUF file.

MODEL is a state dict or checkpoint (``.safetensors``, a PyTorch ``.pt``/``.pth`` read without
running its pickle, an ``.axonml`` archive, a checkpoint directory holding ``model.safetensors``) or
a GGUF file whose float tensors are re-quantized. Every float tensor of two or more dimensions whose
rows are whole blocks of the type is quantized (Linear weights, Embedding tables); the others
(biases, norms, convolution kernels with short rows) are kept as F32. The report lists, per
quantized tensor, its size before and after and the error of its decoded values.
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import sys


from .errors import CommandError

__all__ = ["register", "run", "TYPES"]

TYPES = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16")
# general.file_type (llama.cpp's LLAMA_FTYPE_MOSTLY_*) of each type
_FILE_TYPES = {"F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9, "BF16": 32}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "quant", help="quantize a model's weights into a GGUF file",
        description="Quantize the weights of a model or checkpoint (safetensors, PyTorch .pt/.pth, .axonml, a "
                    "checkpoint directory, or GGUF) to a GGML block format and write a GGUF file that llama.cpp "
                    "and the gguf package read. Prints the size and the error of every quantized tensor.")
    parser.add_argument("model", metavar="MODEL_OR_CHECKPOINT", help="the model file or checkpoint directory")
    parser.add_argument("--type", dest="qtype", choices=TYPES, type=str.upper, default="Q8_0",
                        help="the GGML type of the quantized weights (default: Q8_0)")
    parser.add_argument("-o", "--output", metavar="OUT.gguf", required=True, help="the GGUF file to write")
    parser.add_argument("--skip", metavar="PATTERN", action="append", default=[],
                        help="keep tensors whose name matches this glob in float32 (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="print only the totals")
    parser.set_defaults(handler=run)


def _flatten(obj, prefix: str, out: dict) -> None:
    import numpy as np

    from ..tensor import Tensor
    if isinstance(obj, Tensor):
        out[prefix] = obj.detach().cpu().numpy()
    elif isinstance(obj, np.ndarray):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _flatten(value, f"{prefix}.{i}" if prefix else str(i), out)


def _read(path: str):
    """({name: array or QuantizedTensor}, metadata, types) of a model file or checkpoint directory."""
    if os.path.isdir(path):
        candidate = os.path.join(path, "model.safetensors")
        if not os.path.isfile(candidate):
            raise CommandError(f"{path}: a checkpoint directory must hold model.safetensors")
        path = candidate
    if not os.path.isfile(path):
        raise CommandError(f"no such file or directory: {path}")
    with open(path, "rb") as f:
        head = f.read(8)
    try:
        if head[:4] == b"GGUF":
            from ..quant.gguf import load_gguf
            gguf = load_gguf(path)
            return dict(gguf.tensors), dict(gguf.metadata), dict(gguf.types)
        if head.startswith(b"\x89HDF\r\n\x1a"):
            from ..serialize.archive import read_archive
            return dict(read_archive(path)["weights"]), {}, {}
        import axonml
        tensors: dict = {}
        _flatten(axonml.load(path), "", tensors)
        return tensors, {}, {}
    except (ValueError, OSError, TypeError, ImportError) as error:
        raise CommandError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..quant import QuantizedTensor, block_size, qtype_of
    from ..quant.gguf import GGUFValueType, save_gguf
    from ..quant.gguf import _size
    from ..quant.model import weight_report
    qtype = qtype_of(args.qtype)
    tensors, metadata, types = _read(args.model)
    if not tensors:
        raise CommandError(f"{args.model} holds no tensors")
    stored, reports, float_total, stored_total = {}, [], 0, 0
    for name, tensor in tensors.items():
        values = tensor.dequantize() if isinstance(tensor, QuantizedTensor) else np.asarray(tensor)
        quantizable = (values.dtype.kind == "f" and values.ndim >= 2 and values.shape[-1] % block_size(qtype) == 0
                       and values.size and not any(fnmatch.fnmatchcase(name, p) for p in args.skip))
        float_total += values.size * 4 if values.dtype.kind == "f" else values.nbytes
        if quantizable:
            report = weight_report(name, values, qtype)
            reports.append(report)
            stored[name] = QuantizedTensor.from_float(np.asarray(values, np.float32), qtype)
        else:
            stored[name] = np.asarray(values, np.float32) if values.dtype.kind == "f" else values
        stored_total += stored[name].nbytes
    metadata.setdefault("general.architecture", "axonml")
    metadata.setdefault("general.name", os.path.splitext(os.path.basename(os.path.normpath(args.model)))[0])
    metadata["general.file_type"] = _FILE_TYPES[qtype.name]
    types["general.file_type"] = (GGUFValueType.UINT32,)
    metadata["general.quantization_version"] = 2
    types["general.quantization_version"] = (GGUFValueType.UINT32,)
    try:
        save_gguf(args.output, stored, metadata, types)
    except (OSError, ValueError, TypeError) as error:
        raise CommandError(f"could not write {args.output}: {error}") from None
    if not args.quiet and reports:
        width = max(len(r.name) for r in reports)
        print(f"{'tensor':<{width}}  {'shape':<14} {'float32':>10} {qtype.name:>10}  {'rel. RMSE':>9}  {'max |err|':>9}")
        for r in reports:
            print(f"{r.name:<{width}}  {str(list(r.shape)):<14} {_size(r.float_bytes):>10} "
                  f"{_size(r.quantized_bytes):>10}  {r.relative_rmse:>9.2e}  {r.max_abs_error:>9.2e}")
    print(f"{args.output}: {len(reports)} of {len(stored)} tensors quantized to {qtype.name}; "
          f"{_size(float_total)} as float32 -> {_size(stored_total)} "
          f"({float_total / max(stored_total, 1):.2f}x smaller)")
    sys.stdout.flush()
    return 0

