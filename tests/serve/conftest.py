"""Real servers for the serving tests: `python -m axonml serve` in subprocesses on free ports of 127.0.0.1.

The servers of a session start together (their imports overlap) and are shared by the tests;
a test that stops its server (the SIGTERM test) starts its own.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import axonml

API_KEY = "test-key-0123456789"
MLP_CONFIG = {"builder": "MLP", "kwargs": {"in_features": 6, "hidden_sizes": [8], "num_classes": 3}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Client:
    """An HTTP client for a server on 127.0.0.1:port."""

    host = "127.0.0.1"
    port: int

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                timeout_s: float = 30.0):
        """(status, headers as a dict with lower-case names, body parsed as JSON when it is JSON)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout_s)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            response_headers = {name.lower(): value for name, value in response.getheaders()}
        finally:
            connection.close()
        if response_headers.get("content-type", "").startswith("application/json"):
            data = json.loads(data)
        return response.status, response_headers, data

    def post_json(self, path: str, document, headers: dict | None = None):
        return self.request("POST", path, json.dumps(document), {"Content-Type": "application/json",
                                                                **(headers or {})})

    def raw(self, data: bytes, timeout_s: float = 10.0) -> bytes:
        """Send bytes over a fresh socket and return all the server sends back until it closes or goes quiet."""
        with socket.create_connection((self.host, self.port), timeout=timeout_s) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            chunks = []
            try:
                while chunk := s.recv(65536):
                    chunks.append(chunk)
            except (socket.timeout, ConnectionResetError):
                pass
        return b"".join(chunks)

    def wait_ready(self, timeout_s: float = 120.0, status: int = 200) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_running()
            try:
                if self.request("GET", "/health/ready")[0] == status:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server was not ready in {timeout_s} s: {self.request('GET', '/health/ready')[2]}")

    def _check_running(self) -> None:
        pass


class ThreadServer(_Client):
    """The same app under uvicorn in a thread of the test process: real HTTP without another process's start-up."""

    def __init__(self, model_path: str, **settings):
        import threading
        import uvicorn
        from axonml.serve.app import ServeSettings, create_app
        self.port = free_port()
        config = uvicorn.Config(create_app(ServeSettings(model_path, **settings)), host=self.host, port=self.port,
                                log_level="critical")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


