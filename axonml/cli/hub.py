"""`axonml hub list|info|download|cached|clear`: the pretrained weights the vision models declare.

The weights are the entries of the models' weights enums (``ResNet18_Weights.IMAGENET1K_V1`` ...);
downloads go through :mod:`axonml.hub` into ``<hub dir>/checkpoints`` (``$AXONML_HOME/hub`` or
``~/.cache/axonml/hub``): resumable, atomic, and checked against the SHA-256 prefix in the file
name. ``--mirror`` (or ``$AXONML_HUB_MIRROR``) fetches the same file names from another server.
"""
from __future__ import annotations

import os
import urllib.parse

from ._common import add_action, add_family, human_size, print_json, print_table, progress_wanted
from .errors import CommandError

__all__ = ["register", "MIRROR_ENV", "weights_by_model", "resolve"]

MIRROR_ENV = "AXONML_HUB_MIRROR"


def register(subparsers) -> None:
    parser = add_family(subparsers, "hub", "list, download and manage pretrained weights",
                        "The pretrained weights the vision models publish: list them, show one, download it into "
                        "the cache (resumable, SHA-256 checked), list the cache, or clear it.",
                        ["axonml hub list", "axonml hub info resnet50",
                         "axonml hub download ResNet18_Weights.IMAGENET1K_V1",
                         "axonml hub download resnet18 --mirror http://models.internal/pytorch/",
                         "axonml hub cached", "axonml hub clear --all"])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = add_action(actions, "list", "list every model's published weights and whether each is cached",
                         ["axonml hub list", "axonml hub list --json"])
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    info = add_action(actions, "info", "show a weights entry: URL, checksum, metrics, categories, cache state",
                      ["axonml hub info resnet18", "axonml hub info ViT_B_16_Weights.IMAGENET1K_V1 --json"])
    info.add_argument("weights", metavar="WEIGHTS", help="a model name (its DEFAULT entry) or Enum.ENTRY")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=_info)
    download = add_action(actions, "download", "download weights into the cache (resumable, SHA-256 checked)",
                          ["axonml hub download resnet18",
                           "axonml hub download https://example.org/weights/net-1a2b3c4d.pth"])
    download.add_argument("weights", nargs="+", metavar="WEIGHTS",
                          help="model names, Enum.ENTRY names, or http(s) URLs of .pth/.safetensors files")
    download.add_argument("--mirror", metavar="URL", help=f"fetch the same file names from this base URL "
                                                          f"(default: ${MIRROR_ENV}, else the publisher)")
    download.add_argument("--no-check-hash", dest="check_hash", action="store_false",
                          help="skip the SHA-256 check (for a URL whose name carries no hash)")
    download.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    download.set_defaults(handler=_download)
    cached = add_action(actions, "cached", "list the files in the weights cache",
                        ["axonml hub cached", "axonml hub cached --json"])
    cached.add_argument("--json", action="store_true", help="print JSON")
    cached.set_defaults(handler=_cached)
    clear = add_action(actions, "clear", "delete cached weights",
                       ["axonml hub clear resnet18", "axonml hub clear --partial", "axonml hub clear --all"])
    clear.add_argument("weights", nargs="*", metavar="WEIGHTS", help="entries or cached file names to delete")
    clear.add_argument("--all", action="store_true", help="delete every cached file")
    clear.add_argument("--partial", action="store_true", help="delete interrupted downloads (*.partial)")
    clear.set_defaults(handler=_clear)


def weights_by_model() -> dict:
    """{model builder name: its weights enum}, for every vision model that publishes weights."""
    from ..vision import models
    found = {}
    for name in models.__all__:
        if name.islower() and callable(getattr(models, name)):
            try:
                found[name] = models.get_model_weights(name)
            except ValueError:
                continue
    return found


def resolve(name: str):
    """A weights entry from a model name (its DEFAULT), ``Enum.ENTRY`` or ``model.ENTRY``."""
    table = weights_by_model()
    head, _, entry = name.partition(".")
    enum = table.get(head.lower()) or next((e for e in table.values() if e.__name__.lower() == head.lower()), None)
    if enum is None:
        raise CommandError(f"no published weights named {name!r}; `axonml hub list` shows them")
    entry = entry or "DEFAULT"
    if entry not in enum.__members__:
        raise CommandError(f"{enum.__name__} has no entry {entry!r} (entries: {', '.join(enum.__members__)})")
    return enum.__members__[entry]


def _checkpoints() -> str:
    from .. import hub
    return os.path.join(hub.get_dir(), "checkpoints")


def _file_name(url: str) -> str:
    return os.path.basename(urllib.parse.urlparse(url).path)


def _entries():
    for model, enum in sorted(weights_by_model().items()):
        defaults = enum.__members__.get("DEFAULT")
        for entry in enum:
            yield model, entry, entry is defaults


