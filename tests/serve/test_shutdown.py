"""SIGTERM: the request in flight is answered, new connections are refused, the process exits 0."""
import json
import socket
import time

import numpy as np
import pytest


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight_and_exits_0(servers):
    server = servers["doomed"]
    try:
        body = json.dumps({"inputs": np.zeros((1, 28, 28)).tolist()}).encode()
        head = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body))
        with socket.create_connection((server.host, server.port), timeout=20) as s:
            s.sendall(head + body[:100])            # the request is in flight: its body is half sent
            time.sleep(0.3)
            server.process.send_signal(15)
            time.sleep(0.5)
            with pytest.raises(OSError):             # the listening socket is closed: new requests are refused
                server.request("GET", "/health/live", timeout_s=2)
            assert server.process.poll() is None     # still running: waiting for the request in flight
            s.sendall(body[100:])
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 200"), reply[:300]
        assert b'"outputs"' in reply
        assert server.process.wait(30) == 0, server.output()
    finally:
        server.stop()
