"""Devices as PyTorch spells them: device('cpu'), device('opencl'), device('opencl:1')."""
from __future__ import annotations

__all__ = ["device"]

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
