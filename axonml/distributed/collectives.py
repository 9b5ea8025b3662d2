"""Collectives and point-to-point transfers on Tensors (torch.distributed's functions), on MPI.

Every call first checks, with one small all-reduce, that all ranks of the group called it with
the same dtype, shape, op and root; a mismatch is a RuntimeError on every rank naming each
rank's arguments, not undefined MPI behaviour. The data then moves with a non-blocking MPI
collective; ``async_op=True`` returns its :class:`Work` handle, and the results are written
into the tensors when it completes. src/dst arguments are global ranks, as in torch.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import _host
from ._host import HostBuffer, as_bytes, check_tensor, describe, host_copy, mpi_op, mpi_type, store
from ._host import _mpi as _MPI  # mpi4py, imported on first use
from .process_group import ProcessGroup, Work, _check_agreement, _complete, _resolve, _wait
from .reduce_op import ReduceOp, RedOpType, _as_red_op

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter_tensor",
           "gather", "scatter", "all_to_all_single", "send", "recv", "isend", "irecv"]


def _average(wire: np.ndarray, op: RedOpType, size: int) -> None:
    if op is RedOpType.AVG:
        np.divide(wire, size, out=wire, casting="unsafe")


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce tensor across all ranks of group, in place: every rank ends with the result.

    Args:
        tensor: input and output, the same shape and dtype on every rank.
        op: a :class:`ReduceOp`.
        group: the process group (default: the world).
        async_op: return a :class:`Work` handle instead of waiting.

    Example::

        >>> t = axonml.tensor([float(dist.get_rank())])
        >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)   # every rank: 0 + 1 + ... + (world - 1)
    """
    check_tensor(tensor, "all_reduce")
    red = _as_red_op(op)
    pg = _resolve(group)
    if pg is None:
        return None
    host = HostBuffer(tensor, "all_reduce", reduce=True)
    operation = mpi_op(red, host.array.dtype, "all_reduce")
    _check_agreement(pg, "all_reduce", f"{describe(tensor)} op={red.name}")
    request = pg._comm.Iallreduce(_MPI().IN_PLACE, [host.wire, mpi_type(host.wire.dtype)], op=operation)

    def finish():
        _average(host.wire, red, pg.size())
        host.write_back()
    return _complete(Work([request], pg, "all_reduce", finish, keep_alive=host), async_op)


