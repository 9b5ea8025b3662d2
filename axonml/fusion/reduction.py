"""FusedReduction: a chain of elementwise ops and the row reduction that reads it, as one kernel.

The chain (the *prologue*: the same recipe as :class:`~axonml.fusion.FusedElementwise`) is
computed row by row straight into the reduction, so its result is never stored as a tensor of
its own: a residual add before a layer norm, a scale and an additive mask before a softmax,
the ops that make logits before a cross-entropy. The reductions (``kind``):

- ``"softmax"``, ``"log_softmax"``: over the last axis; the result has the prologue's shape;
- ``"layer_norm"``: over the last ``normalized_ndim`` axes, with optional weight and bias
  (the extra inputs after the prologue's);
- ``"cross_entropy"``: logits (N, C) against int64 class indices (the extra input), with
  ``ignore_index`` and reduction ``"mean"``, ``"sum"`` or ``"none"``;
- ``"sum"``: the sum (``scale="sum"``) or mean (``"mean"``) of every element of the prologue
  (or of its squared or absolute difference from a target: ``loss="mse"`` / ``"l1"``).

On the CPU the recipe becomes C: one OpenMP ``parallel for`` over rows, each row read once
(softmax, layer norm) or twice (cross-entropy, which never stores its logits); compiled once
and cached (:mod:`axonml.fusion.compiler`). On OpenCL it becomes a generated kernel with one
work-item per row, built through the device's program cache.

Gradients: the group runs as one Function whose backward replays the prologue's ops and the
reduction's own op on the saved inputs and differentiates through them, so each op's gradient
stays in its one place (axonml/ops).
"""
from __future__ import annotations

import ctypes
import math

import numpy as np

from .._ext import _autograd
from .._ext import _linalg
from ..backends.cpu import cpu as _cpu_backend
from .compiler import address, exp_source, threaded_loop
from .elementwise import FusedElementwise, Input, Member, _FusedChain, replay_gradients
from .expressions import c_literal

__all__ = ["FusedReduction", "KINDS"]

_apply = _autograd.apply
_PARALLEL_THRESHOLD = 32768  # elements below which one thread runs the rows
_SUM_CHUNK = 8192            # row length of a whole-tensor sum whose inputs are all full or scalar
KINDS = ("softmax", "log_softmax", "layer_norm", "cross_entropy", "sum")


