"""Safe extraction of .zip and .tar(.gz/.bz2/.xz) archives: datasets and model bundles.

Every member is checked before anything is written: names must be relative paths without
``..`` (absolute names are refused, not made relative), symbolic links must point inside the
destination by a relative path without ``..``, hard links must name a regular file extracted
before them, and device files, FIFOs and other special members are refused. The number of
files and the total uncompressed size are capped, on the sizes the archive declares before
anything is decompressed, and again on the bytes actually written. If a check fails, nothing
has been written; if writing fails part-way (a member that lies about its size, a corrupt
stream), what this call wrote is removed again.
"""
from __future__ import annotations

import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib

__all__ = ["extract_archive", "ArchiveError", "DEFAULT_MAX_TOTAL_SIZE", "DEFAULT_MAX_FILES"]

DEFAULT_MAX_TOTAL_SIZE = 1 << 30   # 1 GiB uncompressed
DEFAULT_MAX_FILES = 100_000
_CHUNK = 1 << 20
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class ArchiveError(ValueError):
    """An archive that cannot be extracted safely (or is corrupt); nothing of it is left on disk."""


def _kind(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")):
        return "tar"
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except (OSError, tarfile.TarError, EOFError):
        pass
    raise ArchiveError(f"'{path}' is not a .zip or .tar archive")


def _parts(name: str, what: str) -> list[str]:
    """The path components of a member name, refusing anything that could leave the destination."""
    if not name or "\x00" in name:
        raise ArchiveError(f"refusing {what} with an empty or NUL-containing name")
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        raise ArchiveError(f"refusing {what} {name!r}: an absolute path")
    parts = [p for p in normalized.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"refusing {what} {name!r}: it climbs out of the destination with '..'")
    return parts


class _Plan:
    """Members checked and ready to write: (kind, parts, member, extra)."""

    def __init__(self, max_total_size: int, max_files: int, source: str):
        self.entries: list[tuple[str, list[str], object, object]] = []
        self.max_total_size, self.max_files, self.source = max_total_size, max_files, source
        self.total = 0
        self.files: set[tuple[str, ...]] = set()

    def count(self, size: int, name: str) -> None:
        if len(self.entries) + 1 > self.max_files:
            raise ArchiveError(f"{self.source} has more than {self.max_files} members (max_files)")
        if size < 0:
            raise ArchiveError(f"{self.source}: member {name!r} declares a negative size")
        self.total += size
        if self.total > self.max_total_size:
            raise ArchiveError(f"{self.source} declares more than {self.max_total_size} bytes uncompressed "
                               "(max_total_size)")


def extract_archive(path: str | os.PathLike, dest: str | os.PathLike, *, max_total_size: int = DEFAULT_MAX_TOTAL_SIZE,
                    max_files: int = DEFAULT_MAX_FILES) -> list[str]:
    """Extract a .zip, .tar, .tar.gz, .tar.bz2 or .tar.xz archive into dest, refusing anything unsafe.

    Args:
        path (str or os.PathLike): the archive.
        dest (str or os.PathLike): the directory to extract into (created if missing). Nothing is
            written outside it.
        max_total_size (int): cap on the total uncompressed bytes. Default: 1 GiB.
        max_files (int): cap on the number of members. Default: 100,000.

    Returns:
        list[str]: the paths written (files, directories and links), in archive order.

    Raises:
        ArchiveError (a ValueError): an absolute or ``..`` name, a link that leaves dest, a device
            file, a cap exceeded, or a corrupt archive.
        FileNotFoundError: the archive does not exist.

    Example::

        >>> axonml.serialize.extract_archive("cifar-10-python.tar.gz", "data/")
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such file: '{path}'")
    source = f"'{path}'"
    kind = _kind(path)
    os.makedirs(dest, exist_ok=True)
    root = os.path.realpath(dest)
    plan = _Plan(max_total_size, max_files, source)
    written: list[str] = []
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                _plan_zip(archive, plan)
                _write(plan, root, written, lambda member: archive.open(member))
        else:
            with tarfile.open(path, "r:*") as archive:
                _plan_tar(archive, plan)
                _write(plan, root, written, lambda member: archive.extractfile(member))
    except ArchiveError:
        _undo(written)
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, EOFError, OSError, ValueError, zlib.error,
            lzma.LZMAError, NotImplementedError, RuntimeError) as error:
        _undo(written)
        if isinstance(error, FileNotFoundError) and not written:
            raise
        raise ArchiveError(f"{source} is corrupt or cannot be extracted: {error}") from None
    return written


def _plan_zip(archive: zipfile.ZipFile, plan: _Plan) -> None:
    for info in archive.infolist():
        mode = info.external_attr >> 16
        is_dir = info.is_dir()
        parts = _parts(info.filename, "zip member")
        if stat.S_ISLNK(mode):
            raise ArchiveError(f"refusing zip member {info.filename!r}: a symbolic link")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"refusing zip member {info.filename!r}: it is encrypted")
        if info.compress_type not in _ZIP_METHODS:
            raise ArchiveError(f"refusing zip member {info.filename!r}: unsupported compression method "
                               f"{info.compress_type}")
        if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and stat.S_IFMT(mode):
            raise ArchiveError(f"refusing zip member {info.filename!r}: a special file")
        plan.count(0 if is_dir else info.file_size, info.filename)
        if not parts:
            continue
        plan.entries.append(("dir" if is_dir else "file", parts, info, info.file_size))
        if not is_dir:
            plan.files.add(tuple(parts))


def _plan_tar(archive: tarfile.TarFile, plan: _Plan) -> None:
    for member in archive:    # one header at a time: a bomb's declared size is caught before its data is read
        parts = _parts(member.name, "tar member")
        if member.isdev() or member.isfifo() or not (member.isfile() or member.isdir() or member.issym()
                                                       or member.islnk()):
            raise ArchiveError(f"refusing tar member {member.name!r}: a device file, FIFO or other special file")
        plan.count(member.size if member.isfile() else 0, member.name)
        if member.issym():
            target = member.linkname.replace("\\", "/")
            if not target or target.startswith("/") or ".." in target.split("/") or \
                    (len(target) > 1 and target[1] == ":"):
                raise ArchiveError(f"refusing tar member {member.name!r}: a symbolic link to {member.linkname!r}, "
                                   "which may point outside the destination")
            plan.entries.append(("symlink", parts, member, target))
        elif member.islnk():
            target_parts = _parts(member.linkname, "hard link target")
            if tuple(target_parts) not in plan.files:
                raise ArchiveError(f"refusing tar member {member.name!r}: a hard link to {member.linkname!r}, "
                                   "which is not a file extracted before it")
            plan.entries.append(("hardlink", parts, member, target_parts))
            plan.files.add(tuple(parts))
        elif parts:
            plan.entries.append(("dir" if member.isdir() else "file", parts, member, member.size))
            if member.isfile():
                plan.files.add(tuple(parts))
        archive.members = []  # keep memory flat for archives with many members


def _inside(root: str, target: str) -> bool:
    return os.path.commonpath([root, os.path.realpath(target)]) == root


def _write(plan: _Plan, root: str, written: list[str], open_member) -> None:
    total = 0
    for kind, parts, member, extra in plan.entries:
        target = os.path.join(root, *parts)
        parent = os.path.dirname(target)
        if not _inside(root, parent):
            raise ArchiveError(f"refusing {'/'.join(parts)!r}: its directory resolves outside the destination")
        _makedirs(parent, root, written)
        if kind == "dir":
            _makedirs(target, root, written)
            continue
        if os.path.lexists(target) and (os.path.islink(target) or os.path.isdir(target)):
            raise ArchiveError(f"refusing {'/'.join(parts)!r}: it would replace a link or directory")
        if kind == "symlink":
            os.symlink(extra, target)
            written.append(target)
            continue
        if kind == "hardlink":
            shutil.copyfile(os.path.join(root, *extra), target, follow_symlinks=False)
            written.append(target)
            continue
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        written.append(target)
        size = 0
        with os.fdopen(handle, "wb") as out, open_member(member) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                total += len(chunk)
                if size > extra or total > plan.max_total_size:
                    raise ArchiveError(f"{plan.source}: member {'/'.join(parts)!r} holds more bytes than it declares "
                                       f"(or the total passes max_total_size={plan.max_total_size})")
                out.write(chunk)


def _makedirs(directory: str, root: str, written: list[str]) -> None:
    missing = []
    while not os.path.isdir(directory):
        if os.path.lexists(directory):
            raise ArchiveError(f"refusing to extract into {os.path.relpath(directory, root)!r}: it is not a directory")
        missing.append(directory)
        directory = os.path.dirname(directory)
    for d in reversed(missing):
        os.mkdir(d)
        written.append(d)


def _undo(written: list[str]) -> None:
    for path in reversed(written):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass
