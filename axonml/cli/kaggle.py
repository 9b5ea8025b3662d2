"""`axonml kaggle config|status|list|download`: datasets and competition data from Kaggle's public API.

Credentials come from ``$KAGGLE_USERNAME``/``$KAGGLE_KEY`` or ``kaggle.json`` in ``$KAGGLE_CONFIG_DIR``
(default ``~/.kaggle``), the file Kaggle's own client reads; ``config`` writes it with mode 0600. The
key is sent only as HTTP basic auth to the API (never to the storage host a download is redirected
to) and is never printed. ``$AXONML_KAGGLE_API`` replaces the API's base URL. Downloads land in
``<cache>/kaggle/<owner>/<name>.zip`` through :func:`axonml.hub.download_url_to_file` (resumable,
atomic), are checked as zips (every member's CRC) and have their SHA-256 recorded beside them.
"""
from __future__ import annotations

import base64
import json
import os
import stat
import sys
import urllib.parse

from ._common import add_action, add_family, human_size, print_json, print_table, progress_wanted
from .errors import CommandError

__all__ = ["register", "API_ENV", "DEFAULT_API", "config_path", "credentials"]

API_ENV = "AXONML_KAGGLE_API"
DEFAULT_API = "https://www.kaggle.com/api/v1"


def register(subparsers) -> None:
    parser = add_family(subparsers, "kaggle", "configure Kaggle credentials, search and download Kaggle data",
                        "Kaggle's public API with the token from ~/.kaggle/kaggle.json: store the token, check it, "
                        "search datasets or competitions, and download one into the cache.",
                        ["axonml kaggle config --username alice < kaggle-key.txt",
                         "axonml kaggle status --check", "axonml kaggle list mnist",
                         "axonml kaggle download oddrationale/mnist-in-csv --path data/mnist-csv",
                         "axonml kaggle download titanic --competition --path data/titanic"])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    config = add_action(actions, "config", "write ~/.kaggle/kaggle.json (mode 0600) from a username and API key",
                        ["axonml kaggle config --username alice  # then type the key",
                         "axonml kaggle config --username alice --key-file ~/Downloads/key.txt"])
    config.add_argument("--username", required=True, help="your Kaggle user name")
    config.add_argument("--key-file", metavar="FILE",
                        help="read the API key from FILE, or from a downloaded kaggle.json (default: standard input)")
    config.set_defaults(handler=_config)
    status = add_action(actions, "status", "show where the credentials come from (never the key)",
                        ["axonml kaggle status", "axonml kaggle status --check --json"])
    status.add_argument("--check", action="store_true", help="also ask the API whether it accepts them")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)
    listing = add_action(actions, "list", "search Kaggle datasets (or competitions)",
                         ["axonml kaggle list cifar", "axonml kaggle list --competitions --json"])
    listing.add_argument("search", nargs="?", default="", help="words to search for")
    listing.add_argument("--competitions", action="store_true", help="list competitions instead of datasets")
    listing.add_argument("--page", type=int, default=1, help="result page (default: 1)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    download = add_action(actions, "download", "download a dataset (OWNER/NAME) or competition's data (NAME)",
                          ["axonml kaggle download zalando-research/fashionmnist",
                           "axonml kaggle download titanic --competition --path data/titanic"])
    download.add_argument("ref", metavar="REF", help="OWNER/DATASET, or a competition's name with --competition")
    download.add_argument("--competition", action="store_true", help="REF names a competition")
    download.add_argument("--path", metavar="DIR", help="also extract the zip into DIR (through the safe extractor)")
    download.add_argument("--sha256", metavar="HEX", help="the SHA-256 the zip must have")
    download.add_argument("--force", action="store_true", help="download again even if it is cached")
    download.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    download.set_defaults(handler=_download)