class FusedReduction:
    """A fused prologue of elementwise ops and the reduction that reads its result.

    Args:
        members: the prologue, ``[(Function class, args)]`` as for FusedElementwise (may be empty:
            the reduction then reads input 0 itself).
        input_modes: per prologue input, ``"full"``, ``"scalar"`` or ``"suffix"`` of ``shape``.
        dtype: float32 or float64.
        shape: the shape of the reduced operand (the prologue's result).
        kind: one of :data:`KINDS`.
        options: the reduction's settings: ``normalized_ndim``, ``eps``, ``weight``, ``bias``
            (layer_norm); ``ignore_index``, ``reduction`` (cross_entropy); ``scale``, ``loss``,
            ``target`` (the prologue input a loss compares with) (sum).
        reduction: ``(Function class, args)``, the reduction's own op with its arguments (Input,
            Member or literals): what backward and the eager meaning replay.
        array_inputs: indices of inputs passed as backend arrays (a cross-entropy target), not tensors.
    """

    def __init__(self, members: list, input_modes: list, dtype, shape: tuple, kind: str, options: dict,
                 reduction: tuple, array_inputs=()):
        if kind not in KINDS:
            raise ValueError(f"FusedReduction: kind must be one of {KINDS}, got {kind!r}")
        self.prologue = FusedElementwise(members, input_modes, dtype, shape)
        self.kind, self.options = kind, dict(options)
        self.dtype, self.shape = self.prologue.dtype, tuple(shape)
        self.reduction = (reduction[0], tuple(reduction[1]))
        self.array_inputs = frozenset(array_inputs)
        self.num_extra = {"layer_norm": int(bool(options.get("weight"))) + int(bool(options.get("bias"))),
                          "cross_entropy": 1}.get(kind, 0)
        size = math.prod(self.shape)
        if kind in ("softmax", "log_softmax", "cross_entropy"):
            self.cols = self.shape[-1]
        elif kind == "layer_norm":
            self.cols = math.prod(self.shape[len(self.shape) - options["normalized_ndim"]:])
        elif "suffix" in input_modes:
            self.cols = self.shape[-1]
        else:
            self.cols = min(size, _SUM_CHUNK)
        self.rows = -(-size // self.cols) if self.cols else 0
        self._cpu = None
        self._opencl: dict = {}

    @property
    def members(self) -> list:
        return self.prologue.members

    @property
    def input_modes(self) -> list:
        return self.prologue.input_modes

    @property
    def num_inputs(self) -> int:
        return self.prologue.num_inputs + self.num_extra

    @property
    def name(self) -> str:
        prologue = self.prologue.name
        return f"{prologue}+{self.reduction[0].__name__}" if prologue else self.reduction[0].__name__

    @property
    def result_shape(self) -> tuple:
        if self.kind in ("softmax", "log_softmax", "layer_norm"):
            return self.shape
        if self.kind == "cross_entropy" and self.options["reduction"] == "none":
            return self.shape[:1]
        return ()

    def __repr__(self) -> str:
        return (f"FusedReduction({self.name}, kind={self.kind}, inputs={self.input_modes}, dtype={self.dtype}, "
                f"shape={self.shape})")

    # --- code generation ---------------------------------------------------------------------------------
    def _value(self) -> str:
        value = f"t{len(self.members) - 1}" if self.members else "x0"
        loss = self.options.get("loss")
        if loss is None:
            return value
        target = f"x{self.options['target']}"
        return f"(({value} - {target}) * ({value} - {target}))" if loss == "mse" else f"fabs({value} - {target})"

    def _row_code(self, c: bool) -> tuple:
        """(the lines that open row r, the lines computing v, the prologue's value at column j, and loop(body,
        clause), a loop over the row's columns), in C when c, else OpenCL C."""
        simd = (lambda clause="": [f"#pragma omp simd{clause}"]) if c else (lambda clause="": [])
        count = "cols" if self.kind != "sum" else "(r == rows - 1 ? total - start : cols)"
        lines = ["const long start = r * cols;", f"const long count = {count};"]
        for k, mode in enumerate(self.input_modes):
            if mode == "suffix":
                lines.append(f"const long base{k} = start % size{k};")
        reads = []
        for k, mode in enumerate(self.input_modes):
            at = {"full": "start + j", "scalar": "0", "suffix": f"base{k} + j"}[mode]
            reads.append(f"const T x{k} = in{k}[{at}];")
        compute = reads + self.prologue.body + [f"const T v = {self._value()};"]

        def loop(body, clause=""):
            return simd(clause) + ["for (long j = 0; j < count; j++) {"] + ["    " + b for b in body] + ["}"]
        return lines, compute, loop

    def _row_lines(self, c: bool) -> list[str]:
        """The code of one row r (C when c, else OpenCL C): reads at base_k + j, the prologue, the reduction."""
        # a whole-tensor sum accumulates in double on the CPU (OpenCL devices need not have doubles); a row of a
        # softmax or layer norm in the element type, which keeps its loops as wide as the vector registers
        acc = "double" if c and self.kind == "sum" else "T"
        pointer = "T *row = out + start;" if c else "__global T *row = out + start;"
        lines, compute, loop = self._row_code(c)
        kind = self.kind
        if kind in ("softmax", "log_softmax"):
            lines += [pointer, "T m = -INFINITY;"]
            lines += loop(compute + ["row[j] = v;", "m = v > m ? v : m;"], " reduction(max:m)")
            if kind == "softmax":
                lines += [f"{acc} s = 0;"]
                lines += loop(["const T e = EXPF(row[j] - m);", "row[j] = e;", "s += e;"], " reduction(+:s)")
                lines += ["const T inv = (T)(1 / s);"]
                lines += loop(["row[j] *= inv;"])
            else:
                lines += [f"{acc} s = 0;"]
                lines += loop(["s += EXPF(row[j] - m);"], " reduction(+:s)")
                lines += ["const T lse = m + (T)log(s);"]
                lines += loop(["row[j] -= lse;"])
        elif kind == "layer_norm":
            lines += [pointer, f"{acc} s = 0;"]
            lines += loop(compute + ["row[j] = v;", "s += v;"], " reduction(+:s)")
            lines += [f"const T mean = (T)(s / count);", f"{acc} q = 0;"]
            lines += loop(["const T d = row[j] - mean;", "q += d * d;"], " reduction(+:q)")
            lines += [f"const T rstd = (T)(1 / sqrt(q / count + {c_literal(self.options['eps'], self.dtype)}));"]
            affine = "(row[j] - mean) * rstd"
            if self.options.get("weight"):
                affine = f"{affine} * weight[j]"
            if self.options.get("bias"):
                affine = f"{affine} + bias[j]"
            lines += loop([f"row[j] = {affine};"])
        elif kind == "cross_entropy":
            lines += ["const long t = target[r];", "T m = -INFINITY;"]
            lines += loop(compute + ["m = v > m ? v : m;"], " reduction(max:m)")
            lines += [f"{acc} s = 0;"]
            lines += loop(compute + ["s += EXPF(v - m);"], " reduction(+:s)")
            ignore = int(self.options["ignore_index"])
            # the logit of the target class: the prologue at that one column
            lines += [f"if (t == {ignore}) {{", "    out[r] = (T)0;", "} else {", "    const long j = t;"]
            lines += ["    " + line for line in compute]
            lines += ["    out[r] = m + (T)log(s) - v;", "}"]
        else:  # sum
            lines += [f"{acc} s = 0;"]
            lines += loop(compute + ["s += v;"], " reduction(+:s)")
            lines += ["out[r] = s;"]
        return lines

    def _cross_entropy_gradient_lines(self) -> list[str]:
        """C for a cross-entropy that also writes the gradient of each row's loss by its logits, softmax -
        one_hot(t), into grad_rows: the rows' maxima and shifted logits, then one flat pass of exps over all of
        grad_rows (as wide as the vector registers, however short the rows), then each row's loss and scale."""
        condition = f"total >= {_PARALLEL_THRESHOLD}"
        ignore = int(self.options["ignore_index"])
        opening, compute, loop = self._row_code(True)
        body = opening + ["T *g = grad_rows + start;", "T m = -INFINITY;"]
        body += loop(compute + ["m = v > m ? v : m;"], " reduction(max:m)")
        body += loop(compute + ["g[j] = v - m;"])
        body += ["out[r] = m;  /* the row's maximum, until the last pass */"]
        lines = threaded_loop("schedule(static)", condition,
                              ["for (long r = 0; r < rows; r++) {"] + ["    " + line for line in body] + ["}"])
        lines += threaded_loop("simd schedule(static)", condition,
                               ["for (long i = 0; i < total; i++)", "    grad_rows[i] = EXPF(grad_rows[i]);"])
        body = opening + ["T *g = grad_rows + start;", "const long t = target[r];", "T s = 0;"]
        body += loop(["s += g[j];"], " reduction(+:s)")
        body += [f"if (t == {ignore}) {{", "    out[r] = (T)0;"] + ["    " + line for line in loop(["g[j] = 0;"])]
        body += ["} else {", "    const T m = out[r], inv = (T)(1 / s);", "    const long j = t;"]
        body += ["    " + line for line in compute]
        body += ["    out[r] = m + (T)log(s) - v;"] + ["    " + line for line in loop(["g[j] *= inv;"])]
        body += ["    g[t] -= 1;", "}"]
        return lines + threaded_loop("schedule(static)", condition,
                                     ["for (long r = 0; r < rows; r++) {"] + ["    " + line for line in body] + ["}"])

    def _extras(self, c: bool) -> list[str]:
        qualifier = "" if c else "__global "
        index = self.prologue.num_inputs
        names = []
        if self.kind == "layer_norm":
            names = [name for name in ("weight", "bias") if self.options.get(name)]
        elif self.kind == "cross_entropy":
            if not c:
                return [f"{qualifier}const long *target"]
            # on the CPU also the gradient rows (or NULL) and the status: [a class out of range, rows counted]
            return [f"const long *target = (const long *)inputs[{index}];",
                    f"T *grad_rows = (T *)inputs[{index + 1}];", f"long *status = (long *)inputs[{index + 2}];"]
        return [f"{qualifier}const T *{name}" + (f" = (const T *)inputs[{index + n}];" if c else "")
                for n, name in enumerate(names)]

    def _out_type(self, c: bool) -> str:
        if self.kind == "sum":
            return "double" if c else "float"
        return "T"

    def c_source(self) -> str:
        ctype = "float" if self.dtype == np.float32 else "double"
        exp = exp_source() if self.dtype == np.float32 else "#define EXPF(x) exp(x)\n"
        lines = ["#include <tgmath.h>", "#include <math.h>", "#include <stdint.h>", f"typedef {ctype} T;", exp,
                 "void axonml_fused(void **inputs, void *output, long rows, long cols, long total, "
                 "const long *sizes, int threads) {"]
        lines += [f"    const T *in{k} = (const T *)inputs[{k}];" for k in range(self.prologue.num_inputs)]
        lines += [f"    const long size{k} = sizes[{k}];" for k in range(self.prologue.num_inputs)]
        lines += ["    " + line for line in self._extras(True)]
        if self.kind == "cross_entropy":  # the targets checked and counted before any row runs
            ignore = int(self.options["ignore_index"])
            lines += ["    status[0] = 0;", "    status[1] = 0;", "    for (long r = 0; r < rows; r++) {",
                      "        const long t = target[r];", f"        if (t == {ignore}) continue;",
                      "        if (t < 0 || t >= cols) { status[0] = 1; return; }", "        status[1]++;", "    }"]
        lines += [f"    {self._out_type(True)} *out = ({self._out_type(True)} *)output;"]
        if self.kind == "cross_entropy":
            lines += ["    if (grad_rows) {"] + ["        " + line for line in self._cross_entropy_gradient_lines()]
            lines += ["        return;", "    }"]
        loop = ["for (long r = 0; r < rows; r++) {"] + ["    " + line for line in self._row_lines(True)] + ["}"]
        lines += ["    " + line for line in threaded_loop("schedule(static)", f"total >= {_PARALLEL_THRESHOLD}", loop)]
        lines += ["}", ""]
        return "\n".join(lines)

    def opencl_source(self) -> str:
        params = [f"__global const T *in{k}" for k in range(self.prologue.num_inputs)]
        params += [line for line in self._extras(False)]
        params += [f"__global {self._out_type(False)} *out", "const long rows", "const long cols", "const long total"]
        params += [f"const long size{k}" for k in range(self.prologue.num_inputs)]
        lines = ["#define T float", "#define EXPF(x) exp(x)", "__kernel void axonml_fused(" + ", ".join(params) + ") {",
                 "    const long r = get_global_id(0);", "    if (r >= rows) return;"]
        lines += ["    " + line for line in self._row_lines(False)]
        lines += ["}", ""]
        return "\n".join(lines)

    # --- running ---------------------------------------------------------------------------------------------
    def __call__(self, *inputs, out=None):
        """Run on tensors (backend arrays for array_inputs), one per kernel input; ``out``, a backend array,
        may receive a softmax or layer-norm result."""
        if len(inputs) != self.num_inputs:
            raise TypeError(f"FusedReduction({self.name}) takes {self.num_inputs} inputs, got {len(inputs)}")
        return _apply(_FusedRows, self, out, *inputs)

    def run_arrays(self, xp, arrays, out=None):
        """The kernel's result on backend arrays (the forward of the group)."""
        return self.run_with_gradient(xp, arrays, out, False)[0]

    def run_with_gradient(self, xp, arrays, out=None, gradient: bool = True) -> tuple:
        """(result, gradient rows, rows counted): for a cross-entropy on the CPU with ``gradient``, also the
        gradient of each row's loss by the reduced operand (softmax - one-hot), from the same kernel; else
        (result, None, None)."""
        arrays = list(arrays)
        self.prologue._check(arrays[:self.prologue.num_inputs])
        if self.kind == "cross_entropy" and xp is _cpu_backend:
            status = np.empty(2, np.int64)
            grad_rows = np.empty(self.shape, self.dtype) if gradient else None
            rows_out = self._run_cpu(arrays, out, [grad_rows, status])
            if status[0]:
                return self._eager(xp, arrays), None, None  # the op's own error for an out-of-range class
            return self._finish(xp, rows_out, int(status[1])), grad_rows, int(status[1])
        count = None
        if self.kind == "cross_entropy":  # on a device: the targets checked and counted on the host
            count = self._counted_targets(xp, arrays[-1])
            if count is None:
                return self._eager(xp, arrays), None, None
        if xp is _cpu_backend:
            rows_out = self._run_cpu(arrays, out)
        else:
            from .opencl import run_opencl_rows
            rows_out = run_opencl_rows(self, xp, arrays, out)
        return self._finish(xp, rows_out, count), None, None

    def scale_gradient(self, xp, grad_rows, grad, count: int):
        """The gradient by the reduced operand of a cross-entropy, from run_with_gradient's gradient rows and
        the gradient of the result."""
        reduction = self.options["reduction"]
        if reduction == "none":
            return xp.mul(grad_rows, xp.reshape(grad, (self.shape[0], 1)))
        return xp.mul(grad_rows, xp.div(grad, self.dtype.type(count)) if reduction == "mean" else grad)

    def _counted_targets(self, xp, target) -> int | None:
        """How many targets are not ignored, from one copy of them; None when one is out of range."""
        values = np.asarray(xp.to_numpy(target)).reshape(-1)
        counted = values[values != self.options["ignore_index"]]
        if values.shape != (self.shape[0],) or (counted.size and (counted.min() < 0 or
                                                                   counted.max() >= self.shape[1])):
            return None
        return int(counted.size)

    def _eager(self, xp, arrays):
        tensors = [a if k in self.array_inputs else _autograd.wrap_array(a, xp) for k, a in enumerate(arrays)]
        return self.replay(tensors)._data

    def _finish(self, xp, rows_out, count):
        """The reduction's result from the kernel's per-row output (count: a cross-entropy's rows counted)."""
        kind = self.kind
        if kind in ("softmax", "log_softmax", "layer_norm"):
            return rows_out
        dtype = self.dtype.type
        if kind == "cross_entropy":
            reduction = self.options["reduction"]
            if reduction == "none":
                return rows_out
            total = xp.sum(rows_out, None, False)
            if reduction == "sum":
                return total
            return xp.div(total, dtype(count)) if count else xp.full((), np.nan, self.dtype)
        total = xp.sum(rows_out, None, False)
        if self.options["scale"] == "mean":
            total = xp.div(total, float(math.prod(self.shape)))
        return xp.astype(total, self.dtype)

    def _run_cpu(self, arrays, out, outputs=()):
        """The kernel on NumPy arrays; ``outputs``: arrays (or None) passed after the inputs, for it to write."""
        if self._cpu is None:
            from .compiler import load_library
            function = load_library(self.c_source()).axonml_fused
            function.restype = None
            function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_long,
                                 ctypes.c_void_p, ctypes.c_int]
            self._cpu = function
        arrays = [np.ascontiguousarray(a) for a in arrays]
        if self.kind in ("softmax", "log_softmax", "layer_norm"):
            if out is None or out.shape != self.shape or out.dtype != self.dtype or not out.flags.c_contiguous:
                out = np.empty(self.shape, self.dtype)
        elif self.kind == "cross_entropy":
            out = np.empty(self.rows, self.dtype)
        else:
            out = np.empty(self.rows, np.float64)
        pointers = (ctypes.c_void_p * max(1, len(arrays) + len(outputs)))(
            *[address(a) for a in arrays], *[None if a is None else address(a) for a in outputs])
        sizes = (ctypes.c_long * max(1, len(arrays)))(*[a.size for a in arrays])
        self._cpu(pointers, address(out), self.rows, self.cols, math.prod(self.shape), sizes,
                  _linalg.get_num_threads())
        return out

    def replay(self, tensors):
        """The prologue's ops and the reduction's own op applied to tensors (the eager meaning of the kernel)."""
        results = []

        def resolve(a):
            return tensors[a.k] if isinstance(a, Input) else results[a.j] if isinstance(a, Member) else a
        for fn_cls, args in self.members:
            results.append(_apply(fn_cls, *[resolve(a) for a in args]))
        fn_cls, args = self.reduction
        return _apply(fn_cls, *[resolve(a) for a in args])


