"""`axonml load model|data|status|clear`: summaries printed and kept in .axonml/workspace.json."""
import json

import axonml
from axonml.cli import train
from axonml.serialize import save_state_dict
from axonml.utils.metrics import write_config


def test_load_model_and_data_then_status_and_clear(run_cli, cli_main, tmp_path):
    run = tmp_path / "run"
    axonml.manual_seed(1)
    model = train.build_model("simplecnn", train.INPUT_SHAPES["digits"])
    run.mkdir()
    save_state_dict(model.state_dict(), run / "model.safetensors")
    write_config(run / "config.json", {**train.DEFAULTS, "model": "simplecnn"})
    loaded = run_cli("load", "model", str(run))
    assert loaded.returncode == 0, loaded.stderr
    parameters = sum(p.numel() for p in model.parameters())
    assert f"loaded SimpleCNN from {run}: {parameters:,} parameters" in loaded.stdout
    status, out, err = cli_main("load", "data", "digits", "--json")
    assert status == 0, err
    assert json.loads(out)["splits"] == {"test": 359, "train": 1438}
    workspace = json.loads((tmp_path / ".axonml" / "workspace.json").read_text())
    assert workspace["model"]["parameters"] == parameters and workspace["model"]["source"] == str(run)
    assert workspace["model"]["input_shape"] == [1, 8, 8] and workspace["data"]["source"] == "digits"
    status = run_cli("load", "status")
    assert "model: SimpleCNN from" in status.stdout and "data: digits (359 test, 1438 train samples" in status.stdout
    assert cli_main("load", "clear")[0] == 0 and not (tmp_path / ".axonml" / "workspace.json").exists()
    assert json.loads(cli_main("load", "status", "--json")[1]) == {}


def test_load_errors(run_cli, cli_main, tmp_path):
    (tmp_path / "broken.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
    for args, code, message in [
        (["model", "broken.safetensors"], 1, "cannot read checkpoint"),
        (["model", "nonesuch"], 1, "no such model or checkpoint"),
        (["data", "nowhere"], 1, "no such dataset or directory"),
        (["model"], 2, "MODEL"),
    ]:
        status, _, err = cli_main("load", *args)
        assert status == code and message in err, (args, err)
    (tmp_path / ".axonml").mkdir()
    (tmp_path / ".axonml" / "workspace.json").write_text("[1, 2")
    result = run_cli("load", "status")
    assert result.returncode == 1 and "load clear' resets it" in result.stderr
    assert cli_main("load", "clear")[0] == 0
