"""Every collective, op and dtype against NumPy, run on N ranks (mpiexec -n N python collectives.py)."""
import datetime
import os
import sys

import ml_dtypes
import numpy as np

import axonml
import axonml.distributed as dist
from axonml.distributed import ReduceOp

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=60))
rank, world = dist.get_rank(), dist.get_world_size()

FLOATS = ["float32", "float64", "float16", "bfloat16"]
INTS = ["int64", "int32", "int16", "int8", "uint8"]
DTYPES = FLOATS + INTS + ["bool"]


def np_dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def values(r, name, shape, small=False):
    """Rank r's input: small integers, so that every dtype holds sums and products exactly."""
    rng = np.random.default_rng(1000 * r + DTYPES.index(name) + 17 * len(shape))
    if name == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    low = 0 if name == "uint8" else -1
    high = 3 if small else 9
    return rng.integers(low, high, shape).astype(np_dtype(name))


def tensor(array, device="cpu"):
    return axonml.from_numpy(np.array(array)).to(device)


def same(t, expected, what):
    got = t.cpu().numpy() if hasattr(t, "cpu") else t
    expected = np.asarray(expected)
    if got.dtype != expected.dtype or got.shape != expected.shape or \
            not np.array_equal(got.astype(np.float64), expected.astype(np.float64)):
        raise AssertionError(f"rank {rank}: {what}: got {got!r}, expected {expected!r}")


def reference(op, stacked, name):
    dtype = np_dtype(name)
    if name == "bool":
        table = {ReduceOp.SUM: np.any, ReduceOp.MAX: np.any, ReduceOp.BOR: np.any, ReduceOp.PRODUCT: np.all,
                 ReduceOp.MIN: np.all, ReduceOp.BAND: np.all,
                 ReduceOp.BXOR: lambda a, axis: np.logical_xor.reduce(a, axis=axis)}
        return table[op](stacked, axis=0)
    wide = stacked.astype(np.float64) if name in FLOATS else stacked.astype(np.int64)
    table = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min, ReduceOp.MAX: np.max,
             ReduceOp.AVG: np.mean,
             ReduceOp.BAND: lambda a, axis: np.bitwise_and.reduce(a, axis=axis),
             ReduceOp.BOR: lambda a, axis: np.bitwise_or.reduce(a, axis=axis),
             ReduceOp.BXOR: lambda a, axis: np.bitwise_xor.reduce(a, axis=axis)}
    return table[op](wide, axis=0).astype(dtype)


def ops_for(name):
    common = [ReduceOp.SUM, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX]
    if name in FLOATS:
        return common + [ReduceOp.AVG]
    return common + [ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR]


def check_dtype(name, device="cpu"):
    shape = (3, 2)
    inputs = [values(r, name, shape) for r in range(world)]
    small = [values(r, name, shape, small=True) for r in range(world)]
    stacked = np.stack(inputs)
    for op in ops_for(name):
        source = small if op is ReduceOp.PRODUCT else inputs
        t = tensor(source[rank], device)
        dist.all_reduce(t, op=op)
        same(t, reference(op, np.stack(source), name), f"all_reduce {op.name} {name} {device}")
    t = tensor(inputs[rank], device)
    work = dist.all_reduce(t, async_op=True)
    assert work.wait() is True and work.is_completed()
    same(t, reference(ReduceOp.SUM, stacked, name), f"async all_reduce {name}")
    src = world - 1
    t = tensor(inputs[rank], device)
    dist.broadcast(t, src=src)
    same(t, inputs[src], f"broadcast {name}")
    t = tensor(inputs[rank], device)
    dist.reduce(t, dst=1, op=ReduceOp.MAX)
    same(t, reference(ReduceOp.MAX, stacked, name) if rank == 1 else inputs[rank], f"reduce {name}")
    outputs = [tensor(np.zeros(shape, np_dtype(name)), device) for _ in range(world)]
    dist.all_gather(outputs, tensor(inputs[rank], device))
    for r in range(world):
        same(outputs[r], inputs[r], f"all_gather {name} [{r}]")
    for out_shape in ((world * shape[0], shape[1]), (world,) + shape):
        out = tensor(np.zeros(out_shape, np_dtype(name)), device)
        dist.all_gather_into_tensor(out, tensor(inputs[rank], device))
        same(out, stacked.reshape(out_shape), f"all_gather_into_tensor {name} {out_shape}")
    big = [values(r, name, (world * 2, 3)) for r in range(world)]
    for op in ([ReduceOp.SUM, ReduceOp.AVG] if name in FLOATS else [ReduceOp.SUM]):
        out = tensor(np.zeros((2, 3), np_dtype(name)), device)
        dist.reduce_scatter_tensor(out, tensor(big[rank], device), op=op)
        same(out, reference(op, np.stack(big), name)[2 * rank:2 * rank + 2], f"reduce_scatter_tensor {op.name}")
    gathered = [tensor(np.zeros(shape, np_dtype(name)), device) for _ in range(world)] if rank == 0 else None
    dist.gather(tensor(inputs[rank], device), gathered, dst=0)
    if rank == 0:
        for r in range(world):
            same(gathered[r], inputs[r], f"gather {name} [{r}]")
    t = tensor(np.zeros(shape, np_dtype(name)), device)
    pieces = [tensor(values(100 + r, name, shape), device) for r in range(world)] if rank == 1 else None
    dist.scatter(t, pieces, src=1)
    same(t, values(100 + rank, name, shape), f"scatter {name}")
    # all_to_all_single, equal blocks and then rank r sending r + j + 1 rows to rank j
    rows = np.stack([values(10 * r + j, name, (2, 3)) for r in range(world) for j in range(world)])
    rows = rows.reshape(world, world * 2, 3)
    out = tensor(np.zeros((world * 2, 3), np_dtype(name)), device)
    dist.all_to_all_single(out, tensor(rows[rank], device))
    same(out, np.concatenate([rows[j][2 * rank:2 * rank + 2] for j in range(world)]), f"all_to_all_single {name}")
    send_sizes = [rank + j + 1 for j in range(world)]
    receive_sizes = [j + rank + 1 for j in range(world)]
    mine = values(rank + 50, name, (sum(send_sizes), 2))
    out = tensor(np.zeros((sum(receive_sizes), 2), np_dtype(name)), device)
    dist.all_to_all_single(out, tensor(mine, device), receive_sizes, send_sizes)
    expected = []
    for j in range(world):
        theirs = values(j + 50, name, (sum(j + k + 1 for k in range(world)), 2))
        start = sum(j + k + 1 for k in range(rank))
        expected.append(theirs[start:start + j + rank + 1])
    same(out, np.concatenate(expected), f"all_to_all_single uneven {name}")
    # a ring of point-to-point transfers; the receive from any source reports the sender
    right, left = (rank + 1) % world, (rank - 1) % world
    t = tensor(np.zeros(shape, np_dtype(name)), device)
    receive = dist.irecv(t, src=left if name != "bool" else None, tag=7)
    send = dist.isend(tensor(inputs[rank], device), dst=right, tag=7)
    send.wait()
    assert receive.result() == left
    same(t, inputs[left], f"isend/irecv {name}")


