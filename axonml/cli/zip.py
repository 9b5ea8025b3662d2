"""`axonml zip create|list|extract`: model bundles, a zip of a run's files with a checksummed manifest.

A bundle holds the files given (folders recursively, regular files only) and ``axonml-bundle.json``,
which records each member's size and SHA-256. ``extract`` goes through
:func:`axonml.serialize.extract_archive`, so absolute or ``..`` names, links, special files and zip
bombs are refused before anything is written, and then checks every member against the manifest.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile

from ._common import add_action, add_family, human_size, print_json
from .errors import CommandError

__all__ = ["register", "MANIFEST", "create_bundle", "read_manifest"]

MANIFEST = "axonml-bundle.json"
_CHUNK = 1 << 20


def register(subparsers) -> None:
    parser = add_family(subparsers, "zip", "create, list and safely extract model bundles",
                        "Pack checkpoints, configs and metrics logs into a zip with a SHA-256 manifest, list "
                        "one, or extract one safely (path traversal, links and zip bombs are refused).",
                        ["axonml zip create bundle.zip runs/mnist/model.safetensors runs/mnist/config.toml",
                         "axonml zip list bundle.zip --verify",
                         "axonml zip extract bundle.zip --to models/mnist"])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = add_action(actions, "create", "write a bundle of files and folders with a SHA-256 manifest",
                        ["axonml zip create bundle.zip runs/mnist",
                         "axonml zip create w.zip model.safetensors --store"])
    create.add_argument("bundle", metavar="BUNDLE", help="the .zip to write")
    create.add_argument("paths", nargs="+", metavar="PATH", help="files and folders to include")
    create.add_argument("--store", action="store_true", help="store without compression (weights barely compress)")
    create.add_argument("--force", action="store_true", help="overwrite BUNDLE if it exists")
    create.set_defaults(handler=_create)
    listing = add_action(actions, "list", "list a bundle's members, sizes and checksums",
                         ["axonml zip list bundle.zip", "axonml zip list bundle.zip --verify --json"])
    listing.add_argument("bundle", metavar="BUNDLE")
    listing.add_argument("--verify", action="store_true", help="read every member and check it against the manifest")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    extract = add_action(actions, "extract", "extract a bundle safely and verify its checksums",
                         ["axonml zip extract bundle.zip", "axonml zip extract bundle.zip --to models/mnist"])
    extract.add_argument("bundle", metavar="BUNDLE")
    extract.add_argument("--to", metavar="DIR", default=".", help="destination folder (default: .)")
    extract.add_argument("--max-size", type=_size, default=None, metavar="BYTES",
                         help="refuse bundles larger than this uncompressed (suffixes K, M, G; default: 1G)")
    extract.set_defaults(handler=_extract)


def _size(text: str) -> int:
    import argparse
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size such as 512M, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _members(paths: list[str]) -> list[tuple[str, str]]:
    """(path on disk, name in the bundle) for every file; a folder's files keep the folder's name."""
    members = []
    for path in paths:
        if os.path.islink(path):
            raise CommandError(f"refusing to bundle the symbolic link {path}")
        if os.path.isfile(path):
            members.append((path, os.path.basename(path)))
        elif os.path.isdir(path):
            base = os.path.basename(os.path.normpath(os.path.abspath(path)))
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if os.path.islink(full) or not os.path.isfile(full):
                        raise CommandError(f"refusing to bundle {full}: not a regular file")
                    members.append((full, "/".join([base, *os.path.relpath(full, path).split(os.sep)])))
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    names = [name for _, name in members]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CommandError(f"two inputs would have the same name in the bundle: {', '.join(duplicates)}")
    if MANIFEST in names:
        raise CommandError(f"{MANIFEST} is the bundle's own manifest; rename that input")
    return members


def create_bundle(bundle: str, paths: list[str], compress: bool = True) -> dict:
    """Write ``bundle`` (atomically) from ``paths``; return its manifest."""
    import zipfile
    members = _members(paths)
    if not members:
        raise CommandError("nothing to bundle: the folders given hold no files")
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    manifest = {"format": "axonml-bundle", "version": 1, "files": {}}
    folder = os.path.dirname(os.path.abspath(bundle))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".bundle-", suffix=".zip.partial")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=method, allowZip64=True) as archive:
            for path, name in members:
                with open(path, "rb") as f:
                    digest = _sha256(f)
                archive.write(path, name)
                manifest["files"][name] = {"size": os.path.getsize(path), "sha256": digest}
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
        os.replace(temporary, bundle)
    except BaseException:
        os.remove(temporary)
        raise
    return manifest


def read_manifest(archive) -> dict | None:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        return None
    try:
        manifest = json.loads(raw)
        if not isinstance(manifest.get("files"), dict):
            raise ValueError("no 'files' table")
        return manifest
    except (ValueError, AttributeError) as error:
        raise CommandError(f"the bundle's {MANIFEST} is corrupt ({error})") from None


def _open(bundle: str):
    import zipfile
    if not os.path.isfile(bundle):
        raise FileNotFoundError(f"no such file: {bundle}")
    try:
        return zipfile.ZipFile(bundle)
    except zipfile.BadZipFile:
        raise CommandError(f"{bundle} is not a zip file (or it is truncated)") from None


def _create(args) -> int:
    if os.path.exists(args.bundle) and not args.force:
        raise CommandError(f"{args.bundle} exists (pass --force to overwrite it)")
    bundle = os.path.abspath(args.bundle)
    for path in args.paths:
        if os.path.isdir(path) and bundle.startswith(os.path.abspath(path) + os.sep):
            raise CommandError(f"the bundle {args.bundle} would lie inside the folder {path} it packs")
    manifest = create_bundle(args.bundle, args.paths, compress=not args.store)
    total = sum(entry["size"] for entry in manifest["files"].values())
    print(f"wrote {args.bundle}: {len(manifest['files'])} files, {human_size(total)} "
          f"({human_size(os.path.getsize(args.bundle))} compressed)")
    return 0


def _list(args) -> int:
    import zipfile
    with _open(args.bundle) as archive:
        manifest = read_manifest(archive)
        expected = manifest["files"] if manifest else {}
        rows, bad = [], []
        for info in archive.infolist():
            if info.filename == MANIFEST or info.is_dir():
                continue
            entry = {"name": info.filename, "size": info.file_size, "compressed": info.compress_size,
                     "sha256": expected.get(info.filename, {}).get("sha256")}
            if args.verify:
                try:
                    with archive.open(info) as stream:
                        actual = _sha256(stream)
                except (zipfile.BadZipFile, OSError, EOFError) as error:
                    actual = None
                    bad.append(f"{info.filename}: unreadable ({error})")
                entry["ok"] = actual is not None and actual == entry["sha256"]
                if actual is not None and not entry["ok"]:
                    bad.append(f"{info.filename}: " + ("not in the manifest" if entry["sha256"] is None
                                                       else "its SHA-256 does not match the manifest"))
            rows.append(entry)
        missing = sorted(set(expected) - {row["name"] for row in rows})
        bad += [f"{name}: in the manifest but not in the bundle" for name in missing]
    if args.json:
        print_json({"bundle": args.bundle, "manifest": manifest is not None, "files": rows,
                    **({"problems": bad} if args.verify else {})})
    else:
        width = max((len(row["name"]) for row in rows), default=4)
        for row in rows:
            mark = ("  ok" if row["ok"] else "  BAD") if args.verify else ""
            digest = (row["sha256"] or "-")[:16]
            print(f"{row['name'].ljust(width)}  {human_size(row['size']):>10}  {digest}{mark}")
        print(f"{len(rows)} files, {human_size(sum(row['size'] for row in rows))}"
              + ("" if manifest else f" (no {MANIFEST}: not an axonml bundle)"))
        for problem in bad:
            print(f"error: {problem}")
    return 1 if args.verify and (bad or manifest is None) else 0


def _extract(args) -> int:
    from ..serialize.extract import DEFAULT_MAX_TOTAL_SIZE, ArchiveError, extract_archive
    with _open(args.bundle) as archive:
        manifest = read_manifest(archive)
    if manifest is None:
        raise CommandError(f"{args.bundle} has no {MANIFEST}: not an axonml bundle")
    try:
        written = extract_archive(args.bundle, args.to, max_total_size=args.max_size or DEFAULT_MAX_TOTAL_SIZE)
    except ArchiveError as error:
        raise CommandError(str(error)) from None
    problems = []
    for name, entry in manifest["files"].items():
        path = os.path.join(args.to, *name.split("/"))
        if not os.path.isfile(path):
            problems.append(f"{name} is in the manifest but not in the bundle")
            continue
        with open(path, "rb") as f:
            if _sha256(f) != entry.get("sha256"):
                problems.append(f"{name}: its SHA-256 does not match the manifest")
    if problems:
        _remove(written)
        raise CommandError(f"{args.bundle} is damaged, nothing was kept: " + "; ".join(problems))
    os.remove(os.path.join(args.to, MANIFEST))
    files = [path for path in written if os.path.isfile(path) and os.path.basename(path) != MANIFEST]
    print(f"extracted {len(files)} files into {args.to}, every SHA-256 verified")
    return 0


def _remove(written: list[str]) -> None:
    for path in reversed(written):
        if os.path.isdir(path) and not os.path.islink(path):
            if not os.listdir(path):
                os.rmdir(path)
        elif os.path.lexists(path):
            os.unlink(path)
