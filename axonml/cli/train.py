"""`axonml train`: train a vision model on a dataset, evaluate it, checkpoint it, resume it.

Settings come from flags, or from the ``[train]`` table of an ``axonml.toml`` (flags win).
Every epoch's checkpoint (weights, optimizer, scheduler, RNG state, epoch, settings) is committed
to the output directory through :class:`axonml.serialize.CheckpointManager`, which keeps the last
two, and the weights are also exported as ``model.safetensors``. Beside them the run writes its
resolved settings (``config.json``) and a metrics log (``metrics.jsonl``: one JSON line per step and
per epoch, flushed as it goes) through :mod:`axonml.utils.metrics`, so a dashboard or a second
terminal can follow the run. Resuming reloads the checkpoint and continues with exactly the batches
and random draws that an uninterrupted run would have used.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

from ._common import positive_int as _positive_int
from .errors import CommandError

__all__ = ["register", "run", "DEFAULTS", "INPUT_SHAPES", "CONFIG_FILE", "METRICS_FILE", "MODEL_FILE",
           "load_trained", "dataset_classes"]

MODELS = ("lenet", "mlp", "simplecnn")
DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10")
OPTIMIZERS = ("sgd", "adam", "adamw")
INPUT_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
# per dataset: the normalisation its transform applies after scaling pixels to [0, 1]
NORMALIZE = {"digits": ((0.5,), (0.5,)), "mnist": ((0.1307,), (0.3081,)), "fashion-mnist": ((0.2860,), (0.3530,)),
             "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))}
SCHEDULERS = ("none", "cosine", "step")

DEFAULTS = {
    "model": "lenet",
    "dataset": "digits",
    "data_dir": "data",
    "epochs": 5,
    "batch_size": 64,
    "lr": None,  # per optimizer: 0.05 for SGD, 1e-3 for Adam/AdamW
    "optimizer": "sgd",
    "momentum": 0.9,
    "weight_decay": 0.0,
    "scheduler": "none",
    "seed": 0,
    "workers": 0,
    "device": "cpu",
    "out": os.path.join("runs", "train"),
    "download": False,
    "progress": True,
    "tensorboard": False,
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a model on a dataset", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a model on a dataset, evaluate it on the test split after every epoch, and "
                    "checkpoint it (weights as safetensors, plus optimizer and RNG state). The run directory "
                    "also gets config.json (the resolved settings) and metrics.jsonl (one JSON line per step "
                    "and per epoch, flushed as it goes).",
        epilog=EXAMPLES)
    parser.add_argument("--config", metavar="FILE",
                        help="read settings from the [train] table of this TOML file (default: ./axonml.toml "
                             "if it exists); flags override it")
    parser.add_argument("--model", choices=MODELS, help="architecture (default: lenet)")
    parser.add_argument("--dataset", choices=DATASETS, help="dataset (default: digits, embedded in axonml)")
    parser.add_argument("--data-dir", metavar="DIR", help="root folder of the dataset files (default: data)")
    parser.add_argument("--download", action="store_const", const=True,
                        help="download the dataset into --data-dir if it is missing")
    parser.add_argument("--epochs", type=_positive_int, help="epochs to train in total (default: 5)")
    parser.add_argument("--batch-size", type=_positive_int, help="samples per step (default: 64)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="optimizer (default: sgd)")
    parser.add_argument("--lr", type=_positive_float, help="learning rate (default: 0.05 sgd, 0.001 adam)")
    parser.add_argument("--momentum", type=_non_negative_float, help="SGD momentum (default: 0.9)")
    parser.add_argument("--weight-decay", type=_non_negative_float, help="L2 penalty (default: 0)")
    parser.add_argument("--scheduler", choices=SCHEDULERS,
                        help="learning-rate schedule, stepped once per epoch: cosine annealing to 0 over the run, "
                             "or x0.1 every third of it (default: none)")
    parser.add_argument("--seed", type=int, help="seed of every random draw (default: 0)")
    parser.add_argument("--workers", type=_non_negative_int, help="DataLoader worker processes (default: 0)")
    parser.add_argument("--device", help="cpu, opencl[:N], or auto (the device axonml gpu select stored, else "
                        "the first OpenCL GPU, else cpu; default: cpu)")
    parser.add_argument("--out", metavar="DIR", help="checkpoint directory (default: runs/train)")
    parser.add_argument("--resume", metavar="DIR", help="continue the run checkpointed in DIR")
    parser.add_argument("--distributed", action="store_true",
                        help="train on every process of an MPI job (mpiexec -n N python -m axonml train "
                             "--distributed ...): DistributedDataParallel, --batch-size split across the ranks")
    parser.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                        help="no progress bar, one line per epoch")
    parser.add_argument("--tensorboard", action="store_const", const=True,
                        help=f"also write the metrics as TensorBoard event files in OUT/{TENSORBOARD_DIR} "
                             "(needs the tensorboard extra)")
    parser.set_defaults(handler=run)


EXAMPLES = """examples:
  axonml train --model simplecnn --dataset digits --optimizer adam --epochs 6
  axonml train --dataset mnist --data-dir data --download --scheduler cosine --epochs 3 --out runs/mnist
  axonml train --config axonml.toml --epochs 10
  axonml resume runs/mnist --epochs 5