for name in DTYPES:
    check_dtype(name)

# every collective's async_op=True handle, several in flight at once: the results once each completes
works, checks = [], []
b = axonml.tensor([float(rank)] * 3)
works.append(dist.broadcast(b, src=0, async_op=True))
checks.append(lambda: same(b, np.zeros(3, np.float32), "async broadcast"))
r = axonml.tensor([float(rank + 1)])
works.append(dist.reduce(r, dst=0, op=ReduceOp.PRODUCT, async_op=True))
checks.append(lambda: same(r, np.array([float(np.prod(np.arange(1, world + 1)))] if rank == 0 else [rank + 1.0],
                                        np.float32), "async reduce"))
listed = [axonml.zeros(2) for _ in range(world)]
works.append(dist.all_gather(listed, axonml.full((2,), float(rank)), async_op=True))
checks.append(lambda: [same(listed[i], np.full(2, float(i), np.float32), "async all_gather") for i in range(world)])
into = axonml.zeros(world, 2)
works.append(dist.all_gather_into_tensor(into, axonml.full((2,), float(rank)), async_op=True))
checks.append(lambda: same(into, np.repeat(np.arange(world, dtype=np.float32), 2).reshape(world, 2),
                           "async all_gather_into_tensor"))
scattered = axonml.zeros(2)
works.append(dist.reduce_scatter_tensor(scattered, axonml.ones(2 * world), op=ReduceOp.AVG, async_op=True))
checks.append(lambda: same(scattered, np.ones(2, np.float32), "async reduce_scatter_tensor"))
exchanged = axonml.zeros(world)
works.append(dist.all_to_all_single(exchanged, axonml.full((world,), float(rank)), async_op=True))
checks.append(lambda: same(exchanged, np.arange(world, dtype=np.float32), "async all_to_all_single"))
mine = axonml.zeros(1)
works.append(dist.scatter(mine, [axonml.tensor([float(i)]) for i in range(world)] if rank == 0 else None, src=0,
                          async_op=True))
checks.append(lambda: same(mine, np.array([float(rank)], np.float32), "async scatter"))
gathered = [axonml.zeros(1) for _ in range(world)] if rank == 0 else None
works.append(dist.gather(axonml.tensor([float(rank)]), gathered, dst=0, async_op=True))
checks.append(lambda: rank != 0 or [same(gathered[i], np.array([float(i)], np.float32), "async gather")
                                    for i in range(world)])
for work in works:
    while not work.is_completed():
        pass
for check in checks:
    check()

# errors that every rank raises together
try:
    dist.all_reduce(axonml.zeros(2 + rank))
    raise AssertionError("a shape mismatch went unnoticed")
