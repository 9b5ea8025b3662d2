"""`axonml train`: flags, config, errors, the digits demo, checkpoints and exact resume."""
import os
import re

import numpy as np
import pytest

FAST = ["--dataset", "digits", "--model", "lenet", "--no-progress", "--batch-size", "32"]


def _accuracies(stdout: str):
    return [float(m) for m in re.findall(r"test loss [\d.]+ acc ([\d.]+)%", stdout)]


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "must be a positive integer"),
    (["--model", "resnet999"], "invalid choice"),
    (["--lr", "-1"], "must be a positive number"),
    (["--no-such-flag"], "unrecognized arguments"),
])
def test_bad_flags_give_one_line_and_exit_2(run_cli, args, message):
    result = run_cli("train", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_missing_data_is_one_line_error(run_cli, tmp_path):
    result = run_cli("train", "--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"), "--no-progress")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "mnist" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_is_one_line_error(run_cli, tmp_path):
    (tmp_path / "axonml.toml").write_text("[train]\nmodel = 'nope'\n")
    result = run_cli("train", "--no-progress")
    assert result.returncode == 1 and "model must be one of" in result.stderr
    (tmp_path / "axonml.toml").write_text("[train\n")
    result = run_cli("train", "--no-progress")
    assert result.returncode == 1 and "not valid TOML" in result.stderr


def test_resume_without_checkpoint_fails_cleanly(run_cli, tmp_path):
    result = run_cli("train", "--resume", str(tmp_path / "missing"), "--no-progress")
    assert result.returncode == 1 and "no checkpoint" in result.stderr


@pytest.mark.slow
def test_digits_demo_reaches_95_percent_in_a_minute(run_cli, tmp_path):
    import time
    started = time.perf_counter()
    result = run_cli("train", "--model", "simplecnn", "--dataset", "digits", "--optimizer", "adam", "--lr", "0.001",
                     "--batch-size", "32", "--epochs", "6", "--no-progress", "--out", str(tmp_path / "run"))
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    accuracy = _accuracies(result.stdout)[-1]
    assert accuracy >= 95.0, result.stdout
    assert elapsed < 60, f"took {elapsed:.0f}s"
    assert os.path.isfile(tmp_path / "run" / "model.safetensors")


def test_config_file_is_read_and_flags_override_it(run_cli, tmp_path):
    (tmp_path / "axonml.toml").write_text("[train]\nmodel = 'mlp'\nepochs = 1\nbatch-size = 128\n")
    result = run_cli("train", "--no-progress", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "training mlp on digits" in result.stdout and "epoch 1/1" in result.stdout
    result = run_cli("train", "--no-progress", "--model", "lenet", "--out", str(tmp_path / "run2"))
    assert "training lenet on digits" in result.stdout


@pytest.mark.slow
def test_resume_continues_exactly(run_cli, tmp_path):
    from axonml.serialize import load_state_dict
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert run_cli("train", *FAST, "--epochs", "3", "--out", str(straight)).returncode == 0
    assert run_cli("train", *FAST, "--epochs", "2", "--out", str(split)).returncode == 0
    resumed = run_cli("train", "--resume", str(split), "--epochs", "3", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "epoch 3/3" in resumed.stdout and "epoch 1/3" not in resumed.stdout
    a = load_state_dict(str(straight / "model.safetensors"))
    b = load_state_dict(str(split / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)


@pytest.mark.slow
def test_lenet_on_real_mnist_reaches_98_5_percent_in_3_epochs(run_cli, shared_data, tmp_path):
    result = run_cli("train", "--model", "lenet", "--dataset", "mnist", "--data-dir", os.path.join(shared_data, "mnist"),
                     "--optimizer", "adam", "--lr", "0.002", "--scheduler", "cosine", "--batch-size", "64",
                     "--epochs", "3", "--no-progress", "--out", str(tmp_path / "mnist"), timeout=1500)
    assert result.returncode == 0, result.stderr
    accuracies = _accuracies(result.stdout)
    assert len(accuracies) == 3
    assert accuracies[-1] >= 98.5, result.stdout


def test_run_writes_config_and_a_flushed_metrics_log_and_no_bar_when_piped(run_cli, tmp_path):
    from axonml.utils.metrics import read_config, read_metrics
    out = tmp_path / "run"
    result = run_cli("train", "--model", "mlp", "--epochs", "1", "--batch-size", "128", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\r" not in result.stdout  # piped: no progress bar updates
    assert "epoch 1/1" in result.stdout
    config = read_config(out / "config.json")
    assert config["model"] == "mlp" and config["batch_size"] == 128 and config["lr"] == 0.05
    records = read_metrics(out / "metrics.jsonl")
    steps = [r for r in records if r["kind"] == "step"]
    assert [r["step"] for r in steps] == list(range(1, 13))  # 1438 samples / 128
    for field in ("epoch", "split", "loss", "accuracy", "lr", "samples_per_s", "wall_time", "time"):
        assert field in steps[0], field
    epoch = {r["split"]: r for r in records if r["kind"] == "epoch"}
    accuracy = float(re.search(r"test loss [\d.]+ acc ([\d.]+)%", result.stdout).group(1))
    assert epoch["test"]["accuracy"] * 100 == pytest.approx(accuracy, abs=0.01)
    assert epoch["train"]["samples_per_s"] > 0 and epoch["train"]["step"] == 12


def test_tensorboard_flag_writes_event_files_tensorboard_reads(run_cli, tmp_path):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    out = tmp_path / "run"
    result = run_cli("train", "--model", "mlp", "--epochs", "2", "--batch-size", "256", "--out", str(out),
                     "--tensorboard")
    assert result.returncode == 0, result.stderr
    events = event_accumulator.EventAccumulator(str(out / "tensorboard"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"loss/train", "loss/test", "accuracy/test", "loss/train_step", "lr"} <= tags
    test_accuracy = [event.value for event in events.Scalars("accuracy/test")]
    logged = [r["accuracy"] for r in read_metrics_of(out) if r["kind"] == "epoch" and r["split"] == "test"]
    assert test_accuracy == pytest.approx(logged, rel=1e-6)
    assert [event.step for event in events.Scalars("loss/train_step")] == list(range(1, 13))  # 2 x 6 steps


def read_metrics_of(out):
    from axonml.utils.metrics import read_metrics
    return read_metrics(out / "metrics.jsonl")


def test_progress_bar_only_on_a_terminal_and_no_colour_with_NO_COLOR(tmp_path):
    import fcntl
    import pty
    import struct
    import subprocess
    import termios
    import sys
    from .conftest import REPO

    def on_terminal(env_extra):
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # an 80x24 terminal
        env = dict(os.environ, PYTHONPATH=REPO, TERM="xterm-256color", **env_extra)
        if "NO_COLOR" not in env_extra:
            env.pop("NO_COLOR", None)
        process = subprocess.Popen([sys.executable, "-m", "axonml", "train", "--model", "mlp", "--epochs", "1",
                                    "--batch-size", "64", "--out", str(tmp_path / "tty")],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower,
                                   cwd=tmp_path, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
        os.close(leader)
        return b"".join(chunks).decode(errors="replace")

    coloured = on_terminal({})
    assert "\r" in coloured and "epoch 1/1" in coloured and "batch" in coloured
    assert "\x1b[32m" in coloured  # the bar is green on a colour terminal
    plain = on_terminal({"NO_COLOR": "1"})
    assert "\r" in plain and "\x1b[32m" not in plain
