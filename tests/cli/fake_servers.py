"""Local HTTP servers on 127.0.0.1 for the CLI tests: real files served with Range support (and cut
short on request), a resumable upload endpoint, and a fake Kaggle API with basic auth."""
import base64
import hashlib
import http.server
import json
import re
import threading
import urllib.parse

import pytest

from tests.http_files import send_file


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # --- downloads -------------------------------------------------------------------------------
    def do_GET(self):
        server = self.server.owner
        server.requests.append(("GET", self.path, dict(self.headers)))
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/api/v1/"):
            return self._kaggle(path, urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))
        if path in server.redirects:
            self.send_response(302)
            self.send_header("Location", server.redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = server.files.get(path)
        if data is None:
            return self._reply(404, b"not found")
        send_file(self, data, server)

    def _reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # --- the Kaggle API --------------------------------------------------------------------------
    def _kaggle(self, path, query):
        server = self.server.owner
        expected = "Basic " + base64.b64encode(f"{server.kaggle_user}:{server.kaggle_key}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._reply(401, b'{"code": 401, "message": "Unauthenticated"}')
        if path == "/api/v1/datasets/list":
            search = query.get("search", [""])[0]
            found = [d for d in server.kaggle_datasets if search.lower() in d["ref"].lower()]
            return self._reply(200, json.dumps(found).encode(), [("Content-Type", "application/json")])
        if path == "/api/v1/competitions/list":
            return self._reply(200, json.dumps(server.kaggle_competitions).encode())
        match = re.fullmatch(r"/api/v1/datasets/download/([^/]+)/([^/]+)", path)
        if match and f"{match.group(1)}/{match.group(2)}" in server.kaggle_files:
            self.send_response(302)
            self.send_header("Location", server.kaggle_files[f"{match.group(1)}/{match.group(2)}"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        return self._reply(404, b'{"code": 404, "message": "Not found"}')

    # --- resumable uploads (Content-Range PUTs) ----------------------------------------------------
    def do_PUT(self):
        server = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        content_range = self.headers.get("Content-Range", "")
        server.requests.append(("PUT", self.path, dict(self.headers)))
        stored = server.uploads.setdefault(self.path, bytearray())
        if server.drop_after is not None and length:
            # take part of the chunk, then drop the connection as a failing network would
            keep = min(length, server.drop_after)
            stored.extend(self.rfile.read(keep))
            server.drop_after = None
            self.close_connection = True
            self.connection.shutdown(2)
            return
        body = self.rfile.read(length) if length else b""
        status = re.fullmatch(r"bytes \*/(\d+)", content_range)
        chunk = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if status:
            total = int(status.group(1))
        elif chunk:
            start, total = int(chunk.group(1)), int(chunk.group(3))
            if start != len(stored):
                return self._reply(400, b"out of order")
            stored.extend(body)
        else:
            return self._reply(400, b"Content-Range required")
        if len(stored) < total:
            headers = [("Range", f"bytes=0-{len(stored) - 1}")] if stored else []
            return self._reply(308, b"", headers)
        if hashlib.sha256(bytes(stored)).hexdigest() != self.headers.get("X-Checksum-Sha256"):
            del server.uploads[self.path]
            self.send_response(422, "Checksum mismatch")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        server.completed[self.path] = bytes(stored)
        return self._reply(201, b"")


class FakeServer:
    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.files, self.redirects, self.requests = {}, {}, []
        self.cuts_left = 0
        self.uploads, self.completed, self.drop_after = {}, {}, None
        self.kaggle_user, self.kaggle_key = "alice", "s3cr3tkey"
        self.kaggle_datasets, self.kaggle_competitions, self.kaggle_files = [], [], {}
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path, data):
        self.files["/" + path.lstrip("/")] = data
        return f"{self.base}/{path.lstrip('/')}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server():
    local = FakeServer()
    try:
        yield local
    finally:
        local.close()


def run_axonml(*args, cwd, env=None, input=None, timeout=300):
    """`python -m axonml ARGS` with extra environment variables and standard input."""
    import os
    import subprocess
    import sys
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    full_env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    return subprocess.run([sys.executable, "-m", "axonml", *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, input=input, timeout=timeout)


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """`axonml ARGS` run in this process (cheap), in tmp_path: for the cases beyond the one real run
    in a subprocess that each command gets. Returns returncode, stdout and stderr like subprocess.run."""
    from axonml.cli import main
    monkeypatch.chdir(tmp_path)

    def run(*args, env=None):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit:          # argparse: --help, usage errors
            code = exit.code if isinstance(exit.code, int) else 1
        out, err = capsys.readouterr()
        return _Result(code, out, err)
    return run
