"""Process-group API without a launcher: errors before init, ReduceOp, and a single-process world."""
import datetime
import os
import subprocess
import sys

import pytest

import axonml.distributed as dist
from axonml.distributed import ReduceOp

from .conftest import WORKERS


def test_is_available_without_starting_mpi():
    assert dist.is_available() is True
    assert dist.is_initialized() is False
    assert "mpi4py.MPI" not in sys.modules


@pytest.mark.parametrize("call", [dist.get_rank, dist.get_world_size, dist.barrier, dist.new_group])
def test_calls_before_init_are_value_errors(call):
    with pytest.raises(ValueError, match="init_process_group"):
        call()


def test_only_the_mpi_backend():
    with pytest.raises(RuntimeError, match="'mpi'"):
        dist.init_process_group("nccl")
    assert dist.Backend("MPI") == "mpi" == dist.Backend.MPI
    with pytest.raises(TypeError, match="timedelta"):
        dist.init_process_group("mpi", timeout="60")
    assert dist.default_pg_timeout == datetime.timedelta(minutes=30)


def test_reduce_op_matches_torch_numbering():
    import torch.distributed as torch_dist
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert int(getattr(ReduceOp, name)) == int(getattr(torch_dist.ReduceOp.RedOpType, name))
    assert ReduceOp(ReduceOp.SUM) == ReduceOp.SUM


def test_single_process_world_without_a_launcher():
    result = subprocess.run([sys.executable, os.path.join(WORKERS, "singleton.py")], capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and "OK rank 0" in result.stdout, result.stdout + result.stderr
