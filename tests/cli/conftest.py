"""Run the real CLI (`python -m axonml`) in a subprocess."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def run_cli(tmp_path):
    def run(*args, timeout=600, cwd=None):
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        return subprocess.run([sys.executable, "-m", "axonml", *args], capture_output=True, text=True,
                              timeout=timeout, cwd=cwd or tmp_path, env=env)
    return run


@pytest.fixture
def cli_main(tmp_path, monkeypatch, capsys):
    """The CLI's entry point in this process, run in tmp_path: for error matrices, where a new interpreter
    per case costs more than the case. Returns (exit status, stdout, stderr)."""
    from axonml.cli import main

    def run(*args):
        monkeypatch.chdir(tmp_path)
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exit:
            code = exit.code
        out, err = capsys.readouterr()
        return code, out, err
    return run
