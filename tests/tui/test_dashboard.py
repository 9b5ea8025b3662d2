"""The dashboard in a real terminal (tmux): every view, keys, a resize, monochrome, and a live run."""
import os
import re
import subprocess
import sys
import time

import pytest

from axonml.utils.metrics import read_metrics

from .conftest import REPO

pytestmark = pytest.mark.slow

TABS = "1 Model   2 Data   3 Training   4 Graphs   5 Files   6 Help"
_COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;\d+)[;m]")  # a foreground colour in any SGR sequence


def test_every_view_keys_and_resize(terminal, run_dir, tmp_path):
    terminal.start(str(run_dir), "--model", "lenet", "--data", "digits")
    screen = terminal.wait_for("alpha  33 records")
    assert TABS in screen.splitlines()[0]
    assert "epoch 3/4" in screen and "step 30" in screen and "samples/s 1500" in screen
    assert "train loss" in screen and "test loss" in screen and "learning rate" in screen
    assert re.search("[\u2801-\u28ff]", screen)  # braille curves
    assert "q quit" in screen.splitlines()[-1]
    escapes = terminal.screen(escapes=True)
    assert _COLOUR.search(escapes) and "38;5;" not in escapes and "38;2;" not in escapes  # 16 colours only

    terminal.keys("l")  # next metric in the training view
    terminal.wait_until(lambda s: s.splitlines()[4].startswith("accuracy"), "the accuracy plot")

    terminal.keys("1")
    screen = terminal.wait_for("61,706 parameters")
    assert "Conv2d" in screen and "1x6x28x28" in screen and "48,120" in screen
    terminal.keys("j", "h")  # down to features, collapse it
    screen = terminal.wait_for("\u25b8 features")
    assert "MaxPool2d" not in screen.split("classifier")[0]
    assert "features  Sequential  out (1, 16, 5, 5)" in screen
    terminal.keys("l")  # expand it again
    terminal.wait_for("MaxPool2d")

    terminal.keys("tab")  # model -> data
    screen = terminal.wait_for("class balance")
    assert "train 1,438, test 359 samples; 10 classes" in screen and "\u2588" in screen

    terminal.keys("BTab", "BTab")  # shift-tab twice: data -> model -> help
    screen = terminal.wait_for("axonml dashboard: keys")
    assert "re-read the run logs" not in screen
    terminal.keys("G")  # vim: to the end of the help
    assert "5 Files" in terminal.wait_for("re-read the run logs")

    terminal.keys("4")
    assert "loss (train)" in terminal.wait_for("[x] alpha")
    terminal.keys("space")
    assert "no data yet" in terminal.wait_for("[ ] alpha")

    terminal.keys("5")
    assert "run" in terminal.wait_for("alpha/")
    terminal.keys("G", "enter")  # the last entry (alpha) opens in the training view
    terminal.wait_until(lambda s: "alpha  33 records" in s and "h/l metric" in s, "the training view")

    terminal.resize(120, 40)
    lines = terminal.wait_until(lambda s: len(s.splitlines()) == 40 and "q quit" in s.splitlines()[-1],
                                "a 120x40 layout").splitlines()
    assert TABS in lines[0] and max(len(line.rstrip()) for line in lines) > 100  # the plot uses the new width
    terminal.resize(80, 24)
    lines = terminal.wait_until(lambda s: len(s.splitlines()) == 24 and TABS in s.splitlines()[0]
                                and "q quit" in s.splitlines()[-1], "an 80x24 layout").splitlines()
    assert "alpha  33 records" in lines[1] and max(len(line.rstrip()) for line in lines) <= 80

    terminal.keys("q")
    assert terminal.exit_status() == 0


