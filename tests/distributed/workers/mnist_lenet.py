"""LeNet on real MNIST for one epoch over a subset, on however many ranks mpiexec started.

argv: MNIST folder, training samples, test samples. The global batch is 64 whatever the number of
ranks (each takes 64 / N through a DistributedSampler), so 1 and N ranks optimise the same objective.
Rank 0 prints "ACCURACY <test accuracy>" and "SECONDS <training time>".
"""
import sys
import time

import numpy as np

import axonml
import axonml.distributed as dist
from axonml import optim
from axonml.data.distributed import DistributedSampler
from axonml.nn import functional as F
from axonml.nn.parallel import DistributedDataParallel
from axonml.vision.datasets import MNIST
from axonml.vision.models import LeNet

root, train_count, test_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
GLOBAL_BATCH = 64
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()


def arrays(train, count):
    dataset = MNIST(root, train=train)
    images = (dataset.data.numpy()[:count].astype(np.float32) / 255.0 - 0.1307) / 0.3081
    return images[:, None], dataset.targets.numpy()[:count].astype(np.int64)


train_x, train_y = arrays(True, train_count)
test_x, test_y = arrays(False, test_count)
axonml.manual_seed(0)
model = LeNet()
ddp = DistributedDataParallel(model)
optimizer = optim.Adam(ddp.parameters(), lr=2e-3)
sampler = DistributedSampler(range(train_count), seed=0)
order = np.fromiter(iter(sampler), np.int64)
share = GLOBAL_BATCH // world
started = time.perf_counter()
ddp.train()
for start in range(0, len(order), share):
    batch = order[start:start + share]
    optimizer.zero_grad()
    loss = F.cross_entropy(ddp(axonml.from_numpy(train_x[batch])), axonml.from_numpy(train_y[batch]))
    loss.backward()
    optimizer.step()
seconds = time.perf_counter() - started
model.eval()
correct = 0
with axonml.no_grad():
    for start in range(0, test_count, 500):
        logits = model(axonml.from_numpy(test_x[start:start + 500]))
        correct += int((logits.argmax(dim=1).numpy() == test_y[start:start + 500]).sum())
if rank == 0:
    print(f"ACCURACY {correct / test_count:.4f}")
    print(f"SECONDS {seconds:.2f}")
dist.destroy_process_group()
print(f"OK rank {rank}", flush=True)
