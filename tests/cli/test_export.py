"""`axonml export`, and `inspect` / `convert` on .onnx files, through the real CLI."""
import json

import numpy as np
import onnxruntime
import pytest
import safetensors.numpy

import axonml
import axonml.onnx
import axonml.serialize.archive


def test_export_an_architecture_runs_in_onnxruntime_with_any_batch(run_cli, tmp_path):
    result = run_cli("export", "lenet", "--format", "onnx", "lenet.onnx", "--dataset", "mnist", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "wrote lenet.onnx" in result.stdout
    session = onnxruntime.InferenceSession(str(tmp_path / "lenet.onnx"), providers=["CPUExecutionProvider"])
    from axonml.cli.train import build_model
    axonml.manual_seed(3)
    model = build_model("lenet", (1, 28, 28)).eval()
    images = np.random.default_rng(0).standard_normal((5, 1, 28, 28)).astype(np.float32)
    (logits,) = session.run(None, {"input": images})
    with axonml.no_grad():
        np.testing.assert_allclose(logits, model(axonml.tensor(images)).numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_export_a_trained_checkpoint_then_inspect_and_convert_it(run_cli, tmp_path):
    trained = run_cli("train", "--model", "mlp", "--dataset", "digits", "--epochs", "1", "--no-progress",
                      "--out", "run")
    assert trained.returncode == 0, trained.stderr
    result = run_cli("export", "run", "model.onnx")
    assert result.returncode == 0, result.stderr
    model = axonml.onnx.load(tmp_path / "model.onnx")
    # read with the safetensors package itself: the file's header length can look like a pickle protocol to
    # axonml.load's format sniffing
    weights = {name: axonml.tensor(value) for name, value in
               safetensors.numpy.load_file(str(tmp_path / "run" / "model.safetensors")).items()}
    from axonml.cli.train import build_model
    reference = build_model("mlp", (1, 8, 8)).eval()
    reference.load_state_dict(weights)
    digits = np.random.default_rng(1).random((4, 1, 8, 8)).astype(np.float32)
    with axonml.no_grad():
        np.testing.assert_allclose(model(digits).numpy(), reference(axonml.tensor(digits)).numpy(), rtol=1e-5,
                                   atol=1e-6)

    inspected = run_cli("inspect", "model.onnx", "--json")
    assert inspected.returncode == 0, inspected.stderr
    info = json.loads(inspected.stdout)
    assert info["format"] == "ONNX"
    assert {row["name"] for row in info["tensors"]} == set(weights)
    assert info["parameters"] == sum(value.numel() for value in weights.values())
    assert info["metadata"]["inputs"] == ["input: float ['batch', 1, 8, 8]"]
    assert "Gemm" in info["metadata"]["ops"]

    converted = run_cli("convert", "model.onnx", "model.axonml")
    assert converted.returncode == 0, converted.stderr
    archive = axonml.serialize.archive.read_archive(str(tmp_path / "model.axonml"))
    assert archive["config"]["builder"] == "MLP"
    for name, value in weights.items():
        np.testing.assert_array_equal(archive["weights"][name], value.numpy())
    assert run_cli("convert", "model.onnx", "weights.safetensors").returncode == 0
    assert set(safetensors.numpy.load_file(str(tmp_path / "weights.safetensors"))) == set(weights)


@pytest.mark.parametrize("args, message", [
    (["export", "resnet999", "x.onnx"], "neither a checkpoint directory nor one of"),
    (["export", "lenet", "x.onnx", "--opset", "5"], "opset_version must be between 13 and 21"),
    (["export", "lenet", "x.onnx", "--format", "tflite"], "invalid choice"),
    (["inspect", "broken.onnx"], "not an ONNX model"),
])
def test_bad_requests_are_one_line_errors(run_cli, tmp_path, args, message):
    (tmp_path / "broken.onnx").write_bytes(b"\x08\x07\x12\x03abc\xff\xff\xff")
    result = run_cli(*args)
    assert result.returncode in (1, 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