def test_monochrome_and_ascii_on_a_vt100(terminal, run_dir):
    terminal.start(str(run_dir), env={"TERM": "vt100", "NO_COLOR": "1"})
    screen = terminal.wait_for("alpha  33 records")
    assert "|" in screen and "+1" in screen and "*" in screen  # ASCII axes and curves
    assert not re.search("[\u2500-\u28ff]", screen)  # no box, block or braille characters
    escapes = terminal.screen(escapes=True)
    assert not _COLOUR.search(escapes)
    assert "\x1b[7m" in escapes or "\x1b[1m" in escapes  # highlight by attribute: standout or bold
    terminal.keys("q")
    assert terminal.exit_status() == 0


_PACED_WRITER = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("metrics", sys.argv[2])
metrics = importlib.util.module_from_spec(spec)
spec.loader.exec_module(metrics)
metrics.write_config(sys.argv[1] + "/config.json", {"epochs": 2})
with metrics.MetricsLogger(sys.argv[1] + "/metrics.jsonl") as log:
    for step in range(1, 31):
        log.log(step=step, epoch=1 + step // 16, split="train", loss=3.0 / step, lr=0.1)
        time.sleep(0.1)
"""


def test_training_view_follows_runs_written_by_other_processes(terminal, tmp_path):
    runs = tmp_path / "runs"
    live, trained = runs / "live", runs / "mlp"
    live.mkdir(parents=True)
    # a real training run, in parallel; its log is opened from the files view once it has finished
    trainer = subprocess.Popen([sys.executable, "-m", "axonml", "train", "--model", "mlp", "--dataset", "digits",
                                "--epochs", "2", "--batch-size", "128", "--out", str(trained), "--no-progress"],
                               cwd=tmp_path, env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.DEVNULL)
    writer = None
    try:
        terminal.start(str(live))
        terminal.wait_for("waiting for the log")
        # a log appended at a known pace (the writer loads axonml.utils.metrics by path: a quick start)
        writer = subprocess.Popen([sys.executable, "-c", _PACED_WRITER, str(live),
                                   os.path.join(REPO, "axonml", "utils", "metrics.py")])
        seen = set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "30 records" not in terminal.screen():
            match = re.search(r"(\d+) records", terminal.screen())
            if match:
                seen.add(int(match.group(1)))
            time.sleep(0.2)
        screen = terminal.wait_for("30 records")
        assert len([n for n in seen if 0 < n < 30]) >= 2, seen  # the screen followed the log as it grew
        assert "epoch 2/2" in screen and "step 30" in screen and "live" in screen
        assert trainer.wait(timeout=120) == 0
    finally:
        for process in (trainer, writer):
            if process is not None and process.poll() is None:
                process.kill()
    records = len(read_metrics(trained / "metrics.jsonl"))  # 12 steps and 2 summaries per epoch
    terminal.keys("5", "G", "enter")  # files: the last run (mlp) opens in the training view
    screen = terminal.wait_for(f"mlp  {records} records")
    assert "epoch 2/2" in screen and "test loss" in screen and "train loss" in screen
    terminal.keys("5", "l", "G", "enter")  # into the run's folder, its last file (model.safetensors), open it
    screen = terminal.wait_for("mlp on digits")
    assert "Linear" in screen and "1x256" in screen and "50,826 parameters" in screen
    terminal.keys("q")
    assert terminal.exit_status() == 0


@pytest.mark.parametrize("args, message", [
    (["missing-run"], "no such run directory or metrics log: missing-run"),
    (["--model", "broken.safetensors"], "broken.safetensors"),
])
def test_cli_errors(args, message, tmp_path):
    (tmp_path / "broken.safetensors").write_bytes(b"\x40\x00\x00\x00\x00\x00\x00\x00{\"w\": {\"dtype\"")
    result = subprocess.run([sys.executable, "-m", "axonml", "tui", *args], capture_output=True, text=True,
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=REPO), timeout=60)
    assert result.returncode == 1 and message in result.stderr and "needs a terminal" not in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_help_lists_examples(tmp_path):
    result = subprocess.run([sys.executable, "-m", "axonml", "tui", "--help"], capture_output=True, text=True,
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=REPO), timeout=60)
    assert result.returncode == 0 and "examples:" in result.stdout and "NO_COLOR" in result.stdout
