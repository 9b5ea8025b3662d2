"""A real terminal for the dashboard tests: tmux runs ``python -m axonml tui``, the test sends keys and
reads the screen. Each test gets its own tmux server (a private socket), killed in teardown."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Terminal:
    def __init__(self, cwd):
        self.socket = f"axonml-tui-{uuid.uuid4().hex[:10]}"
        self.cwd = str(cwd)
        self.started = False
        self.socket_path = ""

    def tmux(self, *args, check=True) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull, *args], capture_output=True,
                                text=True, timeout=20)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(self, *args, width=80, height=24, env=None):
        """Run `python -m axonml tui ARGS` in a width x height terminal (TERM and other variables from env)."""
        variables = {"PYTHONPATH": REPO, "TERM": "xterm", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **(env or {})}
        unset = [name for name, value in variables.items() if value is None]
        assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items() if value is not None)
        command = (f"cd {shlex.quote(self.cwd)} && env {' '.join('-u ' + n for n in unset)} {assignments} "
                   f"{shlex.quote(sys.executable)} -m axonml tui {' '.join(shlex.quote(a) for a in args)}; "
                   f"status=$?; echo; echo \"[exit status $status]\"; sleep 600")
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "main", command)
        self.started = True
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def keys(self, *keys, pause=0.05):
        for key in keys:
            self.tmux("send-keys", "-t", "main", key)
            time.sleep(pause)

    def screen(self, escapes=False) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main", *(["-e"] if escapes else []))

    def wait_for(self, text, timeout=30.0) -> str:
        """The screen once it shows `text`; fails with the last screen after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} did not appear on the screen:\n{screen}")
            time.sleep(0.2)

    def wait_until(self, check, what, timeout=15.0) -> str:
        """The screen once check(screen) is true; fails with the last screen after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"the screen never showed {what}:\n{screen}")
            time.sleep(0.2)

    def exit_status(self, timeout=10.0):
        """The dashboard's exit status once it has ended (the shell prints it after the dashboard)."""
        screen = self.wait_for("[exit status ", timeout)
        return int(re.search(r"\[exit status (\d+)\]", screen).group(1))

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "main", "-x", str(width), "-y", str(height))

    def close(self):
        if self.started:
            self.tmux("kill-server", check=False)
            if self.socket_path and os.path.exists(self.socket_path):  # tmux leaves it behind
                os.unlink(self.socket_path)


@pytest.fixture
def terminal(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: the dashboard tests drive a real terminal through tmux")
    term = Terminal(tmp_path)
    yield term
    term.close()


@pytest.fixture
def run_dir(tmp_path):
    """A finished run: config plus 3 epochs of train and test records."""
    from axonml.utils.metrics import MetricsLogger, write_config
    directory = tmp_path / "runs" / "alpha"
    write_config(directory / "config.json", {"model": "lenet", "dataset": "digits", "epochs": 4, "lr": 0.05})
    with MetricsLogger(directory / "metrics.jsonl") as log:
        step = 0
        for epoch in range(1, 4):
            for _ in range(10):
                step += 1
                log.log(step=step, epoch=epoch, split="train", loss=2.0 / step, accuracy=1 - 1 / (step + 1),
                        lr=0.05, samples_per_second=1500.0)
            log.log(step=step, epoch=epoch, split="test", loss=2.5 / step, accuracy=1 - 1.5 / (step + 1))
    return directory
