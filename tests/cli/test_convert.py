"""`axonml convert`: between .pth, .safetensors and .axonml, with the weights intact."""
import numpy as np
import pytest
import torch

import axonml
from axonml.serialize import load_archive, save_archive
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


def test_pth_to_safetensors_to_axonml_to_pth_keeps_every_weight(run_cli, cli, tmp_path):
    reference = models.LeNet(num_classes=4)
    expected = {k: np.asarray(v.detach()) for k, v in reference.state_dict().items()}
    torch.save({k: torch.from_numpy(v.copy()) for k, v in expected.items()}, tmp_path / "a.pth")
    steps = [("a.pth", "b.safetensors", ()),
             ("b.safetensors", "c.axonml", ("--config", '{"builder": "LeNet", "kwargs": {"num_classes": 4}}')),
             ("c.axonml", "d.pth", ())]
    for source, target, extra in steps:
        call = run_cli if source == "a.pth" else cli       # the real command once, then in this process
        result = call("convert", str(tmp_path / source), str(tmp_path / target), *extra)
        assert result.returncode == 0, result.stderr
        assert f"{len(expected)} tensors" in result.stdout
    for name, array in torch.load(tmp_path / "d.pth", weights_only=True).items():
        np.testing.assert_array_equal(array.numpy(), expected[name], err_msg=name)
    rebuilt = load_archive(tmp_path / "c.axonml")
    x = axonml.randn(2, 1, 28, 28)
    reference.eval()
    np.testing.assert_array_equal(rebuilt(x).detach().numpy(), reference(x).detach().numpy())


def test_axonml_archive_keeps_its_architecture_and_metadata_through_conversion(cli, tmp_path):
    save_archive(models.MLP(6, (4,), 2), tmp_path / "m.axonml", metadata={"run": 7})
    assert cli("convert", str(tmp_path / "m.axonml"), str(tmp_path / "copy.axonml")).returncode == 0
    assert load_archive(tmp_path / "copy.axonml").archive_metadata == {"run": 7}


def test_a_checkpoint_dict_needs_key(cli, tmp_path):
    torch.save({"state_dict": {"w": torch.ones(2)}, "epoch": 3}, tmp_path / "ckpt.pth")
    result = cli("convert", str(tmp_path / "ckpt.pth"), str(tmp_path / "out.safetensors"))
    assert result.returncode == 1 and "--key" in result.stderr and "state_dict" in result.stderr
    result = cli("convert", str(tmp_path / "ckpt.pth"), str(tmp_path / "out.safetensors"), "--key", "state_dict")
    assert result.returncode == 0, result.stderr
    assert np.asarray(axonml.load(tmp_path / "out.safetensors")["w"]).tolist() == [1.0, 1.0]


def test_convert_errors_are_one_line(cli, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pth")
    cases = [(("convert", str(tmp_path / "w.pth"), str(tmp_path / "w.onnx")), "convert writes"),
             (("convert", str(tmp_path / "w.txt"), str(tmp_path / "w.pth")), "convert reads"),
             (("convert", str(tmp_path / "none.pth"), str(tmp_path / "x.safetensors")), "no such file"),
             (("convert", str(tmp_path / "w.pth"), str(tmp_path / "w.axonml")), "needs the architecture"),
             (("convert", str(tmp_path / "w.pth"), str(tmp_path / "w.axonml"), "--config",
               '{"builder": "LeNet", "kwargs": {}}'), "do not fit")]
    for args, message in cases:
        result = cli(*args)
        assert result.returncode == 1 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "w.axonml").exists()