def _list(args) -> int:
    folder = _checkpoints()
    rows = []
    for model, entry, default in _entries():
        metrics = entry.meta.get("_metrics", {})
        top1 = next((values.get("acc@1") for values in metrics.values() if "acc@1" in values), None)
        rows.append({"model": model, "weights": repr(entry), "default": default,
                     "params": entry.meta.get("num_params"), "acc@1": top1, "file": _file_name(entry.url),
                     "cached": os.path.isfile(os.path.join(folder, _file_name(entry.url)))})
    if args.json:
        print_json(rows)
        return 0
    print_table(["model", "weights", "params", "acc@1", "cached"],
                [[r["model"], r["weights"] + (" (default)" if r["default"] else ""),
                  f"{r['params'] / 1e6:.1f}M" if r["params"] else "-", r["acc@1"] if r["acc@1"] else "-",
                  "yes" if r["cached"] else "no"] for r in rows])
    return 0


def _info(args) -> int:
    entry = resolve(args.weights)
    path = os.path.join(_checkpoints(), _file_name(entry.url))
    meta = entry.meta
    report = {"weights": repr(entry), "url": entry.url, "sha256_prefix": entry.sha256_prefix,
              "file": path, "cached": os.path.isfile(path),
              "size": os.path.getsize(path) if os.path.isfile(path) else None,
              "num_params": meta.get("num_params"), "metrics": meta.get("_metrics", {}),
              "categories": len(meta.get("categories", [])), "min_size": meta.get("min_size"),
              "recipe": meta.get("recipe")}
    if args.json:
        print_json(report)
        return 0
    for key, value in report.items():
        if key == "metrics":
            value = "; ".join(f"{data}: " + ", ".join(f"{k} {v}" for k, v in scores.items())
                              for data, scores in value.items()) or "-"
        elif key == "size" and value is not None:
            value = human_size(value)
        print(f"{key + ':':15} {value if value is not None else '-'}")
    return 0


def _source(url: str, mirror: str | None) -> str:
    mirror = mirror or os.environ.get(MIRROR_ENV)
    if not mirror:
        return url
    return mirror.rstrip("/") + "/" + _file_name(url)


def _download(args) -> int:
    from .. import hub
    folder = _checkpoints()
    for name in args.weights:
        if urllib.parse.urlparse(name).scheme in ("http", "https", "file"):
            url, label = name, name
            prefix = hub._hash_prefix(url) if args.check_hash else None
            if args.check_hash and prefix is None:
                raise CommandError(f"{_file_name(url)} carries no SHA-256 prefix in its name "
                                   "(name-<sha256 digits>.pth); pass --no-check-hash to download it unchecked")
        else:
            entry = resolve(name)
            url, label = entry.url, repr(entry)
            prefix = entry.sha256_prefix if args.check_hash else None
        file_name = _file_name(url)
        if not file_name:
            raise CommandError(f"cannot name a cache file for {url}")
        destination = os.path.join(folder, file_name)
        if os.path.isfile(destination):
            print(f"{label}: cached at {destination}")
            continue
        source = _source(url, args.mirror)
        try:
            hub.download_url_to_file(source, destination, prefix, progress=args.progress and progress_wanted())
        except RuntimeError as error:
            raise CommandError(f"{label}: {error}") from None
        except OSError as error:
            raise CommandError(f"{label}: {_network_message(error)}") from None
        print(f"{label}: downloaded {human_size(os.path.getsize(destination))} to {destination}")
    return 0


def _network_message(error: OSError) -> str:
    import urllib.error
    cause = error.__cause__ or error
    if isinstance(cause, urllib.error.HTTPError):
        return f"the server answered {cause.code} {cause.reason} for {cause.url}"
    return " ".join(str(error).split())


def _cached(args) -> int:
    folder = _checkpoints()
    by_file = {_file_name(entry.url): repr(entry) for _, entry, _ in _entries()}
    rows = []
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not os.path.isfile(path) or name.endswith(".lock"):
                continue
            partial = name.endswith(".partial")
            base = name.removesuffix(".partial")
            rows.append({"file": name, "size": os.path.getsize(path), "weights": by_file.get(base),
                         "partial": partial})
    if args.json:
        print_json({"folder": folder, "files": rows})
        return 0
    if not rows:
        print(f"{folder}: empty")
        return 0
    print_table(["file", "size", "weights"],
                [[r["file"], human_size(r["size"]), (r["weights"] or "-") + (" (interrupted)" if r["partial"] else "")]
                 for r in rows])
    print(f"{len(rows)} files, {human_size(sum(r['size'] for r in rows))} in {folder}")
    return 0


def _clear(args) -> int:
    folder = _checkpoints()
    if not (args.weights or args.all or args.partial):
        raise CommandError("name the weights to delete, or pass --all or --partial")
    present = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    doomed = set()
    if args.all:
        doomed.update(present)
    if args.partial:
        doomed.update(name for name in present if name.endswith(".partial"))
    for name in args.weights:
        if name in present:
            doomed.add(name)
            continue
        file_name = _file_name(resolve(name).url)
        matches = [p for p in present if p.removesuffix(".partial").removesuffix(".lock") == file_name]
        if not matches:
            raise CommandError(f"{name} is not in the cache ({folder})")
        doomed.update(matches)
    freed = 0
    for name in sorted(doomed):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            freed += os.path.getsize(path)
            os.remove(path)
    print(f"deleted {len([n for n in doomed if not n.endswith('.lock')])} files ({human_size(freed)}) from {folder}")
    return 0
