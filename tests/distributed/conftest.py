"""Launch worker scripts on N MPI processes (the mpich wheel's mpiexec from the `distributed` extra)."""
import os
import shutil
import subprocess
import sys

import pytest

WORKERS = os.path.join(os.path.dirname(__file__), "workers")


def mpiexec_path() -> str:
    """The mpiexec beside this interpreter (the mpich wheel installs it into the environment's bin)."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = beside if os.path.exists(beside) else shutil.which("mpiexec")
    if found is None:
        pytest.fail("mpiexec not found: install the distributed extra (pip install -e '.[distributed]')")
    return found


def launch(script: str, n: int, *args: str, timeout: float = 120, env: dict | None = None):
    """Run workers/<script> (or, for "-m", the module args name) on n processes; returns the
    CompletedProcess (stdout and stderr as text)."""
    target = [script] if script == "-m" else [os.path.join(WORKERS, script)]
    command = [mpiexec_path(), "-n", str(n), sys.executable, *target, *args]
    environment = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1", **(env or {}))
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{script} on {n} processes did not finish within {timeout} s:\n{error.stdout}\n{error.stderr}")


def assert_all_ranks_ok(result, n: int) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for rank in range(n):
        assert f"OK rank {rank}" in result.stdout, output


@pytest.fixture
def mpirun():
    return launch
