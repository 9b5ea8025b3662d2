"""DistributedDataParallel on 2 and 4 MPI processes (workers/ddp.py): the same weights as one process on
the full batch after 20 steps from different starting weights, no_sync accumulation, unused parameters,
buffers and state_dict keys."""
import pytest

from .conftest import assert_all_ranks_ok


@pytest.mark.parametrize("world", [2, 4])
def test_ddp_matches_one_process_on_the_full_batch(mpirun, world):
    assert_all_ranks_ok(mpirun("ddp.py", world, timeout=240), world)
