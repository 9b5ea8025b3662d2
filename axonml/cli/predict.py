"""`axonml predict MODEL INPUT...`: the top-k classes of images, tensors or CSV rows; or text from a language model.

A classifier (a run directory of ``axonml train``, its ``model.safetensors`` or a checkpoint file)
reads: image files (converted to the model's channels and size, scaled to [0, 1] and normalised as
its dataset was), ``.npy`` and ``.safetensors`` tensors and CSV rows (taken as model input as they
are, or scaled by ``--scale`` and normalised like an image), one sample or a batch per input.
A ``.gguf`` file or a Hugging Face model directory (``config.json`` beside the weights) is a
language model: the command hands over to :func:`axonml.llm.cli.run_predict`.
"""
from __future__ import annotations

import argparse
import json
import os

from ._common import positive_int as _positive_int
from .errors import CommandError

__all__ = ["register", "run", "is_language_model"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pbm")
LLM_MODULE = "axonml.llm.cli"

EXAMPLES = """examples:
  axonml predict runs/train digit.png other.png --top-k 3
  axonml predict runs/train scan.jpg --invert              # dark ink on light paper
  axonml predict runs/train batch.npy --json               # (N, C, H, W) or (C, H, W), model input as is
  axonml predict runs/train rows.csv --scale 16            # one flattened sample per row, pixels 0..16
  axonml predict model.gguf --prompt "Once upon a time" --max-new-tokens 32
  axonml predict ./llama-dir --chat --prompt "Hello" --temperature 0.7 --top-p 0.9 --seed 1
  axonml predict ./bert-dir --embed "first sentence" --embed "second one" --json
"""


def register(subparsers) -> None:
    from .train import DATASETS, MODELS
    parser = subparsers.add_parser(
        "predict", help="predict with a checkpoint: classes of images/tensors/CSV, or text from a language model",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Run a trained classifier on image files, .npy/.safetensors tensors or CSV rows and print "
                    "the top-k classes with their probabilities; or, for a .gguf file or a Hugging Face model "
                    "directory, generate text (--prompt, --chat) or embeddings (--embed).")
    parser.add_argument("checkpoint", metavar="MODEL", help="run directory, checkpoint file, .gguf file or HF directory")
    parser.add_argument("inputs", metavar="INPUT", nargs="*", help="image, .npy, .safetensors, .csv or text files")
    parser.add_argument("--top-k", type=_positive_int, metavar="K",
                        help="classes to show per input (default: 3); for a language model, sample from the K "
                             "likeliest tokens")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--device", default="cpu", help="cpu or opencl (default: cpu)")
    classifier = parser.add_argument_group("classifiers")
    classifier.add_argument("--model", choices=MODELS, help="architecture of a bare state dict")
    classifier.add_argument("--dataset", choices=DATASETS, help="the dataset the weights were trained on "
                                                                "(input size, normalisation, class names)")
    classifier.add_argument("--invert", action="store_true", help="invert images (dark ink on a light background)")
    classifier.add_argument("--scale", type=float, metavar="S",
                            help="tensors and CSV hold pixel values in 0..S: divide by S and normalise like images")
    language = parser.add_argument_group("language models")
    language.add_argument("--prompt", metavar="TEXT", help="text to continue (or the user's message with --chat)")
    language.add_argument("--chat", action="store_true", help="apply the model's chat template")
    language.add_argument("--max-new-tokens", type=_positive_int, default=64, metavar="N",
                          help="tokens to generate (default: 64)")
    language.add_argument("--temperature", type=_non_negative_float, default=0.0, metavar="T",
                          help="sampling temperature; 0 is greedy (default: 0)")
    language.add_argument("--top-p", type=_probability, metavar="P", help="nucleus sampling: the smallest set of "
                                                                          "tokens with probability P")
    language.add_argument("--repetition-penalty", type=_positive_float, metavar="R",
                          help="divide the logits of tokens already seen by R")
    language.add_argument("--seed", type=int, metavar="S", help="seed of the sampling")
    language.add_argument("--embed", action="append", metavar="TEXT", help="print the embedding of TEXT (repeatable)")
    parser.set_defaults(handler=run)


def _positive_float(text: str) -> float:
    from .train import _positive_float as check
    return check(text)


def _non_negative_float(text: str) -> float:
    from .train import _non_negative_float as check
    return check(text)


def _probability(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def is_language_model(path: str) -> bool:
    """A .gguf file, or a directory with a Hugging Face config.json (one that is not an axonml run's)."""
    if path.lower().endswith(".gguf"):
        return True
    config = os.path.join(path, "config.json")
    if not os.path.isdir(path) or not os.path.isfile(config) or os.path.isfile(os.path.join(path, "checkpoints.json")):
        return False
    try:
        with open(config, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError):
        return True
    return not (isinstance(document, dict) and "dataset" in document and "model_type" not in document)


def _run_language_model(args: argparse.Namespace) -> int:
    import importlib
    if not os.path.exists(args.checkpoint):
        raise CommandError(f"no such model: {args.checkpoint}")
    try:
        module = importlib.import_module(LLM_MODULE)
    except ImportError as error:
        if error.name in (LLM_MODULE, None) or LLM_MODULE in str(error):
            raise CommandError(f"{args.checkpoint} is a language model, and this axonml has no language-model "
                               f"command line ({LLM_MODULE})") from None
        raise CommandError(f"language models need a package that is missing: {error}") from None
    args.model_path = args.checkpoint
    return module.run_predict(args)


# --- classifiers -----------------------------------------------------------------------------------

def _image(path: str, shape, dataset: str, invert: bool):
    import numpy as np
    from .train import NORMALIZE
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise CommandError("reading images needs Pillow: pip install 'axonml[vision]'") from None
    channels, height, width = shape
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as error:
        raise CommandError(f"cannot read image {path}: {error}") from None
    if invert:
        pixels = 1.0 - pixels
    pixels = pixels.reshape(height, width, channels).transpose(2, 0, 1)
    mean, std = (np.asarray(v, dtype=np.float32)[:, None, None] for v in NORMALIZE[dataset])
    return ((pixels - mean) / std)[None]


def _batch(array, shape, source: str):
    """array as an (N, C, H, W) batch of the model's input shape."""
    import numpy as np
    array = np.asarray(array, dtype=np.float32)
    size = int(np.prod(shape))
    if array.size == 0 or array.size % size:
        raise CommandError(f"{source}: {array.size} values do not make samples of shape {tuple(shape)}")
    if array.shape[-len(shape):] != tuple(shape) and array.ndim > 2 and array.shape[-2:] != tuple(shape[1:]):
        raise CommandError(f"{source}: shape {array.shape} is not samples of shape {tuple(shape)}")
    return array.reshape(-1, *shape)


def _scaled(batch, scale, dataset: str):
    import numpy as np
    from .train import NORMALIZE
    if scale is None:
        return batch
    mean, std = (np.asarray(v, dtype=np.float32)[:, None, None] for v in NORMALIZE[dataset])
    return (batch / np.float32(scale) - mean) / std


def _samples(path: str, shape, args, dataset: str):
    """(name, (N, C, H, W) array) for each sample or batch an input file holds."""
    import numpy as np
    if not os.path.isfile(path):
        raise CommandError(f"no such input file: {path}")
    suffix = os.path.splitext(path)[1].lower()
    if suffix in IMAGE_SUFFIXES:
        return [(path, _image(path, shape, dataset, args.invert))]
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        return [(path, _scaled(_batch(array, shape, path), args.scale, dataset))]
    if suffix == ".safetensors":
        from ..serialize import load_state_dict
        try:
            tensors = load_state_dict(path)
        except (ValueError, OSError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        return [(f"{path}:{name}", _scaled(_batch(t.numpy(), shape, f"{path}:{name}"), args.scale, dataset))
                for name, t in tensors.items()]
    if suffix == ".csv":
        return [(path, _scaled(_csv(path, shape), args.scale, dataset))]
    raise CommandError(f"{path}: a classifier reads images ({', '.join(IMAGE_SUFFIXES)}), .npy, .safetensors or "
                       f".csv; text needs a language model (a .gguf file or a Hugging Face directory)")


def _csv(path: str, shape):
    import csv
    import numpy as np
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.reader(f), 1):
            if not row or not any(cell.strip() for cell in row):
                continue
            try:
                rows.append([float(cell) for cell in row])
            except ValueError:
                if number == 1 and not rows:
                    continue  # a header
                raise CommandError(f"{path}:{number}: not a row of numbers") from None
    if not rows:
        raise CommandError(f"{path}: no rows of numbers")
    size = int(np.prod(shape))
    if any(len(row) != size for row in rows):
        bad = next(i for i, row in enumerate(rows) if len(row) != size)
        raise CommandError(f"{path}: row {bad + 1} has {len(rows[bad])} values, the model takes {size} "
                           f"(shape {tuple(shape)})")
    return np.asarray(rows, dtype=np.float32).reshape(-1, *shape)


def run(args: argparse.Namespace) -> int:
    if is_language_model(args.checkpoint):
        return int(_run_language_model(args) or 0)
    import numpy as np
    import axonml
    from . import train
    if not args.inputs:
        raise CommandError("give at least one INPUT file to classify")
    from .gpu import resolve_device
    args.device = resolve_device(args.device)
    model, settings = train.load_trained(args.checkpoint, args.model, args.dataset, args.device)
    shape, classes = train.INPUT_SHAPES[settings["dataset"]], train.dataset_classes(settings["dataset"])
    top_k = min(args.top_k or 3, len(classes))
    results = []
    for path in args.inputs:
        for name, batch in _samples(path, shape, args, settings["dataset"]):
            with axonml.no_grad():
                probabilities = axonml.softmax(model(axonml.from_numpy(batch).to(args.device)), dim=1).cpu().numpy()
            for index, row in enumerate(probabilities):
                best = np.argsort(-row, kind="stable")[:top_k]
                results.append({"input": name if len(probabilities) == 1 else f"{name}[{index}]",
                                "predictions": [{"class": int(c), "label": classes[c], "probability": float(row[c])}
                                                for c in best]})
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            print(f"{result['input']}: " + "  ".join(f"{p['label']} ({p['probability']:.3f})"
                                                      for p in result["predictions"]))
    return 0
