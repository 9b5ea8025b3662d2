"""OpenCL devices: listing, information, and the memory and program caches.

``device('opencl:i')`` is the i-th device in axonml's order (GPUs, then accelerators, then
CPUs such as PoCL); ``AXONML_OPENCL_DEVICE`` (an index or a substring of a device name)
chooses which one ``opencl`` means.

Example::

    >>> import axonml
    >>> if axonml.opencl.is_available():
    ...     x = axonml.randn(3, 4, device="opencl")
"""
from __future__ import annotations

from .._device import device as _device_cls
from . import _devices

__all__ = ["is_available", "device_count", "get_device_name", "device_info", "synchronize", "empty_cache",
           "memory_stats", "program_cache_stats"]


def is_available() -> bool:
    """Whether pyopencl is installed and at least one OpenCL device exists."""
    try:
        return len(_devices.devices()) > 0
    except RuntimeError:
        return False


def device_count() -> int:
    return len(_devices.devices())


def _index(device) -> int:
    if device is None:
        return 0
    if isinstance(device, int):
        return device
    device = _device_cls(device)
    if device.type != "opencl":
        raise ValueError(f"expected an OpenCL device, got {device}")
    return device.index or 0


def _cl_device(device):
    index = _index(device)
    found = _devices.devices()
    if not 0 <= index < len(found):
        raise RuntimeError(f"OpenCL device index {index} is out of range: there are {len(found)} OpenCL devices")
    return found[index]


def get_device_name(device=None) -> str:
    """The name of an OpenCL device (an index, 'opencl:i' or an axonml.device)."""
    return _cl_device(device).name.strip()


def device_info(device=None) -> dict:
    """What axonml knows about a device: name, vendor, platform, memory, compute units, float64 support."""
    d = _cl_device(device)
    return {
        "name": d.name.strip(),
        "vendor": d.vendor.strip(),
        "platform": d.platform.name.strip(),
        "version": d.version.strip(),
        "driver_version": d.driver_version.strip(),
        "global_memory": int(d.global_mem_size),
        "max_allocation": int(d.max_mem_alloc_size),
        "local_memory": int(d.local_mem_size),
        "compute_units": int(d.max_compute_units),
        "max_work_group_size": int(d.max_work_group_size),
        "float64": "cl_khr_fp64" in d.extensions or bool(d.double_fp_config),
    }


def _backend(device):
    from ..backends.opencl import get_opencl_backend
    return get_opencl_backend(_index(device))


def synchronize(device=None) -> None:
    """Wait for every kernel queued on the device to finish."""
    _backend(device).synchronize()


def empty_cache(device=None) -> None:
    """Release the device buffers cached for reuse back to the driver."""
    _backend(device).pool.empty()


def memory_stats(device=None) -> dict:
    """The caching allocator's counters: buffers allocated and reused, bytes in use and cached."""
    return dict(_backend(device).pool.stats)


def program_cache_stats(device=None) -> dict:
    """Where this process's programs came from: 'memory', 'disk' (cached binaries), 'compiled', 'rebuilt'."""
    return dict(_backend(device).programs.stats)
