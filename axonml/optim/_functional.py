"""What every optimizer's step shares: lazily created state tensors and the step counter."""
from __future__ import annotations

import numpy as np

from ..backends import cpu
from ..tensor import Tensor, _backend_of, _make


def zeros_state(param: Tensor) -> Tensor:
    """A zero tensor shaped, typed and placed like param, holding optimizer state."""
    data = param._data
    return _make(_backend_of(data).zeros(data.shape, data.dtype))


def new_step() -> Tensor:
    """A float32 scalar step counter on the CPU, as torch.optim keeps it."""
    return _make(cpu.zeros((), np.dtype(np.float32)))


def advance(step: Tensor) -> float:
    """Add one to a step counter in place and return its new value."""
    data = step._data
    step._vc.value += 1
    if type(data) is np.ndarray:  # the usual home of a step counter; spares two backend calls per parameter
        data += 1
        return float(data)
    xp = _backend_of(data)
    xp.add_into(data, xp.ones((), data.dtype))
    return float(xp.to_numpy(data))


def array_or_none(state: dict, key: str):
    """The backend array of state[key], or None when there is no such state."""
    tensor = state.get(key)
    return None if tensor is None else tensor._data
