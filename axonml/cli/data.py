"""`axonml data info|stats|split|validate`: look at, check and split a dataset before training on it.

A dataset is a folder in ImageFolder's layout (``root/<class>/<image>``), a CSV file (one sample a
row, a header; the label is the column ``--label`` names, else one called label/target/class/y,
else the last), a ``.npy`` array (samples along the first axis), a ``.npz`` archive (data and
labels: ``--label`` names the label array, else one called y/label(s)/target(s)), or an IDX file
(MNIST's format, raw or gzip). Arrays are read with ``allow_pickle=False``.
"""
from __future__ import annotations

import collections
import csv
import hashlib
import math
import os
import shutil

from ._common import add_action, add_family, positive_int as _positive_int, print_json
from .errors import CommandError

__all__ = ["register", "load", "class_balance"]

_LABEL_NAMES = ("label", "labels", "target", "targets", "class", "y")
_DATA_NAMES = ("x", "data", "images", "inputs", "features")
_SPLIT_NAMES = {1: ["train"], 2: ["train", "val"], 3: ["train", "val", "test"]}


def register(subparsers) -> None:
    parser = add_family(subparsers, "data", "inspect, check and split datasets",
                        "Describe, summarise, validate and split a dataset: an ImageFolder directory, a CSV "
                        "file, a .npy/.npz array file or an IDX (MNIST) file.",
                        ["axonml data info data/flowers",
                         "axonml data stats train.csv --label species --json",
                         "axonml data validate data/flowers",
                         "axonml data split data/flowers --ratios 0.8,0.1,0.1 --out data/flowers-split"])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    info = add_action(actions, "info", "show a dataset's format, size, shape and classes",
                      ["axonml data info data/flowers", "axonml data info train-images-idx3-ubyte.gz --json"])
    stats = add_action(actions, "stats", "per-feature or per-channel statistics and the class balance",
                       ["axonml data stats data/flowers --limit 500", "axonml data stats train.csv --json"])
    validate = add_action(actions, "validate", "check every sample: unreadable images, ragged rows, NaNs, "
                                               "duplicates; exit 1 if an error is found",
                          ["axonml data validate data/flowers", "axonml data validate features.npz --strict"])
    split = add_action(actions, "split", "split a dataset into train/val/test parts, stratified by class",
                       ["axonml data split data/flowers --ratios 0.8,0.2 --out data/split",
                        "axonml data split table.csv --ratios 0.7,0.15,0.15 --seed 1 --out parts"])
    for action in (info, stats, validate, split):
        action.add_argument("path", metavar="PATH", help="dataset folder or file")
        action.add_argument("--label", metavar="NAME", help="label column (CSV) or array (.npz)")
        if action is not split:
            action.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--limit", type=_positive_int, metavar="N", help="read at most N images of a folder")
    validate.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    split.add_argument("--out", required=True, metavar="DIR", help="folder to write the parts into")
    split.add_argument("--ratios", default="0.8,0.2", type=_ratios, metavar="R1,R2[,R3]",
                       help="fractions of the samples in each part, summing to 1 (default: 0.8,0.2)")
    split.add_argument("--names", type=lambda text: text.split(","), metavar="A,B[,C]",
                       help="part names (default: train,val[,test])")
    split.add_argument("--seed", type=int, default=0, help="seed of the shuffle (default: 0)")
    split.add_argument("--no-stratify", dest="stratify", action="store_false",
                       help="shuffle all samples together instead of class by class")
    split.add_argument("--link", action="store_true", help="hard-link image files instead of copying them")
    split.add_argument("--force", action="store_true", help="write into --out even if it is not empty")
    for action, handler in ((info, _info), (stats, _stats), (validate, _validate), (split, _split)):
        action.set_defaults(handler=handler)


def _ratios(text: str) -> list[float]:
    import argparse
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected fractions such as 0.8,0.2, got {text!r}") from None
    if not 1 <= len(values) <= 3 or any(not 0 < v <= 1 for v in values) or abs(sum(values) - 1) > 1e-6:
        raise argparse.ArgumentTypeError(f"expected one to three fractions in (0, 1] summing to 1, got {text!r}")
    return values


# --- reading ---------------------------------------------------------------------------------------

