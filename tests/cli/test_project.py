"""`axonml new|init|scaffold`: the files written compile and run, and nothing is overwritten by accident."""
import os
import py_compile
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from axonml.utils.metrics import read_metrics

from .conftest import REPO


def _python(*args, cwd):
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.mark.slow
def test_new_project_trains_and_its_run_can_be_evaluated(run_cli, cli_main, tmp_path):
    result = run_cli("new", "demo")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "demo"
    assert sorted(os.listdir(project)) == ["README.md", "axonml.toml", "train.py"]
    settings = tomllib.loads((project / "axonml.toml").read_text())
    assert settings["project"]["name"] == "demo" and settings["train"]["model"] == "lenet"
    py_compile.compile(str(project / "train.py"), doraise=True)
    trained = _python("train.py", "--epochs", "1", cwd=project)
    assert trained.returncode == 0, trained.stderr
    assert "epoch 1/1" in trained.stdout
    run = project / "runs" / "demo"
    assert [r["split"] for r in read_metrics(run / "metrics.jsonl") if r["kind"] == "epoch"] == ["test"]
    evaluated = run_cli("eval", str(run), "--json", cwd=project)
    assert evaluated.returncode == 0, evaluated.stderr
    status, _, err = cli_main("new", "demo")
    assert status == 1 and "is not an empty directory" in err


def test_init_writes_into_the_current_directory_and_refuses_to_overwrite(run_cli, cli_main, tmp_path):
    (tmp_path / "README.md").write_text("mine")
    refused = run_cli("init")
    assert refused.returncode == 1 and "README.md exist" in refused.stderr
    assert (tmp_path / "README.md").read_text() == "mine" and not (tmp_path / "train.py").exists()
    forced = run_cli("init", "--name", "lab", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "# lab" in (tmp_path / "README.md").read_text()
    assert tomllib.loads((tmp_path / "axonml.toml").read_text())["train"]["out"] == "runs/lab"
    py_compile.compile(str(tmp_path / "train.py"), doraise=True)
    assert cli_main("new", "bad name!")[0] == 1


def test_scaffolds_compile_and_run(run_cli, cli_main, tmp_path):
    result = run_cli("scaffold", "model", "my_model")
    assert result.returncode == 0 and "wrote my_model.py" in result.stdout, result.stderr
    for kind in ("dataset", "experiment"):  # the same code path, in this process
        assert cli_main("scaffold", kind, f"my_{kind}")[0] == 0
    for kind in ("model", "dataset", "experiment"):
        py_compile.compile(str(tmp_path / f"my_{kind}.py"), doraise=True)
    model = _python("my_model.py", cwd=tmp_path)
    assert model.returncode == 0 and "MyModel: input (4, 1, 28, 28) -> output (4, 10)" in model.stdout, model.stderr
    np.savez(tmp_path / "data.npz", images=np.zeros((5, 1, 8, 8), np.float32), labels=np.arange(5))
    dataset = _python("my_dataset.py", "data.npz", cwd=tmp_path)
    assert dataset.returncode == 0 and "MyDataset: 5 samples; a batch: images (5, 1, 8, 8)" in dataset.stdout, \
        dataset.stderr
    experiment = _python("my_experiment.py", "--epochs", "1", "--out", "runs/x", cwd=tmp_path)
    assert experiment.returncode == 0, experiment.stderr
    accuracy = float(experiment.stdout.split("accuracy ")[1].split("%")[0])
    assert accuracy > 50  # one epoch of an MLP on the digits: far above chance
    assert (tmp_path / "runs" / "x" / "model.safetensors").is_file()
    assert any(r["kind"] == "step" for r in read_metrics(tmp_path / "runs" / "x" / "metrics.jsonl"))
    status, _, err = cli_main("scaffold", "model", "my_model")
    assert status == 1 and "exists (pass --force" in err
    assert cli_main("scaffold", "model", "class")[0] == 1  # a keyword
    assert cli_main("scaffold", "widget", "x")[0] == 2
