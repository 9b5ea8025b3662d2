"""A rank that raises, dies, hangs or leaves early makes the job fail with a clear error, within the timeout."""
import time

import pytest


def _run(mpirun, mode):
    started = time.monotonic()
    result = mpirun("failures.py", 2, mode, timeout=90)
    return result, result.stdout + result.stderr, time.monotonic() - started


def test_a_raising_rank_aborts_the_job_at_once(mpirun):
    result, output, seconds = _run(mpirun, "raise")
    assert result.returncode != 0, output
    assert "ValueError: rank 1 failed on purpose" in output
    assert "rank 1 raised ValueError; aborting the MPI job" in output
    assert "passed the all_reduce" not in output


@pytest.mark.parametrize("mode", ["hang", "exit"])
def test_a_rank_that_never_arrives_is_a_timeout_error(mpirun, mode):
    result, output, seconds = _run(mpirun, mode)
    assert result.returncode != 0, output
    assert "DistBackendError: all_reduce timed out after 3 s on rank 0" in output
    assert "passed the all_reduce" not in output
    assert seconds < 60  # the hanging rank sleeps 120 s: the timeout, not the peer, ended the job


def test_a_killed_rank_ends_the_job(mpirun):
    result, output, seconds = _run(mpirun, "kill")
    assert result.returncode != 0, output
    assert "passed the all_reduce" not in output
    assert "signal 9" in output or "Killed" in output