class Dataset:
    """What the actions need of a dataset: its kind, samples and (if known) labels."""

    def __init__(self, kind: str, path: str):
        self.kind, self.path = kind, path
        self.labels = None          # list or array of labels, one per sample
        self.classes = None         # class names, for a folder
        self.files = None           # [(path, class index)] for a folder
        self.header = None          # CSV column names
        self.rows = None            # CSV rows (lists of strings), header excluded
        self.label_column = None
        self.arrays = None          # {name: ndarray} for .npy/.npz/IDX
        self.data_key = None
        self.label_key = None

    def __len__(self) -> int:
        if self.files is not None:
            return len(self.files)
        if self.rows is not None:
            return len(self.rows)
        return int(self.arrays[self.data_key].shape[0]) if self.arrays[self.data_key].ndim else 1


def _kind(path: str) -> str:
    if os.path.isdir(path):
        return "image-folder"
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file or directory: {path}")
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".npy"):
        return "npy"
    if lower.endswith(".npz"):
        return "npz"
    with open(path, "rb") as f:
        head = f.read(4)
    if "idx" in os.path.basename(lower) or head[:2] == b"\x00\x00" or head[:2] == b"\x1f\x8b":
        return "idx"
    raise CommandError(f"{path}: not a dataset axonml reads (a folder, .csv, .npy, .npz or IDX file)")


def load(path: str, label: str | None = None) -> Dataset:
    """Read the dataset at ``path`` (see the module docstring for the formats)."""
    kind = _kind(path)
    dataset = Dataset(kind, path)
    if kind == "image-folder":
        _load_folder(dataset)
    elif kind == "csv":
        _load_csv(dataset, label)
    else:
        _load_arrays(dataset, label)
    return dataset


def _load_folder(dataset: Dataset) -> None:
    from ..vision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset
    try:
        classes, class_to_idx = find_classes(dataset.path)
    except FileNotFoundError:
        raise CommandError(f"{dataset.path}: no class folders (expected the layout {dataset.path}/<class>/<image>)") \
            from None
    dataset.classes = classes
    dataset.files = make_dataset(dataset.path, class_to_idx, IMG_EXTENSIONS, allow_empty=True)
    dataset.labels = [classes[index] for _, index in dataset.files]


def _load_csv(dataset: Dataset, label: str | None) -> None:
    with open(dataset.path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise CommandError(f"{dataset.path}: the file is empty") from None
        except csv.Error as error:
            raise CommandError(f"{dataset.path}: not readable as CSV ({error})") from None
        try:
            rows = [row for row in reader if row]
        except csv.Error as error:
            raise CommandError(f"{dataset.path}: not readable as CSV at line {reader.line_num} ({error})") from None
    dataset.header, dataset.rows = header, rows
    if label is not None:
        if label not in header:
            raise CommandError(f"{dataset.path}: no column {label!r} (columns: {', '.join(header)})")
        dataset.label_column = header.index(label)
    else:
        named = [i for i, name in enumerate(header) if name.strip().lower() in _LABEL_NAMES]
        dataset.label_column = named[0] if named else len(header) - 1
    column = dataset.label_column
    dataset.labels = [row[column] if column < len(row) else "" for row in rows]


def _load_arrays(dataset: Dataset, label: str | None) -> None:
    import numpy as np
    try:
        if dataset.kind == "npy":
            arrays = {"data": np.load(dataset.path, allow_pickle=False)}
        elif dataset.kind == "npz":
            with np.load(dataset.path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        else:
            from ..vision.datasets.mnist import read_idx
            arrays = {"data": read_idx(dataset.path)}
    except (ValueError, OSError, RuntimeError, EOFError) as error:
        raise CommandError(f"{dataset.path}: cannot read it as {dataset.kind.upper()} ({error})") from None
    if not arrays:
        raise CommandError(f"{dataset.path}: holds no arrays")
    dataset.arrays = arrays
    names = list(arrays)
    if label is not None:
        if label not in arrays:
            raise CommandError(f"{dataset.path}: no array {label!r} (arrays: {', '.join(names)})")
        dataset.label_key = label
    elif dataset.kind == "npz":
        dataset.label_key = next((n for n in names if n.lower() in _LABEL_NAMES), None)
    elif dataset.kind == "idx" and arrays["data"].ndim == 1 and arrays["data"].dtype.kind in "iu":
        dataset.label_key = "data"            # an IDX labels file: the samples are labels
    others = [n for n in names if n != dataset.label_key] or names
    dataset.data_key = next((n for n in others if n.lower() in _DATA_NAMES), others[0])
    if dataset.label_key is not None:
        dataset.labels = arrays[dataset.label_key].reshape(-1).tolist()


def class_balance(labels) -> dict:
    """Counts and shares per class, and the ratio of the largest class to the smallest."""
    counts = collections.Counter(str(label) for label in labels)
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: _sort_key(item[0]))
    return {
        "classes": len(counts),
        "counts": {name: count for name, count in ordered},
        "shares": {name: round(count / total, 4) for name, count in ordered} if total else {},
        "imbalance": round(max(counts.values()) / min(counts.values()), 3) if counts else None,
    }


def _sort_key(name: str):
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name)