"""


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a non-negative number, got {text}")
    return value


# --- settings ----------------------------------------------------------------------------------

def read_config(path: str) -> dict:
    """The [train] table of a TOML file, validated against the flags' names and choices."""
    import tomllib
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except FileNotFoundError:
        raise CommandError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"{path}: not valid TOML: {error}") from None
    table = document.get("train", {})
    if not isinstance(table, dict):
        raise CommandError(f"{path}: [train] must be a table")
    settings = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in DEFAULTS:
            raise CommandError(f"{path}: unknown setting '{key}' in [train]")
        settings[name] = value
    for name, choices in (("model", MODELS), ("dataset", DATASETS), ("optimizer", OPTIMIZERS),
                          ("scheduler", SCHEDULERS)):
        if name in settings and settings[name] not in choices:
            raise CommandError(f"{path}: {name} must be one of {', '.join(choices)}, got {settings[name]!r}")
    return settings


def resolve_settings(args: argparse.Namespace) -> dict:
    settings = dict(DEFAULTS)
    config = args.config or ("axonml.toml" if os.path.exists("axonml.toml") else None)
    if config:
        settings.update(read_config(config))
    for name in DEFAULTS:
        value = getattr(args, name, None)
        if value is not None:
            settings[name] = value
    if settings["lr"] is None:
        settings["lr"] = 0.05 if settings["optimizer"] == "sgd" else 1e-3
    return settings


# --- building blocks -----------------------------------------------------------------------------

def _dataset_class(name: str):
    from ..vision import datasets
    return {"digits": datasets.Digits, "mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST,
            "cifar10": datasets.CIFAR10}[name]


def dataset_classes(name: str) -> list[str]:
    """The class names of a dataset, without reading its files."""
    return list(_dataset_class(name).classes)


def build_datasets(settings: dict):
    from ..vision import transforms
    name, root = settings["dataset"], settings["data_dir"]
    cls = _dataset_class(name)
    normalize = transforms.Normalize(*NORMALIZE[name])
    try:
        if name == "digits":
            transform = transforms.Compose([_digit_to_tensor, normalize])
            return cls(train=True, transform=transform), cls(train=False, transform=transform), INPUT_SHAPES[name]
        transform = transforms.Compose([transforms.ToTensor(), normalize])
        train = cls(root, train=True, transform=transform, download=settings["download"])
        test = cls(root, train=False, transform=transform, download=settings["download"])
        return train, test, INPUT_SHAPES[name]
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as error:
        raise CommandError(f"cannot load dataset '{name}' from '{root}': {error}") from None


def _digit_to_tensor(image):
    """An (8, 8) array of 0..16 as a (1, 8, 8) float tensor in [0, 1]."""
    import numpy as np
    import axonml
    return axonml.from_numpy((image.astype(np.float32) / 16.0)[None])


def build_model(name: str, input_shape, num_classes: int = 10):
    from ..vision import models
    channels, height, width = input_shape
    if name == "lenet":
        return models.LeNet(in_channels=channels, num_classes=num_classes, input_size=height)
    if name == "simplecnn":
        return models.SimpleCNN(in_channels=channels, num_classes=num_classes, input_size=height)
    return models.MLP(channels * height * width, (256, 128), num_classes)


def build_optimizer(settings: dict, parameters):
    from .. import optim
    if settings["optimizer"] == "sgd":
        return optim.SGD(parameters, lr=settings["lr"], momentum=settings["momentum"],
                         weight_decay=settings["weight_decay"])
    cls = optim.Adam if settings["optimizer"] == "adam" else optim.AdamW
    return cls(parameters, lr=settings["lr"], weight_decay=settings["weight_decay"])


