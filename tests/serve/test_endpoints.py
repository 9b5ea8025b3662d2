"""Every endpoint and input format of `axonml serve`, over real HTTP, against the model called directly."""
import io
import json
import re

import numpy as np
import pytest

import axonml


def direct(module, batch: np.ndarray) -> np.ndarray:
    with axonml.no_grad():
        return module(axonml.from_numpy(batch.astype(np.float32))).numpy()


@pytest.fixture(scope="module")
def lenet_inputs():
    return np.random.default_rng(5).standard_normal((5, 1, 28, 28)).astype(np.float32)


def test_health_live_and_ready(servers):
    server = servers["lenet"]
    assert server.request("GET", "/health/live")[:3:2] == (200, {"status": "live"})
    assert server.request("GET", "/health/ready")[:3:2] == (200, {"status": "ready"})


def test_ready_is_503_while_the_model_cannot_load(servers):
    server = servers["broken"]
    assert server.request("GET", "/health/live")[0] == 200
    status, headers, body = server.request("GET", "/health/ready")
    assert status == 503 and headers["retry-after"] == "1" and "failed to load" in body["error"]
    assert server.post_json("/predict", {"inputs": [1.0]})[0] == 503


def test_predict_json_matches_the_model(servers, model_files, lenet_inputs):
    status, _, body = servers["lenet"].post_json("/predict", {"inputs": lenet_inputs[0].tolist()})
    assert status == 200
    np.testing.assert_allclose(body["outputs"], direct(model_files["lenet"], lenet_inputs[:1])[0], rtol=1e-5,
                               atol=1e-6)