class Server(_Client):
    """One `axonml serve` subprocess and an HTTP client for it."""

    def __init__(self, model_path: str, *flags: str, env: dict | None = None):
        self.port = free_port()
        self.log_path = f"{model_path}.{self.port}.log"
        self.log = open(self.log_path, "wb")
        command = [sys.executable, "-m", "axonml", "serve", model_path, "--port", str(self.port),
                   "--log-level", "warning", *flags]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})})

    def _check_running(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"the server exited with {self.process.returncode}: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-3000:]

    def stop(self, timeout_s: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout_s)

    def wait(self, timeout_s: float = 30.0) -> int:
        if self.process.returncode is None:
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


def _onnx_affine(path: str, weight: np.ndarray, bias: np.ndarray) -> None:
    """An ONNX model x @ W + b whose feature size is left dynamic, so a wrong size reaches the model."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])], "affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "features"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", weight.shape[1]])],
        [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


@pytest.fixture(scope="session")
def model_files(tmp_path_factory):
    """Saved models, one per format, and the modules they hold (to compare the server with)."""
    from axonml.vision.models import MLP, LeNet
    directory = tmp_path_factory.mktemp("serve-models")
    axonml.manual_seed(0)
    lenet = LeNet().eval()
    axonml.serialize.save_archive(lenet, str(directory / "lenet.axonml"))
    mlp = MLP(**MLP_CONFIG["kwargs"]).eval()
    axonml.save(mlp.state_dict(), str(directory / "mlp.safetensors"))
    rng = np.random.default_rng(0)
    weight, bias = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    _onnx_affine(str(directory / "affine.onnx"), weight, bias)
    (directory / "broken.axonml").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    write_tiny_llama(directory / "tiny.gguf")
    return {"dir": directory, "lenet": lenet, "mlp": mlp, "affine": (weight, bias)}


@pytest.fixture(scope="session")
def servers(model_files):
    """The shared servers, started together: lenet (archive) and guarded (API key, small body limit, a
    one-request queue) and workers (two worker processes) as `axonml serve` processes; mlp (checkpoint + config), onnx, llm (GGUF) and broken (a
    model that fails to load) as the same app in threads of this process; doomed, for the test that stops it."""
    directory = model_files["dir"]
    started = {
        "lenet": Server(str(directory / "lenet.axonml"), "--max-batch-size", "8"),
        "mlp": ThreadServer(str(directory / "mlp.safetensors"), config=MLP_CONFIG),
        "onnx": ThreadServer(str(directory / "affine.onnx")),
        "guarded": Server(str(directory / "lenet.axonml"), "--max-body-bytes", "4096", "--max-queue", "1",
                          "--max-batch-size", "1", "--batch-timeout-ms", "0", env={"AXONML_API_KEY": API_KEY}),
        "broken": ThreadServer(str(directory / "broken.axonml")),
        "llm": ThreadServer(str(directory / "tiny.gguf")),
        "doomed": Server(str(directory / "lenet.axonml")),   # for the SIGTERM test, which stops it
        "workers": Server(str(directory / "lenet.axonml"), "--workers", "2"),
    }
    try:
        for name, server in started.items():
            server.wait_ready(status=503 if name == "broken" else 200)
            if name == "broken":      # 503 may mean still loading: wait for the load to fail
                deadline = time.monotonic() + 60
                while "failed to load" not in json.dumps(server.request("GET", "/health/ready")[2]):
                    assert time.monotonic() < deadline, "the broken model's load did not fail"
                    time.sleep(0.1)
        yield started
    finally:
        for server in started.values():         # SIGTERM to all first: they shut down together
            if isinstance(server, Server) and server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in started.values():
            server.stop()


def write_tiny_llama(path) -> None:
    """A random one-layer Llama with a byte-level vocabulary, as a GGUF file."""
    from axonml.quant import QuantizedTensor
    from axonml.quant.gguf import save_gguf
    from axonml.text.pre_tokenizers import bytes_to_unicode
    rng = np.random.default_rng(0)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokens = specials + list(bytes_to_unicode().values()) + ["Ġt", "he", "Ġthe"]
    hidden, heads, ffn = 32, 2, 64

    def matrix(rows, columns, scale=0.3):
        return QuantizedTensor.from_float((rng.standard_normal((rows, columns)) * scale).astype(np.float32), "Q8_0")

    tensors = {"token_embd.weight": matrix(len(tokens), hidden, 1.0), "output_norm.weight": np.ones(hidden, np.float32),
               "blk.0.attn_norm.weight": np.ones(hidden, np.float32), "blk.0.ffn_norm.weight": np.ones(hidden, np.float32),
               "blk.0.attn_q.weight": matrix(hidden, hidden), "blk.0.attn_k.weight": matrix(hidden, hidden),
               "blk.0.attn_v.weight": matrix(hidden, hidden), "blk.0.attn_output.weight": matrix(hidden, hidden),
               "blk.0.ffn_gate.weight": matrix(ffn, hidden), "blk.0.ffn_up.weight": matrix(ffn, hidden),
               "blk.0.ffn_down.weight": matrix(hidden, ffn)}
    metadata = {
        "general.architecture": "llama", "llama.block_count": 1, "llama.context_length": 64,
        "llama.embedding_length": hidden, "llama.feed_forward_length": ffn, "llama.attention.head_count": heads,
        "llama.attention.head_count_kv": heads, "llama.rope.freq_base": 10000.0,
        "llama.attention.layer_norm_rms_epsilon": 1e-5, "llama.rope.dimension_count": hidden // heads,
        "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "smollm", "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.merges": ["Ġ t", "h e", "Ġt he"], "tokenizer.ggml.token_type": np.array([3] * 3 + [1] * (len(tokens) - 3), np.int32),
        "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
    }
    save_gguf(str(path), tensors, metadata)
