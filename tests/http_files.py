"""The file-serving half of the local HTTP servers the download tests start on 127.0.0.1."""


def send_file(handler, data: bytes, state, honour_range: bool = True) -> None:
    """Answer a GET of ``data`` as a real server does: 206 from a ``Range: bytes=N-`` start, 416 past
    the end. While ``state.cuts_left`` is positive, each response is cut a third of the way in and the
    connection dropped (a network failure mid-download)."""
    start, status = 0, 200
    range_header = handler.headers.get("Range")
    if range_header and honour_range:
        start = int(range_header.split("=")[1].split("-")[0])
        if start >= len(data):
            handler.send_response(416)
            handler.send_header("Content-Range", f"bytes */{len(data)}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        status = 206
    body = data[start:]
    handler.send_response(status)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(len(body)))
    if status == 206:
        handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
    handler.end_headers()
    if state.cuts_left > 0:
        state.cuts_left -= 1
        handler.wfile.write(body[: max(1, len(body) // 3)])
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(2)
        return
    handler.wfile.write(body)
