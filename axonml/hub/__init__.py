"""Pretrained weights from the web: cached, resumable, atomic and checksummed downloads (torch.hub's API).

Files go to ``<hub dir>/checkpoints``, where the hub dir is ``$AXONML_HOME/hub`` if ``AXONML_HOME``
is set, else ``$XDG_CACHE_HOME/axonml/hub`` (``~/.cache/axonml/hub``), or what :func:`set_dir` named.
A download is written to ``<file>.partial`` next to its destination and renamed into place only
once it is complete and its SHA-256 matches, so an interrupted download never leaves a file that
looks finished; the next attempt continues the partial file with an HTTP ``Range`` request.
``.pth`` files are read by :func:`axonml.load`, which interprets PyTorch's pickle without running it.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__all__ = ["load_state_dict_from_url", "download_url_to_file", "get_dir", "set_dir", "HASH_REGEX"]

# The hex digits after the last '-' of a file name are the leading digits of its SHA-256
# (``resnet18-f37072fd.pth``), as torch.hub names its files.
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")

ENV_AXONML_HOME = "AXONML_HOME"
_CHUNK = 1 << 20
_ATTEMPTS = 3
_hub_dir: str | None = None


def get_dir() -> str:
    """The hub's cache folder (see the module docstring for how it is chosen)."""
    if _hub_dir is not None:
        return _hub_dir
    home = os.environ.get(ENV_AXONML_HOME)
    if home:
        return os.path.join(os.path.expanduser(home), "hub")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return os.path.join(os.path.expanduser(cache), "axonml", "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use ``d`` as the hub's cache folder from now on (overrides ``AXONML_HOME``)."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _hash_prefix(url_or_name: str) -> str | None:
    match = HASH_REGEX.search(os.path.basename(urllib.parse.urlparse(url_or_name).path))
    return match.group(1) if match and match.group(1) else None


class _Progress:
    """tqdm when it is installed and wanted; otherwise nothing."""

    def __init__(self, total: int | None, done: int, enabled: bool):
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, initial=done, unit="B", unit_scale=True, unit_divisor=1024,
                                file=sys.stderr)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _content_range_total(value: str | None) -> int | None:
    """N from a ``Content-Range: bytes a-b/N`` or ``bytes */N`` header (None if absent or ``*``)."""
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None


def _content_range_start(value: str | None) -> int | None:
    match = re.match(r"\s*bytes\s+(\d+)-\d+/", value or "")
    return int(match.group(1)) if match else None


def _hash_file(path: str, digest) -> None:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but never send credentials to another host (a signed storage URL,
    say): the ``Authorization`` header goes only where it was meant to go."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlparse(newurl).netloc != urllib.parse.urlparse(req.full_url).netloc:
            for name in list(new.headers):
                if name.lower() == "authorization":
                    del new.headers[name]
            new.unredirected_hdrs.pop("Authorization", None)
        return new


_opener = urllib.request.build_opener(_RedirectHandler)


def _fetch_once(url: str, partial: str, progress: bool, timeout: float, extra_headers: dict | None = None) -> None:
    """Bring ``partial`` up to the whole resource, continuing it if it has bytes already.

    Raises on any failure; what was received stays in ``partial`` for the next attempt.
    """
    have = os.path.getsize(partial) if os.path.exists(partial) else 0
    headers = {"User-Agent": "axonml", **(extra_headers or {})}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:
            # The server has nothing past what we hold: complete if its length is ours, else start over.
            if _content_range_total(error.headers.get("Content-Range")) == have:
                return
            os.remove(partial)
            raise ConnectionError(f"the server refused to resume {url} at byte {have}; starting over") from error
        raise
    with response:
        status = getattr(response, "status", 200)
        if have and status == 206:
            start = _content_range_start(response.headers.get("Content-Range"))
            if start != have:
                raise ConnectionError(f"{url}: asked to resume at byte {have}, the server sent from {start}")
            mode = "ab"
            total = _content_range_total(response.headers.get("Content-Range"))
        else:
            # 200: a fresh copy (a server that ignores Range sends the whole file again).
            mode, have = "wb", 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        bar = _Progress(total, have, progress)
        received = have
        try:
            with open(partial, mode) as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                out.flush()
                os.fsync(out.fileno())
        finally:
            bar.close()
    if total is not None and received != total:
        raise ConnectionError(f"{url}: the connection closed after {received} of {total} bytes")


