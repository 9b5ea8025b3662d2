"""A local HTTP server for the hub tests: serves files from memory, honours Range requests, and can
be told to cut a response short or to ignore Range, as real servers and networks do."""
import http.server
import threading

import pytest

from tests.http_files import send_file


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        data = server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        send_file(self, data, server, honour_range=not server.ignore_range)


class LocalServer:
    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files = {}
        self.httpd.requests = []
        self.httpd.cuts_left = 0
        self.httpd.ignore_range = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, name, data):
        self.httpd.files["/" + name] = data
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    @property
    def requests(self):
        return self.httpd.requests

    def cut_next(self, count):
        """Close the connection a third of the way into the next ``count`` responses."""
        self.httpd.cuts_left = count

    def ignore_range(self, value=True):
        self.httpd.ignore_range = value

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server():
    local = LocalServer()
    try:
        yield local
    finally:
        local.close()


@pytest.fixture
def hub_home(tmp_path, monkeypatch):
    home = tmp_path / "axonml-home"
    monkeypatch.setenv("AXONML_HOME", str(home))
    import axonml.hub
    monkeypatch.setattr(axonml.hub, "_hub_dir", None)
    return home
