"""SIGTERM: the request in flight is answered, new connections are refused, the process exits 0."""
import json
import os
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


def _children(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return children


@pytest.mark.slow
def test_workers_answer_and_stop_together_on_sigterm(servers):
    server = servers["workers"]
    sample = {"inputs": np.zeros((1, 28, 28)).tolist()}
    outputs = [server.post_json("/predict", sample) for _ in range(20)]
    assert {status for status, _, _ in outputs} == {200}
    assert len({json.dumps(body["outputs"]) for _, _, body in outputs}) == 1
    workers = [child for child in _children(server.process.pid) if b"spawn_main" in _cmdline(child)]
    assert len(workers) == 2
    assert server.stop() == 0
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}") and _state(pid) != "Z"]


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
