"""`axonml quant` (axonml/cli/quant.py) and `axonml inspect` on GGUF files, through the real CLI."""
import numpy as np
import pytest

import axonml
from axonml import nn
from axonml.quant import dequantize, quantize
from axonml.quant.gguf import load_gguf


@pytest.fixture
def checkpoint(tmp_path):
    axonml.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10), nn.Linear(10, 3))
    path = tmp_path / "model.safetensors"
    axonml.save(model.state_dict(), str(path))
    return path, {k: v.detach().numpy() for k, v in model.state_dict().items()}


def test_quant_writes_a_gguf_file_and_reports_each_layer(run_cli, checkpoint, tmp_path):
    path, weights = checkpoint
    out = tmp_path / "model.q4.gguf"
    result = run_cli("quant", str(path), "--type", "Q4_0", "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["tensor", "shape", "float32"]
    assert any(line.startswith("0.weight") for line in lines) and any(line.startswith("2.weight") for line in lines)
    assert "2 of 6 tensors quantized to Q4_0" in lines[-1]  # 3.weight has rows of 10: kept as F32
    written = load_gguf(out)
    assert written.tensors["0.weight"].qtype.name == "Q4_0" and written.tensors["3.weight"].qtype.name == "F32"
    np.testing.assert_array_equal(written.tensors["0.weight"].dequantize(),
                                  dequantize(quantize(weights["0.weight"], "Q4_0"), "Q4_0"))
    np.testing.assert_array_equal(written.tensors["0.bias"].dequantize(), weights["0.bias"])
    assert written.metadata["general.file_type"] == 2
    gguf = pytest.importorskip("gguf")
    reader = gguf.GGUFReader(str(out))
    assert {t.name for t in reader.tensors} == set(weights)


def test_quant_of_a_checkpoint_directory_and_a_gguf_file(run_cli, checkpoint, tmp_path):
    path, _ = checkpoint
    folder = tmp_path / "run"
    folder.mkdir()
    path.rename(folder / "model.safetensors")
    first = run_cli("quant", str(folder), "--type", "q8_0", "-o", str(tmp_path / "a.gguf"), "--skip", "2.*")
    assert first.returncode == 0, first.stderr
    assert load_gguf(tmp_path / "a.gguf").tensors["2.weight"].qtype.name == "F32"
    second = run_cli("quant", str(tmp_path / "a.gguf"), "--type", "Q5_1", "-o", str(tmp_path / "b.gguf"), "--quiet")
    assert second.returncode == 0, second.stderr
    assert len(second.stdout.splitlines()) == 1
    assert load_gguf(tmp_path / "b.gguf").tensors["0.weight"].qtype.name == "Q5_1"


def test_inspect_reads_gguf(run_cli, checkpoint, tmp_path):
    path, _ = checkpoint
    out = tmp_path / "m.gguf"
    assert run_cli("quant", str(path), "-o", str(out)).returncode == 0
    result = run_cli("inspect", str(out))
    assert result.returncode == 0, result.stderr
    assert "GGUF v3" in result.stdout and "Q8_0" in result.stdout and "general.architecture: axonml" in result.stdout


def test_quant_errors_are_one_line(run_cli, tmp_path):
    missing = run_cli("quant", str(tmp_path / "nothing"), "-o", str(tmp_path / "x.gguf"))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "no such file" in missing.stderr
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + bytes(30))
    corrupt = run_cli("quant", str(bad), "-o", str(tmp_path / "x.gguf"))
    assert corrupt.returncode == 1 and "not a valid GGUF file" in corrupt.stderr
    wrong_type = run_cli("quant", str(bad), "--type", "Q3_K", "-o", str(tmp_path / "x.gguf"))
    assert wrong_type.returncode == 2 and "invalid choice" in wrong_type.stderr
    assert not (tmp_path / "x.gguf").exists()