class _FusedRows(_FusedChain):
    """One fused reduction group as one op: forward runs the kernel (as a fused chain's); backward differentiates
    the replayed ops, its index inputs passed through as arrays.

    A cross-entropy on the CPU that records gradients has its kernel write the gradient by the logits in the
    forward's pass; backward then scales it and differentiates only the replayed prologue (if any).
    """

    def forward(ctx, kernel, out, *inputs):
        ctx.kernel = kernel
        ctx.grad_rows = None
        if not any(ctx.needs_input_grad):
            return kernel.run_arrays(ctx.xp, inputs, out)
        ctx.save_for_backward(*inputs)
        result, ctx.grad_rows, ctx.count = kernel.run_with_gradient(ctx.xp, inputs, out, kernel.kind == "cross_entropy")
        return result

    def backward(ctx, grad):
        kernel, needs = ctx.kernel, ctx.needs_input_grad[2:]
        if ctx.grad_rows is None or not ctx.count:  # no rows counted: the replay's NaNs, as the op's own
            return (None, None) + replay_gradients(ctx, grad, needs, kernel.replay, kernel.array_inputs)
        operand_grad = kernel.scale_gradient(ctx.xp, ctx.grad_rows, grad, ctx.count)
        prologue = kernel.prologue
        if not prologue.members:
            return (None, None, operand_grad if needs[0] else None) + (None,) * (len(needs) - 1)
        count = prologue.num_inputs
        return (None, None) + replay_gradients(ctx, operand_grad, needs[:count], prologue.replay) + \
            (None,) * (len(needs) - count)
