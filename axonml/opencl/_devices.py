"""Finding OpenCL devices, in a stable order: GPUs, then accelerators, then CPUs.

``AXONML_OPENCL_DEVICE`` (an index into that order, or a substring of a device name)
chooses the device that ``opencl`` / ``opencl:0`` means; the others keep their order after it.

A device whose OpenCL compiler cannot build a one-line kernel is left out, with the reason kept in
``unusable()``: PoCL 3.0's LLVM 14, for one, does not know CPUs newer than it (AMD Zen 5) and fails
every build with "unknown target CPU 'generic'".
"""
from __future__ import annotations

import os

__all__ = ["devices", "unusable", "reset"]

_devices = None
_unusable: list = []
_PROBE = "__kernel void axonml_probe(__global float *x) { x[get_global_id(0)] += 1.0f; }"


def _type_rank(device) -> int:
    import pyopencl as cl
    kind = device.type
    if kind & cl.device_type.GPU:
        return 0
    if kind & cl.device_type.ACCELERATOR:
        return 1
    return 2


def _discover() -> list:
    try:
        import pyopencl as cl
        platforms = cl.get_platforms()
    except Exception:  # noqa: BLE001 - no ICD loader, no platform: simply no devices
        return []
    found = []
    for p, platform in enumerate(platforms):
        try:
            platform_devices = platform.get_devices()
        except Exception:  # noqa: BLE001 - a platform without devices
            continue
        for d, device in enumerate(platform_devices):
            reason = _build_failure(cl, device)
            if reason is None:
                found.append((_type_rank(device), p, d, device))
            else:
                _unusable.append((device.name.strip(), reason))
    found.sort(key=lambda entry: entry[:3])
    ordered = [entry[3] for entry in found]
    choice = os.environ.get("AXONML_OPENCL_DEVICE", "").strip()
    if choice and ordered:
        ordered = _select_first(ordered, choice)
    return ordered


def _build_failure(cl, device) -> str | None:
    """Why the device's compiler cannot build a trivial kernel, or None when it can."""
    try:
        cl.Program(cl.Context([device]), _PROBE).build()
    except Exception as error:  # noqa: BLE001 - any build failure makes the device unusable
        lines = [line.strip() for line in str(error).splitlines() if line.strip().startswith("error:")]
        return lines[0] if lines else str(error).splitlines()[0]
    return None


def _select_first(ordered: list, choice: str) -> list:
    if choice.isdigit():
        index = int(choice)
        if index >= len(ordered):
            raise RuntimeError(f"AXONML_OPENCL_DEVICE={choice}: there are only {len(ordered)} OpenCL devices")
    else:
        matches = [i for i, d in enumerate(ordered) if choice.lower() in d.name.lower()]
        if not matches:
            names = ", ".join(d.name.strip() for d in ordered)
            raise RuntimeError(f"AXONML_OPENCL_DEVICE={choice!r} matches no OpenCL device (found: {names})")
        index = matches[0]
    return [ordered[index]] + ordered[:index] + ordered[index + 1:]


def devices() -> list:
    """The pyopencl devices in axonml's order (index i is device('opencl:i'))."""
    global _devices
    if _devices is None:
        _unusable.clear()
        _devices = _discover()
    return _devices


def unusable() -> list:
    """(name, reason) of each device found whose compiler cannot build kernels."""
    devices()
    return list(_unusable)


def reset() -> None:
    """Forget the device list (it is read again, with AXONML_OPENCL_DEVICE, on next use)."""
    global _devices
    _devices = None