except RuntimeError as error:
    assert "disagree" in str(error) and "rank 0: float32(2,)" in str(error) and "rank 1: float32(3,)" in str(error)
try:
    dist.broadcast(axonml.zeros(2), src=rank % 2)
    raise AssertionError("a src mismatch went unnoticed")
except RuntimeError as error:
    assert "disagree" in str(error)
for bad, op in ((axonml.zeros(2, dtype=axonml.int64), ReduceOp.AVG), (axonml.zeros(2), ReduceOp.BAND)):
    try:
        dist.all_reduce(bad, op=op)
        raise AssertionError(f"{op} accepted")
    except RuntimeError as error:
        assert f"ReduceOp.{op.name}" in str(error)
try:
    dist.all_reduce(axonml.zeros(4, 4).t())
    raise AssertionError("a non-contiguous tensor was accepted")
except RuntimeError as error:
    assert "contiguous" in str(error)
try:
    receive_sizes = [1] * (world - 1) + [1 + (rank == 0)]  # rank 0 expects one row more than anyone sends it
    dist.all_to_all_single(axonml.zeros(world + (rank == 0)), axonml.zeros(world), receive_sizes)
    raise AssertionError("inconsistent all_to_all_single splits were accepted")
except (RuntimeError, ValueError) as error:
    assert "split" in str(error)
# a point-to-point shape mismatch: the receiver raises, the sender completes
if rank == 0:
    dist.send(axonml.ones(3), dst=1)
elif rank == 1:
    try:
        dist.recv(axonml.zeros(4), src=0)
        raise AssertionError("a mismatched recv was accepted")
    except RuntimeError as error:
        assert "rank 0 sent a float32(3,) tensor" in str(error) and "float32(4,)" in str(error)

# subgroups: members reduce among themselves, a non-member's calls do nothing
pair = dist.new_group([0, 1])
t = axonml.tensor([float(rank + 1)])
dist.all_reduce(t, group=pair)
if rank < 2:
    same(t, np.array([3.0], np.float32), "all_reduce in group [0, 1]")
    assert dist.get_rank(pair) == rank and dist.get_world_size(pair) == 2
else:
    assert pair is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(pair) == -1
    same(t, np.array([rank + 1.0], np.float32), "a non-member's tensor")
if world >= 4:
    odd = dist.new_group([3, 1])
    if rank in (1, 3):
        assert dist.get_process_group_ranks(odd) == [1, 3] and dist.get_rank(odd) == (rank - 1) // 2
        t = axonml.tensor([float(rank)])
        dist.broadcast(t, src=3, group=odd)
        same(t, np.array([3.0], np.float32), "broadcast in group [1, 3] from global rank 3")
        outputs = [axonml.zeros(1) for _ in range(2)]
        dist.all_gather(outputs, axonml.tensor([float(rank)]), group=odd)
        same(outputs[1], np.array([3.0], np.float32), "all_gather in group [1, 3]")

# object collectives, typed JSON on the wire
objects = [{"epoch": 3, (1, 2): [None, True, 2.5]}, b"\x00bytes", np.arange(4, dtype=np.int16),
           axonml.tensor([[1.5, 2.0]])] if rank == 0 else [None] * 4
dist.broadcast_object_list(objects, src=0)
assert objects[0] == {"epoch": 3, (1, 2): [None, True, 2.5]} and objects[1] == b"\x00bytes"
same(objects[2], np.arange(4, dtype=np.int16), "broadcast_object_list ndarray")
same(objects[3], np.array([[1.5, 2.0]], np.float32), "broadcast_object_list tensor")
everyone = [None] * world
dist.all_gather_object(everyone, {"rank": rank, "name": f"r{rank}"})
assert everyone == [{"rank": r, "name": f"r{r}"} for r in range(world)]
try:
    dist.broadcast_object_list([object()] if rank == 0 else [None], src=0)
    raise AssertionError("an object that needs pickle was sent")
except TypeError as error:
    assert rank == 0 and "no pickle" in str(error)
except RuntimeError as error:
    assert rank != 0 and "could not encode" in str(error)
try:
    dist.all_gather_object([None] * world, {1, 2} if rank == world - 1 else 1)
    raise AssertionError("a set was sent")
except TypeError as error:
    assert rank == world - 1 and "no pickle" in str(error)
except RuntimeError as error:
    assert rank != world - 1 and "could not encode" in str(error)

barrier = dist.barrier(async_op=True)
barrier.wait()
assert barrier.is_completed()

if os.environ.get("AXONML_TEST_OPENCL") == "1":
    from axonml import opencl
    if opencl.is_available():
        for name in ("float32", "int32"):
            check_dtype(name, device="opencl")
        print(f"opencl checked on rank {rank}")
    elif os.environ.get("AXONML_REQUIRE_OPENCL") == "1" and not opencl._devices.unusable():
        sys.exit(f"rank {rank}: AXONML_REQUIRE_OPENCL=1 but no OpenCL device")

dist.destroy_process_group()
print(f"OK rank {rank}", flush=True)