# --- info ------------------------------------------------------------------------------------------

def _info(args) -> int:
    dataset = load(args.path, args.label)
    report = {"path": args.path, "format": dataset.kind, "samples": len(dataset)}
    if dataset.kind == "image-folder":
        report.update(_folder_summary(dataset))
    elif dataset.kind == "csv":
        report["columns"] = dataset.header
        report["label_column"] = dataset.header[dataset.label_column]
    else:
        report["arrays"] = {name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in dataset.arrays.items()}
        report["data"] = dataset.data_key
        if dataset.label_key:
            report["labels"] = dataset.label_key
    if dataset.labels is not None:
        balance = class_balance(dataset.labels)
        report["classes"] = balance["classes"]
        report["class_counts"] = balance["counts"]
    if args.json:
        print_json(report)
        return 0
    print(f"{args.path}: {dataset.kind}, {report['samples']} samples")
    if dataset.kind == "image-folder":
        print(f"  extensions: {', '.join(f'{e} ({n})' for e, n in report['extensions'].items()) or 'none'}")
        if report["image_size"]:
            print(f"  image size (first image): {report['image_size'][0]}x{report['image_size'][1]}, "
                  f"mode {report['image_mode']}")
    elif dataset.kind == "csv":
        print(f"  columns ({len(dataset.header)}): {', '.join(dataset.header)}")
        print(f"  label column: {report['label_column']}")
    else:
        for name, spec in report["arrays"].items():
            role = " (data)" if name == dataset.data_key else ""
            role = " (labels)" if name == dataset.label_key else role
            print(f"  {name}: {spec['dtype']} {tuple(spec['shape'])}{role}")
    if "classes" in report:
        counts = ", ".join(f"{name}: {count}" for name, count in report["class_counts"].items())
        print(f"  classes ({report['classes']}): {counts}")
    return 0


def _folder_summary(dataset: Dataset) -> dict:
    extensions = collections.Counter(os.path.splitext(path)[1].lower() for path, _ in dataset.files)
    size = mode = None
    if dataset.files:
        image = _open_image(dataset.files[0][0])
        if image is not None:
            size, mode = list(image.size), image.mode
    return {"extensions": dict(extensions.most_common()), "image_size": size, "image_mode": mode}


def _open_image(path: str):
    try:
        from PIL import Image
    except ImportError:
        raise CommandError("reading images needs Pillow: pip install 'axonml[vision]'") from None
    try:
        with Image.open(path) as image:
            image.load()
            return image.copy()
    except Exception:  # noqa: BLE001 - Pillow raises many types for a bad file; validate names it
        return None


# --- stats -----------------------------------------------------------------------------------------

