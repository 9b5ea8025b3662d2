"""`axonml eval CHECKPOINT`: metrics that match the model's own outputs, text and JSON, and the errors."""
import json

import numpy as np
import pytest

import axonml
from axonml.cli import train
from axonml.cli.eval import classification_metrics
from axonml.serialize import save_state_dict
from axonml.utils.metrics import write_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run directory as train leaves it (config.json, model.safetensors) for an untrained MLP."""
    directory = tmp_path_factory.mktemp("run")
    axonml.manual_seed(3)
    model = train.build_model("mlp", train.INPUT_SHAPES["digits"])
    save_state_dict(model.state_dict(), directory / "model.safetensors")
    write_config(directory / "config.json", {**train.DEFAULTS, "model": "mlp", "lr": 0.05})
    return directory, model


def _expected(model):
    _, test, _ = train.build_datasets({"dataset": "digits", "data_dir": "data", "download": False})
    images = axonml.stack([test[i][0] for i in range(len(test))])
    labels = np.array([test[i][1] for i in range(len(test))])
    with axonml.no_grad():
        logits = model.eval()(images)
    loss = axonml.nn.functional.cross_entropy(logits, axonml.tensor(labels)).item()
    return labels, logits.argmax(dim=1).numpy(), loss


def test_metrics_by_hand():
    result = classification_metrics([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 3)
    assert result["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert result["precision"] == pytest.approx([0.5, 2 / 3, 0.0])
    assert result["recall"] == pytest.approx([0.5, 1.0, 0.0])
    assert result["f1"] == pytest.approx([0.5, 0.8, 0.0])
    assert result["support"] == [2, 2, 1]


def test_eval_json_matches_the_model_and_text_prints_the_tables(run_cli, cli_main, run_dir):
    directory, model = run_dir
    labels, predictions, loss = _expected(model)
    result = run_cli("eval", str(directory), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["samples"] == 359 and report["dataset"] == "digits" and report["split"] == "test"
    assert report["accuracy"] == pytest.approx(float((labels == predictions).mean()))
    assert report["loss"] == pytest.approx(loss, rel=1e-5)
    expected = classification_metrics(labels, predictions, 10)
    assert report["confusion_matrix"] == expected["confusion_matrix"]
    assert report["f1"] == pytest.approx(expected["f1"])
    status, text, err = cli_main("eval", directory / "model.safetensors", "--split", "train")
    assert status == 0, err
    assert "(train, 1438 samples)" in text and "precision  recall" in text
    assert "confusion matrix (rows: true, columns: predicted)" in text
    assert len([line for line in text.splitlines() if line.startswith("   ") and line.strip()[0].isdigit()]) >= 10


def test_eval_errors(run_cli, cli_main, run_dir, tmp_path):
    directory, model = run_dir
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes((directory / "model.safetensors").read_bytes()[:100])
    result = run_cli("eval", str(corrupt))
    assert result.returncode == 1 and "cannot read checkpoint" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    bare = tmp_path / "bare" / "weights.safetensors"
    bare.parent.mkdir()
    save_state_dict(model.state_dict(), bare)
    for args, code, message in [
        ([tmp_path / "nope"], 1, "no such checkpoint"),
        ([bare], 1, "pass --model"),
        ([bare, "--model", "lenet", "--dataset", "digits"], 1, "do not fit a lenet"),
        ([directory, "--split", "val"], 2, "invalid choice"),
    ]:
        status, _, err = cli_main("eval", *args)
        assert status == code and message in err and err.count("\n") == 1, (args, err)
