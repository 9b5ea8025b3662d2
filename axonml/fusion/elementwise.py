"""FusedElementwise: a chain of elementwise ops run as one kernel, one pass over memory.

A kernel is built from a recipe: its members (an axonml elementwise Function each, with
arguments that name a kernel input, an earlier member or a literal) and, per input, how it is
read: ``full`` (the output's shape), ``scalar`` (one element) or ``suffix`` (broadcast over
leading axes: a bias row, read at ``i % size``). On the CPU the recipe becomes C (one OpenMP
``parallel for simd`` loop), compiled once (:mod:`axonml.fusion.compiler`); on OpenCL it becomes
a generated kernel (:mod:`axonml.fusion.opencl`).

Gradients: the group runs as one Function whose backward replays the members' own ops on the
saved inputs and differentiates through them, so each op's gradient stays in its one place.
"""
from __future__ import annotations

import ctypes
import math

import numpy as np

from .._ext import _autograd
from .._ext import _linalg
from ..autograd.function import ArrayFunction
from ..backends.cpu import cpu as _cpu_backend
from ..autograd.grad_mode import enable_grad
from .compiler import address, threaded_loop
from .expressions import EXPRESSIONS, c_literal, expression

__all__ = ["FusedElementwise", "Input", "Member"]

_apply = _autograd.apply
_PARALLEL_THRESHOLD = 32768  # elements below which one thread runs the loop


class Input:
    """A reference to kernel input k in a member's arguments."""

    __slots__ = ("k",)

    def __init__(self, k: int):
        self.k = k

    def __repr__(self):
        return f"in{self.k}"


class Member:
    """A reference to the result of member j in a later member's arguments."""

    __slots__ = ("j",)

    def __init__(self, j: int):
        self.j = j

    def __repr__(self):
        return f"t{self.j}"


class FusedElementwise:
    """A fused chain of elementwise ops over inputs of one dtype.

    Args:
        members: ``[(Function class, args)]`` in order; args hold :class:`Input`, :class:`Member`
            or literal numbers (and an op's non-tensor arguments, such as gelu's approximation).
        input_modes: per input, ``"full"``, ``"scalar"`` or ``"suffix"``.
        dtype: the NumPy element type (float32 or float64).
        shape: the output's shape.
    """

    def __init__(self, members: list, input_modes: list, dtype, shape: tuple):
        self.members = [(fn_cls, tuple(args)) for fn_cls, args in members]
        self.input_modes = list(input_modes)
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"FusedElementwise: float32 or float64 only, got {self.dtype}")
        for fn_cls, _ in self.members:
            if fn_cls not in EXPRESSIONS:
                raise ValueError(f"FusedElementwise: {fn_cls.__name__} is not an elementwise op a kernel can hold")
        self.body = self._body()
        self._cpu = None
        self._opencl: dict = {}

    @property
    def num_inputs(self) -> int:
        return len(self.input_modes)

    @property
    def name(self) -> str:
        return "+".join(fn_cls.__name__ for fn_cls, _ in self.members)

    def __repr__(self) -> str:
        return f"FusedElementwise({self.name}, inputs={self.input_modes}, dtype={self.dtype}, shape={self.shape})"

    # --- code generation ---------------------------------------------------------------------------------
    def _body(self) -> list[str]:
        """The loop body's lines: read x<k> per input, then t<j> per member; the last member is the result."""
        lines = []
        for j, (fn_cls, args) in enumerate(self.members):
            count = EXPRESSIONS[fn_cls][0]
            operands = [self._operand(arg) for arg in args[:count]]
            lines.append(f"const T t{j} = {expression(fn_cls, operands, list(args[count:]))};")
        return lines

    def _operand(self, arg) -> str:
        if isinstance(arg, Input):
            return f"x{arg.k}"
        if isinstance(arg, Member):
            return f"t{arg.j}"
        if isinstance(arg, (bool, np.bool_)) or not isinstance(arg, (int, float, np.number)):
            raise ValueError(f"FusedElementwise: operand {arg!r} is not a number or a tensor")
        return c_literal(arg, self.dtype)

    def _reads(self) -> list[str]:
        """Each input's element at output index i (a broadcast suffix input: at j of its row, see c_source)."""
        return [f"const T x{k} = " + {"full": f"in{k}[i]", "scalar": f"in{k}[0]", "suffix": f"row{k}[j]"}[mode] + ";"
                for k, mode in enumerate(self.input_modes)]

    def c_source(self) -> str:
        ctype = "float" if self.dtype == np.float32 else "double"
        lines = ["#include <tgmath.h>", "#include <stdint.h>", f"typedef {ctype} T;", "",
                 "void axonml_fused(void **inputs, T *out, int64_t n, const int64_t *sizes, int threads) {"]
        lines += [f"    const T *in{k} = (const T *)inputs[{k}];" for k in range(self.num_inputs)]
        suffixes = [k for k, mode in enumerate(self.input_modes) if mode == "suffix"]
        result = f"out[i] = t{len(self.members) - 1};"
        condition = f"n >= {_PARALLEL_THRESHOLD}"
        if not suffixes:
            loop = ["for (int64_t i = 0; i < n; i++) {"] + ["    " + line for line in self._reads() + self.body]
            loop += [f"    {result}", "}"]
            lines += ["    " + line for line in threaded_loop("simd schedule(static)", condition, loop)]
            return "\n".join(lines + ["}", ""])
        # rows as long as the shortest broadcast input (which divides the others: they are all trailing
        # blocks of the output's shape), so that the inner loop reads every input at base + j, with no
        # modulo per element
        lines += ["    int64_t inner = n;"]
        lines += [f"    if (sizes[{k}] < inner) inner = sizes[{k}];" for k in suffixes]
        lines += ["    const int64_t outer = inner ? n / inner : 0;"]
        loop = ["for (int64_t o = 0; o < outer; o++) {", "    const int64_t start = o * inner;"]
        loop += [f"    const T *row{k} = in{k} + start % sizes[{k}];" for k in suffixes]
        loop += ["    #pragma omp simd", "    for (int64_t j = 0; j < inner; j++) {", "        const int64_t i = start + j;"]
        loop += ["        " + line for line in self._reads() + self.body]
        loop += [f"        {result}", "    }", "}"]
        lines += ["    " + line for line in threaded_loop("schedule(static)", condition, loop)]
        return "\n".join(lines + ["}", ""])

    def opencl_source(self) -> str:
        params = [f"__global const T *in{k}" for k in range(self.num_inputs)]
        params += ["__global T *out", "const long n"] + [f"const long size{k}" for k in range(self.num_inputs)]
        lines = ["#define T float", "__kernel void axonml_fused(" + ", ".join(params) + ") {",
                 "    const long i = get_global_id(0);", "    if (i >= n) return;"]
        lines += ["    " + line for line in _opencl_reads(self.input_modes) + self.body]
        lines += [f"    out[i] = t{len(self.members) - 1};", "}", ""]
        return "\n".join(lines)

    # --- running ---------------------------------------------------------------------------------------------
    def __call__(self, *inputs, out=None):
        """Run on tensors (one per kernel input, in order); ``out``, a backend array, receives the result."""
        if len(inputs) != self.num_inputs:
            raise TypeError(f"FusedElementwise({self.name}) takes {self.num_inputs} inputs, got {len(inputs)}")
        return _apply(_FusedChain, self, out, *inputs)

    def run_arrays(self, xp, arrays, out=None):
        """The kernel's result on backend arrays (the forward of the group)."""
        self._check(arrays)
        if xp is _cpu_backend:
            return self._run_cpu(arrays, out)
        from .opencl import run_opencl
        return run_opencl(self, xp, arrays, out)

    def _check(self, arrays) -> None:
        size = math.prod(self.shape)
        for k, (array, mode) in enumerate(zip(arrays, self.input_modes)):
            if array.dtype != self.dtype:
                raise TypeError(f"FusedElementwise({self.name}): input {k} is {array.dtype}, the kernel is "
                                f"{self.dtype}")
            shape = tuple(array.shape)
            if mode == "full" and shape != self.shape or mode == "scalar" and math.prod(shape) != 1 or \
                    mode == "suffix" and (not shape or size % math.prod(shape) or
                                          tuple(self.shape[len(self.shape) - len(shape):]) != shape):
                raise ValueError(f"FusedElementwise({self.name}): input {k} has shape {list(shape)}; the kernel "
                                 f"reads it as {mode} of the output shape {list(self.shape)}")

    def _run_cpu(self, arrays, out):
        if self._cpu is None:
            from .compiler import load_library
            function = load_library(self.c_source()).axonml_fused
            function.restype = None
            function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int]
            self._cpu = function
        arrays = [np.ascontiguousarray(a) for a in arrays]
        if out is None or out.shape != self.shape or out.dtype != self.dtype or not out.flags.c_contiguous:
            out = np.empty(self.shape, self.dtype)
        pointers = (ctypes.c_void_p * max(1, len(arrays)))(*[address(a) for a in arrays])
        sizes = (ctypes.c_int64 * max(1, len(arrays)))(*[a.size for a in arrays])
        self._cpu(pointers, address(out), out.size, sizes, _linalg.get_num_threads())
        return out

    def replay(self, tensors):
        """The members' own ops applied to tensors, one by one (the eager meaning of the kernel)."""
        results = []
        for fn_cls, args in self.members:
            resolved = [tensors[a.k] if isinstance(a, Input) else results[a.j] if isinstance(a, Member) else a
                        for a in args]
            results.append(_apply(fn_cls, *resolved))
        return results[-1]