def test_batch_json_matches_the_model(servers, model_files, lenet_inputs):
    status, _, body = servers["lenet"].post_json("/batch", {"inputs": lenet_inputs.tolist()})
    assert status == 200 and len(body["outputs"]) == 5
    np.testing.assert_allclose(body["outputs"], direct(model_files["lenet"], lenet_inputs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_predict_raw_tensor(servers, model_files, lenet_inputs, dtype):
    sample = lenet_inputs[1].astype(dtype).astype(np.dtype(dtype).newbyteorder("<"))
    status, _, body = servers["lenet"].request("POST", "/predict", sample.tobytes(), {
        "Content-Type": "application/octet-stream", "X-Tensor-Shape": "1,28,28", "X-Tensor-Dtype": dtype})
    assert status == 200, body
    np.testing.assert_allclose(body["outputs"], direct(model_files["lenet"], lenet_inputs[1:2])[0], rtol=1e-5,
                               atol=1e-6)


def test_batch_raw_tensor(servers, model_files, lenet_inputs):
    status, _, body = servers["lenet"].request("POST", "/batch", lenet_inputs[:3].tobytes(), {
        "Content-Type": "application/octet-stream", "X-Tensor-Shape": "3,1,28,28", "X-Tensor-Dtype": "float32"})
    assert status == 200, body
    np.testing.assert_allclose(body["outputs"], direct(model_files["lenet"], lenet_inputs[:3]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [28, 40])
def test_predict_image_file(servers, model_files, size):
    from PIL import Image
    pixels = np.random.default_rng(size).integers(0, 256, (size, size), dtype=np.uint8)
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, format="PNG")
    status, _, body = servers["lenet"].request("POST", "/predict", encoded.getvalue(), {"Content-Type": "image/png"})
    assert status == 200, body
    image = Image.fromarray(pixels).resize((28, 28), Image.BILINEAR) if size != 28 else Image.fromarray(pixels)
    expected = direct(model_files["lenet"], (np.asarray(image, np.float32) / 255.0)[None, None])[0]
    np.testing.assert_allclose(body["outputs"], expected, rtol=1e-4, atol=1e-5)


def test_info(servers):
    status, _, body = servers["lenet"].request("GET", "/info")
    assert status == 200
    assert body["name"] == "LeNet" and body["format"] == "axonml archive" and body["device"] == "cpu"
    assert body["inputs"] == [{"name": "input", "shape": [1, 28, 28], "dtype": "float32"}]
    assert body["outputs"] == [{"name": "output", "shape": [10], "dtype": "float32"}]
    assert body["axonml_version"] == axonml.__version__ and body["max_batch_size"] == 8
    assert "image/png" in body["accepts"]


def test_checkpoint_with_config(servers, model_files):
    server = servers["mlp"]
    info = server.request("GET", "/info")[2]
    assert info["format"] == "checkpoint" and info["inputs"][0]["shape"] == [6] and info["outputs"][0]["shape"] == [3]
    samples = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    status, _, body = server.post_json("/batch", {"inputs": samples.tolist()})
    assert status == 200
    np.testing.assert_allclose(body["outputs"], direct(model_files["mlp"], samples), rtol=1e-5, atol=1e-6)


def test_onnx_model(servers, model_files):
    server = servers["onnx"]
    weight, bias = model_files["affine"]
    info = server.request("GET", "/info")[2]
    assert info["format"] == "onnx" and info["inputs"] == [{"name": "x", "shape": [None], "dtype": "float32"}]
    assert info["outputs"] == [{"name": "y", "shape": [3], "dtype": "float32"}]
    status, _, body = server.post_json("/predict", {"inputs": [1.0, 2.0, 3.0, 4.0]})
    assert status == 200
    np.testing.assert_allclose(body["outputs"], np.array([1, 2, 3, 4], np.float32) @ weight + bias, rtol=1e-5)


def test_a_model_error_is_a_500_and_the_server_keeps_answering(servers):
    server = servers["onnx"]
    status, _, body = server.post_json("/predict", {"inputs": [1.0, 2.0, 3.0, 4.0, 5.0]})   # 5 features, W is 4x3
    assert status == 500 and body["error"].startswith("the model failed")
    assert server.post_json("/predict", {"inputs": [0.0] * 4})[0] == 200


def test_metrics(servers, lenet_inputs):
    server = servers["lenet"]
    server.post_json("/batch", {"inputs": lenet_inputs[:4].tolist()})
    server.request("GET", "/no-such-route")
    status, headers, text = server.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = text.decode()
    assert re.search(r'axonml_requests_total\{route="/batch",status="200"\} [1-9]', text)
    assert re.search(r'axonml_requests_total\{route="unmatched",status="404"\} [1-9]', text)
    assert re.search(r'axonml_request_latency_seconds_count\{route="/batch"\} [1-9]', text)
    assert re.search(r'axonml_batch_size_bucket\{le="4.0"\} [1-9]', text)
    assert re.search(r"^axonml_queue_depth 0\.0$", text, re.M)


def test_concurrent_requests_are_batched(servers):
    from axonml.serve.loadgen import run_load
    server = servers["lenet"]
    body = json.dumps({"inputs": np.zeros((1, 28, 28)).tolist()}).encode()
    result = run_load(server.host, server.port, "/predict", body, {"Content-Type": "application/json"}, total=200,
                      concurrency=20)
    assert result.statuses == {200: 200} and result.connection_errors == 0
    text = server.request("GET", "/metrics")[2].decode()
    at_most_one = float(re.search(r'axonml_batch_size_bucket\{le="1.0"\} (\S+)', text).group(1))
    batches = float(re.search(r"axonml_batch_size_count (\S+)", text).group(1))
    assert batches - at_most_one > 0, "no batch of more than one request formed under 20 concurrent clients"


def test_full_queue_answers_503_with_retry_after_and_recovers(servers):
    from axonml.serve.loadgen import run_load
    from .conftest import API_KEY
    server = servers["guarded"]
    body = json.dumps({"inputs": np.zeros((1, 28, 28)).tolist()}).encode()
    headers = {"Content-Type": "application/json", "X-API-Key": API_KEY}
    result = run_load(server.host, server.port, "/predict", body, headers, total=300, concurrency=40)
    assert result.count(200, 300) > 0 and result.statuses[503] > 0, result.statuses
    assert result.count(500, 600) == result.statuses[503] and result.connection_errors == 0
    assert server.post_json("/predict", {"inputs": np.zeros((1, 28, 28)).tolist()}, {"X-API-Key": API_KEY})[0] == 200
    status, headers, _ = server.request("GET", "/health/ready")
    assert status == 200
