"""Devices as PyTorch spells them: device('cpu'), device('opencl'), device('opencl:1')."""
from __future__ import annotations

__all__ = ["device", "get_default_device", "set_default_device"]

_KNOWN_TYPES = ("cpu", "opencl")


class device:
    """Where a tensor's memory lives. Immutable and hashable, compared by type and index."""

    __slots__ = ("type", "index")

    def __init__(self, type_or_str, index: int | None = None):
        if isinstance(type_or_str, device):
            self.type, self.index = type_or_str.type, type_or_str.index
            return
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() expects a string such as 'cpu' or 'opencl:0', got {type(type_or_str).__name__}")
        spec = type_or_str.strip()
        if ":" in spec:
            if index is not None:
                raise ValueError(f"device string '{spec}' already has an index; don't also pass index={index}")
            spec, _, idx = spec.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            index = int(idx)
        if spec not in _KNOWN_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN_TYPES)} device type at start of device "
                               f"string: {type_or_str}")
        if spec == "cpu" and index not in (None, 0):
            raise RuntimeError(f"cpu device has no index {index}")
        self.type = spec
        self.index = index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


_default_device = None  # None: the CPU, and the fast path of creation functions


def get_default_device() -> device:
    """The device creation functions use when none is given (torch.get_default_device)."""
    if _default_device is None:
        return device("cpu")
    return _default_device if _default_device.index is not None else device(f"{_default_device.type}:0")


def set_default_device(target) -> None:
    """Make creation functions (tensor, zeros, randn ... and so module parameters) allocate on target
    when no device is given; None or 'cpu' restores the CPU."""
    global _default_device
    chosen = None if target is None else device(target)
    _default_device = None if chosen is None or chosen.type == "cpu" else chosen


def default_device_or_none():
    """The default device set by set_default_device, or None for the CPU."""
    return _default_device
