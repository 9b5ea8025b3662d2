"""Backends: one implementation of the primitive contract (base.py) per device type."""
from .base import PRIMITIVES, Backend
from .cpu import cpu

__all__ = ["Backend", "PRIMITIVES", "cpu", "get_backend"]


def get_backend(device):
    """The backend that owns memory on device (an axonml.device)."""
    if device.type == "cpu":
        return cpu
    if device.type == "opencl":
        from .opencl import get_opencl_backend
        return get_opencl_backend(device.index or 0)
    raise RuntimeError(f"unknown device type {device.type}")
