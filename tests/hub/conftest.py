"""A local HTTP server for the hub tests: serves files from memory, honours Range requests, and can
be told to cut a response short or to ignore Range, as real servers and networks do."""
import http.server
import threading

import pytest


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
        start = 0
        status = 200
        range_header = self.headers.get("Range")
        if range_header and not server.ignore_range:
            start = int(range_header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if server.cuts_left > 0:
            server.cuts_left -= 1
            self.wfile.write(body[: max(1, len(body) // 3)])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


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
