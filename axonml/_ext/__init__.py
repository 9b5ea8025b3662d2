"""Cython kernels (compiled from the .pyx files here), and the process settings they run best under."""
import ctypes
import os
import sys


def _keep_freed_buffers_in_the_heap() -> None:
    """Stop glibc from handing every large freed array back to the OS.

    A training step frees and reallocates the same activation and gradient buffers (often
    larger than glibc's 128 KiB mmap threshold) every step; served by fresh mmaps, each one
    page-faults its way back in. That cost 40 ms of a 160 ms Transformer forward and a third
    of a LeNet step. Raising the mmap threshold to its 32 MiB maximum and the trim threshold
    to 1 GiB keeps them in the heap for reuse. Malloc settings the user made win.
    """
    if not sys.platform.startswith("linux") or os.environ.get("AXONML_MALLOC_TUNING") == "0":
        return
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc only; other C libraries keep their behaviour
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 1024 * 1024)
    mallopt(m_trim_threshold, 1024 * 1024 * 1024)


_keep_freed_buffers_in_the_heap()
