"""`axonml analyze model|data|run|report`: what a model costs, what a dataset holds, how a run went.

- ``model``: per layer, its output shape, parameters and FLOPs (one forward pass with hooks on the
  leaf modules), and a memory estimate for inference and for training;
- ``data``: samples per split, input shape, class balance, and per-channel pixel mean and std;
- ``run``: a PNG plot (matplotlib, Agg) of a run's ``metrics.jsonl``: loss, accuracy, learning rate;
- ``report``: an HTML or Markdown page of a run (its settings, results, model table and the plot,
  embedded as a data URI, so the page is one file).
"""
from __future__ import annotations

import argparse
import base64
import json
import math
import os

from ._common import positive_int as _positive_int
from .errors import CommandError

__all__ = ["register", "summarize_model", "dataset_statistics", "plot_metrics", "model_by_name"]

EXAMPLES = """examples:
  axonml analyze model runs/train                      # a trained run's model
  axonml analyze model resnet18 --input-shape 3,224,224 --json
  axonml analyze data digits
  axonml analyze data path/to/imagefolder --max-samples 2000
  axonml analyze run runs/train --out loss.png
  axonml analyze report runs/train --format md --out report.md
"""


def register(subparsers) -> None:
    from .train import DATASETS
    parser = subparsers.add_parser(
        "analyze", help="parameters and FLOPs per layer, dataset statistics, plots and reports of runs",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Analyze a model (parameters, FLOPs, memory), a dataset (statistics, class balance), or "
                    "a run (a plot of its metrics log; a report in HTML or Markdown).")
    commands = parser.add_subparsers(dest="what", metavar="WHAT")
    commands.required = True

    model = commands.add_parser("model", help="parameters, FLOPs and output shape per layer; memory estimate",
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    model.add_argument("target", metavar="MODEL", help="run directory, checkpoint, or a model name "
                                                       "(lenet, mlp, simplecnn, resnet18, vgg11, vit_b_16 ...)")
    model.add_argument("--dataset", choices=DATASETS, help="input shape and classes of lenet/mlp/simplecnn "
                                                           "(default: the run's, or digits)")
    model.add_argument("--input-shape", type=_shape, metavar="C,H,W", help="one sample's shape")
    model.add_argument("--batch-size", type=_positive_int, default=1, help="samples per forward (default: 1)")
    model.add_argument("--json", action="store_true", help="print the analysis as JSON")
    model.set_defaults(handler=run_model)

    data = commands.add_parser("data", help="dataset statistics and class balance",
                               formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    data.add_argument("target", metavar="DATASET", help=f"{', '.join(DATASETS)}, or an image folder (one "
                                                        "subfolder per class)")
    data.add_argument("--data-dir", metavar="DIR", default="data", help="root of the dataset files (default: data)")
    data.add_argument("--max-samples", type=_positive_int, default=20000,
                      help="samples per split read for pixel statistics (default: 20000)")
    data.add_argument("--json", action="store_true", help="print the statistics as JSON")
    data.set_defaults(handler=run_data)

    plot = commands.add_parser("run", help="plot a run's metrics log as PNG",
                               formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    plot.add_argument("run_dir", metavar="RUN_DIR", help="a directory with metrics.jsonl")
    plot.add_argument("--out", metavar="FILE", help="the PNG to write (default: RUN_DIR/metrics.png)")
    plot.set_defaults(handler=run_plot)

    report = commands.add_parser("report", help="an HTML or Markdown report of a run, plots embedded",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    report.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by axonml train")
    report.add_argument("--format", choices=("html", "md"), help="default: from --out's suffix, else html")
    report.add_argument("--out", metavar="FILE", help="default: RUN_DIR/report.html (or .md)")
    report.set_defaults(handler=run_report)


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 3,224,224, got {text!r}") from None
    if not shape or any(size <= 0 for size in shape):
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return shape


# --- model ---------------------------------------------------------------------------------------

def model_by_name(name: str, dataset: str | None, input_shape):
    """(module, input shape) for a model name: train's small models, or a builder of axonml.vision.models."""
    from . import train
    from ..vision import models
    if name in train.MODELS:
        dataset = dataset or "digits"
        return train.build_model(name, train.INPUT_SHAPES[dataset]), input_shape or train.INPUT_SHAPES[dataset]
    builder = getattr(models, name, None) if name in models.__all__ and name[0].islower() else None
    if not callable(builder):
        raise CommandError(f"no such model or checkpoint: {name}")
    return builder(), input_shape or (3, 224, 224)


def _load(target: str, dataset: str | None, input_shape):
    from . import train
    if os.path.exists(target):
        model, settings = train.load_trained(target, dataset=dataset)
        return model, input_shape or train.INPUT_SHAPES[settings["dataset"]]
    return model_by_name(target, dataset, input_shape)


def _flops(module, inputs, output) -> int:
    """Floating-point operations of one leaf module's forward (a multiply-add is two)."""
    from .. import nn
    out = output.numel() if hasattr(output, "numel") else 0
    if isinstance(module, nn.Linear):
        return 2 * module.in_features * out + (out if module.bias is not None else 0)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
        return 2 * per_output * out + (out if module.bias is not None else 0)
    return out  # norms, activations, pooling, dropout: about one operation per output element


def summarize_model(model, input_shape, batch_size: int = 1) -> dict:
    """Per-layer output shape, parameters and FLOPs (from one forward pass), with totals and a memory estimate."""
    import axonml
    layers, handles = [], []
    leaves = [(name, module) for name, module in model.named_modules() if not list(module.children())]

    def hook(name):
        def record(module, inputs, output):
            shape = list(output.shape) if hasattr(output, "shape") else None
            layers.append({"name": name, "type": type(module).__name__, "output_shape": shape,
                           "parameters": sum(p.numel() for p in module.parameters(recurse=False)),
                           "flops": _flops(module, inputs, output),
                           "activation_bytes": output.numel() * output.element_size() if shape else 0})
        return record
    for name, module in leaves:
        handles.append(module.register_forward_hook(hook(name)))
    was_training = model.training
    model.eval()
    device = next(iter(model.parameters())).device if list(model.parameters()) else "cpu"
    try:
        with axonml.no_grad():
            model(axonml.zeros(batch_size, *input_shape, device=device))
    except (RuntimeError, ValueError, TypeError) as error:
        raise CommandError(f"a forward pass with input shape {(batch_size, *input_shape)} failed: {error}") from None
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    parameters = sum(p.numel() for p in model.parameters())
    parameter_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    buffer_bytes = sum(b.numel() * b.element_size() for b in model.buffers())
    activation_bytes = sum(layer["activation_bytes"] for layer in layers)
    return {"model": type(model).__name__, "input_shape": [batch_size, *input_shape], "layers": layers,
            "parameters": parameters, "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "flops": sum(layer["flops"] for layer in layers),
            "memory": {"parameters": parameter_bytes, "buffers": buffer_bytes, "activations": activation_bytes,
                       "inference": parameter_bytes + buffer_bytes + activation_bytes,
                       # weights, their gradients and two Adam moments, plus the activations kept for backward
                       "training_adam": 4 * parameter_bytes + buffer_bytes + activation_bytes}}


def _size(count: float) -> str:
    for unit in ("", "K", "M", "G", "T"):
        if abs(count) < 1000:
            return f"{count:.1f}{unit}" if unit else f"{count:.0f}"
        count /= 1000
    return f"{count:.1f}P"


def _bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.1f} {unit}" if unit != "B" else f"{count:.0f} B"
        count /= 1024
    return f"{count:.1f} TiB"


def model_table(summary: dict) -> list[list[str]]:
    rows = [["layer", "type", "output shape", "parameters", "FLOPs"]]
    for layer in summary["layers"]:
        rows.append([layer["name"], layer["type"], "x".join(map(str, layer["output_shape"] or [])),
                     f"{layer['parameters']:,}", _size(layer["flops"])])
    return rows


def _text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
                     for row in rows)


def run_model(args: argparse.Namespace) -> int:
    model, shape = _load(args.target, args.dataset, args.input_shape)
    summary = summarize_model(model, shape, args.batch_size)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    memory = summary["memory"]
    print(f"{summary['model']} with input {'x'.join(map(str, summary['input_shape']))}")
    print(_text_table(model_table(summary)))
    print(f"\nparameters {summary['parameters']:,} ({summary['trainable']:,} trainable)  "
          f"FLOPs per forward {_size(summary['flops'])}")
    print(f"memory: parameters {_bytes(memory['parameters'])}, activations {_bytes(memory['activations'])}, "
          f"inference ~{_bytes(memory['inference'])}, training with Adam ~{_bytes(memory['training_adam'])}")
    return 0


# --- data ----------------------------------------------------------------------------------------

def _raw_splits(target: str, data_dir: str):
    """{split: dataset} yielding (C, H, W) float arrays in [0, 1] and integer labels, and the class names."""
    import numpy as np
    from . import train
    from ..vision import datasets, transforms

    def to_array(image):
        if isinstance(image, np.ndarray) and image.ndim == 2 and target == "digits":
            return image.astype(np.float32)[None] / 16.0
        return transforms.ToTensor()(image).numpy()
    try:
        if target in train.DATASETS:
            cls = train._dataset_class(target)
            if target == "digits":
                splits = {"train": cls(train=True, transform=to_array), "test": cls(train=False, transform=to_array)}
            else:
                splits = {"train": cls(data_dir, train=True, transform=to_array),
                          "test": cls(data_dir, train=False, transform=to_array)}
            return splits, train.dataset_classes(target)
        if os.path.isdir(target):
            folder = datasets.ImageFolder(target, transform=to_array)
            return {"all": folder}, list(folder.classes)
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as error:
        raise CommandError(f"cannot load dataset '{target}': {error}") from None
    raise CommandError(f"no such dataset or directory: {target}")


def _labels(dataset):
    import numpy as np
    for attribute in ("targets", "labels"):
        values = getattr(dataset, attribute, None)
        if values is not None:
            return np.asarray(values.numpy() if hasattr(values, "numpy") else values, dtype=np.int64).ravel()
    samples = getattr(dataset, "samples", None)
    if samples is not None:
        return np.asarray([label for _, label in samples], dtype=np.int64)
    return np.asarray([dataset[i][1] for i in range(len(dataset))], dtype=np.int64)


def dataset_statistics(target: str, data_dir: str = "data", max_samples: int = 20000) -> dict:
    """Samples per split, sample shape, per-class counts and balance, per-channel pixel mean and std in [0, 1]."""
    import numpy as np
    splits, classes = _raw_splits(target, data_dir)
    result = {"dataset": target, "classes": classes, "splits": {}}
    for split, dataset in splits.items():
        if len(dataset) == 0:
            raise CommandError(f"dataset '{target}' has no samples in its {split} split")
        labels = _labels(dataset)
        counts = np.bincount(labels, minlength=len(classes))
        step = max(1, math.ceil(len(dataset) / max_samples))
        total = squares = pixels = 0
        shapes = set()
        for index in range(0, len(dataset), step):
            image = dataset[index][0]
            shapes.add(tuple(image.shape))
            flat = image.reshape(image.shape[0], -1).astype(np.float64)
            total, squares, pixels = total + flat.sum(axis=1), squares + (flat ** 2).sum(axis=1), pixels + flat.shape[1]
        mean = total / pixels
        std = np.sqrt(np.maximum(squares / pixels - mean ** 2, 0))
        result["splits"][split] = {
            "samples": len(dataset), "sample_shape": list(shapes.pop()) if len(shapes) == 1 else "varies",
            "class_counts": {name: int(count) for name, count in zip(classes, counts)},
            "balance": float(counts.min() / counts.max()) if counts.max() else 0.0,
            "pixel_mean": [round(float(v), 4) for v in mean], "pixel_std": [round(float(v), 4) for v in std],
            "samples_read_for_pixels": len(range(0, len(dataset), step))}
    return result


def run_data(args: argparse.Namespace) -> int:
    stats = dataset_statistics(args.target, args.data_dir, args.max_samples)
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"{stats['dataset']}: {len(stats['classes'])} classes")
    for split, info in stats["splits"].items():
        shape = "x".join(map(str, info["sample_shape"])) if isinstance(info["sample_shape"], list) else "varies"
        print(f"\n{split}: {info['samples']} samples of {shape}, pixel mean {info['pixel_mean']} std {info['pixel_std']}")
        largest = max(info["class_counts"].values()) or 1
        width = max(len(name) for name in info["class_counts"])
        for name, count in info["class_counts"].items():
            print(f"  {name:<{width}} {count:7d}  {'#' * round(30 * count / largest)}")
        print(f"  balance (smallest / largest class): {info['balance']:.3f}")
    return 0


# --- runs ----------------------------------------------------------------------------------------

def _records(run_dir: str) -> list[dict]:
    from . import train
    from ..utils.metrics import read_metrics
    path = os.path.join(run_dir, train.METRICS_FILE) if os.path.isdir(run_dir) else run_dir
    if not os.path.isfile(path):
        raise CommandError(f"no metrics log: {path}")
    try:
        records = read_metrics(path)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if not records:
        raise CommandError(f"{path} has no records yet")
    return records


def plot_metrics(records: list[dict], path: str, title: str = "") -> None:
    """Loss, accuracy and learning rate against the step, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    steps = [r for r in records if r.get("kind", "step") == "step" and r.get("split") == "train"]
    epochs = {split: [r for r in records if r.get("kind") == "epoch" and r.get("split") == split]
              for split in ("train", "test")}
    for axis, field, label in ((axes[0], "loss", "loss"), (axes[1], "accuracy", "accuracy")):
        if steps:
            axis.plot([r["step"] for r in steps if r.get(field) is not None],
                      [r[field] for r in steps if r.get(field) is not None], lw=0.8, alpha=0.5, label="train (step)")
        for split, style in (("train", "o-"), ("test", "s-")):
            points = [r for r in epochs[split] if r.get(field) is not None]
            if points:
                axis.plot([r["step"] for r in points], [r[field] for r in points], style, label=f"{split} (epoch)")
        axis.set_xlabel("step")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    rates = [r for r in steps if r.get("lr") is not None]
    axes[2].plot([r["step"] for r in rates], [r["lr"] for r in rates])
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("learning rate")
    axes[2].grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    temporary = f"{path}.tmp{os.getpid()}.png"
    try:
        figure.savefig(temporary, format="png", dpi=100)
        os.replace(temporary, path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error}") from None
    finally:
        plt.close(figure)
        if os.path.exists(temporary):
            os.remove(temporary)


def run_plot(args: argparse.Namespace) -> int:
    records = _records(args.run_dir)
    out = args.out or os.path.join(args.run_dir if os.path.isdir(args.run_dir) else os.path.dirname(args.run_dir),
                                   "metrics.png")
    plot_metrics(records, out, os.path.basename(os.path.abspath(args.run_dir)))
    print(f"wrote {out} ({len(records)} records)")
    return 0


def _report(run_dir: str, fmt: str, image: bytes) -> str:
    import html
    from . import train
    from ..utils.metrics import read_config
    config_path = os.path.join(run_dir, train.CONFIG_FILE)
    config = read_config(config_path) if os.path.isfile(config_path) else {}
    records = _records(run_dir)
    last = {r["split"]: r for r in records if r.get("kind") == "epoch"}
    summary = None
    if os.path.isfile(os.path.join(run_dir, train.MODEL_FILE)):
        model, settings = train.load_trained(run_dir)
        summary = summarize_model(model, train.INPUT_SHAPES[settings["dataset"]])
    name = os.path.basename(os.path.abspath(run_dir))
    uri = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
    results = [[split, str(r.get("epoch")), f"{r['loss']:.4f}" if r.get("loss") is not None else "",
                f"{100 * r['accuracy']:.2f}%" if r.get("accuracy") is not None else ""] for split, r in last.items()]
    settings_rows = [[key, json.dumps(value)] for key, value in sorted(config.items())]
    sections = [("Settings", [["setting", "value"], *settings_rows]),
                ("Last epoch", [["split", "epoch", "loss", "accuracy"], *results])]
    if summary:
        sections.append((f"Model: {summary['model']}, {summary['parameters']:,} parameters, "
                         f"{_size(summary['flops'])} FLOPs per sample", model_table(summary)))
    if fmt == "md":
        lines = [f"# Run {name}", "", f"![metrics]({uri})", ""]
        for heading, rows in sections:
            lines += [f"## {heading}", "", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]
            lines.append("")
        return "\n".join(lines)
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Run {html.escape(name)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style></head><body>",
             f"<h1>Run {html.escape(name)}</h1>", f"<img alt='metrics' src='{uri}'>"]
    for heading, rows in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2><table>")
        parts.append("<tr>" + "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0]) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:]]
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def run_report(args: argparse.Namespace) -> int:
    import tempfile
    if not os.path.isdir(args.run_dir):
        raise CommandError(f"no such run directory: {args.run_dir}")
    fmt = args.format or ("md" if (args.out or "").lower().endswith(".md") else "html")
    out = args.out or os.path.join(args.run_dir, f"report.{fmt}")
    records = _records(args.run_dir)
    with tempfile.TemporaryDirectory() as scratch:
        png = os.path.join(scratch, "metrics.png")
        plot_metrics(records, png, os.path.basename(os.path.abspath(args.run_dir)))
        with open(png, "rb") as f:
            image = f.read()
    text = _report(args.run_dir, fmt, image)
    try:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error}") from None
    print(f"wrote {out}")
    return 0
