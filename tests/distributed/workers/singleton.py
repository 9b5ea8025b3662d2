"""A world of one process (no mpiexec): the collectives are identities and DDP trains as the module would."""
import numpy as np

import axonml
import axonml.distributed as dist
from axonml import nn
from axonml.nn.parallel import DistributedDataParallel

dist.init_process_group()
assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
try:
    dist.init_process_group()
    raise AssertionError("a second init was accepted")
except RuntimeError as error:
    assert "twice" in str(error)
t = axonml.tensor([1.0, 2.0])
dist.all_reduce(t, op=dist.ReduceOp.AVG)
assert t.tolist() == [1.0, 2.0]
axonml.manual_seed(0)
model = nn.Linear(3, 2)
axonml.manual_seed(0)
plain = nn.Linear(3, 2)
ddp = DistributedDataParallel(model)
x = axonml.randn(4, 3)
ddp(x).sum().backward()
plain(x).sum().backward()
assert np.allclose(model.weight.grad.numpy(), plain.weight.grad.numpy())
dist.destroy_process_group()
assert not dist.is_initialized()
dist.init_process_group(timeout=__import__("datetime").timedelta(seconds=5))
dist.barrier()
dist.destroy_process_group()
print("OK rank 0")
