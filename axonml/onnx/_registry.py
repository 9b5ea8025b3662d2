"""The table of op converters: ONNX op type -> the axonml function that runs it, per opset.

A converter is registered once per opset where the op's meaning changed (``since``): the loader
picks, for a model's opset, the newest registration not newer than it. Each converter names the
attributes it understands; a node with any other attribute, or an attribute value that
``check`` rejects, is reported as unsupported at load time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Converter", "NodeContext", "register", "find", "claimed_ops"]


@dataclass(frozen=True)
class Converter:
    op_type: str
    since: int
    run: Callable
    attrs: frozenset
    check: Callable | None = None


@dataclass
class NodeContext:
    """What a converter sees of its node: the attributes (Python values), the opset, and the graph runner."""

    op_type: str
    name: str
    attrs: dict
    opset: int
    runner: object = field(default=None, repr=False)
    subgraphs: dict = field(default_factory=dict, repr=False)
    output_count: int = 1
    env: dict | None = field(default=None, repr=False)

    def attr(self, name: str, default=None):
        return self.attrs.get(name, default)


_TABLE: dict[str, list[Converter]] = {}


def register(op_types, since: int = 1, attrs=(), check: Callable | None = None):
    """Register the decorated function as the converter of op_types from opset ``since`` on."""
    if isinstance(op_types, str):
        op_types = (op_types,)

    def decorate(run):
        for op_type in op_types:
            entries = _TABLE.setdefault(op_type, [])
            entries.append(Converter(op_type, since, run, frozenset(attrs), check))
            entries.sort(key=lambda entry: entry.since)
        return run
    return decorate


def find(op_type: str, opset: int) -> Converter | None:
    """The converter of op_type for a model of this opset, or None when axonml has none."""
    chosen = None
    for entry in _TABLE.get(op_type, ()):
        if entry.since <= opset:
            chosen = entry
    return chosen


def claimed_ops() -> list[str]:
    """Every ONNX op type that axonml can import, sorted."""
    return sorted(_TABLE)
