"""`axonml upload FILE DEST`: put a model file into a model store, checksummed and resumable.

DEST is a folder (a local or mounted model store) or an ``http(s)://`` URL.

* Folder: the file is copied to ``DEST/NAME.partial``, checked, renamed to ``DEST/NAME``, and its
  SHA-256 written beside it as ``NAME.sha256`` (``sha256sum`` format). A ``.partial`` left by an
  interrupted upload is continued if it is a prefix of the file.
* HTTP: a resumable upload in the style of Google Cloud Storage's: ``PUT`` with ``Content-Range:
  bytes */TOTAL`` and no body asks the server what it has (``308`` with ``Range: bytes=0-N``, or
  ``200``/``201`` if it holds the whole file); chunks follow as ``PUT`` with ``Content-Range: bytes
  A-B/TOTAL``, ``308`` after each but the last. Every request carries ``X-Checksum-Sha256`` (the
  whole file's, as Artifactory reads it) so that the server can check what it assembled; a
  connection lost mid-chunk is resumed from what the server reports.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import urllib.parse

from ._common import add_family, human_size, print_json
from .errors import CommandError

__all__ = ["register", "upload_to_folder", "upload_to_url"]

_CHUNK = 1 << 20
_ATTEMPTS = 3


def register(subparsers) -> None:
    parser = add_family(subparsers, "upload", "upload a model file to a model store folder or an HTTP endpoint",
                        "Upload FILE to DEST, a model-store folder or an http(s) URL, with a SHA-256 checksum; an "
                        "interrupted upload is resumed where it stopped.",
                        ["axonml upload runs/mnist/model.safetensors /mnt/models/mnist",
                         "axonml upload bundle.zip https://models.example.org/upload/ "
                         "--header 'Authorization: Bearer T'",
                         "axonml upload model.safetensors http://127.0.0.1:8000/store/mnist-v2.safetensors --json"])
    parser.add_argument("file", metavar="FILE", help="the file to upload")
    parser.add_argument("dest", metavar="DEST", help="a folder, or an http(s) URL (ending in / to append the name)")
    parser.add_argument("--name", help="the name in the store (default: FILE's name)")
    parser.add_argument("--chunk-size", type=_size, default=8 << 20, metavar="BYTES",
                        help="HTTP upload chunk (suffixes K, M; default: 8M)")
    parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="an extra HTTP header (repeatable), e.g. an Authorization token")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait on the server (default: 60)")
    parser.add_argument("--force", action="store_true", help="replace a different file of that name in a folder store")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def _size(text: str) -> int:
    import argparse
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]?)i?b?\s*", text.lower())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive size such as 8M, got {text!r}")
    return int(match.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[match.group(2)]


def _sha256(path: str, limit: int | None = None) -> str:
    digest = hashlib.sha256()
    remaining = limit
    with open(path, "rb") as f:
        while remaining is None or remaining > 0:
            chunk = f.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
            if not chunk:
                break
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return digest.hexdigest()


def run(args) -> int:
    if not os.path.isfile(args.file):
        raise FileNotFoundError(f"no such file: {args.file}")
    name = args.name or os.path.basename(args.file)
    if not name or "/" in name or name in (".", ".."):
        raise CommandError(f"--name must be a plain file name, got {name!r}")
    digest = _sha256(args.file)
    if urllib.parse.urlparse(args.dest).scheme in ("http", "https"):
        url = args.dest + urllib.parse.quote(name) if args.dest.endswith("/") else args.dest
        result = upload_to_url(args.file, url, digest, args.chunk_size, _headers(args.header), args.timeout)
    else:
        result = upload_to_folder(args.file, args.dest, name, digest, args.force)
    result.update({"file": args.file, "sha256": digest, "size": os.path.getsize(args.file)})
    if args.json:
        print_json(result)
    else:
        how = "already there" if result["sent"] == 0 and not result["resumed_at"] else (
            f"resumed at byte {result['resumed_at']}" if result["resumed_at"] else "uploaded")
        print(f"{args.file} -> {result['destination']}: {how}, {human_size(result['size'])}, sha256 {digest}")
    return 0


def _headers(lines: list[str]) -> dict:
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise CommandError(f"--header expects 'Name: value', got {line!r}")
        headers[name.strip()] = value.strip()
    return headers


# --- a folder store --------------------------------------------------------------------------------

def upload_to_folder(path: str, store: str, name: str, digest: str, force: bool = False) -> dict:
    """Copy ``path`` into the folder ``store`` as ``name`` (resuming a ``.partial``), with ``name.sha256``."""
    os.makedirs(store, exist_ok=True)
    target = os.path.join(store, name)
    partial = target + ".partial"
    if os.path.isfile(target):
        if _sha256(target) == digest:
            _write_checksum(target, digest)
            return {"destination": target, "sent": 0, "resumed_at": 0}
        if not force:
            raise CommandError(f"{target} exists with other contents (pass --force to replace it)")
    size = os.path.getsize(path)
    start = os.path.getsize(partial) if os.path.isfile(partial) else 0
    if start > size or (start and _sha256(partial) != _sha256(path, start)):
        start = 0                    # not a prefix of this file: start over
    with open(path, "rb") as source, open(partial, "r+b" if start else "wb") as out:
        source.seek(start)
        out.seek(start)
        out.truncate()
        shutil.copyfileobj(source, out, _CHUNK)
        out.flush()
        os.fsync(out.fileno())
    if _sha256(partial) != digest:
        os.remove(partial)
        raise CommandError(f"{partial}: the copy's SHA-256 does not match {path}'s (was the file changed while "
                           "it was uploaded?)")
    os.replace(partial, target)
    _write_checksum(target, digest)
    return {"destination": target, "sent": size - start, "resumed_at": start}


def _write_checksum(target: str, digest: str) -> None:
    with open(target + ".sha256", "w") as f:
        f.write(f"{digest}  {os.path.basename(target)}\n")


# --- an HTTP endpoint ------------------------------------------------------------------------------

class _Server:
    def __init__(self, url: str, headers: dict, timeout: float, digest: str, total: int):
        parts = urllib.parse.urlsplit(url)
        self.url, self.parts, self.timeout, self.total = url, parts, timeout, total
        self.headers = {"User-Agent": "axonml", "X-Checksum-Sha256": digest, **headers}

    def put(self, content_range: str, body: bytes = b"") -> http.client.HTTPResponse:
        import http.client
        connection_type = http.client.HTTPSConnection if self.parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_type(self.parts.netloc, timeout=self.timeout)
        path = self.parts.path or "/"
        if self.parts.query:
            path += "?" + self.parts.query
        try:
            connection.request("PUT", path, body=body, headers={**self.headers, "Content-Range": content_range,
                                                                "Content-Length": str(len(body))})
            response = connection.getresponse()
            response.read()
            return response
        finally:
            connection.close()

    def received(self) -> int | None:
        """How many bytes the server holds (None if it holds the whole file)."""
        response = self.put(f"bytes */{self.total}")
        return self._progress(response)

    def _progress(self, response) -> int | None:
        if response.status in (200, 201, 204):
            return None
        if response.status == 308:
            match = re.match(r"\s*bytes=0-(\d+)", response.headers.get("Range") or "")
            return int(match.group(1)) + 1 if match else 0
        reason = f"{response.status} {response.reason}".strip()
        if response.status in (400, 409, 412, 422) and "checksum" in (response.reason or "").lower():
            raise CommandError(f"{self.url}: the server rejected the upload: {reason}")
        raise CommandError(f"{self.url}: the server answered {reason}")


def upload_to_url(path: str, url: str, digest: str, chunk_size: int = 8 << 20, headers: dict | None = None,
                  timeout: float = 60.0) -> dict:
    """Upload ``path`` to ``url`` with the resumable protocol in the module docstring."""
    import http.client
    total = os.path.getsize(path)
    if total == 0:
        raise CommandError(f"{path} is empty; there is nothing to upload")
    server = _Server(url, headers or {}, timeout, digest, total)
    failures, sent, resumed_at = 0, 0, None
    with open(path, "rb") as f:
        while True:
            try:
                have = server.received()
            except (OSError, http.client.HTTPException) as error:
                raise CommandError(f"cannot reach {url}: {' '.join(str(error).split())}") from None
            if resumed_at is None:
                resumed_at = have or 0
            try:
                while have is not None:
                    if have >= total:
                        raise CommandError(f"{url}: the server holds all {total} bytes but does not confirm the upload")
                    f.seek(have)
                    body = f.read(chunk_size)
                    response = server.put(f"bytes {have}-{have + len(body) - 1}/{total}", body)
                    sent += len(body)
                    have = server._progress(response)
                return {"destination": url, "sent": sent, "resumed_at": resumed_at}
            except (OSError, http.client.HTTPException) as error:
                failures += 1       # the connection dropped mid-chunk: ask the server what arrived
                if failures >= _ATTEMPTS:
                    raise CommandError(f"upload to {url} failed {failures} times ({' '.join(str(error).split())}); "
                                       "run the same command again to resume it") from None
