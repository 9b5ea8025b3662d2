"""Compiling generated C into a shared library, once: cached on disk, keyed by source and compiler.

The compiler is the one the Cython build uses (``$CC``, else Python's configured ``CC``, else
``cc``/``gcc``/``clang`` on the PATH), with the build's optimisation flags plus ``-march=native``
(the library is built on and for this machine). A library lives in
``$AXONML_HOME/jit`` (``~/.cache/axonml/jit`` by default) under the sha256 of the source, the flags
and the compiler's version line, so a second process loads it instead of compiling and a new
compiler builds anew.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile

__all__ = ["CompilerNotFoundError", "find_compiler", "cache_dir", "load_library", "address", "exp_source",
           "threaded_loop", "FLAGS"]

FLAGS = ["-O3", "-march=native", "-fopenmp", "-ffp-contract=fast", "-fno-trapping-math", "-fno-math-errno",
         "-fPIC", "-shared"]

_compiler: tuple | None = None
_libraries: dict[str, ctypes.CDLL] = {}


def threaded_loop(clauses: str, condition: str, loop: list[str]) -> list[str]:
    """C lines running ``loop`` (a for statement with its body) under ``#pragma omp parallel for <clauses>`` where
    the generated function's ``threads`` is above 1 and ``condition`` holds, and on the calling thread otherwise.

    An OpenMP region costs about a microsecond to enter even when its if clause is false: more than a small
    kernel runs (a loss over 64 x 10 logits took 2.3 us more in its three regions than in plain loops).
    """
    serial = ["#pragma omp simd"] if clauses.split()[:1] == ["simd"] else []
    return ([f"if (threads > 1 && ({condition})) {{", f"    #pragma omp parallel for {clauses} num_threads(threads)"] +
            ["    " + line for line in loop] + ["} else {"] + ["    " + line for line in serial + loop] + ["}"])


_char_at = ctypes.c_char.from_buffer
_exp_source: str | None = None


def exp_source() -> str:
    """C defining ``EXPF(x)``, a float32 exp that loops vectorise: the branch-free ``axon_expf`` of the Cython
    kernels' ``fast_math.h`` (libm's expf is a call per element, which no compiler vectorises), pasted into
    the generated source so that the cache key covers it; libm's expf where the header is not installed."""
    global _exp_source
    if _exp_source is None:
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_ext", "fast_math.h")
        try:
            with open(path, encoding="utf-8") as f:
                header = f.read()
            start = header.index("static inline float axon_expf(float x)")
            end = header.index("\n}\n", start) + 3
            _exp_source = header[start:end] + "#define EXPF(x) axon_expf(x)\n"
        except (OSError, ValueError):
            _exp_source = "#define EXPF(x) expf(x)\n"
    return _exp_source


def address(array) -> int:
    """The address of a C-contiguous NumPy array's first element, for a kernel call.

    ``array.ctypes.data`` builds a ctypes helper object on each read (about 2 microseconds: more than
    a small fused kernel runs); a writable array's buffer gives the address five times faster.
    """
    try:
        return ctypes.addressof(_char_at(array))
    except (TypeError, ValueError, BufferError):  # read-only or empty
        return array.ctypes.data


class CompilerNotFoundError(RuntimeError):
    """No C compiler: fused CPU kernels cannot be built."""


def find_compiler() -> tuple[list, str]:
    """(the compiler's command, its version line); raises CompilerNotFoundError when there is none."""
    global _compiler
    if _compiler is not None:
        return _compiler
    candidates = []
    for spec in (os.environ.get("CC"), sysconfig.get_config_var("CC")):
        if spec:
            candidates.append(shlex.split(spec))
    candidates += [[name] for name in ("cc", "gcc", "clang")]
    for command in candidates:
        if command and shutil.which(command[0]):
            try:
                run = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                continue
            if run.returncode == 0:
                _compiler = (command, (run.stdout.splitlines() or [""])[0])
                return _compiler
    raise CompilerNotFoundError(
        "axonml.fusion: no C compiler found (looked for $CC, Python's configured CC, cc, gcc and clang); "
        "fused CPU kernels are compiled C. Install one (e.g. gcc) or set CC, or compile with fuse=False.")


def cache_dir() -> str:
    """$AXONML_HOME/jit, or ~/.cache/axonml/jit."""
    home = os.environ.get("AXONML_HOME")
    if home:
        return os.path.join(home, "jit")
    return os.path.join(os.path.expanduser("~"), ".cache", "axonml", "jit")


def load_library(source: str) -> ctypes.CDLL:
    """The shared library built from source: from this process, from the disk cache, or compiled now."""
    command, version = find_compiler()
    key = hashlib.sha256("\n".join([source, " ".join(FLAGS), version]).encode()).hexdigest()
    library = _libraries.get(key)
    if library is not None:
        return library
    directory = cache_dir()
    path = os.path.join(directory, f"fused_{key[:32]}.so")
    if not os.path.isfile(path):
        os.makedirs(directory, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=directory) as build:
            source_path = os.path.join(build, "kernel.c")
            with open(source_path, "w", encoding="utf-8") as f:
                f.write(source)
            built = os.path.join(build, "kernel.so")
            run = subprocess.run(command + FLAGS + [source_path, "-o", built, "-lm"], capture_output=True,
                                 text=True, timeout=300)
            if run.returncode != 0:
                raise RuntimeError(f"axonml.fusion: compiling a fused kernel failed ({' '.join(command)}):\n"
                                   f"{run.stderr[-4000:]}")
            os.replace(built, path)  # atomic: another process sees the whole library or none
    library = ctypes.CDLL(path)
    _libraries[key] = library
    return library
