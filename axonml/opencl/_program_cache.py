"""Building OpenCL programs once: in memory per context, and on disk across processes.

A program is a family's source (``opencl/<family>.cl``, after the shared ``common.cl``) with a
few ``#define`` lines in front that pick its element types and tile sizes. Its compiled
binary is stored under the cache directory, keyed by the sha256 of that exact source and of
the device, driver and platform it was built for, so a second process loads the binary
instead of compiling. A cache file that fails its checksum or that the driver refuses is
rebuilt from source and rewritten, never an error.
"""
from __future__ import annotations

import hashlib
import os
import tempfile

import pyopencl as cl

__all__ = ["ProgramCache", "cache_dir", "kernel_source_dir", "read_source"]

_MAGIC = b"AXONMLCL1\n"
_BUILD_OPTIONS: list = []  # no fast-math: results must match the CPU to float32 rounding
_DIGEST_SIZE = hashlib.sha256().digest_size


def kernel_source_dir() -> str:
    """Where the .cl files are: axonml/_opencl when installed, <repo>/opencl in a source checkout."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(package, "_opencl")
    if os.path.isfile(os.path.join(installed, "common.cl")):
        return installed
    return os.path.join(os.path.dirname(package), "opencl")


def cache_dir() -> str:
    """$AXONML_CACHE_DIR/opencl, or ~/.cache/axonml/opencl."""
    root = os.environ.get("AXONML_CACHE_DIR")
    if root:
        return os.path.join(root, "opencl")
    return os.path.join(os.path.expanduser("~"), ".cache", "axonml", "opencl")


_sources: dict[str, str] = {}


def read_source(family: str) -> str:
    if family not in _sources:
        with open(os.path.join(kernel_source_dir(), family + ".cl"), encoding="utf-8") as f:
            _sources[family] = f.read()
    return _sources[family]


class ProgramCache:
    """The programs of one context and device, built at most once each.

    ``stats`` counts where programs came from: ``memory`` (already built in this process),
    ``disk`` (a cached binary) and ``compiled`` (built from source).
    """

    def __init__(self, context: cl.Context, device: cl.Device):
        self.context = context
        self.device = device
        self.stats = {"memory": 0, "disk": 0, "compiled": 0, "rebuilt": 0}
        self._programs: dict[tuple, cl.Program] = {}
        self._device_tag = "\n".join((device.name, device.driver_version, device.version,
                                      device.platform.name, device.platform.version, " ".join(_BUILD_OPTIONS)))

    def get(self, family: str, defines: tuple = ()) -> cl.Program:
        """The built program of family with defines, a tuple of (name, value) pairs."""
        key = (family, defines)
        program = self._programs.get(key)
        if program is not None:
            self.stats["memory"] += 1
            return program
        source = "".join(f"#define {name} {value}\n" for name, value in defines)
        source += read_source("common") + "\n" + read_source(family)
        program = self._load_or_build(source)
        self._programs[key] = program
        return program

    def source_key(self, source: str) -> str:
        return hashlib.sha256((self._device_tag + "\n" + source).encode()).hexdigest()

    def _load_or_build(self, source: str) -> cl.Program:
        path = os.path.join(cache_dir(), self.source_key(source) + ".bin")
        binary = _read_cache_file(path)
        if binary is not None:
            try:
                program = cl.Program(self.context, [self.device], [binary]).build()
                self.stats["disk"] += 1
                return program
            except cl.Error:
                self.stats["rebuilt"] += 1
        elif os.path.exists(path):
            self.stats["rebuilt"] += 1
        program = cl.Program(self.context, source).build(options=_BUILD_OPTIONS)
        self.stats["compiled"] += 1
        binaries = program.get_info(cl.program_info.BINARIES)
        if binaries and binaries[0]:
            _write_cache_file(path, bytes(binaries[0]))
        return program


def _read_cache_file(path: str) -> bytes | None:
    """The binary stored at path, or None when it is missing, truncated or corrupt."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    header = len(_MAGIC) + _DIGEST_SIZE
    if len(data) <= header or not data.startswith(_MAGIC):
        return None
    digest, payload = data[len(_MAGIC):header], data[header:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def _write_cache_file(path: str, binary: bytes) -> None:
    """Write atomically (a temporary file renamed into place); a cache that can't be written is skipped."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + hashlib.sha256(binary).digest() + binary)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return
