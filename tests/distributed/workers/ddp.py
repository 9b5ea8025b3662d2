"""DistributedDataParallel on N ranks against one process training on the full batch."""
import datetime

import numpy as np

import axonml
import axonml.distributed as dist
from axonml import nn, optim
from axonml.nn import functional as F
from axonml.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=60))
rank, world = dist.get_rank(), dist.get_world_size()
GLOBAL_BATCH, STEPS = 16, 20


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc1 = nn.Linear(3 * 4 * 4, 12)
        self.fc2 = nn.Linear(12, 4)
        self.spare = nn.Linear(4, 4)  # used only when forward is asked to

    def forward(self, x, use_spare=True):
        x = F.relu(self.conv(x)).flatten(1)
        x = self.fc2(F.tanh(self.fc1(x)))
        return self.spare(x) if use_spare else x


def model(seed):
    axonml.manual_seed(seed)
    return Net()


rng = np.random.default_rng(0)
X = axonml.from_numpy(rng.standard_normal((GLOBAL_BATCH, 1, 6, 6)).astype(np.float32))
Y = axonml.from_numpy(rng.integers(0, 4, GLOBAL_BATCH).astype(np.int64))
share = GLOBAL_BATCH // world
mine = slice(rank * share, (rank + 1) * share)


def weights(m):
    return {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}


def close(a, b, what, rtol=1e-4, atol=1e-5):
    for key in a:
        if not np.allclose(a[key], b[key], rtol=rtol, atol=atol):
            raise AssertionError(f"rank {rank}: {what}: {key} differs by {np.abs(a[key] - b[key]).max()}")


# one process, the full batch
reference = model(0)
ref_opt = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
for _ in range(STEPS):
    ref_opt.zero_grad()
    F.cross_entropy(reference(X), Y).backward()
    ref_opt.step()

# N ranks that start from different weights (rank 0's are the reference's), each on its share
local = model(0 if rank == 0 else 100 + rank)
ddp = DDP(local, bucket_cap_mb=0.0002)  # ~200 bytes: several buckets for this small net
assert len(ddp._buckets) > 2, len(ddp._buckets)
assert list(ddp.state_dict()) == ["module." + k for k in local.state_dict()]
assert ddp.module is local
close(weights(local), weights(model(0)), "weights after construction", rtol=0, atol=0)
opt = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
for _ in range(STEPS):
    opt.zero_grad()
    F.cross_entropy(ddp(X[mine]), Y[mine]).backward()
    opt.step()
close(weights(local), weights(reference), f"weights after {STEPS} steps")
everyone = [None] * world
dist.all_gather_object(everyone, [p.detach().numpy() for p in local.parameters()])
for theirs in everyone:
    for a, b in zip(theirs, everyone[0]):
        assert np.array_equal(a, b), "ranks ended with different weights"

# no_sync: two micro-batches accumulated locally, then reduced, equal the large batch's gradient
ref = model(1)
F.cross_entropy(ref(X), Y).backward()
net = model(1)
ddp = DDP(net, bucket_cap_mb=0.0002)
first, second = slice(rank * share, rank * share + share // 2), slice(rank * share + share // 2, (rank + 1) * share)
with ddp.no_sync():
    (0.5 * F.cross_entropy(ddp(X[first]), Y[first])).backward()
alone = model(1)
(0.5 * F.cross_entropy(alone(X[first]), Y[first])).backward()
for p, q in zip(net.parameters(), alone.parameters()):  # nothing was communicated inside no_sync
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
(0.5 * F.cross_entropy(ddp(X[second]), Y[second])).backward()
for (name, p), q in zip(net.named_parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)

# unused parameters: found and counted ready; a parameter unused on every rank keeps grad None
net = model(2)
ddp = DDP(net, find_unused_parameters=True, bucket_cap_mb=0.0002)
ref = model(2)
F.cross_entropy(ref(X, use_spare=False), Y).backward()
for _ in range(2):
    net.zero_grad()
    F.cross_entropy(ddp(X[mine], use_spare=False), Y[mine]).backward()
    assert net.spare.weight.grad is None
    for (name, p), q in zip(net.named_parameters(), ref.parameters()):
        if not name.startswith("spare"):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
net = model(2)
ddp = DDP(net)
F.cross_entropy(ddp(X[mine], use_spare=False), Y[mine]).backward()
try:
    ddp(X[mine])
    raise AssertionError("an unfinished reduction went unnoticed")
except RuntimeError as error:
    assert "find_unused_parameters=True" in str(error)

# buffers come from rank 0, at construction and before each forward
bn = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
bn[1].running_mean.fill_(float(rank))
ddp = DDP(bn)
assert np.array_equal(bn[1].running_mean.numpy(), np.zeros(3, np.float32))
bn[1].running_var.fill_(float(rank + 1))
with axonml.no_grad():
    ddp.eval()
    ddp(axonml.ones(2, 3))
assert np.array_equal(bn[1].running_var.numpy(), np.ones(3, np.float32))

dist.destroy_process_group()
print(f"OK rank {rank}", flush=True)
