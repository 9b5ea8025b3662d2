"""Process groups on MPI: init_process_group, new_group, ranks, timeouts and Work handles.

Every rank is one MPI process; rank and world size come from the MPI launcher (``mpiexec``,
``srun --mpi=pmi2``). Each group holds two MPI communicators: one moves the data, the other
carries the small control messages (shape/dtype agreement checks, point-to-point headers), so
that user tags and control traffic never meet. Every wait polls non-blocking MPI requests
against the group's timeout, so a peer that died, raised or never arrives is an error on the
ranks left waiting, not a hang.
"""
from __future__ import annotations

import atexit
import datetime
import functools
import hashlib
import importlib.util
import sys
import time
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = ["Backend", "DistError", "DistBackendError", "GroupMember", "ProcessGroup", "Work", "barrier",
           "default_pg_timeout", "destroy_process_group", "get_backend", "get_process_group_ranks", "get_rank",
           "get_world_size", "group", "init_process_group", "is_available", "is_initialized", "is_mpi_available",
           "new_group"]

default_pg_timeout = datetime.timedelta(minutes=30)


class DistError(RuntimeError):
    """An error of the distributed package (torch.distributed.DistError)."""


class DistBackendError(DistError):
    """The MPI layer failed or a collective timed out (torch.distributed.DistBackendError)."""


class Backend(str):
    """The communication backend's name; axonml has one, ``Backend.MPI`` (``"mpi"``)."""

    MPI = "mpi"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name!r}")
        value = name.lower()
        if value != cls.MPI:
            raise RuntimeError(f"axonml.distributed runs on MPI only: backend must be 'mpi', got {name!r}")
        return super().__new__(cls, value)