def _stats(args) -> int:
    import numpy as np
    dataset = load(args.path, args.label)
    report: dict = {"path": args.path, "format": dataset.kind, "samples": len(dataset)}
    if dataset.kind == "image-folder":
        report.update(_image_stats(dataset, args.limit))
    elif dataset.kind == "csv":
        report["columns"] = _column_stats(dataset)
    else:
        data = dataset.arrays[dataset.data_key]
        if dataset.data_key != dataset.label_key and data.dtype.kind in "biuf":
            report["data"] = _array_stats(np.asarray(data, dtype=np.float64))
    if dataset.labels is not None:
        report["balance"] = class_balance(dataset.labels)
    if args.json:
        print_json(report)
        return 0
    print(f"{args.path}: {dataset.kind}, {report['samples']} samples")
    if "channels" in report:
        print(f"  images read: {report['images_read']}, sizes {report['min_size']} .. {report['max_size']}")
        for name, values in report["channels"].items():
            print(f"  channel {name}: mean {values['mean']:.4f}  std {values['std']:.4f}  (pixels scaled to [0, 1])")
    for name, values in report.get("columns", {}).items():
        if "mean" in values:
            print(f"  {name}: mean {values['mean']:.6g}  std {values['std']:.6g}  min {values['min']:.6g}  "
                  f"max {values['max']:.6g}  missing {values['missing']}")
        else:
            print(f"  {name}: {values['distinct']} distinct values, missing {values['missing']}")
    if "data" in report:
        values = report["data"]
        print(f"  data: mean {values['mean']:.6g}  std {values['std']:.6g}  min {values['min']:.6g}  "
              f"max {values['max']:.6g}  non-finite {values['non_finite']}")
    if "balance" in report:
        balance = report["balance"]
        print(f"  class balance ({balance['classes']} classes, largest/smallest {balance['imbalance']}):")
        width = max(len(name) for name in balance["counts"]) if balance["counts"] else 0
        for name, count in balance["counts"].items():
            share = balance["shares"][name]
            print(f"    {name.ljust(width)}  {count:>8}  {share * 100:5.1f}%  {'#' * max(1, round(share * 40))}")
    return 0


def _array_stats(values) -> dict:
    import numpy as np
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"mean": math.nan, "std": math.nan, "min": math.nan, "max": math.nan,
                "non_finite": int(values.size)}
    return {"mean": float(finite.mean()), "std": float(finite.std()), "min": float(finite.min()),
            "max": float(finite.max()), "non_finite": int(values.size - finite.size)}


def _column_stats(dataset: Dataset) -> dict:
    import numpy as np
    columns = {}
    for index, name in enumerate(dataset.header):
        cells = [row[index].strip() if index < len(row) else "" for row in dataset.rows]
        present = [cell for cell in cells if cell != ""]
        numbers = _floats(present)
        if numbers is not None and index != dataset.label_column and present:
            columns[name] = {**_array_stats(np.asarray(numbers)), "missing": len(cells) - len(present)}
        else:
            columns[name] = {"distinct": len(set(present)), "missing": len(cells) - len(present)}
    return columns


def _floats(cells: list[str]):
    try:
        return [float(cell) for cell in cells]
    except ValueError:
        return None


def _image_stats(dataset: Dataset, limit: int | None) -> dict:
    import numpy as np
    files = dataset.files[:limit] if limit else dataset.files
    total = None
    squares = None
    pixels = 0
    sizes = []
    read = 0
    bands = None
    for path, _ in files:
        image = _open_image(path)
        if image is None:
            continue
        if bands is None:
            bands = "L" if image.mode in ("1", "L", "I", "I;16", "F") else "RGB"
        array = np.asarray(image.convert(bands), dtype=np.float64) / 255.0
        array = array.reshape(-1, 1 if bands == "L" else 3)
        total = array.sum(0) if total is None else total + array.sum(0)
        squares = (array ** 2).sum(0) if squares is None else squares + (array ** 2).sum(0)
        pixels += array.shape[0]
        sizes.append(image.size)
        read += 1
    if not read:
        return {"images_read": 0, "channels": {}, "min_size": None, "max_size": None}
    mean = total / pixels
    std = np.sqrt(np.maximum(squares / pixels - mean ** 2, 0.0))
    names = ["L"] if bands == "L" else ["R", "G", "B"]
    return {"images_read": read,
            "channels": {n: {"mean": float(m), "std": float(s)} for n, m, s in zip(names, mean, std)},
            "min_size": list(min(sizes, key=lambda s: s[0] * s[1])),
            "max_size": list(max(sizes, key=lambda s: s[0] * s[1]))}


# --- validate --------------------------------------------------------------------------------------

