"""DistributedDataParallel: data-parallel training over a process group, gradients bucketed and
all-reduced during backward (torch.nn.parallel.DistributedDataParallel)."""
from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np

from ...autograd import is_grad_enabled
from ...tensor import Tensor
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # torch's dist._DEFAULT_FIRST_BUCKET_BYTES: the first bucket starts early


class _Bucket:
    """Parameters whose gradients are all-reduced together from one flat buffer."""

    def __init__(self, index: int, params: list, wire_dtype: np.dtype):
        self.index = index
        self.params = params
        self.sizes = [p.numel() for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64).tolist()
        self.buffer = np.zeros(sum(self.sizes), wire_dtype)
        self.pending = len(params)
        self.request = None


class DistributedDataParallel(Module):
    """Data parallelism across processes: each rank runs the module on its share of the batch and the
    gradients are averaged across ranks during backward, so every rank takes the same step.

    At construction the parameters and buffers of rank 0 are copied to every rank. Gradients are
    grouped into buckets of about ``bucket_cap_mb`` megabytes, in the reverse of the parameters'
    registration order (roughly the order backward produces them; the first bucket is 1 MB so
    that communication starts early). As soon as every gradient of a bucket has been accumulated
    (a post-accumulate-grad hook on each parameter), the bucket's all-reduce starts on MPI
    without waiting, overlapping the rest of backward; backward returns once all buckets are
    reduced and written back into ``.grad``.

    Args:
        module: the model to replicate; the same architecture on every rank.
        device_ids, output_device, dim: accepted for torch's signature; axonml replicates one
            device per process, so ``device_ids`` must be None or hold one device.
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm's running statistics) to every rank
            at the start of each forward.
        process_group: the group to average over (default: the world).
        bucket_cap_mb: the size of a gradient bucket, in megabytes.
        find_unused_parameters: find the parameters that the forward's output does not depend on
            and count them as ready at once, so that backward finishes; a parameter unused on
            every rank keeps its ``.grad``.

    Example::

        >>> dist.init_process_group("mpi")
        >>> model = DistributedDataParallel(LeNet())
        >>> loss = F.cross_entropy(model(images), labels)   # this rank's part of the batch
        >>> loss.backward()                                  # gradients averaged across ranks
        >>> optimizer.step()
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb: float = 25,
                 find_unused_parameters: bool = False):
        super().__init__()
        from ...distributed.process_group import _check_agreement, _resolve
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element: axonml's "
                             "DistributedDataParallel runs one device per process")
        pg = _resolve(process_group)
        if pg is None:
            raise ValueError("DistributedDataParallel: this rank is not a member of process_group")
        if not bucket_cap_mb > 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.process_group = pg
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        self.dim = dim
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        params = []
        seen = set()
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self._params = params
        layout = "; ".join(f"{p.dtype.name}{tuple(p.shape)}@{p.device}" for p in params)
        _check_agreement(pg, "DistributedDataParallel", f"parameters: {layout}")
        self._broadcast_coalesced(params + list(module.buffers()))
        self._buckets = self._assign_buckets(params)
        self._slot = {}
        for bucket in self._buckets:
            for k, p in enumerate(bucket.params):
                self._slot[id(p)] = (bucket, k)
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]
        self._reset_reduction()

    # --- construction ---------------------------------------------------------------------------
    def _assign_buckets(self, params: list) -> list[_Bucket]:
        from ...distributed._host import _wire_dtype
        limits = [min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap), self.bucket_bytes_cap]
        open_buckets: dict = {}  # (dtype, device) -> [params, bytes, limit index]
        closed: list[list] = []
        for p in reversed(params):
            key = (p.dtype, str(p.device))
            current = open_buckets.setdefault(key, [[], 0, 0])
            current[0].append(p)
            current[1] += p.numel() * p.dtype.itemsize
            if current[1] >= limits[min(current[2], 1)]:
                closed.append(current[0])
                open_buckets[key] = [[], 0, current[2] + 1]
        closed.extend(entry[0] for entry in open_buckets.values() if entry[0])
        order = {id(p): i for i, p in enumerate(reversed(params))}
        closed.sort(key=lambda members: order[id(members[0])])
        return [_Bucket(i, members, _wire_dtype(members[0].dtype.np)) for i, members in enumerate(closed)]

    def _broadcast_coalesced(self, tensors: list[Tensor]) -> None:
        """Copy rank 0's values of tensors to every rank, in one broadcast of their bytes."""
        from mpi4py import MPI
        from ...distributed._host import host_copy, store
        from ...distributed.process_group import _wait
        pg = self.process_group
        if not tensors or pg.size() == 1:
            return
        arrays = [np.ascontiguousarray(host_copy(t)) for t in tensors]
        flat = np.concatenate([a.reshape(-1).view(np.uint8) for a in arrays])
        _wait([pg._comm.Ibcast([flat, MPI.BYTE], root=0)], pg, "DistributedDataParallel broadcast", keep_alive=flat)
        if pg.rank() != 0:
            offset = 0
            for t, a in zip(tensors, arrays):
                store(t, flat[offset:offset + a.nbytes].view(a.dtype).reshape(a.shape))
                offset += a.nbytes

    # --- the reduction --------------------------------------------------------------------------
    def _reset_reduction(self) -> None:
        for bucket in self._buckets:
            bucket.pending = len(bucket.params)
            bucket.request = None
        self._expect_backward = False
        self._ready = set()
        self._unused: list = []
        self._unused_ids: set = set()
        self._marked_unused = False
        self._next_bucket = 0

    def _grad_ready(self, param: Tensor) -> None:
        if not self._expect_backward:
            return
        if not self._marked_unused:
            self._marked_unused = True
            for p in self._unused:
                self._mark_ready(p)
        self._mark_ready(param)

    def _mark_ready(self, param: Tensor) -> None:
        key = id(param)
        if key in self._ready:
            raise RuntimeError("Expected to mark a variable ready only once: a parameter received its gradient "
                               "twice in one backward through DistributedDataParallel")
        self._ready.add(key)
        bucket, _ = self._slot[key]
        bucket.pending -= 1
        buckets = self._buckets
        # buckets start in index order on every rank, so the ranks' MPI collectives match
        while self._next_bucket < len(buckets) and buckets[self._next_bucket].pending == 0:
            self._launch(buckets[self._next_bucket])
            self._next_bucket += 1
        if self._next_bucket == len(buckets):
            self._finish_reduction()
        else:
            self._progress()

    def _launch(self, bucket: _Bucket) -> None:
        from mpi4py import MPI
        from ...distributed._host import host_copy, mpi_type
        world = self.process_group.size()
        for p, offset, size in zip(bucket.params, bucket.offsets, bucket.sizes):
            view = bucket.buffer[offset:offset + size]
            if p.grad is None:
                view.fill(0)
            else:
                # as torch: each rank's gradient is divided by the world size before the sum
                np.divide(host_copy(p.grad).reshape(-1), world, out=view, casting="unsafe")
        bucket.request = self.process_group._comm.Iallreduce(MPI.IN_PLACE, [bucket.buffer,
                                                                           mpi_type(bucket.buffer.dtype)], op=MPI.SUM)

    def _progress(self) -> None:
        """Let MPI advance the buckets in flight (MPI moves data while a rank is inside MPI)."""
        from mpi4py import MPI
        requests = [b.request for b in self._buckets[:self._next_bucket]]
        if requests:
            MPI.Request.Testall(requests)

    def _finish_reduction(self) -> None:
        from mpi4py import MPI
        from ... import from_numpy
        from ...distributed._host import store
        from ...distributed.process_group import _wait
        pg = self.process_group
        requests = [b.request for b in self._buckets]
        used_anywhere = None
        if self.find_unused_parameters:
            used = np.zeros(len(self._params), np.int32)
            for i, p in enumerate(self._params):
                used[i] = id(p) not in self._unused_ids
            requests.append(pg._comm.Iallreduce(MPI.IN_PLACE, [used, MPI.INT], op=MPI.MAX))
        _wait(requests, pg, "DistributedDataParallel gradient all-reduce", keep_alive=self._buckets)
        if self.find_unused_parameters:
            used_anywhere = {id(p) for p, u in zip(self._params, used) if u}
        for bucket in self._buckets:
            for p, offset, size in zip(bucket.params, bucket.offsets, bucket.sizes):
                if used_anywhere is not None and id(p) not in used_anywhere:
                    continue  # unused on every rank: its .grad stays as it was
                values = bucket.buffer[offset:offset + size].reshape(tuple(p.shape))
                if p.grad is None:
                    p.grad = from_numpy(values.astype(p.dtype.np)).to(p.device)
                else:
                    store(p.grad, values)
        self._expect_backward = False

    def _find_unused(self, output) -> list:
        from ..._ext._autograd import AccumulateGrad
        reached = set()
        stack, visited = [], set()
        for t in _tensors_in(output):
            if t._node is not None:
                stack.append(t._node)
            elif t.requires_grad:
                reached.add(id(t))
        while stack:
            node = stack.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            if isinstance(node, AccumulateGrad):
                reached.add(id(node.variable))
                continue
            for edge in node.next_edges:
                if edge is not None:
                    stack.append(edge[0])
        return [p for p in self._params if id(p) not in reached]

    # --- the module -------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._expect_backward and self._ready:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`axonml.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
                "participate in calculating loss.")
        self._reset_reduction()
        if self.broadcast_buffers and self.require_forward_param_sync:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast_coalesced(buffers)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._expect_backward = True
            if self.find_unused_parameters:
                self._unused = self._find_unused(output)
                self._unused_ids = {id(p) for p in self._unused}
        return output

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, backward accumulates gradients locally without communication; the first backward
        after it all-reduces the accumulated sum (gradient accumulation over micro-batches).

        Example::

            >>> with ddp.no_sync():
            ...     ddp(first_half).sum().backward()
            >>> ddp(second_half).sum().backward()   # gradients of both halves, averaged across ranks
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        return f"world_size={self.process_group.size()}, buckets={len(self._buckets)}"


def _tensors_in(value) -> Iterator[Tensor]:
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors_in(v)
