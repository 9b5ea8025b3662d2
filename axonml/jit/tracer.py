"""Recording a forward into a :class:`~axonml.jit.ir.Graph`.

The tracer is the autograd engine's op observer (``_autograd.set_tracer``): every op that runs
through ``Function.apply`` at the top level of the forward becomes a node, with its Function
class, its arguments and its outputs. Ops that run inside another op (a custom Function's
forward) belong to that op. Three other things are recorded around the ops:

- in-place writes (``Tensor._inplace``, the one place every ``x.op_(...)`` ends), as
  ``"inplace"`` nodes;
- dropout, whose mask is drawn in Python before its op runs, as one ``"python"`` node that
  draws a new mask at each run;
- what a trace cannot stand for: a traced tensor's value read by Python (``item()``,
  ``bool()``, ``tolist()``, ``numpy()`` ...: data-dependent control flow), random numbers drawn
  outside any op, a backward pass or an optimizer step (a whole training step: the graph holds
  the forward's ops, and a replay would neither differentiate nor update). These are collected as
  reasons; :func:`axonml.jit.trace` warns with them and :func:`axonml.jit.compile` runs such a
  function eagerly.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from .. import random as _random
from .._ext import _autograd
from ..nn import functional as _functional
from ..ops import nn as _ops_nn
from ..ops import norm as _ops_norm
from ..ops import random as _ops_random
from ..tensor import Tensor
from .ir import ArrayOf, Graph, Node, Value

__all__ = ["TracerWarning", "record"]

_RANDOM_FUNCTIONS = {_ops_random.Draw, _ops_random.Multinomial}
_VALUE_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__", "__array__")


class TracerWarning(UserWarning):
    """A trace may not stand for the forward on other inputs (torch.jit.TracerWarning)."""


def _is_array(obj) -> bool:
    return type(obj) is np.ndarray or (hasattr(obj, "backend") and hasattr(obj, "shape"))


class _Recorder:
    """The tracer installed while one forward runs: builds the graph op by op."""

    def __init__(self, graph: Graph, state_names: dict, state_arrays: dict):
        self.graph = graph
        self.state_names = state_names     # id(parameter or buffer) -> its name in the module
        self.state_arrays = state_arrays   # id(its backend array) -> the parameter or buffer
        self.depth = 0                     # > 0 inside an op (or a recorded Python function)
        self.tensors: dict[int, Value] = {}
        self.arrays: dict[int, Value] = {}
        self.alive: list = []              # every traced object, so that ids stay unique
        self.reasons: list[str] = []

    def untraceable(self, reason: str) -> None:
        """Note that the forward did something, outside any op, that the graph cannot stand for."""
        if self.depth == 0 and reason not in self.reasons:
            self.reasons.append(reason)

    # --- values -------------------------------------------------------------------------------------
    def bind(self, tensor: Tensor, value: Value) -> Value:
        self.tensors[id(tensor)] = value
        self.arrays[id(tensor._data)] = value
        self.alive.append(tensor)
        return value

    def input(self, tensor: Tensor, name: str) -> Value:
        value = self.graph.new_value("input", tensor._data.shape, tensor.dtype, tensor.device, name=name)
        self.graph.inputs.append(value)
        return self.bind(tensor, value)

    def external(self, obj) -> Value:
        """A tensor or array the forward used but did not make: a parameter, a buffer or a constant."""
        if isinstance(obj, Tensor):
            name = self.state_names.get(id(obj))
            kind = "param" if name is not None or obj._requires_grad else "const"
            value = self.graph.new_value(kind, obj._data.shape, obj.dtype, obj.device, tensor=obj,
                                         name=name.replace(".", "_") if name else None)
            self.graph.externals.append(value)
            return self.bind(obj, value)
        value = self.graph.new_value("const", obj.shape, obj.dtype, getattr(getattr(obj, "backend", None),
                                                                             "device", "cpu"), tensor=obj)
        self.graph.externals.append(value)
        self.arrays[id(obj)] = value
        self.alive.append(obj)
        return value

    def template(self, arg):
        if isinstance(arg, Tensor):
            value = self.tensors.get(id(arg))
            return value if value is not None else self.external(arg)
        if _is_array(arg):
            value = self.arrays.get(id(arg))
            if value is None:
                owner = self.state_arrays.get(id(arg))  # a parameter's or buffer's array: read live
                if owner is None:
                    # computed by Python from tensor data, outside the ops: the trace would freeze it
                    self.untraceable("an op received a backend array computed outside the ops the tracer records")
                value = self.external(owner) if owner is not None else self.external(arg)
            return ArrayOf(value)
        if isinstance(arg, tuple):
            return tuple(self.template(item) for item in arg)
        if isinstance(arg, list):
            return [self.template(item) for item in arg]
        if isinstance(arg, dict):
            return {key: self.template(item) for key, item in arg.items()}
        return arg

    def outputs_of(self, out) -> list[Value]:
        outs = out if isinstance(out, tuple) else (out,)
        values = []
        for tensor in outs:
            value = self.graph.new_value("op", tensor._data.shape, tensor.dtype, tensor.device)
            values.append(self.bind(tensor, value))
        return values

    def add(self, kind: str, op: str, target, args, out, random: bool = False) -> Node:
        node = Node(kind, op, target, self.template(args), [], multiple=isinstance(out, tuple), random=random)
        node.outputs = self.outputs_of(out)
        for value in node.outputs:
            value.producer = node
        self.graph.nodes.append(node)
        return node

    # --- the engine's observer protocol ---------------------------------------------------------------
    def begin_op(self, fn_cls, args):
        self.depth += 1
        return (fn_cls, args) if self.depth == 1 else None

    def end_op(self, token, out):
        self.depth -= 1
        if token is not None and out is not None:
            fn_cls, args = token
            self.add("call", fn_cls.__name__, fn_cls, args, out, random=fn_cls in _RANDOM_FUNCTIONS)


@contextlib.contextmanager
def record(graph: Graph, state: dict):
    """Install a recorder for graph while the block runs; yields it. state: name -> the module's parameters
    and buffers."""
    names: dict = {}
    for name, tensor in state.items():
        names.setdefault(id(tensor), name)
    recorder = _Recorder(graph, names, {id(tensor._data): tensor for tensor in state.values()})
    previous = _autograd.set_tracer(recorder)
    patches = []

    def patch(owner, name, replacement):
        patches.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, replacement)

    write_in_place = Tensor._inplace

    def recorded_inplace(self, result):
        if recorder.depth:
            return write_in_place(self, result)
        destination, source = recorder.template(self), recorder.template(result)
        out = write_in_place(self, result)
        node = Node("inplace", "inplace", None, (destination, source), [])
        value = recorder.graph.new_value("op", self._data.shape, self.dtype, self.device)
        value.producer = node
        node.outputs = [value]
        recorder.graph.nodes.append(node)
        recorder.bind(self, value)
        return out
    patch(Tensor, "_inplace", recorded_inplace)

    for name in ("_dropout", "_alpha_dropout"):
        patch(_ops_nn, name, _recorded_python(recorder, _ops_nn.__dict__[name], name.lstrip("_"), random=True))
    # batch_norm computes its statistics and updates the running ones in Python, around its op
    batch_norm = _recorded_python(recorder, _ops_norm.batch_norm, "batch_norm", random=False)
    patch(_ops_norm, "batch_norm", batch_norm)
    patch(_functional, "batch_norm", batch_norm)

    for name in _VALUE_READS:
        patch(Tensor, name, _watched_read(recorder, Tensor.__dict__[name], name))

    generator = _random.default_generator
    real_numpy_generator, real_next_offset = generator.np, generator.next_offset
    generator.np = _WatchedGenerator(recorder, real_numpy_generator)

    def next_offset(count):
        _note_random(recorder)
        return real_next_offset(count)
    generator.next_offset = next_offset
    try:
        yield recorder
    finally:
        _autograd.set_tracer(previous)
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)
        if isinstance(generator.np, _WatchedGenerator):
            generator.np = real_numpy_generator
        del generator.next_offset


def _recorded_python(recorder: _Recorder, function, op: str, random: bool):
    def recorded(*args, **kwargs):
        if recorder.depth:
            return function(*args, **kwargs)
        recorder.depth += 1
        try:
            out = function(*args, **kwargs)
        finally:
            recorder.depth -= 1
        if isinstance(out, Tensor) and len(args) and out is args[0]:
            return out  # an identity (eval mode, p == 0): nothing to record
        recorder.add("python", op, function, (args, kwargs), out, random=random)
        return out
    return recorded


def _watched_read(recorder: _Recorder, method, name: str):
    def read(self, *args, **kwargs):
        if recorder.depth == 0:
            value = recorder.tensors.get(id(self))
            if value is not None and value.kind in ("input", "op"):
                recorder.untraceable(f"Tensor.{name}() read a traced tensor's value in Python (data-dependent "
                                     "control flow or a value the trace would freeze)")
        return method(self, *args, **kwargs)
    read.__name__ = name
    return read


def _note_random(recorder: _Recorder) -> None:
    recorder.untraceable("the forward draws random numbers outside an op (the trace would freeze them)")


class _WatchedGenerator:
    """The default generator's NumPy stream during a trace: notes draws made outside any op."""

    def __init__(self, recorder: _Recorder, real):
        self._recorder, self._real = recorder, real

    def __getattr__(self, name):
        _note_random(self._recorder)
        return getattr(self._real, name)


def warn_reasons(reasons: list[str], what: str) -> None:
    for reason in reasons:
        warnings.warn(f"{what}: {reason}", TracerWarning, stacklevel=3)
