"""The IR of a traced forward: a typed graph of ops, each value with its shape, dtype and device.

A :class:`Graph` lists its input values, its nodes in execution order and a template of its
result (the forward's output structure, with values where tensors were). A :class:`Node` is one
op: an axonml ``Function`` applied to arguments (kind ``"call"``), an in-place write of one
value into another (``"inplace"``), a Python-level function the tracer records whole
(``"python"``: dropout, whose random mask is drawn outside the ops) or a fused group
(``"fused"``). Its arguments are a template too: :class:`Value` where the op took a traced
tensor, :class:`ArrayOf` where it took a tensor's backend array, anything else as the literal
the trace saw.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

__all__ = ["Value", "ArrayOf", "Node", "Graph"]


class Value:
    """One tensor in the graph: a graph input, an external tensor (a parameter or a constant) or an op's output.

    ``kind`` is ``"input"``, ``"param"`` (an external tensor read at each run: module parameters and
    buffers, tensors that require grad), ``"const"`` (an external tensor or array the graph may fold)
    or ``"op"``. ``tensor`` holds the external object of params and consts.
    """

    __slots__ = ("index", "kind", "shape", "dtype", "device", "producer", "tensor", "name")

    def __init__(self, index: int, kind: str, shape: tuple, dtype, device, tensor=None, name: str | None = None):
        self.index = index
        self.kind = kind
        self.shape = tuple(shape)
        self.dtype = dtype
        self.device = device
        self.producer: Node | None = None
        self.tensor = tensor
        self.name = name

    @property
    def type_str(self) -> str:
        dtype = getattr(self.dtype, "scalar_name", None) or str(self.dtype)
        return f"{dtype}[{', '.join(str(s) for s in self.shape)}]@{self.device}"

    def __repr__(self) -> str:
        return f"%{self.name or self.index}"


@dataclass(frozen=True)
class ArrayOf:
    """An op argument that was a traced tensor's backend array (an index array, a dropout scale)."""

    value: Value

    def __repr__(self) -> str:
        return f"array({self.value!r})"


@dataclass(eq=False)
class Node:
    """One op of the graph.

    ``target`` is the Function class (``"call"``), the Python function (``"python"``), the fused
    kernel (``"fused"``) or None (``"inplace"``: args are (destination, source)).
    ``random`` marks ops whose result is drawn at each run; such ops and in-place ones are never
    removed, merged, folded or fused by a pass.
    """

    kind: str
    op: str
    target: Any
    args: tuple
    outputs: list
    multiple: bool = False
    random: bool = False
    meta: dict = field(default_factory=dict)

    def input_values(self) -> list[Value]:
        return list(iter_values(self.args))

    @property
    def has_side_effects(self) -> bool:
        return self.kind in ("inplace", "python") or self.random


def iter_values(template) -> Iterator[Value]:
    """Every Value a template mentions, in order (repeats included)."""
    if isinstance(template, Value):
        yield template
    elif isinstance(template, ArrayOf):
        yield template.value
    elif isinstance(template, (tuple, list)):
        for item in template:
            yield from iter_values(item)
    elif isinstance(template, dict):
        for item in template.values():
            yield from iter_values(item)


def substitute(template, mapping: dict):
    """The template with each Value v replaced by mapping[v] (where mapping has it)."""
    if isinstance(template, Value):
        return mapping.get(template, template)
    if isinstance(template, ArrayOf):
        return ArrayOf(mapping.get(template.value, template.value))
    if isinstance(template, tuple):
        return tuple(substitute(item, mapping) for item in template)
    if isinstance(template, list):
        return [substitute(item, mapping) for item in template]
    if isinstance(template, dict):
        return {key: substitute(item, mapping) for key, item in template.items()}
    return template


class Graph:
    """A traced forward: inputs, nodes in execution order, and the output template.

    ``str(graph)`` (or ``graph.print()``) lists one line per node with its result types.
    """

    def __init__(self):
        self.inputs: list[Value] = []
        self.externals: list[Value] = []
        self.nodes: list[Node] = []
        self.output = None
        self._next_index = 0

    def new_value(self, kind: str, shape, dtype, device, tensor=None, name: str | None = None) -> Value:
        value = Value(self._next_index, kind, shape, dtype, device, tensor, name)
        self._next_index += 1
        return value

    def output_values(self) -> list[Value]:
        return list(iter_values(self.output))

    def uses(self) -> dict:
        """Value -> the nodes that read it (a node once per value)."""
        uses: dict = {}
        for node in self.nodes:
            for value in dict.fromkeys(node.input_values()):
                uses.setdefault(value, []).append(node)
        return uses

    def replace_uses(self, mapping: dict) -> None:
        """Read mapping[v] wherever v was read (by nodes and by the output)."""
        for node in self.nodes:
            node.args = substitute(node.args, mapping)
        self.output = substitute(self.output, mapping)

    def __str__(self) -> str:
        lines = ["graph(" + ", ".join(f"{v!r}: {v.type_str}" for v in self.inputs) + "):"]
        for value in self.externals:
            lines.append(f"  {value!r}: {value.type_str} = {value.kind}")
        for node in self.nodes:
            outs = ", ".join(f"{v!r}: {v.type_str}" for v in node.outputs)
            flags = " [random]" if node.random else ""
            lines.append(f"  {outs} = {node.op}({_format_args(node.args)}){flags}")
        lines.append(f"  return {_format_args(self.output) if self.output is not None else 'None'}")
        return "\n".join(lines)

    def print(self) -> None:
        print(str(self))

    def __repr__(self) -> str:
        return f"<axonml.jit.Graph: {len(self.inputs)} inputs, {len(self.nodes)} nodes>"


def _format_args(template) -> str:
    if isinstance(template, tuple):
        return ", ".join(_format_one(item) for item in template)
    return _format_one(template)


def _format_one(item) -> str:
    if isinstance(item, (Value, ArrayOf)):
        return repr(item)
    if isinstance(item, tuple):
        return "(" + ", ".join(_format_one(x) for x in item) + ("," if len(item) == 1 else "") + ")"
    if isinstance(item, list):
        return "[" + ", ".join(_format_one(x) for x in item) + "]"
    if isinstance(item, type):
        return item.__name__
    text = repr(item)
    return text if len(text) <= 40 else text[:37] + "..."
