"""Fetching dataset files: mirrors tried in order, MD5 checked, files written atomically."""
from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request

__all__ = ["MIRROR_ENV", "mirror_list", "check_md5", "download_file", "extract_tar"]

# A base URL (or several, separated by spaces) tried before a dataset's own mirrors.
MIRROR_ENV = "AXONML_DATASETS_MIRROR"

_CHUNK = 1 << 20


def mirror_list(mirrors: list[str]) -> list[str]:
    """The mirrors to try: those named in $AXONML_DATASETS_MIRROR first, then ``mirrors``."""
    extra = os.environ.get(MIRROR_ENV, "").split()
    return [m if m.endswith("/") else m + "/" for m in [*extra, *mirrors]]


def file_md5(path: str) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_md5(path: str, md5: str | None) -> bool:
    """Whether path exists and (when md5 is given) has that MD5."""
    if not os.path.isfile(path):
        return False
    return md5 is None or file_md5(path) == md5


def _fetch(url: str, folder: str, md5: str | None, timeout: float) -> str:
    """Download url into a temporary file in folder; return its path. Raises on any failure."""
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
    try:
        digest = hashlib.md5()
        request = urllib.request.Request(url, headers={"User-Agent": "axonml"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if md5 is not None and digest.hexdigest() != md5:
            raise RuntimeError(f"MD5 mismatch: expected {md5}, got {digest.hexdigest()}")
        return tmp_path
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


def download_file(mirrors: list[str], filename: str, folder: str, md5: str | None = None,
                  timeout: float = 60.0) -> str:
    """Download ``filename`` from the first mirror that serves it with the right MD5.

    The file is written under a temporary name in ``folder`` and renamed into place only once
    complete and verified, so an interrupted or corrupt download never leaves ``filename``.
    A file already present with the right MD5 is not downloaded again.

    Returns:
        The path of the downloaded file.
    """
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, filename)
    if md5 is not None and check_md5(target, md5):
        return target
    failures = []
    for base in mirror_list(mirrors):
        url = base + filename
        try:
            tmp_path = _fetch(url, folder, md5, timeout)
        except (urllib.error.URLError, OSError, RuntimeError, ValueError) as error:
            failures.append(f"  {url}: {error}")
            continue
        os.replace(tmp_path, target)
        return target
    raise RuntimeError(f"could not download {filename} into {folder}; tried:\n" + "\n".join(failures))


def extract_tar(archive: str, folder: str, members: list[str]) -> None:
    """Extract the named regular-file members of a tar archive into folder (nothing else).

    Names are checked before extraction: an absolute path, a ``..`` component, a link or a
    missing member is an error, so a hostile archive cannot write outside ``folder``.
    """
    with tarfile.open(archive) as tar:
        wanted = set(members)
        found = {}
        for info in tar.getmembers():
            if info.name in wanted:
                if not info.isfile() or os.path.isabs(info.name) or ".." in info.name.split("/"):
                    raise RuntimeError(f"refusing to extract {info.name!r} from {archive}: not a plain relative file")
                found[info.name] = info
        missing = wanted - set(found)
        if missing:
            raise RuntimeError(f"{archive} lacks the expected members: {sorted(missing)}")
        for name, info in found.items():
            destination = os.path.join(folder, *name.split("/"))
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            source = tar.extractfile(info)
            fd, tmp_path = tempfile.mkstemp(dir=os.path.dirname(destination), prefix=".extract-")
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in iter(lambda: source.read(_CHUNK), b""):
                        out.write(chunk)
            except BaseException:
                os.remove(tmp_path)
                raise
            os.replace(tmp_path, destination)
