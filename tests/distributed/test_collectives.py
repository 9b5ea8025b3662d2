"""axonml.distributed's collectives on real MPI processes, against NumPy (workers/collectives.py)."""
import os

import pytest

from axonml import opencl

from .conftest import assert_all_ranks_ok


@pytest.mark.parametrize("world", [2, 4])
def test_every_collective_op_and_dtype_matches_numpy(mpirun, world):
    env = {"AXONML_TEST_OPENCL": "1"} if world == 2 else {}
    result = mpirun("collectives.py", world, timeout=240, env=env)
    assert_all_ranks_ok(result, world)
    if world == 2 and os.environ.get("AXONML_REQUIRE_OPENCL") == "1" and opencl.is_available():
        assert "opencl checked on rank 1" in result.stdout
