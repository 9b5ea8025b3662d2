"""`axonml gpu list|info|bench|select`: the OpenCL devices axonml can run on, and the one to use.

Devices are numbered in axonml's order (GPUs, then accelerators, then CPUs such as PoCL; see
:mod:`axonml.opencl`), so ``opencl:N`` here is ``opencl:N`` everywhere. ``select`` stores a device
in ``.axonml/gpu.json`` of the current directory (by name and platform, which survive a reordering),
and :func:`resolve_device` turns ``--device auto`` into it.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time

from ._common import add_action, add_family, human_size, print_json, print_table, workspace_path
from .errors import CommandError

__all__ = ["register", "resolve_device", "selection_path", "read_selection"]


def selection_path() -> str:
    return workspace_path("gpu.json")


def register(subparsers) -> None:
    parser = add_family(subparsers, "gpu", "list, inspect, benchmark and select OpenCL devices",
                        "The OpenCL platforms and devices pyopencl finds, their properties, a short gemm and "
                        "bandwidth check, and the device that --device auto means in this directory.",
                        ["axonml gpu list", "axonml gpu info 0 --json", "axonml gpu bench 0 --size 1024",
                         "axonml gpu select 'RTX'", "axonml train --device auto ..."])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = add_action(actions, "list", "list OpenCL platforms and devices, in axonml's order",
                         ["axonml gpu list", "axonml gpu list --json"])
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    info = add_action(actions, "info", "show one device's properties", ["axonml gpu info", "axonml gpu info 1 --json"])
    info.add_argument("device", nargs="?", default="0", metavar="DEVICE",
                      help="an index (opencl:N) or part of a device name (default: 0)")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=_info)
    bench = add_action(actions, "bench", "time a float32 gemm and memory bandwidth on a device",
                       ["axonml gpu bench", "axonml gpu bench 0 --size 2048 --repeat 10 --json"])
    bench.add_argument("device", nargs="?", default="0", metavar="DEVICE", help="index or name part (default: 0)")
    bench.add_argument("--size", type=int, default=512, metavar="N", help="gemm of N x N matrices (default: 512)")
    bench.add_argument("--megabytes", type=int, default=32, metavar="MB",
                       help="buffer size of the bandwidth check (default: 32)")
    bench.add_argument("--repeat", type=int, default=5, help="timed runs, the median reported (default: 5)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(handler=_bench)
    select = add_action(actions, "select", "choose the device --device auto uses here (.axonml/gpu.json)",
                        ["axonml gpu select 0", "axonml gpu select NVIDIA", "axonml gpu select --clear"])
    select.add_argument("device", nargs="?", metavar="DEVICE", help="index or name part")
    select.add_argument("--clear", action="store_true", help="forget the selection (auto: first GPU, else cpu)")
    select.set_defaults(handler=_select)


def _devices() -> list:
    try:
        import pyopencl  # noqa: F401
    except ImportError:
        raise CommandError("the OpenCL commands need pyopencl: pip install 'axonml[opencl]'") from None
    from ..opencl import _devices as devices
    try:
        return devices.devices()
    except RuntimeError as error:
        raise CommandError(str(error)) from None


def _find(spec: str, found: list) -> int:
    """The index of a device named by its index, ``opencl:N``, or a part of its name."""
    if not found:
        raise CommandError("no OpenCL device found (install a driver, or PoCL for the CPU)")
    text = spec.removeprefix("opencl:").removeprefix("opencl")
    if text.isdigit():
        index = int(text)
        if index >= len(found):
            raise CommandError(f"there is no OpenCL device {index}: {len(found)} found (see axonml gpu list)")
        return index
    matches = [i for i, d in enumerate(found) if spec.lower() in d.name.lower()]
    if not matches:
        raise CommandError(f"no OpenCL device name contains {spec!r} (see axonml gpu list)")
    return matches[0]


def _kind(device) -> str:
    import pyopencl as cl
    for flag, name in ((cl.device_type.GPU, "gpu"), (cl.device_type.ACCELERATOR, "accelerator"),
                       (cl.device_type.CPU, "cpu")):
        if device.type & flag:
            return name
    return "other"


def _properties(index: int, device) -> dict:
    def get(name, default=None):
        try:
            return getattr(device, name)
        except Exception:  # noqa: BLE001 - drivers leave optional properties unimplemented
            return default
    extensions = (get("extensions", "") or "").split()
    return {"index": index, "device": f"opencl:{index}", "name": device.name.strip(), "type": _kind(device),
            "platform": device.platform.name.strip(), "vendor": device.vendor.strip(),
            "version": device.version.strip(), "driver_version": device.driver_version.strip(),
            "opencl_c_version": (get("opencl_c_version", "") or "").strip(),
            "compute_units": int(device.max_compute_units), "max_clock_mhz": get("max_clock_frequency"),
            "global_memory": int(device.global_mem_size), "max_allocation": int(device.max_mem_alloc_size),
            "local_memory": int(device.local_mem_size), "max_work_group_size": int(device.max_work_group_size),
            "max_work_item_sizes": list(get("max_work_item_sizes", []) or []),
            "float64": "cl_khr_fp64" in extensions, "float16": "cl_khr_fp16" in extensions,
            "image_support": bool(get("image_support", False)), "extensions": len(extensions)}


def read_selection() -> dict | None:
    path = selection_path()
    if not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            selection = json.load(f)
        if not isinstance(selection.get("name"), str):
            raise ValueError("no device name")
        return selection
    except (ValueError, AttributeError) as error:
        raise CommandError(f"{path} is corrupt ({error}); run axonml gpu select again") from None


def resolve_device(spec: str | None) -> str:
    """The device a ``--device`` value means: ``auto`` becomes the device ``axonml gpu select`` stored in
    ``.axonml/gpu.json`` (as ``opencl:N``), else the first OpenCL GPU, else ``cpu``; anything else is
    returned as given (``None`` as ``cpu``).
    """
    if spec is None:
        return "cpu"
    if spec != "auto":
        return spec
    selection = read_selection()
    try:
        found = _devices()
    except CommandError:
        if selection is not None:
            raise
        return "cpu"
    if selection is not None:
        for index, device in enumerate(found):
            if device.name.strip() == selection["name"] and device.platform.name.strip() == selection.get(
                    "platform", device.platform.name.strip()):
                return f"opencl:{index}"
        raise CommandError(f"the device selected in {selection_path()} ({selection['name']}) is not present; "
                           "run axonml gpu select again, or axonml gpu select --clear")
    if found and _kind(found[0]) == "gpu":
        return "opencl:0"
    return "cpu"


def _list(args) -> int:
    found = _devices()
    selection = read_selection()
    rows = [_properties(i, d) for i, d in enumerate(found)]
    for row in rows:
        row["selected"] = bool(selection and selection["name"] == row["name"]
                               and selection.get("platform", row["platform"]) == row["platform"])
    from ..opencl import _devices as devices
    left_out = [{"name": name, "reason": reason} for name, reason in devices.unusable()]
    if args.json:
        print_json({"devices": rows, "auto": resolve_device("auto"), "unusable": left_out})
        return 0
    for entry in left_out:
        print(f"left out {entry['name']}: its OpenCL compiler fails ({entry['reason']})", file=sys.stderr)
    if not rows:
        print("no OpenCL device found")
        return 0
    print_table(["device", "type", "name", "platform", "units", "memory", "fp64", ""],
                [[r["device"], r["type"], r["name"], r["platform"], r["compute_units"], human_size(r["global_memory"]),
                  "yes" if r["float64"] else "no", "(selected)" if r["selected"] else ""] for r in rows])
    print(f"--device auto means {resolve_device('auto')} here")
    return 0


def _info(args) -> int:
    found = _devices()
    index = _find(args.device, found)
    report = _properties(index, found[index])
    if args.json:
        print_json(report)
        return 0
    for key, value in report.items():
        if key in ("global_memory", "max_allocation", "local_memory"):
            value = human_size(value)
        print(f"{key + ':':22} {value}")
    return 0


def _median_seconds(run, repeat: int) -> float:
    run()                          # warm-up: kernel compilation, first allocations
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _bench(args) -> int:
    if args.size <= 0 or args.megabytes <= 0 or args.repeat <= 0:
        raise CommandError("--size, --megabytes and --repeat must be positive")
    import numpy as np
    import pyopencl as cl
    found = _devices()
    index = _find(args.device, found)
    device = found[index]
    import axonml
    n = args.size
    rng = np.random.default_rng(0)
    a_host, b_host = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    a = axonml.from_numpy(a_host).to(f"opencl:{index}")
    b = axonml.from_numpy(b_host).to(f"opencl:{index}")
    result = {}

    def gemm():
        result["c"] = a @ b
        axonml.opencl.synchronize(index)
    seconds = _median_seconds(gemm, args.repeat)
    c = result["c"].cpu().numpy()
    expected = a_host.astype(np.float64) @ b_host.astype(np.float64)
    error = float(np.abs(c - expected).max() / max(np.abs(expected).max(), 1e-30))

    context = cl.Context([device])
    queue = cl.CommandQueue(context)
    nbytes = args.megabytes << 20
    host = np.ones(nbytes // 4, dtype=np.float32)
    source = cl.Buffer(context, cl.mem_flags.READ_WRITE, nbytes)
    target = cl.Buffer(context, cl.mem_flags.READ_WRITE, nbytes)

    def upload():
        cl.enqueue_copy(queue, source, host)
        queue.finish()

    def copy():
        cl.enqueue_copy(queue, target, source, byte_count=nbytes)
        queue.finish()

    def download():
        cl.enqueue_copy(queue, host, target)
        queue.finish()
    upload_s, copy_s, download_s = (_median_seconds(f, args.repeat) for f in (upload, copy, download))
    report = {"device": f"opencl:{index}", "name": device.name.strip(), "gemm_size": n,
              "gemm_ms": seconds * 1e3, "gemm_gflops": 2 * n ** 3 / seconds / 1e9, "gemm_max_rel_error": error,
              "buffer_mb": args.megabytes, "host_to_device_gbs": nbytes / upload_s / 1e9,
              "device_copy_gbs": 2 * nbytes / copy_s / 1e9, "device_to_host_gbs": nbytes / download_s / 1e9,
              "repeat": args.repeat}
    if args.json:
        print_json(report)
        return 0
    print(f"{report['device']} ({report['name']}), medians of {args.repeat} runs:")
    print(f"  gemm {n}x{n} float32   {report['gemm_ms']:9.3f} ms   {report['gemm_gflops']:9.1f} GFLOP/s   "
          f"max rel. error {error:.1e}")
    print(f"  host -> device        {report['host_to_device_gbs']:9.2f} GB/s")
    print(f"  device copy (r+w)     {report['device_copy_gbs']:9.2f} GB/s")
    print(f"  device -> host        {report['device_to_host_gbs']:9.2f} GB/s")
    return 0


def _select(args) -> int:
    path = selection_path()
    if args.clear:
        if os.path.exists(path):
            os.remove(path)
        print(f"cleared; --device auto means {resolve_device('auto')} here")
        return 0
    if args.device is None:
        raise CommandError("name a device (an index or part of its name), or pass --clear")
    found = _devices()
    index = _find(args.device, found)
    device = found[index]
    selection = {"name": device.name.strip(), "platform": device.platform.name.strip(), "index": index}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump(selection, f, indent=2)
        f.write("\n")
    os.replace(temporary, path)
    print(f"selected opencl:{index} ({selection['name']}, {selection['platform']}) in {path}")
    return 0