def _validate(args) -> int:
    try:
        dataset = load(args.path, args.label)
    except CommandError as error:
        problems = [("error", str(error))]
        dataset = None
    else:
        problems = {"image-folder": _check_folder, "csv": _check_csv}.get(dataset.kind, _check_arrays)(dataset)
    errors = [p for p in problems if p[0] == "error"]
    warnings = [p for p in problems if p[0] == "warning"]
    if args.json:
        print_json({"path": args.path, "format": dataset.kind if dataset else None,
                    "samples": len(dataset) if dataset else 0,
                    "errors": [m for _, m in errors], "warnings": [m for _, m in warnings]})
    else:
        for severity, message in problems:
            print(f"{severity}: {message}")
        samples = f"{len(dataset)} samples, " if dataset else ""
        print(f"{args.path}: {samples}{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors or (args.strict and warnings) else 0


def _check_folder(dataset: Dataset) -> list:
    from ..vision.datasets.folder import IMG_EXTENSIONS
    problems = []
    per_class = collections.Counter(index for _, index in dataset.files)
    for index, name in enumerate(dataset.classes):
        if per_class[index] == 0:
            problems.append(("error", f"class {name!r} has no image"))
        elif per_class[index] == 1:
            problems.append(("warning", f"class {name!r} has a single image"))
    for name in dataset.classes:
        for root, _, files in os.walk(os.path.join(dataset.path, name), followlinks=True):
            for file_name in sorted(files):
                if not file_name.lower().endswith(IMG_EXTENSIONS):
                    problems.append(("warning", f"not an image file, skipped: "
                                                f"{os.path.relpath(os.path.join(root, file_name), dataset.path)}"))
    seen: dict[str, tuple[str, int]] = {}
    modes = collections.Counter()
    for path, index in dataset.files:
        relative = os.path.relpath(path, dataset.path)
        if os.path.getsize(path) == 0:
            problems.append(("error", f"empty file: {relative}"))
            continue
        image = _open_image(path)
        if image is None:
            problems.append(("error", f"unreadable image: {relative}"))
            continue
        modes[image.mode] += 1
        digest = _sha256(path)
        if digest in seen:
            other, other_index = seen[digest]
            if other_index != index:
                problems.append(("error", f"the same image is in two classes: {other} and {relative}"))
            else:
                problems.append(("warning", f"duplicate image: {other} and {relative}"))
        else:
            seen[digest] = (relative, index)
    if len(modes) > 1:
        problems.append(("warning", "mixed image modes: " + ", ".join(f"{m} ({n})" for m, n in modes.most_common())))
    return problems


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_csv(dataset: Dataset) -> list:
    problems = []
    width = len(dataset.header)
    if len(set(dataset.header)) != width:
        problems.append(("error", "duplicate column names in the header"))
    for line, row in enumerate(dataset.rows, start=2):
        if len(row) != width:
            problems.append(("error", f"line {line}: {len(row)} fields where the header has {width}"))
    for index, name in enumerate(dataset.header):
        cells = [row[index].strip() for row in dataset.rows if index < len(row)]
        missing = sum(1 for cell in cells if cell == "")
        if missing:
            problems.append(("warning", f"column {name!r}: {missing} missing values"))
        if index == dataset.label_column:
            continue
        numeric = [cell for cell in cells if cell and _floats([cell]) is not None]
        if numeric and len(numeric) < len([c for c in cells if c]):
            bad = next(line for line, row in enumerate(dataset.rows, start=2)
                       if index < len(row) and row[index].strip() and _floats([row[index].strip()]) is None)
            problems.append(("error", f"column {name!r} is numeric but line {bad} holds "
                                      f"{dataset.rows[bad - 2][index]!r}"))
        elif numeric and any(not math.isfinite(float(cell)) for cell in numeric):
            problems.append(("error", f"column {name!r} holds NaN or infinite values"))
    duplicates = len(dataset.rows) - len({tuple(row) for row in dataset.rows})
    if duplicates:
        problems.append(("warning", f"{duplicates} duplicate rows"))
    if dataset.labels is not None and len(set(dataset.labels)) < 2 and dataset.rows:
        problems.append(("warning", f"the label column {dataset.header[dataset.label_column]!r} has a single value"))
    if not dataset.rows:
        problems.append(("error", "no rows after the header"))
    return problems


def _check_arrays(dataset: Dataset) -> list:
    import numpy as np
    problems = []
    lengths = {name: a.shape[0] for name, a in dataset.arrays.items() if a.ndim}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} ({length})" for name, length in lengths.items())
        problems.append(("error", f"arrays of different lengths: {listed}"))
    for name, array in dataset.arrays.items():
        if array.dtype.kind == "f":
            bad = int(array.size - np.isfinite(array).sum())
            if bad:
                problems.append(("error", f"array {name!r}: {bad} NaN or infinite values"))
        elif array.dtype.kind not in "biuc":
            problems.append(("warning", f"array {name!r}: dtype {array.dtype} is not numeric"))
        if array.size == 0:
            problems.append(("error", f"array {name!r} is empty"))
    if dataset.label_key and dataset.label_key != dataset.data_key:
        labels = dataset.arrays[dataset.label_key]
        if labels.dtype.kind == "f" and np.isfinite(labels).all() and not np.all(labels == np.round(labels)):
            problems.append(("warning", f"labels {dataset.label_key!r} are not whole numbers (a regression target?)"))
        elif labels.dtype.kind in "iu" and labels.size and labels.min() < 0:
            problems.append(("error", f"labels {dataset.label_key!r} hold negative values"))
    return problems