def is_available() -> bool:
    """Whether mpi4py is installed (without starting MPI)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


@functools.cache
def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError("axonml.distributed needs MPI: pip install 'axonml[distributed]' (the mpich wheel and "
                           f"mpi4py), or mpi4py built against your cluster's MPI ({error})") from None
    return MPI


class ProcessGroup:
    """A set of ranks that run collectives together (one MPI communicator).

    Made by :func:`init_process_group` (the world) and :func:`new_group`; ``rank()`` and
    ``size()`` are this process's rank in the group and the group's size.
    """

    def __init__(self, comm, ranks: Sequence[int], timeout: float):
        self._comm = comm
        self._control = comm.Dup()
        self._ranks = list(ranks)
        self._group_rank_of = {global_rank: i for i, global_rank in enumerate(self._ranks)}
        self.timeout = float(timeout)

    def rank(self) -> int:
        return self._comm.Get_rank()

    def size(self) -> int:
        return self._comm.Get_size()

    def group_rank(self, global_rank: int, what: str = "rank") -> int:
        """The rank in this group of a global rank; ValueError when it is not a member."""
        if isinstance(global_rank, bool) or not isinstance(global_rank, (int, np.integer)):
            raise TypeError(f"{what} must be an int, got {type(global_rank).__name__}")
        try:
            return self._group_rank_of[int(global_rank)]
        except KeyError:
            raise ValueError(f"{what} {global_rank} is not part of the group (its global ranks are "
                             f"{self._ranks})") from None

    def global_rank(self, group_rank: int) -> int:
        return self._ranks[group_rank]

    def name(self) -> str:
        return Backend.MPI

    def _free(self) -> None:
        for comm in (self._control, self._comm):
            if comm is not None and comm != _mpi().COMM_NULL:
                comm.Free()
        self._comm = self._control = None

    def __repr__(self) -> str:
        return f"ProcessGroup(backend='mpi', ranks={self._ranks})"


class _NonMember:
    """What new_group returns on a rank outside the new group (torch's GroupMember.NON_GROUP_MEMBER)."""

    def __repr__(self) -> str:
        return "GroupMember.NON_GROUP_MEMBER"


class _GroupMember:
    """``group.WORLD`` is the default (world) group once initialized, else None."""

    NON_GROUP_MEMBER = _NonMember()

    @property
    def WORLD(self) -> ProcessGroup | None:  # noqa: N802 - torch's name
        return _state.world


group = GroupMember = _GroupMember()


class _State:
    def __init__(self):
        self.world: ProcessGroup | None = None
        self.groups: list[ProcessGroup] = []
        self.previous_excepthook = None
        # buffers of requests abandoned by a timeout: MPI may still write into them, so they live on
        self.abandoned: list = []


_state = _State()


def _as_seconds(timeout, what: str = "timeout") -> float:
    if isinstance(timeout, datetime.timedelta):
        seconds = timeout.total_seconds()
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        seconds = float(timeout)
    else:
        raise TypeError(f"Expected {what} argument to be of type datetime.timedelta, got {type(timeout).__name__}")
    if not seconds > 0:
        raise ValueError(f"{what} must be positive, got {timeout}")
    return seconds


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the default process group: every process the MPI launcher started.

    Args:
        backend: ``"mpi"`` (the default and the only backend).
        init_method: ignored as torch's MPI backend ignores it: MPI's launcher says who the peers are.
        timeout: how long any collective, barrier or receive waits for the other ranks before it
            raises :class:`DistBackendError` (default 30 minutes, a ``datetime.timedelta``).
        world_size, rank: if given, checked against what MPI reports.
        store, group_name, pg_options, device_id: accepted for torch's signature; a store is an error.

    A rank whose script raises an uncaught exception prints it and aborts the MPI job, so the other
    ranks stop at once rather than waiting out the timeout.

    Example::

        >>> # mpiexec -n 2 python train.py
        >>> import axonml.distributed as dist
        >>> dist.init_process_group("mpi")
        >>> dist.get_rank(), dist.get_world_size()
    """
    if _state.world is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    Backend(backend if backend is not None else Backend.MPI)
    if store is not None:
        raise ValueError("axonml.distributed's MPI backend takes no store: the MPI launcher connects the ranks")
    seconds = _as_seconds(default_pg_timeout if timeout is None else timeout)
    MPI = _mpi()
    world = MPI.COMM_WORLD
    world.Set_errhandler(MPI.ERRORS_RETURN)
    size, me = world.Get_size(), world.Get_rank()
    if world_size not in (-1, None) and world_size != size:
        raise ValueError(f"world_size={world_size} was given, but MPI started {size} processes")
    if rank not in (-1, None) and rank != me:
        raise ValueError(f"rank={rank} was given, but MPI says this process is rank {me}")
    _state.world = ProcessGroup(world.Dup(), range(size), seconds)
    _state.groups = [_state.world]
    if size > 1:
        _install_abort_on_uncaught_exception()


def _install_abort_on_uncaught_exception() -> None:
    previous = sys.excepthook

    def abort_job(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        if _state.world is not None and not issubclass(exc_type, KeyboardInterrupt):
            MPI = _mpi()
            rank = MPI.COMM_WORLD.Get_rank()
            sys.stderr.write(f"axonml.distributed: rank {rank} raised {exc_type.__name__}; aborting the MPI job\n")
            sys.stderr.flush()
            sys.stdout.flush()
            time.sleep(0.5)  # the launcher forwards output asynchronously, and MPI_Abort ends it at once
            MPI.COMM_WORLD.Abort(1)

    _state.previous_excepthook = previous
    sys.excepthook = abort_job


def is_initialized() -> bool:
    return _state.world is not None


def _default_group() -> ProcessGroup:
    if _state.world is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _state.world


def _resolve(group_arg) -> ProcessGroup | None:
    """The group a call runs on; None when this rank is not a member (the call does nothing, as in torch)."""
    if group_arg is None:
        return _default_group()
    _default_group()
    if group_arg is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group_arg, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup, got {type(group_arg).__name__}")
    if group_arg._comm is None:
        raise ValueError("the process group has been destroyed")
    return group_arg


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in group (the world by default); -1 outside the group."""
    pg = _resolve(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of ranks in group (the world by default); -1 outside the group."""
    pg = _resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> str:
    _resolve(group)
    return Backend.MPI


def get_process_group_ranks(group: ProcessGroup) -> list[int]:
    """The global ranks of group's members, in group-rank order."""
    pg = _resolve(group)
    if pg is None:
        raise ValueError("this rank is not part of the group")
    return list(pg._ranks)


def new_group(ranks: Iterable[int] | None = None, timeout: datetime.timedelta | None = None, backend=None,
              pg_options=None, use_local_synchronization: bool = False, group_desc: str | None = None):
    """A new group of the given global ranks (all of them by default).

    Every rank of the world must call it, with the same ranks, as in torch; the members' ranks
    in the new group follow their sorted global ranks. A rank outside the group gets
    ``GroupMember.NON_GROUP_MEMBER``, and collectives on it do nothing.

    Args:
        ranks: global ranks of the members.
        timeout: the new group's timeout (default: the world's).
    """
    world = _default_group()
    Backend(backend if backend is not None else Backend.MPI)
    size = world.size()
    members = sorted(set(range(size) if ranks is None else (int(r) for r in ranks)))
    for r in members:
        if not 0 <= r < size:
            raise ValueError(f"new_group: rank {r} is out of range for a world of {size} processes")
    if ranks is not None and len(members) != len(list(ranks)):
        raise ValueError(f"new_group: ranks must not repeat, got {list(ranks)}")
    seconds = world.timeout if timeout is None else _as_seconds(timeout)
    _check_agreement(world, "new_group", f"ranks={members}")
    MPI = _mpi()
    me = world.rank()
    comm = world._comm.Split(0 if me in members else MPI.UNDEFINED, me)
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    pg = ProcessGroup(comm, members, seconds)
    _state.groups.append(pg)
    return pg


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free group, or with no argument every group (after which init_process_group may run again)."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    if group is None or group is _state.world:
        _default_group()
        for pg in _state.groups:
            pg._free()
        _state.groups, _state.world = [], None
        if _state.previous_excepthook is not None:
            sys.excepthook = _state.previous_excepthook
            _state.previous_excepthook = None
        return
    pg = _resolve(group)
    pg._free()
    _state.groups.remove(pg)


# --- waiting, with a deadline ------------------------------------------------------------------

def _wait(requests: list, pg: ProcessGroup, what: str, timeout: float | None = None, keep_alive=None) -> None:
    """Wait for MPI requests, polling; past the group's timeout raise DistBackendError.

    MPI moves data (on shared memory, copies it) only while a rank is inside MPI, so the loop
    polls without sleeping, as MPI_Wait would: after the first thousand polls it yields the core
    between polls (at once back when no other process wants it, so a transfer keeps its speed),
    and only a wait of over 10 s, a stalled peer rather than a transfer, sleeps between polls.
    """
    MPI = _mpi()
    limit = pg.timeout if timeout is None else timeout
    started = time.monotonic()
    polls = 0
    while True:
        try:
            if MPI.Request.Testall(requests):
                return
        except MPI.Exception as error:
            raise DistBackendError(f"{what} failed on rank {_world_rank()}: {error.Get_error_string()}") from None
        polls += 1
        if polls > 1000:
            time.sleep(0)
        if polls & 0xFF:
            continue
        waited = time.monotonic() - started
        if waited > limit:
            _state.abandoned.append((requests, keep_alive))
            raise DistBackendError(
                f"{what} timed out after {limit:g} s on rank {_world_rank()} (group of {pg.size()} ranks "
                f"{pg._ranks}): not every rank reached it. A rank may have died or raised, may be stuck "
                "elsewhere, or may have called a different collective.")
        if waited > 10:
            time.sleep(2e-4)


def _world_rank() -> int:
    return _mpi().COMM_WORLD.Get_rank()


class Work:
    """The handle an ``async_op=True`` call returns: ``wait()`` blocks until the operation is
    done (or its group's timeout passes), ``is_completed()`` polls.

    Results are written into the call's tensors when the operation completes (in wait, or in
    the is_completed call that finds it done).
    """

    def __init__(self, requests: list, pg: ProcessGroup, what: str, finish: Callable[[], object] | None = None,
                 keep_alive=None, then: Callable[[], list] | None = None):
        self._requests = requests
        self._pg = pg
        self._what = what
        self._finish = finish
        self._then = then
        self._keep_alive = keep_alive
        self._done = False
        self._result = None

    def _advance(self) -> bool:
        if self._then is not None:  # a second stage that could start only after the first
            then, self._then = self._then, None
            self._requests = then()
            return False
        self._done = True
        if self._finish is not None:
            self._result = self._finish()
        self._keep_alive = None
        return True

    def is_completed(self) -> bool:
        if self._done:
            return True
        MPI = _mpi()
        try:
            ready = MPI.Request.Testall(self._requests)
        except MPI.Exception as error:
            raise DistBackendError(f"{self._what} failed on rank {_world_rank()}: "
                                   f"{error.Get_error_string()}") from None
        return ready and (self._advance() or self.is_completed())

    def wait(self, timeout: datetime.timedelta | None = None) -> bool:
        seconds = None if timeout is None else _as_seconds(timeout)
        while not self._done:
            _wait(self._requests, self._pg, self._what, seconds, self._keep_alive)
            self._advance()
        return True

    def result(self):
        """What the operation returns when done (recv: the sender's rank)."""
        self.wait()
        return self._result


def _complete(work: Work, async_op: bool):
    if async_op:
        return work
    return work.wait() and work._result


# --- agreement checks -----------------------------------------------------------------------------

def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


def _check_agreement(pg: ProcessGroup, what: str, description: str) -> None:
    """Raise RuntimeError on every rank unless all ranks of pg passed the same description.

    One all-reduce of two int64s: the maximum of a digest and of its negation (its minimum)
    are equal only when every rank sent the same digest.
    """
    MPI = _mpi()
    digest = _digest(description)
    header = np.array([digest, -digest], np.int64)
    _wait([pg._control.Iallreduce(MPI.IN_PLACE, header, op=MPI.MAX)], pg, what, keep_alive=header)
    if header[0] == digest and -header[1] == digest:
        return
    descriptions = [d.decode() for d in _allgather_bytes(pg, description.encode(), what)]
    listing = "; ".join(f"rank {pg.global_rank(i)}: {d}" for i, d in enumerate(descriptions))
    raise RuntimeError(f"{what}: the ranks disagree on the call ({listing})")


def _allgather_bytes(pg: ProcessGroup, payload: bytes | None, what: str) -> list[bytes | None]:
    """Every rank's payload, in group-rank order (lengths first, then the bytes); None where a rank had none."""
    MPI = _mpi()
    lengths = np.zeros(pg.size(), np.int64)
    mine = np.array([-1 if payload is None else len(payload)], np.int64)
    _wait([pg._control.Iallgather(mine, lengths)], pg, what, keep_alive=(mine, lengths))
    missing = lengths < 0
    lengths[missing] = 0
    send = np.frombuffer(payload, np.uint8) if payload else np.zeros(0, np.uint8)
    received = np.empty(int(lengths.sum()), np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    request = pg._control.Iallgatherv([send, MPI.BYTE], [received, (lengths, offsets), MPI.BYTE])
    _wait([request], pg, what, keep_alive=(send, received))
    return [None if gone else received[o:o + n].tobytes()
            for o, n, gone in zip(offsets.tolist(), lengths.tolist(), missing.tolist())]


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None):
    """Wait until every rank of group has reached the barrier (or its timeout passes)."""
    pg = _resolve(group)
    if pg is None:
        return None
    return _complete(Work([pg._comm.Ibarrier()], pg, "barrier"), async_op)


@atexit.register
def _release_at_exit() -> None:
    """Free the communicators before mpi4py finalizes MPI (unless a timeout left requests pending)."""
    if _state.world is not None and not _state.abandoned and not _mpi().Is_finalized():
        try:
            destroy_process_group()
        except Exception:  # noqa: BLE001 - exiting anyway; MPI_Finalize reports what is left
            pass
