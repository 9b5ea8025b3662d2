"""Running a Graph: each node's op applied to the tensors of the run, in order.

The ops run through ``Function.apply`` exactly as in eager mode, so a run with inputs or
parameters that require grad builds the autograd graph of those same ops: gradients of a
compiled forward come from each op's own backward. Each value's slot is released after its
last use, so intermediate buffers are freed (and reused by the allocator) as soon as possible;
a fused kernel may also write its result into the buffer of an input that dies with it
(see :meth:`Interpreter.run`).
"""
from __future__ import annotations

import sys

import numpy as np

from .._ext import _autograd
from ..tensor import Tensor
from .ir import ArrayOf, Graph, Value, iter_values

__all__ = ["Interpreter"]

_apply = _autograd.apply
_write_in_place = Tensor._inplace


def _resolver(template):
    """A function env -> the argument, for one node argument template."""
    if isinstance(template, Value):
        index = template.index
        return lambda env: env[index]
    if isinstance(template, ArrayOf):
        index = template.value.index
        if template.value.kind == "const" and not isinstance(template.value.tensor, Tensor):
            return lambda env: env[index]  # an external array, held as itself
        return lambda env: env[index]._data
    if isinstance(template, (tuple, list)):
        parts = [_resolver(item) for item in template]
        kind = type(template)
        return lambda env: kind(part(env) for part in parts)
    if isinstance(template, dict):
        parts = {key: _resolver(item) for key, item in template.items()}
        return lambda env: {key: part(env) for key, part in parts.items()}
    return lambda env: template


def _is_literal(template) -> bool:
    return next(iter_values(template), None) is None


def _slots(args):
    """(a list of the literal arguments, [(position, env index)]) where every argument is a literal or a Value
    (the common node: tensors and flags), so that a run fills a copy of the list; else None."""
    template, slots = [], []
    for position, arg in enumerate(args):
        if isinstance(arg, Value):
            template.append(None)
            slots.append((position, arg.index))
        elif _is_literal(arg):
            template.append(arg)
        else:
            return None
    return template, slots


class _Step:
    __slots__ = ("kind", "target", "resolvers", "slots", "outputs", "multiple", "release", "donors")


class Interpreter:
    """Runs a graph on new inputs; ``Interpreter(graph)(*inputs)`` returns the forward's output structure."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.size = graph._next_index
        self.inputs = [value.index for value in graph.inputs]
        self.externals = [(value.index, value.tensor) for value in graph.externals]
        keep = {value.index for value in graph.output_values()}
        last_use: dict = {}
        for position, node in enumerate(graph.nodes):
            for value in node.input_values():
                last_use[value.index] = position
        produced = {value.index for node in graph.nodes for value in node.outputs}
        self.steps = []
        for position, node in enumerate(graph.nodes):
            step = _Step()
            step.kind, step.target, step.multiple = node.kind, node.target, node.multiple
            step.resolvers = [_resolver(arg) for arg in node.args]
            step.slots = _slots(node.args) if node.kind in ("call", "fused") else None
            step.outputs = [value.index for value in node.outputs]
            dying = [value.index for value in dict.fromkeys(node.input_values())
                     if last_use.get(value.index) == position and value.index not in keep
                     and value.index in produced]
            step.release = dying
            # an elementwise kernel may write into an input of its own shape and dtype that dies here
            step.donors = []
            if node.kind == "fused":
                out = node.outputs[0]
                step.donors = [k for k, arg in enumerate(node.args)
                               if isinstance(arg, Value) and arg.index in dying and arg.shape == out.shape
                               and arg.dtype == out.dtype]
            self.steps.append(step)
        self.output_resolver = _resolver(graph.output)

    def __call__(self, *inputs):
        return self.run(inputs)

    def run(self, inputs):
        if len(inputs) != len(self.inputs):
            raise TypeError(f"the traced forward takes {len(self.inputs)} tensor inputs, got {len(inputs)}")
        env = [None] * self.size
        for index, tensor in zip(self.inputs, inputs):
            env[index] = tensor
        for index, obj in self.externals:
            env[index] = obj
        grad_enabled = _autograd.is_grad_enabled()
        for step in self.steps:
            slots = step.slots
            if slots is not None:
                args = slots[0].copy()
                for position, index in slots[1]:
                    args[position] = env[index]
            else:
                args = [resolve(env) for resolve in step.resolvers]
            kind = step.kind
            if kind == "call":
                out = _apply(step.target, *args)
            elif kind == "fused":
                donated = _donated(step, args) if step.donors and not grad_enabled else None
                out = step.target(*args, out=donated)
                donated = None
            elif kind == "inplace":
                out = _write_in_place(args[0], args[1])
            else:  # a Python-level node: args are (positional, keywords)
                out = step.target(*args[0], **args[1])
            if step.multiple:
                for index, tensor in zip(step.outputs, out):
                    env[index] = tensor
            else:
                env[step.outputs[0]] = out
            out = args = None  # hold nothing past the step: a dying input may be donated to the next kernel
            for index in step.release:
                env[index] = None
        return self.output_resolver(env)


def _donated(step, args):
    """The backend array of a dying input that nothing else holds, for the kernel to overwrite; or None."""
    for k in step.donors:
        tensor = args[k]
        # held by: args, env, this frame's local, getrefcount's argument
        if tensor._requires_grad or tensor._base is not None or sys.getrefcount(tensor) > 4:
            continue
        data = tensor._data
        # a NumPy array that owns its memory, held by: the tensor, getrefcount's argument, this frame
        # (device arrays share allocations with their views, which a count cannot see)
        if type(data) is np.ndarray and data.base is None and sys.getrefcount(data) <= 3:
            return data
    return None
