"""`axonml dataset list|info|download|sources`: the public datasets axonml's dataset classes read.

Downloads fetch each file the dataset class declares (with its MD5) through
:func:`axonml.hub.download_url_to_file`: resumable (``<file>.partial`` continued with HTTP Range),
checked, and renamed into place only when complete; mirrors are tried in order, those named by
``--mirror`` or ``$AXONML_DATASETS_MIRROR`` first. The dataset class then extracts and reads the
files, so a download that finishes is also one that loads.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ._common import add_action, add_family, human_size, print_json, print_table, progress_wanted
from .errors import CommandError

__all__ = ["register", "DATASETS", "dataset_class"]


@dataclass(frozen=True)
class _Entry:
    class_name: str
    train: int
    test: int
    size: int          # bytes downloaded, approximately
    license: str


DATASETS = {
    "mnist": _Entry("MNIST", 60_000, 10_000, 11_594_722, "Yann LeCun and Corinna Cortes; CC BY-SA 3.0"),
    "fashion-mnist": _Entry("FashionMNIST", 60_000, 10_000, 30_878_645, "Zalando Research; MIT"),
    "cifar10": _Entry("CIFAR10", 50_000, 10_000, 170_052_171, "Alex Krizhevsky, 2009"),
    "cifar100": _Entry("CIFAR100", 50_000, 10_000, 168_513_733, "Alex Krizhevsky, 2009"),
    "digits": _Entry("Digits", 1_438, 359, 0, "UCI ML repository; CC BY 4.0 (ships with axonml)"),
}


def register(subparsers) -> None:
    parser = add_family(subparsers, "dataset", "list and download the public datasets axonml reads",
                        "MNIST, Fashion-MNIST, CIFAR-10/100 and the embedded digits: what they are, where they "
                        "come from, and a resumable, checksummed download into a data folder.",
                        ["axonml dataset list --root data", "axonml dataset info cifar10",
                         "axonml dataset download mnist --root data",
                         "axonml dataset download fashion-mnist --root data --mirror http://mirror.internal/fmnist/",
                         "axonml dataset sources"])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = add_action(actions, "list", "list the datasets and whether each is present under --root",
                         ["axonml dataset list", "axonml dataset list --root data --json"])
    info = add_action(actions, "info", "show a dataset's classes, sizes, files, checksums and state",
                      ["axonml dataset info mnist --root data"])
    info.add_argument("name", choices=sorted(DATASETS), metavar="NAME", help=", ".join(sorted(DATASETS)))
    download = add_action(actions, "download", "download a dataset into --root (resumable, MD5 checked)",
                          ["axonml dataset download mnist cifar10 --root data"])
    download.add_argument("names", nargs="+", choices=sorted(DATASETS), metavar="NAME",
                          help=", ".join(sorted(DATASETS)))
    download.add_argument("--mirror", action="append", metavar="URL",
                          help="a base URL to try before the publisher's (repeatable; also $AXONML_DATASETS_MIRROR)")
    download.add_argument("--mirror-only", action="store_true",
                          help="try only the --mirror and $AXONML_DATASETS_MIRROR bases, not the publisher's")
    download.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    sources = add_action(actions, "sources", "list the mirrors each dataset is fetched from",
                         ["axonml dataset sources --json"])
    for action in (listing, info, download, sources):
        if action is not sources:
            action.add_argument("--root", default="data", metavar="DIR", help="the data folder (default: data)")
        if action is not download:
            action.add_argument("--json", action="store_true", help="print JSON")
    for action, handler in ((listing, _list), (info, _info), (download, _download), (sources, _sources)):
        action.set_defaults(handler=handler)


def dataset_class(name: str):
    from ..vision import datasets
    return getattr(datasets, DATASETS[name].class_name)


def _files(cls, root: str) -> list[tuple[str, str, str]]:
    """(file name, MD5, folder it goes into) for every file the class downloads."""
    if hasattr(cls, "resources"):
        folder = os.path.join(root, cls.__name__, "raw")
        return [(name, md5, folder) for name, md5 in cls.resources]
    if hasattr(cls, "archive"):
        name, md5 = cls.archive
        return [(name, md5, root)]
    return []


def _present(name: str, root: str) -> bool:
    cls = dataset_class(name)
    if not _files(cls, root):
        return True
    try:
        if hasattr(cls, "resources"):
            return cls._check_exists(_Probe(cls, root))
        return any(all(os.path.isfile(os.path.join(root, folder, f)) for f in files)
                   for folder, files in ((cls.bin_folder, cls.bin_train + cls.bin_test),
                                         (cls.py_folder, cls.py_train + cls.py_test)))
    except OSError:
        return False


class _Probe:
    """Just enough of an MNIST instance for its file checks, without reading the files."""

    def __init__(self, cls, root: str):
        self.root, self.resources, self._cls = root, cls.resources, cls

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self._cls.__name__, "raw")

    def _find(self, stem: str) -> str:
        return self._cls._find(self, stem)


def _describe(name: str, root: str) -> dict:
    entry, cls = DATASETS[name], dataset_class(name)
    doc = re.sub(r"`([^`<]*?)\s*<[^>]*>`_", r"\1", " ".join((cls.__doc__ or "").split())).split(". ")[0]
    return {"name": name, "class": f"axonml.vision.datasets.{cls.__name__}", "train": entry.train,
            "test": entry.test, "classes": len(cls.classes), "download_size": entry.size,
            "license": entry.license, "present": _present(name, root), "summary": doc,
            "files": [{"name": f, "md5": md5, "folder": folder} for f, md5, folder in _files(cls, root)],
            "mirrors": _mirrors(cls, [])}


def _mirrors(cls, extra: list[str], only_extra: bool = False) -> list[str]:
    from ..vision.datasets import _download
    own = [] if only_extra else getattr(cls, "mirrors", [])
    return [m if m.endswith("/") else m + "/" for m in extra] + _download.mirror_list(own)


def _list(args) -> int:
    rows = [_describe(name, args.root) for name in DATASETS]
    if args.json:
        print_json(rows)
        return 0
    print_table(["name", "train", "test", "classes", "download", "present"],
                [[r["name"], r["train"], r["test"], r["classes"],
                  human_size(r["download_size"]) if r["download_size"] else "embedded",
                  "yes" if r["present"] else "no"] for r in rows])
    print(f"(present: the files are under {args.root})")
    return 0


def _info(args) -> int:
    report = _describe(args.name, args.root)
    if args.json:
        print_json(report)
        return 0
    print(f"{report['name']}: {report['class']}")
    print(f"  {report['classes']} classes, {report['train']} train / {report['test']} test samples")
    print(f"  license: {report['license']}")
    print(f"  present under {args.root}: {'yes' if report['present'] else 'no'}")
    for f in report["files"]:
        print(f"  file {f['name']} (md5 {f['md5']}) -> {f['folder']}")
    for mirror in report["mirrors"]:
        print(f"  mirror {mirror}")
    return 0


def _sources(args) -> int:
    from ..vision.datasets import _download
    table = {name: _mirrors(dataset_class(name), []) for name in DATASETS if _files(dataset_class(name), ".")}
    if args.json:
        print_json(table)
        return 0
    for name, mirrors in table.items():
        print(f"{name}:")
        for mirror in mirrors:
            print(f"  {mirror}")
    print(f"(set ${_download.MIRROR_ENV} to base URLs, separated by spaces, to try them first)")
    return 0


def _download(args) -> int:
    from .. import hub
    for name in dict.fromkeys(args.names):
        cls = dataset_class(name)
        files = _files(cls, args.root)
        if not files:
            print(f"{name}: ships with axonml, nothing to download")
            continue
        if _present(name, args.root):
            print(f"{name}: already in {args.root}")
            continue
        from ..vision.datasets._download import check_md5
        for file_name, md5, folder in files:
            destination = os.path.join(folder, file_name)
            if check_md5(destination, md5):
                continue
            failures = []
            mirrors = _mirrors(cls, args.mirror or [], args.mirror_only)
            if not mirrors:
                raise CommandError("--mirror-only needs a --mirror or $AXONML_DATASETS_MIRROR")
            for mirror in mirrors:
                try:
                    hub.download_url_to_file(mirror + file_name, destination, md5=md5,
                                             progress=args.progress and progress_wanted())
                    break
                except (OSError, RuntimeError) as error:
                    failures.append(f"{mirror}{file_name}: {_reason(error)}")
            else:
                raise CommandError(f"{name}: could not download {file_name} (" + "; ".join(failures) + ")")
        try:
            train, test = cls(args.root, train=True, download=True), cls(args.root, train=False, download=True)
        except RuntimeError as error:
            raise CommandError(f"{name}: downloaded, but the files do not load: {error}") from None
        print(f"{name}: {len(train)} train and {len(test)} test samples in {args.root}")
    return 0


def _reason(error: Exception) -> str:
    import urllib.error
    cause = error.__cause__ if isinstance(error.__cause__, urllib.error.URLError) else error
    if isinstance(cause, urllib.error.HTTPError):
        return f"{cause.code} {cause.reason}"
    if isinstance(cause, urllib.error.URLError):
        return str(cause.reason)
    return " ".join(str(error).split())
