"""`axonml export MODEL_OR_CHECKPOINT --format onnx OUT`: write a model as ONNX.

MODEL_OR_CHECKPOINT is a checkpoint directory written by ``axonml train`` (its settings give the
architecture and the input shape, its weights are exported) or an architecture name (lenet,
mlp, simplecnn: freshly initialised with --seed, for an input of --dataset's shape). The batch
axis of the input and output is dynamic. The architecture config goes into the file's
metadata, so ``axonml convert model.onnx model.axonml`` can rebuild the Module.
"""
from __future__ import annotations

import argparse
import io
import json
import os

from .errors import CommandError

__all__ = ["register", "run", "FORMATS", "INPUT_SHAPES"]

FORMATS = ("onnx",)
# the per-sample input shape of each dataset `axonml train` knows
INPUT_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
_BUILDERS = {"lenet": "LeNet", "simplecnn": "SimpleCNN", "mlp": "MLP"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="export a model or checkpoint as ONNX",
        description="Export a trained checkpoint (a directory written by 'axonml train') or a freshly initialised "
                    "architecture as an ONNX model that ONNX Runtime and other frameworks run. The batch axis is "
                    "dynamic.")
    parser.add_argument("model", metavar="MODEL_OR_CHECKPOINT",
                        help=f"a checkpoint directory, or an architecture: {', '.join(sorted(_BUILDERS))}")
    parser.add_argument("out", metavar="OUT", help="the file to write (e.g. model.onnx)")
    parser.add_argument("--format", choices=FORMATS, default="onnx", help="the output format (default: onnx)")
    parser.add_argument("--dataset", choices=sorted(INPUT_SHAPES),
                        help="input shape of an architecture given by name (default: digits); a checkpoint's own "
                             "dataset is used otherwise")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset version, 13 to 21 (default: 17)")
    parser.add_argument("--seed", type=int, default=0, help="seed of a freshly initialised model (default: 0)")
    parser.set_defaults(handler=run)


def _from_checkpoint(directory: str, dataset_flag):
    from .train import build_model, load_checkpoint
    weights, state = load_checkpoint(directory)
    settings = state.get("settings") or {}
    name, dataset = settings.get("model"), settings.get("dataset")
    if name not in _BUILDERS or dataset not in INPUT_SHAPES:
        raise CommandError(f"checkpoint in {directory} does not say which model and dataset it was trained on")
    if dataset_flag is not None and dataset_flag != dataset:
        raise CommandError(f"checkpoint in {directory} was trained on {dataset}, not {dataset_flag}")
    model = build_model(name, INPUT_SHAPES[dataset])
    try:
        model.load_state_dict(weights)
    except (KeyError, RuntimeError, ValueError) as error:
        raise CommandError(f"checkpoint in {directory} does not fit {name}: {error}") from None
    return name, dataset, model


def _config(name: str, model, input_shape) -> dict:
    """The archive config (builder and kwargs) that rebuilds model, as ``axonml.serialize.archive`` reads it."""
    channels, height, width = input_shape
    if name == "mlp":
        return {"builder": "MLP", "kwargs": {"in_features": channels * height * width, "hidden_sizes": [256, 128],
                                             "num_classes": 10}}
    return {"builder": _BUILDERS[name], "kwargs": {"in_channels": channels, "num_classes": 10,
                                                   "input_size": height}}


def run(args: argparse.Namespace) -> int:
    import onnx

    import axonml
    from ..onnx import export
    from ..onnx.files import CONFIG_KEY
    from .train import build_model
    if os.path.isdir(args.model):
        name, dataset, model = _from_checkpoint(args.model, args.dataset)
    elif args.model in _BUILDERS:
        name, dataset = args.model, args.dataset or "digits"
        axonml.manual_seed(args.seed)
        model = build_model(name, INPUT_SHAPES[dataset])
    else:
        raise CommandError(f"{args.model} is neither a checkpoint directory nor one of {', '.join(sorted(_BUILDERS))}")
    shape = INPUT_SHAPES[dataset]
    model.eval()
    buffer = io.BytesIO()
    try:
        export(model, axonml.zeros(1, *shape), buffer, input_names=["input"], output_names=["logits"],
               opset_version=args.opset, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    except ValueError as error:
        raise CommandError(str(error)) from None
    proto = onnx.load_from_string(buffer.getvalue())
    entry = proto.metadata_props.add()
    entry.key, entry.value = CONFIG_KEY, json.dumps(_config(name, model, shape))
    try:
        with open(args.out, "wb") as handle:
            handle.write(proto.SerializeToString())
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error}") from None
    parameters = sum(value.numel() for value in model.parameters())
    print(f"wrote {args.out}: {name} ({dataset} input {list(shape)}), {parameters:,} parameters, "
          f"{len(proto.graph.node)} ONNX nodes, opset {args.opset}")
    return 0