# --- split -----------------------------------------------------------------------------------------

def _split(args) -> int:
    import numpy as np
    dataset = load(args.path, args.label)
    names = args.names or _SPLIT_NAMES[len(args.ratios)]
    if len(names) != len(args.ratios) or len(set(names)) != len(names):
        raise CommandError(f"--names needs {len(args.ratios)} distinct names, one per ratio")
    if dataset.kind == "idx":
        raise CommandError("split works on a folder, CSV, .npy or .npz; read IDX files with "
                           "axonml.vision.datasets.MNIST")
    if os.path.isdir(args.out) and os.listdir(args.out) and not args.force:
        raise CommandError(f"{args.out} is not empty (pass --force to write into it)")
    if os.path.abspath(args.out).startswith(os.path.abspath(args.path) + os.sep):
        raise CommandError(f"--out {args.out} lies inside the dataset {args.path}")
    labels = dataset.labels if args.stratify else None
    parts = _assign(len(dataset), args.ratios, labels, np.random.default_rng(args.seed))
    os.makedirs(args.out, exist_ok=True)
    writer = {"image-folder": _write_folder, "csv": _write_csv}.get(dataset.kind, _write_arrays)
    for name, indices in zip(names, parts):
        writer(dataset, indices, args.out, name, args.link)
        print(f"{name}: {len(indices)} samples")
    return 0


def _assign(count: int, ratios: list[float], labels, rng) -> list:
    """Indices of each part, shuffled (within each class when labels are given), in sorted order."""
    import numpy as np
    groups = [np.arange(count)] if labels is None else [
        np.flatnonzero(np.asarray([str(label) for label in labels]) == value)
        for value in sorted({str(label) for label in labels})]
    parts: list[list[int]] = [[] for _ in ratios]
    bounds = np.cumsum(ratios)
    for group in groups:
        order = rng.permutation(group)
        cuts = [0] + [int(round(b * len(order))) for b in bounds[:-1]] + [len(order)]
        for i in range(len(ratios)):
            parts[i].extend(order[cuts[i]:cuts[i + 1]].tolist())
    return [sorted(part) for part in parts]


def _write_folder(dataset: Dataset, indices, out: str, name: str, link: bool) -> None:
    for index in indices:
        path, class_index = dataset.files[index]
        target = os.path.join(out, name, dataset.classes[class_index],
                              os.path.relpath(path, os.path.join(dataset.path, dataset.classes[class_index])))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if link:
            os.link(path, target)
        else:
            shutil.copy2(path, target)
    for class_name in dataset.classes:        # every class exists in every part, even if empty
        os.makedirs(os.path.join(out, name, class_name), exist_ok=True)


def _write_csv(dataset: Dataset, indices, out: str, name: str, link: bool) -> None:
    with open(os.path.join(out, f"{name}.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(dataset.header)
        writer.writerows(dataset.rows[i] for i in indices)


def _write_arrays(dataset: Dataset, indices, out: str, name: str, link: bool) -> None:
    import numpy as np
    count = len(dataset)
    selected = {key: (a[indices] if a.ndim and a.shape[0] == count else a) for key, a in dataset.arrays.items()}
    if dataset.kind == "npy":
        np.save(os.path.join(out, f"{name}.npy"), selected["data"])
    else:
        np.savez(os.path.join(out, f"{name}.npz"), **selected)