def broadcast(tensor: Tensor, src: int, group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Copy tensor from rank src to every rank of group, in place."""
    check_tensor(tensor, "broadcast")
    pg = _resolve(group)
    if pg is None:
        return None
    root = pg.group_rank(src, "src")
    host = HostBuffer(tensor, "broadcast")
    _check_agreement(pg, "broadcast", f"{describe(tensor)} src={src}")
    request = pg._comm.Ibcast([as_bytes(host.array), _MPI().BYTE], root=root)

    def finish():
        if pg.rank() != root:
            host.write_back()
    return _complete(Work([request], pg, "broadcast", finish, keep_alive=host), async_op)


def reduce(tensor: Tensor, dst: int, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False) -> Work | None:
    """Reduce tensor across group into rank dst's tensor (the others' are left as they were)."""
    check_tensor(tensor, "reduce")
    red = _as_red_op(op)
    pg = _resolve(group)
    if pg is None:
        return None
    root = pg.group_rank(dst, "dst")
    host = HostBuffer(tensor, "reduce", reduce=True)
    operation = mpi_op(red, host.array.dtype, "reduce")
    _check_agreement(pg, "reduce", f"{describe(tensor)} op={red.name} dst={dst}")
    buffer = [host.wire, mpi_type(host.wire.dtype)]
    if pg.rank() == root:
        request = pg._comm.Ireduce(_MPI().IN_PLACE, buffer, op=operation, root=root)
    else:
        request = pg._comm.Ireduce(buffer, None, op=operation, root=root)

    def finish():
        if pg.rank() == root:
            _average(host.wire, red, pg.size())
            host.write_back()
    return _complete(Work([request], pg, "reduce", finish, keep_alive=host), async_op)


def _check_list(tensors, size: int, like: Tensor, what: str, name: str) -> list:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: {name} must be a list of tensors, got {type(tensors).__name__}")
    if len(tensors) != size:
        raise ValueError(f"{what}: {name} must hold one tensor per rank of the group ({size}), got {len(tensors)}")
    for i, t in enumerate(tensors):
        check_tensor(t, what, f"{name}[{i}]")
        if t.dtype != like.dtype or tuple(t.shape) != tuple(like.shape):
            raise RuntimeError(f"{what}: {name}[{i}] is {describe(t)}, but the tensor is {describe(like)}")
    return list(tensors)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Gather every rank's tensor into tensor_list (its i-th entry: group rank i's tensor)."""
    check_tensor(tensor, "all_gather")
    pg = _resolve(group)
    if pg is None:
        return None
    outputs = _check_list(tensor_list, pg.size(), tensor, "all_gather", "tensor_list")
    send = np.ascontiguousarray(host_copy(tensor))
    gathered = np.empty((pg.size(),) + send.shape, send.dtype)
    _check_agreement(pg, "all_gather", describe(tensor))
    byte = _MPI().BYTE
    request = pg._comm.Iallgather([as_bytes(send), byte], [as_bytes(gathered), byte])

    def finish():
        for output, values in zip(outputs, gathered):
            store(output, values)
    return _complete(Work([request], pg, "all_gather", finish, keep_alive=(send, gathered)), async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Gather every rank's input into one output tensor, rank by rank along the first dimension.

    Shape:
        - input_tensor: :math:`(*)`, the same on every rank.
        - output_tensor: :math:`(W \\cdot d_0, ...)` or :math:`(W, *)` for a group of W ranks.
    """
    what = "all_gather_into_tensor"
    check_tensor(output_tensor, what, "output_tensor")
    check_tensor(input_tensor, what, "input_tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    if output_tensor.dtype != input_tensor.dtype:
        raise RuntimeError(f"{what}: output_tensor is {output_tensor.dtype.name}, input_tensor "
                           f"{input_tensor.dtype.name}")
    if output_tensor.numel() != pg.size() * input_tensor.numel():
        raise ValueError(f"{what}: output tensor size must be equal to world_size ({pg.size()}) times input tensor "
                         f"size: {describe(output_tensor)} vs {describe(input_tensor)}")
    send = np.ascontiguousarray(host_copy(input_tensor))
    out = HostBuffer(output_tensor, what)
    _check_agreement(pg, what, describe(input_tensor))
    byte = _MPI().BYTE
    request = pg._comm.Iallgather([as_bytes(send), byte], [as_bytes(out.array), byte])
    return _complete(Work([request], pg, what, out.write_back, keep_alive=(send, out)), async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,  # noqa: A002 - torch's name
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce input across the group and give rank i the i-th block of the result.

    Shape:
        - input: :math:`(W \\cdot d_0, ...)` or :math:`(W, *)` for a group of W ranks.
        - output: :math:`(d_0, ...)` (W times fewer elements than input).
    """
    what = "reduce_scatter_tensor"
    check_tensor(output, what, "output")
    check_tensor(input, what, "input")
    red = _as_red_op(op)
    pg = _resolve(group)
    if pg is None:
        return None
    if output.dtype != input.dtype:
        raise RuntimeError(f"{what}: output is {output.dtype.name}, input {input.dtype.name}")
    if input.numel() != pg.size() * output.numel():
        raise ValueError(f"{what}: input tensor size must be equal to world_size ({pg.size()}) times output tensor "
                         f"size: {describe(input)} vs {describe(output)}")
    source = HostBuffer(input, what, reduce=True)
    out = HostBuffer(output, what, reduce=True)
    operation = mpi_op(red, source.array.dtype, what)
    _check_agreement(pg, what, f"{describe(input)} op={red.name}")
    datatype = mpi_type(source.wire.dtype)
    request = pg._comm.Ireduce_scatter_block([source.wire, datatype], [out.wire, datatype], op=operation)

    def finish():
        _average(out.wire, red, pg.size())
        out.write_back()
    return _complete(Work([request], pg, what, finish, keep_alive=(source, out)), async_op)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0,
           group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Gather every rank's tensor into gather_list on rank dst (only dst passes a list)."""
    check_tensor(tensor, "gather")
    pg = _resolve(group)
    if pg is None:
        return None
    root = pg.group_rank(dst, "dst")
    if pg.rank() == root:
        outputs = _check_list(gather_list, pg.size(), tensor, "gather", "gather_list")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    send = np.ascontiguousarray(host_copy(tensor))
    gathered = np.empty((pg.size(),) + send.shape, send.dtype) if pg.rank() == root else None
    _check_agreement(pg, "gather", f"{describe(tensor)} dst={dst}")
    byte = _MPI().BYTE
    request = pg._comm.Igather([as_bytes(send), byte], None if gathered is None else [as_bytes(gathered), byte],
                               root=root)

    def finish():
        if gathered is not None:
            for output, values in zip(outputs, gathered):
                store(output, values)
    return _complete(Work([request], pg, "gather", finish, keep_alive=(send, gathered)), async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0,
            group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Give rank i of the group scatter_list[i] from rank src (only src passes a list)."""
    check_tensor(tensor, "scatter")
    pg = _resolve(group)
    if pg is None:
        return None
    root = pg.group_rank(src, "src")
    send = None
    if pg.rank() == root:
        inputs = _check_list(scatter_list, pg.size(), tensor, "scatter", "scatter_list")
        send = np.stack([host_copy(t) for t in inputs]) if inputs else None
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    out = HostBuffer(tensor, "scatter")
    _check_agreement(pg, "scatter", f"{describe(tensor)} src={src}")
    byte = _MPI().BYTE
    request = pg._comm.Iscatter(None if send is None else [as_bytes(send), byte], [as_bytes(out.array), byte],
                                root=root)
    return _complete(Work([request], pg, "scatter", out.write_back, keep_alive=(send, out)), async_op)


def _splits(sizes, rows: int, world: int, what: str, name: str) -> list[int]:
    if sizes is None or len(sizes) == 0:
        if rows % world:
            raise ValueError(f"{what}: the first dimension ({rows}) must divide by the group size ({world}) "
                             f"when {name} is not given")
        return [rows // world] * world
    sizes = [int(s) for s in sizes]
    if len(sizes) != world or any(s < 0 for s in sizes) or sum(sizes) != rows:
        raise ValueError(f"{what}: {name} must be {world} non-negative sizes adding up to the first dimension "
                         f"({rows}), got {sizes}")
    return sizes


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: list[int] | None = None,  # noqa: A002
                      input_split_sizes: list[int] | None = None, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """Split input along dim 0, send block j to group rank j, and concatenate what arrives into output.

    Args:
        output, input: tensors of one dtype and the same trailing dimensions.
        output_split_sizes: rows received from each rank (default: equal blocks).
        input_split_sizes: rows sent to each rank (default: equal blocks).
    """
    what = "all_to_all_single"
    check_tensor(output, what, "output")
    check_tensor(input, what, "input")
    pg = _resolve(group)
    if pg is None:
        return None
    if output.dtype != input.dtype or tuple(output.shape[1:]) != tuple(input.shape[1:]):
        raise RuntimeError(f"{what}: output {describe(output)} and input {describe(input)} must share the dtype and "
                           "the trailing dimensions")
    world = pg.size()
    rows_in = input.shape[0] if input.ndim else 1
    rows_out = output.shape[0] if output.ndim else 1
    send_sizes = _splits(input_split_sizes, rows_in, world, what, "input_split_sizes")
    receive_sizes = _splits(output_split_sizes, rows_out, world, what, "output_split_sizes")
    _check_agreement(pg, what, f"{input.dtype.name} rows of {tuple(input.shape[1:])}")
    MPI = _MPI()
    # rank j's input_split_sizes[me] must be my output_split_sizes[j]: exchange them and compare
    sent, arriving = np.array(send_sizes, np.int64), np.empty(world, np.int64)
    _wait([pg._control.Ialltoall(sent, arriving)], pg, what, keep_alive=(sent, arriving))
    wrong = np.array([int(not np.array_equal(arriving, receive_sizes))], np.int64)
    _wait([pg._control.Iallreduce(MPI.IN_PLACE, wrong, op=MPI.MAX)], pg, what, keep_alive=wrong)
    if wrong[0]:
        raise RuntimeError(f"{what}: split sizes disagree across ranks: on rank {pg.global_rank(pg.rank())} "
                           f"output_split_sizes is {receive_sizes}, and the ranks send it {arriving.tolist()} rows")
    row_bytes = math.prod(input.shape[1:]) * input.dtype.itemsize
    source = np.ascontiguousarray(host_copy(input))
    out = HostBuffer(output, what)

    def layout(sizes):
        counts = np.array(sizes, np.int64) * row_bytes
        return counts, np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    request = pg._comm.Ialltoallv([as_bytes(source), layout(send_sizes), MPI.BYTE],
                                  [as_bytes(out.array), layout(receive_sizes), MPI.BYTE])
    return _complete(Work([request], pg, what, out.write_back, keep_alive=(source, out)), async_op)


# --- point to point ---------------------------------------------------------------------------------

_MAX_DIMS = 32
_HEADER = 3 + _MAX_DIMS  # sender's group rank, dtype code, ndim, dims


def _header(pg: ProcessGroup, array: np.ndarray, dtype_name: str) -> np.ndarray:
    if array.ndim > _MAX_DIMS:
        raise ValueError(f"send: at most {_MAX_DIMS} dimensions, got {array.ndim}")
    header = np.zeros(_HEADER, np.int64)
    header[:3] = pg.rank(), _host.DTYPE_NAMES.index(dtype_name), array.ndim
    header[3:3 + array.ndim] = array.shape
    return header


def _check_tag(tag: int, what: str) -> int:
    upper = _MPI().COMM_WORLD.Get_attr(_MPI().TAG_UB)
    if isinstance(tag, bool) or not isinstance(tag, int) or not 0 <= tag <= upper:
        raise ValueError(f"{what}: tag must be an int in [0, {upper}], got {tag!r}")
    return tag


def isend(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> Work | None:
    """Send tensor to global rank dst without waiting; the tensor must not change until the handle completes."""
    check_tensor(tensor, "isend")
    pg = _resolve(group)
    if pg is None:
        return None
    peer = pg.group_rank(dst, "dst")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: destination rank should not be the same as the rank of the "
                         "current process.")
    _check_tag(tag, "isend")
    host = HostBuffer(tensor, "isend")
    header = _header(pg, host.array, tensor.dtype.name)
    requests = [pg._control.Isend(header, peer, tag), pg._comm.Isend([as_bytes(host.array), _MPI().BYTE], peer, tag)]
    return Work(requests, pg, f"isend to rank {dst}", keep_alive=(header, host))


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> Work | None:
    """Receive into tensor from global rank src (any rank when None) without waiting.

    The sender's dtype and shape arrive first and must match tensor's (else RuntimeError); the
    data buffer is posted once they have, when the handle is polled (``wait``/``is_completed``).
    ``Work.result()`` is the sender's global rank.
    """
    check_tensor(tensor, "irecv")
    pg = _resolve(group)
    if pg is None:
        return None
    MPI = _MPI()
    peer = MPI.ANY_SOURCE if src is None else pg.group_rank(src, "src")
    if peer == pg.rank():
        raise ValueError("Invalid source rank: source rank should not be the same as the rank of the current "
                         "process.")
    _check_tag(tag, "irecv")
    host = HostBuffer(tensor, "irecv")
    header = np.zeros(_HEADER, np.int64)
    sender: dict = {}

    def receive_data():
        sender_rank, dtype_code, ndim = (int(v) for v in header[:3])
        shape = tuple(int(d) for d in header[3:3 + ndim])
        dtype_name = _host.DTYPE_NAMES[dtype_code] if 0 <= dtype_code < len(_host.DTYPE_NAMES) else "?"
        sender["rank"] = pg.global_rank(sender_rank)
        if dtype_name != tensor.dtype.name or shape != tuple(tensor.shape):
            # drain the message so the sender completes, then report the mismatch
            from .. import _dtype
            itemsize = getattr(_dtype, dtype_name).itemsize if dtype_name != "?" else 1
            sender["error"] = (f"recv: rank {sender['rank']} sent a {dtype_name}{shape} tensor, but the receiving "
                               f"tensor is {describe(tensor)}")
            scratch = np.empty(math.prod(shape) * itemsize, np.uint8)
            sender["scratch"] = scratch
            return [pg._comm.Irecv([scratch, MPI.BYTE], sender_rank, tag)]
        return [pg._comm.Irecv([as_bytes(host.array), MPI.BYTE], sender_rank, tag)]

    def finish():
        if "error" in sender:
            raise RuntimeError(sender["error"])
        host.write_back()
        return sender["rank"]
    return Work([pg._control.Irecv(header, peer, tag)], pg, "recv", finish, keep_alive=(header, host, sender),
                then=receive_data)


def send(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> None:
    """Send tensor to global rank dst and wait until it has left this process's buffer."""
    work = isend(tensor, dst, group, tag)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> int:
    """Receive into tensor from global rank src (any rank when None); returns the sender's global rank."""
    work = irecv(tensor, src, group, tag)
    return -1 if work is None else work.result()