def config_path() -> str:
    folder = os.environ.get("KAGGLE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".kaggle")
    return os.path.join(folder, "kaggle.json")


def credentials() -> tuple[str, str, str]:
    """(username, key, where they came from)."""
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return os.environ["KAGGLE_USERNAME"], os.environ["KAGGLE_KEY"], "$KAGGLE_USERNAME and $KAGGLE_KEY"
    path = config_path()
    if not os.path.isfile(path):
        raise CommandError(f"no Kaggle credentials: {path} does not exist (run axonml kaggle config, or set "
                           "KAGGLE_USERNAME and KAGGLE_KEY)")
    try:
        with open(path) as f:
            values = json.load(f)
        return str(values["username"]), str(values["key"]), path
    except (ValueError, KeyError, TypeError):
        raise CommandError(f"{path} is not a kaggle.json with a username and a key") from None


def _read_key(key_file: str | None) -> str:
    if key_file:
        with open(os.path.expanduser(key_file)) as f:
            text = f.read().strip()
    elif sys.stdin.isatty():
        import getpass
        text = getpass.getpass("Kaggle API key: ").strip()
    else:
        text = sys.stdin.read().strip()
    if text.startswith("{"):            # a kaggle.json downloaded from the account page
        try:
            text = str(json.loads(text)["key"])
        except (ValueError, KeyError, TypeError):
            raise CommandError("the key file looks like JSON but has no \"key\"") from None
    if not text or any(c.isspace() for c in text):
        raise CommandError("the API key is empty or contains spaces")
    return text


def _config(args) -> int:
    key = _read_key(args.key_file)
    path = config_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = path + ".tmp"
    if os.path.exists(temporary):
        os.remove(temporary)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w") as f:
        json.dump({"username": args.username, "key": key}, f)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    print(f"wrote {path} (mode 0600) for user {args.username}")
    return 0


def _api() -> str:
    return (os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")


def _auth_header() -> dict:
    username, key, _ = credentials()
    token = base64.b64encode(f"{username}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _http_error(error, what: str) -> CommandError:
    meaning = {401: "Kaggle refused the credentials (check axonml kaggle status)",
               403: "not allowed: for a competition, accept its rules on kaggle.com first",
               404: f"{what} not found", 429: "too many requests; try again later"}
    return CommandError(meaning.get(error.code, f"the Kaggle API answered {error.code} {error.reason} for {what}"))


def _get_json(path: str, query: dict | None = None):
    import urllib.error
    import urllib.request
    url = f"{_api()}/{path}" + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(url, headers={"User-Agent": "axonml", "Accept": "application/json",
                                                   **_auth_header()})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise _http_error(error, path) from None
    except urllib.error.URLError as error:
        raise CommandError(f"cannot reach the Kaggle API at {_api()}: {error.reason}") from None
    except ValueError:
        raise CommandError(f"the Kaggle API at {_api()} did not answer JSON") from None


def _status(args) -> int:
    username, key, source = credentials()
    report = {"username": username, "source": source, "key": f"set ({len(key)} characters)", "api": _api()}
    warnings = []
    if os.path.isfile(source):
        mode = stat.S_IMODE(os.stat(source).st_mode)
        report["mode"] = f"{mode:04o}"
        if mode & 0o077:
            warnings.append(f"{source} is readable by others (mode {mode:04o}); run chmod 600 {source}")
    if args.check:
        _get_json("datasets/list", {"page": 1})
        report["accepted"] = True
    report["warnings"] = warnings
    if args.json:
        print_json(report)
        return 0
    for name in ("username", "source", "mode", "key", "api"):
        if name in report:
            print(f"{name + ':':10} {report[name]}")
    if args.check:
        print("the Kaggle API accepts these credentials")
    for warning in warnings:
        print(f"warning: {warning}")
    return 0


def _list(args) -> int:
    path = "competitions/list" if args.competitions else "datasets/list"
    rows = _get_json(path, {"search": args.search, "page": args.page})
    if not isinstance(rows, list):
        raise CommandError("the Kaggle API answered something other than a list")
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("nothing found")
    elif args.competitions:
        print_table(["ref", "title", "deadline", "reward"],
                    [[r.get("ref", ""), r.get("title", ""), str(r.get("deadline", ""))[:10], r.get("reward", "")]
                     for r in rows])
    else:
        print_table(["ref", "title", "size", "updated", "downloads"],
                    [[r.get("ref", ""), r.get("title", ""), human_size(r.get("totalBytes") or 0),
                      str(r.get("lastUpdated", ""))[:10], r.get("downloadCount", "")] for r in rows])
    return 0


def _cache_dir() -> str:
    from .. import hub
    return os.path.join(os.path.dirname(hub.get_dir()), "kaggle")


def _download(args) -> int:
    import hashlib
    import zipfile
    from .. import hub
    ref = args.ref.strip("/")
    parts = ref.split("/")
    if args.competition:
        if len(parts) != 1 or not parts[0]:
            raise CommandError(f"a competition is named by one word, got {args.ref!r}")
        api_path, local = f"competitions/data/download-all/{parts[0]}", ["competitions", parts[0]]
    else:
        if len(parts) != 2 or not all(parts):
            raise CommandError(f"a dataset is named OWNER/DATASET, got {args.ref!r}")
        api_path, local = f"datasets/download/{parts[0]}/{parts[1]}", parts
    if any(p in (".", "..") for p in local):
        raise CommandError(f"not a Kaggle name: {args.ref!r}")
    destination = os.path.join(_cache_dir(), *local[:-1], local[-1] + ".zip")
    if args.force and os.path.exists(destination):
        os.remove(destination)
    if not os.path.exists(destination):
        import urllib.error
        try:
            hub.download_url_to_file(f"{_api()}/{api_path}", destination, args.sha256,
                                     progress=args.progress and progress_wanted(), headers=_auth_header())
        except urllib.error.HTTPError as error:
            raise _http_error(error, args.ref) from None
        except RuntimeError as error:
            raise CommandError(f"{args.ref}: {error}") from None
        except OSError as error:
            cause = error.__cause__
            if isinstance(cause, urllib.error.HTTPError):
                raise _http_error(cause, args.ref) from None
            raise CommandError(f"{args.ref}: {' '.join(str(error).split())}") from None
    try:
        with zipfile.ZipFile(destination) as archive:
            bad = archive.testzip()
    except zipfile.BadZipFile:
        bad = "(the zip directory)"
    if bad is not None:
        os.remove(destination)
        raise CommandError(f"{args.ref}: the download is not an intact zip (bad member {bad}); deleted it")
    digest = hashlib.sha256()
    with open(destination, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    with open(destination + ".sha256", "w") as f:
        f.write(f"{digest.hexdigest()}  {os.path.basename(destination)}\n")
    print(f"{args.ref}: {human_size(os.path.getsize(destination))} in {destination} (sha256 {digest.hexdigest()})")
    if args.path:
        from ..serialize.extract import ArchiveError, extract_archive
        try:
            written = extract_archive(destination, args.path)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        print(f"extracted {sum(1 for p in written if os.path.isfile(p))} files into {args.path}")
    return 0