def build_scheduler(settings: dict, optimizer):
    from ..optim import lr_scheduler
    if settings["scheduler"] == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=settings["epochs"])
    if settings["scheduler"] == "step":
        return lr_scheduler.StepLR(optimizer, step_size=max(1, settings["epochs"] // 3), gamma=0.1)
    return None


# --- run files -----------------------------------------------------------------------------------

MODEL_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
TENSORBOARD_DIR = "tensorboard"


def _manager(directory: str):
    from ..serialize import CheckpointManager
    return CheckpointManager(directory, max_to_keep=2)


def save_checkpoint(directory: str, model, optimizer, scheduler, epoch: int, settings: dict, history: list) -> None:
    """Commit this epoch's checkpoint through CheckpointManager, and export the weights as model.safetensors."""
    from ..serialize import save_state_dict
    _manager(directory).save(epoch, model=model, optimizer=optimizer, scheduler=scheduler, epoch=epoch,
                             metrics={"test_loss": history[-1]["test_loss"]} if history else None,
                             sampler_state={"epoch": epoch + 1, "batch": 0},
                             extra={"settings": settings, "history": history})
    save_state_dict(model.state_dict(), os.path.join(directory, MODEL_FILE))


def load_checkpoint(directory: str):
    """The latest committed checkpoint in directory as (model weights, state)."""
    manager = _manager(directory)
    try:
        if manager.latest() is None:
            raise CommandError(f"no checkpoint to resume in {directory}")
        state = manager.load()
    except (ValueError, RuntimeError, OSError, KeyError) as error:
        raise CommandError(f"cannot read checkpoint in {directory}: {error}") from None
    extra = state.get("extra") or {}
    return state["model"], {"optimizer": state["optimizer"], "scheduler": state["scheduler"],
                            "rng": state["rng"]["axonml"], "epoch": state["epoch"],
                            "settings": extra.get("settings"), "history": extra.get("history", [])}


def _read_run_config(directory: str) -> dict | None:
    from ..utils.metrics import read_config
    path = os.path.join(directory, CONFIG_FILE)
    if not os.path.isfile(path):
        return None
    try:
        return read_config(path)
    except (ValueError, OSError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None


def load_trained(path: str, model: str | None = None, dataset: str | None = None, device: str = "cpu"):
    """A trained model and its settings from a run directory, a ``model.safetensors`` or checkpoint file
    of a run, or a bare safetensors/PyTorch state dict (then ``model`` and ``dataset`` name the architecture).

    Returns ``(module, settings)``; settings holds at least ``model`` and ``dataset``.
    """
    import axonml
    from ..serialize import load_state_dict
    if not os.path.exists(path):
        raise CommandError(f"no such checkpoint: {path}")
    settings, weights = None, None
    try:
        if os.path.isdir(path):
            settings = _read_run_config(path)
            if os.path.isfile(os.path.join(path, MODEL_FILE)):
                weights = load_state_dict(os.path.join(path, MODEL_FILE))
            else:
                weights, state = load_checkpoint(path)
                settings = settings or state["settings"]
        else:
            state = axonml.load(path, map_location="cpu")
            if isinstance(state, dict) and "step" in state and "rng" in state and "model" in state:
                weights, settings = state["model"], (state.get("extra") or {}).get("settings")
            elif isinstance(state, dict) and state and all(isinstance(v, axonml.Tensor) for v in state.values()):
                weights = state
                settings = _read_run_config(os.path.dirname(os.path.abspath(path)))
            else:
                raise CommandError(f"{path} holds a {type(state).__name__}, not model weights")
    except CommandError:
        raise
    except (ValueError, RuntimeError, OSError, KeyError, TypeError) as error:
        raise CommandError(f"cannot read checkpoint {path}: {error}") from None
    settings = dict(settings or {})
    settings["model"] = model or settings.get("model")
    settings["dataset"] = dataset or settings.get("dataset")
    if settings["model"] not in MODELS or settings["dataset"] not in INPUT_SHAPES:
        raise CommandError(f"{path}: no run config names its architecture; pass --model ({', '.join(MODELS)}) "
                           f"and --dataset ({', '.join(INPUT_SHAPES)})")
    network = build_model(settings["model"], INPUT_SHAPES[settings["dataset"]])
    try:
        network.load_state_dict(weights)
    except (KeyError, RuntimeError, ValueError) as error:
        raise CommandError(f"{path}: the weights do not fit a {settings['model']} for {settings['dataset']}: "
                           f"{str(error).splitlines()[0]}") from None
    try:
        network = network.to(axonml.device(device))
    except (RuntimeError, TypeError, ValueError) as error:
        raise CommandError(str(error)) from None
    network.eval()
    return network, settings


def _open_metrics_log(directory: str, resumed_epoch: int | None):
    """The run's metrics log, appended to. On resume, records of epochs after the checkpoint (a run that
    stopped mid-epoch) are dropped first, so the log reads like an uninterrupted run's."""
    from ..utils.metrics import MetricsLogger, read_metrics
    path = os.path.join(directory, METRICS_FILE)
    if resumed_epoch is not None and os.path.isfile(path):
        try:
            records = read_metrics(path)
        except ValueError:
            records = None
        if records is not None and any((r.get("epoch") or 0) > resumed_epoch for r in records):
            import json
            temporary = f"{path}.tmp{os.getpid()}"
            with open(temporary, "w", encoding="utf-8") as f:
                for record in records:
                    if (record.get("epoch") or 0) <= resumed_epoch:
                        f.write(json.dumps(record, separators=(",", ":")) + "\n")
            os.replace(temporary, path)
    return MetricsLogger(path)


class _NoLog:
    def log(self, **fields) -> None:
        pass

    def close(self) -> None:
        pass


class _TensorBoardLog:
    """The metrics log, with each record also written to TensorBoard: loss/<split> and accuracy/<split> per
    epoch, loss/train_step and accuracy/train_step per step, and lr."""

    def __init__(self, log, directory: str):
        try:
            from ..utils.tensorboard import SummaryWriter
            self._writer = SummaryWriter(directory)
        except ImportError as error:
            raise CommandError(f"--tensorboard needs the tensorboard package ({error}): "
                               "pip install 'axonml[tensorboard]'") from None
        self._log = log

    def log(self, **fields) -> None:
        self._log.log(**fields)
        suffix = "_step" if fields.get("kind") == "step" else ""
        for name in ("loss", "accuracy"):
            if fields.get(name) is not None:
                self._writer.add_scalar(f"{name}/{fields.get('split', 'train')}{suffix}", fields[name], fields["step"])
        if fields.get("lr") is not None and fields.get("split") != "test":
            self._writer.add_scalar(f"lr{suffix}", fields["lr"], fields["step"])

    def close(self) -> None:
        self._writer.close()
        self._log.close()


# --- the loop ------------------------------------------------------------------------------------

def _loader(dataset, settings: dict, epoch: int, shuffle: bool):
    """Each epoch's order comes from its own generator, so a resumed run sees the same batches."""
    import axonml
    from ..data import DataLoader
    if settings.get("distributed"):
        from .train_distributed import loader
        return loader(dataset, settings, epoch, shuffle)
    generator = axonml.Generator().manual_seed(settings["seed"] * 1000003 + epoch)
    return DataLoader(dataset, batch_size=settings["batch_size"], shuffle=shuffle, generator=generator,
                      num_workers=settings["workers"])


def evaluate(model, dataset, settings: dict, device):
    import axonml
    from ..nn import functional as F
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with axonml.no_grad():
        for images, labels in _loader(dataset, settings, 0, shuffle=False):
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            count += labels.shape[0]
    return total_loss / count, correct / count


def train_epoch(model, optimizer, dataset, settings: dict, epoch: int, device, progress, log=None):
    """One epoch; each step is logged (global step, loss and accuracy of the batch, lr, samples/s)."""
    from ..nn import functional as F
    model.train()
    log = log or _NoLog()
    loader = _loader(dataset, settings, epoch, shuffle=True)
    first_step = (epoch - 1) * len(loader)
    total_loss, correct, count = 0.0, 0, 0
    bar = progress(loader, epoch)
    started = time.perf_counter()
    for index, (images, labels) in enumerate(bar):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        batch = labels.shape[0]
        batch_loss = loss.item()
        batch_correct = (logits.argmax(dim=1) == labels).sum().item()
        total_loss += batch_loss * batch
        correct += batch_correct
        count += batch
        now = time.perf_counter()
        log.log(kind="step", step=first_step + index + 1, epoch=epoch, split="train", loss=batch_loss,
                accuracy=batch_correct / batch, lr=optimizer.param_groups[0]["lr"],
                samples_per_s=batch / max(now - started, 1e-9), wall_time=now - started)
        started = now
        bar.set_postfix_str(f"loss {total_loss / count:.4f} acc {100 * correct / count:.1f}%")
    bar.close()
    return total_loss / count, correct / count


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb."""
    return sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM", "") not in ("dumb", "")


def _progress_factory(settings: dict):
    """A tqdm bar on a terminal; piped or redirected output gets no bar (the one line per epoch stays)."""
    epochs = settings["epochs"]
    if settings["progress"] and sys.stderr.isatty():
        from tqdm import tqdm
        colour = "green" if use_colour() else None
        plain = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM", "") in ("dumb", "vt100", "")
        return lambda loader, epoch: tqdm(loader, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False,
                                          dynamic_ncols=True, file=sys.stderr, colour=colour, ascii=plain)
    return lambda loader, epoch: _Quiet(loader)


class _Quiet:
    """The progress bar's interface with no output."""

    def __init__(self, iterable):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def run(args: argparse.Namespace) -> int:
    import axonml
    from ..utils.metrics import write_config
    state = None
    if args.resume:
        weights, state = load_checkpoint(args.resume)
        settings = dict(state["settings"])
        for name in ("epochs", "progress", "workers", "device", "data_dir"):
            if getattr(args, name, None) is not None:
                settings[name] = getattr(args, name)
        settings["out"] = args.out or args.resume
    else:
        settings = resolve_settings(args)
    settings["distributed"] = bool(getattr(args, "distributed", False))
    from .gpu import resolve_device
    settings["device"] = resolve_device(settings["device"])
    try:
        device = axonml.device(settings["device"])
    except (RuntimeError, TypeError, ValueError) as error:
        raise CommandError(str(error)) from None
    train_set, test_set, input_shape = build_datasets(settings)
    axonml.manual_seed(settings["seed"])
    model = build_model(settings["model"], input_shape).to(device)
    trained, say = model, print
    if settings["distributed"]:
        from . import train_distributed
        trained = train_distributed.wrap_model(model, settings)
        say = print if train_distributed.is_main(settings) else (lambda *args, **kwargs: None)
    optimizer = build_optimizer(settings, model.parameters())
    scheduler = build_scheduler(settings, optimizer)
    first_epoch, history = 1, []
    if state is not None:
        model.load_state_dict({k: v.to(device) for k, v in weights.items()})
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        axonml.set_rng_state(state["rng"])
        first_epoch, history = int(state["epoch"]) + 1, list(state["history"])
        if first_epoch > settings["epochs"]:
            say(f"checkpoint in {args.resume} already finished epoch {first_epoch - 1} of {settings['epochs']}; "
                  "pass --epochs to train longer")
            return 0
    writer = say is print  # one writer: rank 0
    log = _NoLog()
    if writer:
        write_config(os.path.join(settings["out"], CONFIG_FILE), settings)
        log = _open_metrics_log(settings["out"], first_epoch - 1 if state is not None else None)
        if settings["tensorboard"]:
            log = _TensorBoardLog(log, os.path.join(settings["out"], TENSORBOARD_DIR))
    progress = _progress_factory(settings)
    say(f"training {settings['model']} on {settings['dataset']} ({len(train_set)} train / {len(test_set)} test) "
          f"with {settings['optimizer']} lr={settings['lr']} for {settings['epochs']} epochs on {device}",
          flush=True)
    try:
        for epoch in range(first_epoch, settings["epochs"] + 1):
            started = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            train_loss, train_acc = train_epoch(trained, optimizer, train_set, settings, epoch, device, progress, log)
            seconds = time.perf_counter() - started
            if scheduler is not None:
                scheduler.step()
            test_loss, test_acc = evaluate(trained, test_set, settings, device)
            if settings["distributed"]:
                train_loss, train_acc = train_distributed.average_metrics(train_loss, train_acc, train_set, True)
                test_loss, test_acc = train_distributed.average_metrics(test_loss, test_acc, test_set, False)
            history.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                            "test_loss": test_loss, "test_acc": test_acc})
            steps = math.ceil(len(train_set) / settings["batch_size"]) * epoch
            log.log(kind="epoch", step=steps, epoch=epoch, split="train", loss=train_loss, accuracy=train_acc, lr=lr,
                    samples_per_s=len(train_set) / seconds, wall_time=seconds)
            log.log(kind="epoch", step=steps, epoch=epoch, split="test", loss=test_loss, accuracy=test_acc, lr=lr)
            if writer:
                save_checkpoint(settings["out"], model, optimizer, scheduler, epoch, settings, history)
            say(f"epoch {epoch}/{settings['epochs']}  train loss {train_loss:.4f} acc {100 * train_acc:.2f}%  "
                  f"test loss {test_loss:.4f} acc {100 * test_acc:.2f}%  "
                  f"{len(train_set) / seconds:.0f} samples/s  {seconds:.1f}s", flush=True)
    finally:
        log.close()
    say(f"checkpoint: {settings['out']}")
    return 0
