"""`axonml eval CHECKPOINT`: loss, accuracy, per-class precision/recall/F1 and the confusion matrix.

CHECKPOINT is a run directory of ``axonml train``, its ``model.safetensors`` or a checkpoint file,
or a bare state dict with ``--model`` and ``--dataset`` naming the architecture.
"""
from __future__ import annotations

import argparse
import json

from .errors import CommandError

__all__ = ["register", "run", "classification_metrics"]

EXAMPLES = """examples:
  axonml eval runs/train                                # the run's own dataset, test split
  axonml eval runs/train/model.safetensors --split train
  axonml eval weights.safetensors --model lenet --dataset mnist --data-dir data --json
"""


def register(subparsers) -> None:
    from .train import DATASETS, MODELS, _positive_int
    parser = subparsers.add_parser(
        "eval", help="evaluate a checkpoint on a dataset", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evaluate a trained model on a dataset split: loss, accuracy, per-class precision, recall "
                    "and F1, and the confusion matrix (rows: true class, columns: predicted).")
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="run directory, model.safetensors or checkpoint file")
    parser.add_argument("--dataset", choices=DATASETS, help="dataset (default: the run's)")
    parser.add_argument("--data-dir", metavar="DIR", help="root folder of the dataset files (default: the run's)")
    parser.add_argument("--split", choices=("test", "train"), default="test", help="which split (default: test)")
    parser.add_argument("--model", choices=MODELS, help="architecture of a bare state dict")
    parser.add_argument("--batch-size", type=_positive_int, default=256, help="samples per batch (default: 256)")
    parser.add_argument("--device", default="cpu", help="cpu, opencl[:N] or auto (default: cpu)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(handler=run)


def classification_metrics(labels, predictions, num_classes: int) -> dict:
    """Confusion matrix and per-class precision, recall, F1 and support (0 where a ratio is 0/0)."""
    import numpy as np
    labels, predictions = np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    true_positive = np.diag(confusion).astype(np.float64)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(true_positive, predicted, out=np.zeros(num_classes), where=predicted > 0)
    recall = np.divide(true_positive, actual, out=np.zeros(num_classes), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(num_classes), where=total > 0)
    return {"confusion_matrix": confusion.tolist(), "precision": precision.tolist(), "recall": recall.tolist(),
            "f1": f1.tolist(), "support": actual.tolist(),
            "macro_f1": float(f1[actual > 0].mean()) if (actual > 0).any() else 0.0}


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import axonml
    from ..data import DataLoader
    from ..nn import functional as F
    from . import train
    from .gpu import resolve_device
    args.device = resolve_device(args.device)
    model, settings = train.load_trained(args.checkpoint, args.model, args.dataset, args.device)
    settings.setdefault("data_dir", "data")
    settings.setdefault("download", False)
    if args.data_dir:
        settings["data_dir"] = args.data_dir
    train_set, test_set, _ = train.build_datasets(settings)
    dataset = test_set if args.split == "test" else train_set
    classes = train.dataset_classes(settings["dataset"])
    device = axonml.device(args.device)
    total_loss, labels_seen, predicted = 0.0, [], []
    try:
        with axonml.no_grad():
            for images, labels in DataLoader(dataset, batch_size=args.batch_size):
                logits = model(images.to(device))
                total_loss += F.cross_entropy(logits, labels.to(device), reduction="sum").item()
                labels_seen.append(labels.numpy())
                predicted.append(logits.argmax(dim=1).cpu().numpy())
    except (RuntimeError, ValueError) as error:
        raise CommandError(f"cannot evaluate {args.checkpoint} on {settings['dataset']}: {error}") from None
    labels_seen, predicted = np.concatenate(labels_seen), np.concatenate(predicted)
    result = {"checkpoint": args.checkpoint, "model": settings["model"], "dataset": settings["dataset"],
              "split": args.split, "samples": int(labels_seen.size), "loss": total_loss / labels_seen.size,
              "accuracy": float((labels_seen == predicted).mean()), "classes": classes,
              **classification_metrics(labels_seen, predicted, len(classes))}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(_text(result))
    return 0


def _text(result: dict) -> str:
    classes = result["classes"]
    width = max(8, *(len(name) for name in classes))
    lines = [f"{result['model']} on {result['dataset']} ({result['split']}, {result['samples']} samples)",
             f"loss {result['loss']:.4f}  accuracy {100 * result['accuracy']:.2f}%  macro F1 {result['macro_f1']:.4f}",
             "", f"{'class':<{width}}  precision  recall     f1  support"]
    for i, name in enumerate(classes):
        lines.append(f"{name:<{width}}  {result['precision'][i]:9.4f}  {result['recall'][i]:6.4f}  "
                     f"{result['f1'][i]:5.4f}  {result['support'][i]:7d}")
    cell = max(4, len(str(max(max(row) for row in result["confusion_matrix"]))) + 1)
    lines += ["", "confusion matrix (rows: true, columns: predicted)",
              " " * 4 + "".join(f"{j:>{cell}}" for j in range(len(classes)))]
    for i, row in enumerate(result["confusion_matrix"]):
        lines.append(f"{i:>4}" + "".join(f"{count:>{cell}}" for count in row))
    return "\n".join(lines)
