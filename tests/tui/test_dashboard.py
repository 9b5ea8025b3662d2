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
    assert "loss" in screen and "train" in screen and "test" in screen and "learning rate" in screen
    assert re.search("[\u2801-\u28ff]", screen)  # braille curves
    assert "q quit" in screen.splitlines()[-1]
    assert _COLOUR.search(terminal.screen(escapes=True))  # 16 colours by default

    terminal.keys("l")  # next metric in the training view
    assert terminal.screen().splitlines()[4].startswith("accuracy")

    terminal.keys("1")
    screen = terminal.wait_for("61,706 parameters")
    assert "Conv2d" in screen and "1x6x28x28" in screen and "48,120" in screen
    terminal.keys("j", "h")  # down to features, collapse it
    screen = terminal.screen()
    assert "\u25b8 features" in screen and "MaxPool2d" not in screen.split("classifier")[0]
    assert "features  Sequential  out (1, 16, 5, 5)" in screen
    terminal.keys("l")  # expand again
    assert "MaxPool2d" in terminal.screen()

    terminal.keys("tab")  # model -> data
    screen = terminal.wait_for("class balance")
    assert "train 1,438, test 359 samples; 10 classes" in screen and "\u2588" in screen

    terminal.keys("BTab", "BTab")  # shift-tab twice: data -> model -> help
    assert "axonml dashboard: keys" in terminal.screen()
    assert "re-read the run logs" not in terminal.screen()
    terminal.keys("G")  # vim: to the end of the help
    screen = terminal.screen()
    assert "re-read the run logs" in screen and "5 Files" in screen

    terminal.keys("4")
    screen = terminal.screen()
    assert "[x] alpha" in screen and "loss (train)" in screen
    terminal.keys("space")
    assert "[ ] alpha" in terminal.screen() and "no data yet" in terminal.screen()

    terminal.keys("5")
    screen = terminal.screen()
    assert "alpha/" in screen and "run" in screen
    terminal.keys("G", "enter")  # the last entry (alpha) opens in the training view
    assert "alpha  33 records" in terminal.screen()

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


def test_training_view_follows_a_real_training_run(terminal, tmp_path):
    run = tmp_path / "runs" / "mlp"
    run.mkdir(parents=True)
    terminal.start(str(run))
    terminal.wait_for("waiting for the log")
    trainer = subprocess.Popen([sys.executable, "-m", "axonml", "train", "--model", "mlp", "--dataset", "digits",
                                "--epochs", "2", "--batch-size", "128", "--out", str(run), "--no-progress"],
                               cwd=tmp_path, env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.DEVNULL)
    seen = set()
    try:
        deadline = time.monotonic() + 120
        while trainer.poll() is None and time.monotonic() < deadline:
            match = re.search(r"(\d+) records", terminal.screen())
            if match:
                seen.add(int(match.group(1)))
            time.sleep(0.2)
    finally:
        if trainer.poll() is None:
            trainer.kill()
    assert trainer.wait() == 0
    records = len(read_metrics(run / "metrics.jsonl"))  # 12 steps and 2 summaries per epoch
    screen = terminal.wait_for(f"mlp  {records} records  live")
    assert len([n for n in seen if 0 < n < records]) >= 2, seen  # the screen followed the run as it went
    assert "epoch 2/2" in screen and "test loss" in screen and "train loss" in screen

    terminal.keys("5", "l", "G", "enter")  # files: into the run folder, its last file (model.safetensors), open it
    screen = terminal.wait_for("mlp on digits")
    assert "Linear" in screen and "1x256" in screen and "50,826 parameters" in screen
    terminal.keys("q")
    assert terminal.exit_status() == 0


@pytest.mark.parametrize("args, message", [
    (["missing-run"], "no such run directory or metrics log: missing-run"),
    (["--model", "no-such-model"], "unknown model 'no-such-model'"),
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
