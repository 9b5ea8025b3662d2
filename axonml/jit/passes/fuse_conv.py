"""Conv + bias + activation fusion: a convolution and the elementwise ops that read its output alone.

A ``ConvNd`` whose only reader is an elementwise op of it alone (relu, silu, gelu, sigmoid, tanh,
a scale or a shift by a number ...), and the chain of such ops that follows, become one
:class:`~axonml.fusion.FusedConv` node: the backend's convolution without its bias, then one
epilogue pass that adds the bias and applies the chain in place. An op joins the chain when it
reads only the previous result (and numbers), that result is read by it alone and is not a
graph output, and no side-effecting node lies between them.
"""
from __future__ import annotations

from ...fusion.conv import FusedConv
from ...fusion.elementwise import Input, Member
from ...ops import conv as _conv
from ..ir import Graph, Node, Value
from ._purity import segments
from .fuse_elementwise import _fusable

__all__ = ["fuse_conv_activation"]


def fuse_conv_activation(graph: Graph, devices: tuple = ("cpu", "opencl")) -> int:
    """Rewrite ConvNd -> elementwise chains; returns how many."""
    uses = graph.uses()
    outputs = set(graph.output_values())
    segment_of = segments(graph)
    replaced: dict = {}
    for node in graph.nodes:
        if node.kind != "call" or node.target is not _conv.ConvNd or node.multiple or len(node.args) != 7:
            continue
        x, weight, bias = node.args[:3]
        if not isinstance(x, Value) or not isinstance(weight, Value) or not (bias is None or isinstance(bias, Value)):
            continue
        chain, value = [], node.outputs[0]
        while value not in outputs:
            readers = uses.get(value, ())
            if len(readers) != 1:
                break
            reader = readers[0]
            tensors = [arg for arg in reader.args if isinstance(arg, Value)]
            if reader in replaced or not _fusable(reader, devices) or set(tensors) != {value} or \
                    tuple(reader.outputs[0].shape) != tuple(value.shape) or segment_of[reader] != segment_of[node]:
                break
            chain.append(reader)
            value = reader.outputs[0]
        if not chain:
            continue
        replaced[chain[-1]] = _fused_node(node, chain)
        for member in [node] + chain[:-1]:
            replaced[member] = None
    if replaced:
        graph.nodes = [replaced.get(node, node) for node in graph.nodes if replaced.get(node, node) is not None]
    return sum(1 for node in replaced.values() if node is not None)


def _fused_node(conv: Node, chain: list) -> Node:
    position = {member.outputs[0]: j for j, member in enumerate(chain)}
    source = conv.outputs[0]
    members = []
    for member in chain:
        args = [Input(0) if arg is source else Member(position[arg]) if isinstance(arg, Value) else arg
                for arg in member.args]
        members.append((member.target, args))
    stride, padding, dilation, groups = conv.args[3:]
    kernel = FusedConv(members, source.dtype.np, stride, padding, dilation, groups)
    out = chain[-1].outputs[0]
    fused = Node("fused", f"FusedConv[{kernel.name}]", kernel, tuple(conv.args[:3]), [out])
    out.producer = fused
    return fused
