"""Elementwise fusion: chains of elementwise ops become one FusedElementwise kernel each.

A node joins the group of the op that produced its argument when that result is read by this
node only (so it need never be stored), both have the same output shape and dtype, and no
side-effecting node (an in-place write, a random op) lies between them. Inputs of a group are
read whole, as a scalar, or broadcast over leading axes (a bias row); other broadcasts end a chain.
"""
from __future__ import annotations

import math

import numpy as np

from ...fusion.elementwise import FusedElementwise, Input, Member
from ...fusion.expressions import EXPRESSIONS
from ..ir import ArrayOf, Graph, Node, Value
from ._purity import segments

__all__ = ["fuse_elementwise"]


def _mode(value: Value, shape: tuple):
    if value.shape == shape:
        return "full"
    size = math.prod(value.shape)
    if size == 1:
        return "scalar"
    inner = value.shape
    while inner and inner[0] == 1:
        inner = inner[1:]
    if inner and tuple(shape[len(shape) - len(inner):]) == inner and len(inner) <= len(shape):
        return "suffix"
    return None


def _fusable(node: Node, devices: tuple) -> bool:
    if node.kind != "call" or node.random or node.target not in EXPRESSIONS or node.multiple:
        return False
    out = node.outputs[0]
    dtype = getattr(out.dtype, "np", None)
    if dtype not in (np.float32, np.float64) or not math.prod(out.shape):
        return False
    device = str(out.device)
    if not device.startswith(devices) or (device.startswith("opencl") and dtype != np.float32):
        return False
    count = EXPRESSIONS[node.target][0]
    for position, arg in enumerate(node.args):
        if isinstance(arg, ArrayOf) or isinstance(arg, (tuple, list, dict)):
            return False
        if isinstance(arg, Value):
            if position >= count or arg.dtype != out.dtype or str(arg.device) != device or \
                    _mode(arg, out.shape) is None:
                return False
        elif position < count and (isinstance(arg, (bool, np.bool_)) or not isinstance(arg, (int, float, np.number))):
            return False
    return True


def fuse_elementwise(graph: Graph, min_size: int = 2, devices: tuple = ("cpu", "opencl")) -> int:
    """Replace each chain of at least min_size fusable ops by one ``"fused"`` node; returns how many chains."""
    uses = graph.uses()
    outputs = set(graph.output_values())
    segment_of = segments(graph)
    group_of: dict = {}          # node -> its group (a list of nodes in order)
    for node in graph.nodes:
        if not _fusable(node, devices):
            continue
        group = [node]
        out = node.outputs[0]
        for arg in dict.fromkeys(v for v in node.args if isinstance(v, Value)):
            producer = arg.producer
            joined = group_of.get(producer)
            if joined is None or joined is group or arg in outputs or len(uses.get(arg, ())) != 1:
                continue
            if producer.outputs[0].shape != out.shape or segment_of[producer] != segment_of[node]:
                continue
            group = joined + [member for member in group if member not in joined]
        group.sort(key=graph.nodes.index)
        for member in group:
            group_of[member] = group
    groups = {id(group): group for group in group_of.values() if len(group) >= min_size}
    replaced = {}
    for group in groups.values():
        replaced[group[-1]] = _fused_node(group)
        for member in group[:-1]:
            replaced[member] = None
    graph.nodes = [replaced.get(node, node) for node in graph.nodes if replaced.get(node, node) is not None]
    return len(groups)


def _fused_node(group: list) -> Node:
    root = group[-1].outputs[0]
    position = {node.outputs[0]: j for j, node in enumerate(group)}
    inputs: list = []
    members = []
    for node in group:
        args = []
        for arg in node.args:
            if isinstance(arg, Value):
                if arg in position:
                    args.append(Member(position[arg]))
                else:
                    if arg not in inputs:
                        inputs.append(arg)
                    args.append(Input(inputs.index(arg)))
            else:
                args.append(arg)
        members.append((node.target, args))
    kernel = FusedElementwise(members, [_mode(value, root.shape) for value in inputs], root.dtype.np, root.shape)
    fused = Node("fused", f"FusedElementwise[{kernel.name}]", kernel, tuple(inputs), [root])
    root.producer = fused
    return fused