def _opencl_reads(modes) -> list[str]:
    return [f"const T x{k} = in{k}[{ {'full': 'i', 'scalar': '0', 'suffix': f'i % size{k}'}[mode] }];"
            for k, mode in enumerate(modes)]


class _FusedChain(ArrayFunction):
    """One fused group as one op: forward runs the kernel; backward differentiates the replayed members."""

    def forward(ctx, kernel, out, *inputs):
        ctx.kernel = kernel
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(*inputs)
        return kernel.run_arrays(ctx.xp, inputs, out)

    def backward(ctx, grad):
        return (None, None) + replay_gradients(ctx, grad, ctx.needs_input_grad[2:], ctx.kernel.replay)


def replay_gradients(ctx, grad, needs, replay, raw_inputs=()) -> tuple:
    """The input gradients of a fused op: replay(inputs) reruns its members' own ops on the saved inputs under
    autograd, which differentiates them, so each op's gradient stays in axonml/ops. Inputs at the indices in
    raw_inputs are passed to replay as arrays (they take no gradient)."""
    from ..autograd import grad as autograd_grad
    xp = ctx.xp
    inputs = []
    for k, (array, need) in enumerate(zip(ctx.saved_tensors, needs)):
        if k in raw_inputs:
            inputs.append(array)
            continue
        tensor = _autograd.wrap_array(array, xp)
        tensor._requires_grad = bool(need)
        inputs.append(tensor)
    wanted = [t for t, need in zip(inputs, needs) if need]
    with enable_grad():
        result = replay(inputs)
        grads = iter(autograd_grad([result], wanted, [_autograd.wrap_array(grad, xp)], allow_unused=True))
    return tuple((_data_or_none(next(grads)) if need else None) for need in needs)


def _data_or_none(tensor):
    return None if tensor is None else tensor._data
