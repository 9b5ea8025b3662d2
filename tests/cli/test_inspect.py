"""`axonml inspect`: every format, text and --json, and clear errors."""
import json

import pytest
import torch

import axonml
from axonml.serialize import save_archive, save_state_dict
from axonml.vision import models


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    """The CLI called in this process (fast); run_cli drives the real `python -m axonml` once per file."""
    from axonml.cli import main

    def call(*args):
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return _Result(code, out, err)
    return call


def test_inspect_a_pytorch_checkpoint_in_both_formats(run_cli, cli, tmp_path):
    state = {"fc.weight": torch.randn(3, 4), "fc.bias": torch.zeros(3, dtype=torch.float16)}
    torch.save({"model": state, "epoch": 5}, tmp_path / "zip.pth")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    result = run_cli("inspect", str(tmp_path / "zip.pth"))
    assert result.returncode == 0, result.stderr
    assert "pytorch (zip), 2 tensors, 15 parameters" in result.stdout
    assert "model.fc.weight" in result.stdout and "[3, 4]" in result.stdout and "epoch: 5" in result.stdout
    info = json.loads(cli("inspect", "--json", str(tmp_path / "legacy.pt")).stdout)
    assert info["format"] == "pytorch (legacy)" and info["parameters"] == 15
    assert {"name": "fc.bias", "dtype": "float16", "shape": [3]} in info["tensors"]


def test_inspect_safetensors_and_axonml_files(cli, tmp_path):
    save_state_dict({"w": axonml.ones(2, 5), "i": axonml.tensor([1, 2], dtype=axonml.int32)},
                    tmp_path / "m.safetensors")
    info = json.loads(cli("inspect", "--json", str(tmp_path / "m.safetensors")).stdout)
    assert info["format"] == "safetensors" and info["parameters"] == 12
    assert {"name": "i", "dtype": "int32", "shape": [2]} in info["tensors"]
    axonml.save({"step": 4, "weights": {"w": axonml.zeros(3)}}, tmp_path / "c.safetensors")
    text = cli("inspect", str(tmp_path / "c.safetensors")).stdout
    assert "weights.w" in text and "step: 4" in text
    save_archive(models.LeNet(), tmp_path / "lenet.axonml", metadata={"accuracy": 0.98})
    info = json.loads(cli("inspect", "--json", str(tmp_path / "lenet.axonml")).stdout)
    assert info["format"] == "axonml archive (HDF5)"
    assert info["parameters"] == sum(p.numel() for p in models.LeNet().parameters())
    assert info["metadata"]["user"] == {"accuracy": 0.98} and info["metadata"]["config"]["builder"] == "LeNet"


def test_a_file_with_an_unknown_suffix_is_recognised_by_its_bytes(cli, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "weights.data")
    assert "pytorch (zip)" in cli("inspect", str(tmp_path / "weights.data")).stdout


def test_inspect_refuses_hostile_and_missing_files_cleanly(cli, tmp_path):
    import os
    marker = tmp_path / "marker"

    class Exploit:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    torch.save({"x": Exploit()}, tmp_path / "bad.pth")
    result = cli("inspect", str(tmp_path / "bad.pth"))
    assert result.returncode == 1 and "posix.system" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "marker").exists()
    result = cli("inspect", str(tmp_path / "missing.pth"))
    assert result.returncode == 1 and "no such file" in result.stderr
    (tmp_path / "notes.txt").write_text("hello")
    result = cli("inspect", str(tmp_path / "notes.txt"))
    assert result.returncode == 1 and "unknown file type" in result.stderr
