"""Malformed requests get a 4xx with a JSON error (or a closed connection), and the server keeps answering."""
import json
import re

import numpy as np
import pytest

GOOD_SAMPLE = np.zeros((1, 28, 28)).tolist()


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG that declares width x height grey pixels (and holds none)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
JSON = {"Content-Type": "application/json"}


def _json_body(document) -> str:
    return json.dumps(document)


# (description, method, path, body, headers, the statuses allowed)
HTTP_CORPUS = [
    ("empty body", "POST", "/predict", b"", JSON, {400}),
    ("malformed JSON", "POST", "/predict", b'{"inputs": [1, 2', JSON, {400}),
    ("JSON that is not UTF-8", "POST", "/predict", b'{"inputs": "\xff\xfe"}', JSON, {400}),
    ("JSON with a NaN", "POST", "/predict", b'{"inputs": [NaN]}', JSON, {400, 422}),
    ("JSON with Infinity", "POST", "/predict", b'{"inputs": [Infinity, 1]}', JSON, {400, 422}),
    ("a JSON list, not an object", "POST", "/predict", _json_body([1, 2, 3]), JSON, {422}),
    ("a JSON string", "POST", "/predict", _json_body("inputs"), JSON, {422}),
    ("no inputs field", "POST", "/predict", _json_body({"input": GOOD_SAMPLE}), JSON, {422}),
    ("inputs null", "POST", "/predict", _json_body({"inputs": None}), JSON, {422}),
    ("inputs a string", "POST", "/predict", _json_body({"inputs": "hello"}), JSON, {422}),
    ("inputs an object", "POST", "/predict", _json_body({"inputs": {"a": 1}}), JSON, {422}),
    ("inputs true", "POST", "/predict", _json_body({"inputs": True}), JSON, {422}),
    ("wrong rank", "POST", "/predict", _json_body({"inputs": [[0.0] * 28] * 28}), JSON, {422}),
    ("wrong shape", "POST", "/predict", _json_body({"inputs": [[[0.0] * 27] * 28]}), JSON, {422}),
    ("a scalar", "POST", "/predict", _json_body({"inputs": 3.0}), JSON, {422}),
    ("ragged lists", "POST", "/predict", _json_body({"inputs": [[[0.0] * 28] * 27 + [[0.0] * 3]]}), JSON, {422}),
    ("strings among numbers", "POST", "/predict",
     _json_body({"inputs": [[["1"] * 28] + [[0.0] * 28] * 27]}), JSON, {422}),
    ("nulls among numbers", "POST", "/predict",
     _json_body({"inputs": [[[None] * 28] + [[0.0] * 28] * 27]}), JSON, {422}),
    ("a number too large for float32", "POST", "/predict",
     _json_body({"inputs": [[[1e300] * 28] * 28]}), JSON, {422}),
    ("an integer too large for any dtype", "POST", "/predict",
     _json_body({"inputs": [[[10 ** 400] * 28] + [[0] * 28] * 27]}), JSON, {422}),
    ("nesting deep enough to overflow a recursive parser", "POST", "/predict",
     b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON, {400, 422}),
    ("an empty /batch", "POST", "/batch", _json_body({"inputs": []}), JSON, {422}),
    ("/batch inputs not a list", "POST", "/batch", _json_body({"inputs": 1}), JSON, {422}),
    ("/batch of more samples than the batch size", "POST", "/batch",
     _json_body({"inputs": [GOOD_SAMPLE] * 9}), JSON, {422}),
    ("/batch with one bad sample", "POST", "/batch",
     _json_body({"inputs": [GOOD_SAMPLE, [[[0.0] * 28] * 27]]}), JSON, {422}),
    ("no content type", "POST", "/predict", _json_body({"inputs": GOOD_SAMPLE}), {}, {415}),
    ("text/plain for a vision model", "POST", "/predict", b"hello", {"Content-Type": "text/plain"}, {415}),
    ("form data", "POST", "/predict", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"}, {415}),
    ("an image for /batch", "POST", "/batch", b"\x89PNG", {"Content-Type": "image/png"}, {415}),
    ("an image that is not one", "POST", "/predict", b"\x89PNG\r\n\x1a\nnot really", {"Content-Type": "image/png"},
     {422}),
    ("an image of 100 megapixels in a few bytes", "POST", "/predict", _png_header(10_000, 10_000),
     {"Content-Type": "image/png"}, {422}),
    ("an empty image", "POST", "/predict", b"", {"Content-Type": "image/jpeg"}, {400}),
    ("a raw tensor without headers", "POST", "/predict", b"\0" * 3136,
     {"Content-Type": "application/octet-stream"}, {400}),
    ("a raw tensor of the wrong length", "POST", "/predict", b"\0" * 3135,
     {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "1,28,28", "X-Tensor-Dtype": "float32"}, {422}),
    ("a raw tensor of an unknown dtype", "POST", "/predict", b"\0" * 3136,
     {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "1,28,28", "X-Tensor-Dtype": "object"}, {422}),
    ("a raw tensor with a malformed shape", "POST", "/predict", b"\0" * 3136,
     {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "1;28;28", "X-Tensor-Dtype": "float32"}, {400}),
    ("a raw tensor with a negative size", "POST", "/predict", b"",
     {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "-1,28,28", "X-Tensor-Dtype": "float32"}, {422}),
    ("a raw tensor holding NaN", "POST", "/predict", np.full(784, np.nan, np.float32).tobytes(),
     {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "1,28,28", "X-Tensor-Dtype": "float32"}, {422}),
    ("a raw tensor of the wrong shape", "POST", "/predict", b"\0" * 3136,
     {"Content-Type": "application/octet-stream", "X-Tensor-Shape": "28,28", "X-Tensor-Dtype": "float32"}, {422}),
    ("GET /predict", "GET", "/predict", None, {}, {405}),
    ("POST /info", "POST", "/info", b"{}", JSON, {405}),
    ("DELETE /health/live", "DELETE", "/health/live", None, {}, {405}),
    ("an unknown route", "GET", "/admin", None, {}, {404}),
    ("a path traversal", "GET", "/../../etc/passwd", None, {}, {404}),
]


@pytest.mark.parametrize("case", HTTP_CORPUS, ids=[case[0] for case in HTTP_CORPUS])
def test_malformed_request_gets_a_4xx(servers, case):
    description, method, path, body, headers, allowed = case
    server = servers["lenet"]
    status, response_headers, response = server.request(method, path, body, headers)
    assert status in allowed, (description, status, response)
    assert isinstance(response, dict) and isinstance(response.get("error"), str) and response["error"]
    assert server.post_json("/predict", {"inputs": GOOD_SAMPLE})[0] == 200


# Bytes that are not well-formed HTTP/1.1, sent over a raw socket: a 4xx or a closed connection.
FRAMING_CORPUS = [
    ("not HTTP at all", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64),
    ("a request line without a version", b"GET /health/live\r\n\r\n"),
    ("a version that is not HTTP", b"GET /health/live HTTX/1.1\r\nHost: x\r\n\r\n"),
    ("a header without a colon", b"GET /health/live HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
    ("a negative Content-Length", b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: -5\r\n\r\n{}"),
    ("a non-numeric Content-Length", b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
    ("two different Content-Lengths", b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                      b"Content-Length: 3\r\n\r\n{}"),
    ("a malformed chunk size", b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
    ("a header block of 2 MB", b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2_000_000 + b"\r\n\r\n"),
    ("a body shorter than its Content-Length, then EOF",
     b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"in"),
    ("a NUL in the request line", b"GET /health/\0live HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("a bare LF request with a space before the colon", b"GET / HTTP/1.1\nHost : x\n\n"),
]


@pytest.mark.parametrize("case", FRAMING_CORPUS, ids=[case[0] for case in FRAMING_CORPUS])
def test_malformed_framing_gets_a_4xx_or_a_closed_connection(servers, case):
    description, data = case
    server = servers["lenet"]
    reply = server.raw(data)
    if reply:
        status_line = reply.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 4"), (description, reply[:200])
    assert server.request("GET", "/health/live")[0] == 200


def test_the_corpus_is_large_enough():
    assert len(HTTP_CORPUS) + len(FRAMING_CORPUS) >= 30


def test_the_server_answered_no_5xx_to_the_corpus(servers):
    text = servers["lenet"].request("GET", "/metrics")[2].decode()
    answers = re.findall(r'axonml_requests_total\{route="([^"]+)",status="(\d+)"\}', text)
    assert ("/predict", "400") in answers and ("unmatched", "404") in answers
    # the only 5xx: /health/ready's 503 while the model was loading
    assert [(route, status) for route, status in answers if status.startswith("5")
            and (route, status) != ("/health/ready", "503")] == []


def test_oversized_body_is_413_before_it_is_read(servers):
    """With Content-Length over the limit, the 413 comes back while the client has sent only the headers."""
    import socket
    server = servers["guarded"]
    head = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: "
            + b"test-key-0123456789\r\nContent-Length: 100000000\r\n\r\n")
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(head + b"[" * 1000)          # a sliver of the announced 100 MB
        reply = b""
        while b"}" not in reply and (chunk := s.recv(65536)):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"at most 4096" in reply


def test_oversized_chunked_body_is_413_while_streaming(servers):
    server = servers["guarded"]
    chunk = b"a" * 3000
    data = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: test-key-0123456789\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3 + b"0\r\n\r\n")
    reply = server.raw(data)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert server.request("GET", "/health/live")[0] == 200
