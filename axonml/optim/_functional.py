"""What every optimizer's step shares: lazily created state tensors, scalar state and argument checks."""
from __future__ import annotations

import numpy as np

from ..backends import cpu
from ..tensor import Tensor, _backend_of, _make


def zeros_state(param: Tensor) -> Tensor:
    """A zero tensor shaped, typed and placed like param, holding optimizer state."""
    data = param._data
    return _make(_backend_of(data).zeros(data.shape, data.dtype))


def full_state(param: Tensor, value: float) -> Tensor:
    """A tensor shaped, typed and placed like param, filled with value (torch.full_like)."""
    data = param._data
    return _make(_backend_of(data).full(data.shape, value, data.dtype))


def scalar_state(value: float) -> Tensor:
    """A float32 scalar on the CPU, as torch.optim keeps step counters and other per-parameter scalars."""
    return _make(cpu.full((), value, np.dtype(np.float32)))


def new_step() -> Tensor:
    """A float32 scalar step counter on the CPU, as torch.optim keeps it."""
    return scalar_state(0.0)


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


def assign(scalar: Tensor, value: float) -> float:
    """Write value into a scalar state tensor in place (rounded to its dtype) and return what it now holds."""
    data = scalar._data
    scalar._vc.value += 1
    if type(data) is np.ndarray:
        data[...] = value
        return float(data)
    xp = _backend_of(data)
    xp.copy_into(data, xp.full((), value, data.dtype))
    return float(xp.to_numpy(data))


def array_or_none(state: dict, key: str):
    """The backend array of state[key], or None when there is no such state."""
    tensor = state.get(key)
    return None if tensor is None else tensor._data


def decay_terms(lr: float, weight_decay: float, decoupled: bool) -> tuple[float, float]:
    """(L2 coefficient added to the gradient, factor multiplying the parameter) for the fused kernels:
    AdamW-style decoupled decay multiplies the parameter by 1 - lr * weight_decay, L2 decay adds
    weight_decay * param to the gradient; the unused one is the identity (0, or 1)."""
    if decoupled:
        return 0.0, 1.0 - lr * weight_decay
    return weight_decay, 1.0


def check_betas(betas) -> None:
    """torch.optim's checks of a (beta1, beta2) pair."""
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_nonnegative(**options: float) -> None:
    """torch.optim's range checks, in the order given: each option must be >= 0, with its messages
    ("Invalid learning rate: -1.0", "Invalid epsilon value: ...", "Invalid weight_decay value: ...")."""
    for name, value in options.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def refuse_unfusable(name: str, capturable: bool = False, differentiable: bool = False) -> None:
    """capturable / differentiable updates are not offered: every update is one fused kernel."""
    flags = [flag for flag, on in (("capturable", capturable), ("differentiable", differentiable)) if on]
    if flags:
        raise NotImplementedError(f"{name}({', '.join(flag + '=True' for flag in flags)}) is not supported: "
                                  "the update is a fused kernel")
