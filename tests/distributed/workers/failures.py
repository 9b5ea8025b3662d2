"""Rank 1 fails in the way argv[1] names while rank 0 enters an all_reduce (timeout 3 s)."""
import datetime
import os
import signal
import sys
import time

import axonml
import axonml.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=3))
rank = dist.get_rank()
dist.barrier()
if rank == 1:
    if mode == "raise":
        raise ValueError("rank 1 failed on purpose")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(120)
    if mode == "exit":
        sys.exit(0)
dist.all_reduce(axonml.ones(4))
print(f"rank {rank} passed the all_reduce", flush=True)
