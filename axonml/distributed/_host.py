"""A tensor's memory as MPI sees it: dtypes, byte views, host copies of device tensors, reduce ops."""
from __future__ import annotations

import functools

import numpy as np

from .. import _dtype
from ..tensor import Tensor
from .reduce_op import RedOpType

# the numbering of dtypes in point-to-point headers
DTYPE_NAMES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
_BFLOAT16 = _dtype.bfloat16.np
_FLOAT16 = np.dtype(np.float16)


@functools.cache
def _mpi():
    from mpi4py import MPI
    return MPI


def describe(tensor: Tensor) -> str:
    return f"{tensor.dtype.name}{tuple(tensor.shape)}"


def check_tensor(tensor, what: str, name: str = "tensor") -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what}: {name} must be a Tensor, got {type(tensor).__name__}")
    return tensor


def as_bytes(array: np.ndarray) -> np.ndarray:
    """The same memory as a flat uint8 array (array must be C-contiguous)."""
    return array.reshape(-1).view(np.uint8)


@functools.cache
def _native_float16() -> bool:
    """Whether this MPI library reduces float16 itself (MPICH's MPIX_C_FLOAT16); else via float32."""
    try:
        _mpi().Datatype.fromcode("e")
    except (KeyError, ValueError, _mpi().Exception):
        return False
    return True


def _wire_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a reduction runs in: bfloat16 (and float16 where MPI lacks it) as float32."""
    if dtype == _BFLOAT16 or (dtype == _FLOAT16 and not _native_float16()):
        return np.dtype(np.float32)
    return dtype


@functools.cache
def mpi_type(dtype: np.dtype):
    return _mpi().Datatype.fromcode(np.dtype(dtype).char)


class HostBuffer:
    """A contiguous tensor's values in host memory for MPI.

    A CPU tensor lends its own memory, so MPI reads and writes it in place. A device tensor is
    copied to the host (this MPI build has no device-memory support) and written back by
    ``write_back``. For a reduction, ``wire`` is the array MPI combines: the host array itself,
    or a float32 copy for dtypes MPI cannot reduce (bfloat16).
    """

    def __init__(self, tensor: Tensor, what: str, reduce: bool = False):
        data = tensor._data
        if type(data) is np.ndarray:
            if not data.flags.c_contiguous:
                raise RuntimeError(f"{what}: Tensors must be contiguous")
            self.array = data
            self.backend = None
        else:
            backend = data.backend
            if not backend.is_contiguous(data):
                raise RuntimeError(f"{what}: Tensors must be contiguous")
            self.array = backend.to_numpy(data)
            self.backend = backend
        self.tensor = tensor
        self.wire = self.array
        if reduce:
            wire = _wire_dtype(self.array.dtype)
            if wire != self.array.dtype:
                self.wire = self.array.astype(wire)

    def write_back(self) -> None:
        """Store the received values into the tensor (and count the in-place write)."""
        if self.wire is not self.array:
            np.copyto(self.array, self.wire, casting="unsafe")
        if self.backend is not None:
            self.backend.copy_into(self.tensor._data, self.array)
        self.tensor._vc.value += 1


def host_copy(tensor: Tensor) -> np.ndarray:
    """A tensor's values as a host array (a view of a CPU tensor's memory when possible)."""
    data = tensor._data
    if type(data) is np.ndarray:
        return data
    return data.backend.to_numpy(data)


def store(tensor: Tensor, values: np.ndarray) -> None:
    """Write values (a host array of tensor's shape) into tensor's memory, on its device."""
    data = tensor._data
    if type(data) is np.ndarray:
        np.copyto(data, values.reshape(data.shape), casting="unsafe")
    else:
        data.backend.copy_into(data, np.ascontiguousarray(values.reshape(data.shape)))
    tensor._vc.value += 1


def mpi_op(op: RedOpType, dtype: np.dtype, what: str):
    """The MPI operation for op on dtype; RuntimeError where torch has none (AVG on integers, bitwise on floats)."""
    operation = _op_table(np.dtype(dtype)).get(op)
    if operation is None:
        name = _dtype.from_numpy_dtype(dtype).name
        needs = "a floating-point" if op is RedOpType.AVG else "an integer or bool"
        raise RuntimeError(f"{what}: ReduceOp.{op.name} needs {needs} tensor, got {name}")
    return operation


@functools.cache
def _op_table(dtype: np.dtype) -> dict:
    MPI = _mpi()
    kind = "f" if dtype == _BFLOAT16 else dtype.kind
    if kind == "b":
        table = {RedOpType.SUM: MPI.LOR, RedOpType.MAX: MPI.LOR, RedOpType.BOR: MPI.LOR,
                 RedOpType.PRODUCT: MPI.LAND, RedOpType.MIN: MPI.LAND, RedOpType.BAND: MPI.LAND,
                 RedOpType.BXOR: MPI.LXOR}
    elif kind in "iu":
        table = {RedOpType.SUM: MPI.SUM, RedOpType.PRODUCT: MPI.PROD, RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX,
                 RedOpType.BAND: MPI.BAND, RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}
    else:
        table = {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD, RedOpType.MIN: MPI.MIN,
                 RedOpType.MAX: MPI.MAX}
    return table
