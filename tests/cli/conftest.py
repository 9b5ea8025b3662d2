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