@contextlib.contextmanager
def _exclusive(path: str):
    """Hold an advisory lock on ``path`` (where fcntl exists), so that two processes fetching the
    same file do not write one partial file at once."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def download_url_to_file(url: str, dst: str | os.PathLike, hash_prefix: str | None = None,
                         progress: bool = True, *, timeout: float = 60.0, md5: str | None = None,
                         headers: dict[str, str] | None = None) -> None:
    """Download ``url`` to ``dst``: resumable, atomic and (with ``hash_prefix``) checksummed.

    The bytes go to ``dst + ".partial"``; an interrupted transfer is continued (HTTP ``Range``)
    up to three times here, and on a later call. Only a complete file whose SHA-256 starts with
    ``hash_prefix`` is renamed to ``dst``; a mismatch deletes the partial file.

    Args:
        url: the address (``http``, ``https`` or ``file``).
        dst: the destination path.
        hash_prefix: leading hex digits the file's SHA-256 must have. Default: no check.
        progress: show a progress bar (when tqdm is installed).
        timeout: seconds to wait on the connection.
        md5: the whole MD5 hex digest the file must have (datasets publish MD5s). Default: no check.
        headers: extra request headers (``Authorization`` ...); they are not sent on a redirect
            to another host.

    Raises:
        RuntimeError: the SHA-256 (or MD5) does not match.
        OSError: the download failed after its retries (the partial file is kept to resume).
    """
    _download(url, os.path.expanduser(os.fspath(dst)), hash_prefix, progress, timeout, reuse_existing=False,
              md5=md5, headers=headers)


def _download(url: str, dst: str, hash_prefix: str | None, progress: bool, timeout: float,
              reuse_existing: bool, md5: str | None = None, headers: dict | None = None) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with _exclusive(dst + ".lock"):
        if reuse_existing and os.path.exists(dst):
            return      # another process finished it while this one waited
        _fetch_verify_rename(url, dst, hash_prefix, progress, timeout, md5, headers)


def _fetch_verify_rename(url: str, dst: str, hash_prefix: str | None, progress: bool, timeout: float,
                         md5: str | None = None, headers: dict | None = None) -> None:
    partial = dst + ".partial"
    failure: Exception | None = None
    for _ in range(_ATTEMPTS):
        try:
            _fetch_once(url, partial, progress, timeout, headers)
            failure = None
            break
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500 and error.code not in (408, 416, 429):
                raise
            failure = error
        except (ConnectionError, TimeoutError, http.client.HTTPException, urllib.error.URLError) as error:
            failure = error
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EACCES, errno.EROFS):
                raise
            failure = error
    if failure is not None:
        raise OSError(f"could not download {url} after {_ATTEMPTS} attempts ({failure}); what arrived is kept in "
                      f"{partial} and the next call resumes it") from failure
    if hash_prefix is not None:
        digest = hashlib.sha256()
        _hash_file(partial, digest)
        value = digest.hexdigest()
        if not value.startswith(hash_prefix.lower()):
            os.remove(partial)
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{value}") for {url}')
    if md5 is not None:
        digest = hashlib.md5()
        _hash_file(partial, digest)
        if digest.hexdigest() != md5.lower():
            os.remove(partial)
            raise RuntimeError(f'invalid MD5 (expected "{md5}", got "{digest.hexdigest()}") for {url}')
    os.replace(partial, dst)


def load_state_dict_from_url(url: str, model_dir: str | os.PathLike | None = None, map_location=None,
                             progress: bool = True, check_hash: bool = True, file_name: str | None = None,
                             weights_only: bool = True) -> Any:
    """Load the object (usually a state dict) at ``url``, downloading it into the cache once.

    Args:
        url: where the file is.
        model_dir: the cache folder. Default: ``<hub dir>/checkpoints``.
        map_location: where to put the tensors (see :func:`axonml.load`).
        progress: show a progress bar while downloading.
        check_hash: require the file's SHA-256 to start with the hex digits after the last ``-``
            of its name (``resnet18-f37072fd.pth``), as torch.hub does. Default: True.
        file_name: the name to cache it under. Default: the URL's last path component.
        weights_only: accepted for PyTorch compatibility; loading never runs code.

    Returns:
        What the file holds: a ``{name: tensor}`` dict for a state dict.

    Example::

        >>> state = axonml.hub.load_state_dict_from_url(
        ...     "https://download.pytorch.org/models/resnet18-f37072fd.pth")
        >>> model.load_state_dict(state)
    """
    from ..serialize import load
    model_dir = os.path.join(get_dir(), "checkpoints") if model_dir is None else os.fspath(model_dir)
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    if not filename:
        raise ValueError(f"cannot name a cache file for {url!r}; pass file_name=")
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        hash_prefix = _hash_prefix(filename) if check_hash else None
        _download(url, cached_file, hash_prefix, progress, 60.0, reuse_existing=True)
    return load(cached_file, map_location=map_location, weights_only=weights_only)
