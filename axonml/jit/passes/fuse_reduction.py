"""Reduction fusion: elementwise ops fused into the reduction that reads their result.

A softmax or log_softmax over the last axis, a layer norm, a class-index cross-entropy over
(N, C) logits, an mse or l1 loss, or a sum or mean over every element becomes one
:class:`~axonml.fusion.FusedReduction` node together with the chain of elementwise ops that
computes its operand (a scale and an additive mask before an attention softmax, the residual add
before a Transformer's layer norm). An op joins the chain on the same terms as in elementwise
fusion: it is fusable, its result is read by the chain only (so it need never be stored), it has
the operand's shape, and no side-effecting node lies between it and the reduction.
"""
from __future__ import annotations

import math

import numpy as np

from ...fusion.reduction import FusedReduction
from ...fusion.elementwise import Input, Member
from ...ops import loss as _loss
from ...ops import nn as _nn
from ...ops import norm as _norm
from ...ops import reduce as _reduce
from ..ir import ArrayOf, Graph, Node, Value
from ._purity import segments
from .fuse_elementwise import _fusable, _mode

__all__ = ["fuse_reduction"]


def _float_value(value, devices: tuple) -> bool:
    """A non-empty float32 or float64 value on a device the kernels are generated for (float32 on OpenCL)."""
    if not isinstance(value, Value):
        return False
    dtype = getattr(value.dtype, "np", None)
    device = str(value.device)
    return dtype in (np.float32, np.float64) and device.startswith(devices) and \
        (dtype == np.float32 or not device.startswith("opencl")) and bool(math.prod(value.shape))


def _same_kind(value, operand: Value, shape: tuple) -> bool:
    return isinstance(value, Value) and value.dtype == operand.dtype and str(value.device) == str(operand.device) \
        and tuple(value.shape) == tuple(shape)


def _spec(node: Node, devices: tuple):
    """(kind, options, extra tensor arguments, a target the loss compares with) for a reduction node, or None."""
    if node.kind != "call" or node.random or node.multiple or not node.args:
        return None
    operand, args, fn_cls = node.args[0], node.args, node.target
    if not _float_value(operand, devices):
        return None
    ndim = len(operand.shape)
    if fn_cls in (_nn.Softmax, _nn.LogSoftmax) and len(args) == 2:
        if ndim and args[1] == ndim - 1:
            return ("softmax" if fn_cls is _nn.Softmax else "log_softmax"), {}, [], None
    elif fn_cls is _norm.LayerNorm and len(args) == 5:
        _, weight, bias, normalized_ndim, eps = args
        normalized = operand.shape[ndim - normalized_ndim:]
        if all(p is None or _same_kind(p, operand, normalized) for p in (weight, bias)):
            options = {"normalized_ndim": normalized_ndim, "eps": eps, "weight": weight is not None,
                       "bias": bias is not None}
            return "layer_norm", options, [p for p in (weight, bias) if p is not None], None
    elif fn_cls is _loss.CrossEntropy and len(args) == 6:
        _, target, weight, ignore_index, label_smoothing, reduction = args
        if ndim == 2 and isinstance(target, ArrayOf) and getattr(target.value.dtype, "np", None) == np.int64 and \
                tuple(target.value.shape) == operand.shape[:1] and str(target.value.device) == str(operand.device):
            if weight is None and label_smoothing == 0.0 and reduction in ("mean", "sum", "none"):
                return "cross_entropy", {"ignore_index": ignore_index, "reduction": reduction}, [target], None
    elif fn_cls is _loss.DifferenceLoss and len(args) == 5:
        _, target, loss, _, reduction = args
        if loss in ("mse", "l1") and reduction in ("mean", "sum") and _same_kind(target, operand, operand.shape):
            return "sum", {"scale": reduction, "loss": loss}, [], target
    elif fn_cls is _reduce.Sum and len(args) == 4:
        if args[1] is None and not args[2] and args[3] is None:
            return "sum", {"scale": "sum", "loss": None}, [], None
    elif fn_cls is _reduce.Mean and len(args) == 3:
        if args[1] is None and not args[2]:
            return "sum", {"scale": "mean", "loss": None}, [], None
    return None


def fuse_reduction(graph: Graph, min_prologue: int = 1, devices: tuple = ("cpu", "opencl"), grad: bool = False) -> int:
    """Fuse each reduction with the elementwise chain before it (at least min_prologue ops); returns how many.

    With grad (the graph records gradients), a CPU cross-entropy is fused with no prologue too: its kernel
    then writes the gradient by the logits in the forward's pass, which saves the backward a softmax.
    """
    uses = graph.uses()
    outputs = set(graph.output_values())
    segment_of = segments(graph)
    claimed: set = set()
    replaced: dict = {}
    for node in graph.nodes:
        spec = _spec(node, devices)
        if spec is None:
            continue
        operand = node.args[0]
        group = _prologue(operand, node, uses, outputs, segment_of, claimed, devices)
        if len(group) < min_prologue and not (grad and spec[0] == "cross_entropy" and str(operand.device) == "cpu"):
            continue
        claimed.update(group)
        replaced[node] = _fused_node(node, group, *spec)
        for member in group:
            replaced[member] = None
    if replaced:
        graph.nodes = [replaced.get(node, node) for node in graph.nodes if replaced.get(node, node) is not None]
    return sum(1 for node in replaced.values() if node is not None)


def _prologue(operand: Value, reduction: Node, uses, outputs, segment_of, claimed, devices) -> list:
    """The elementwise nodes whose results only the chain into reduction's operand reads, in graph order."""
    group, frontier = [], [operand]
    while frontier:
        value = frontier.pop()
        producer = value.producer
        if producer is None or producer in claimed or producer in group or value in outputs or \
                len(uses.get(value, ())) != 1 or not _fusable(producer, devices):
            continue
        if tuple(producer.outputs[0].shape) != tuple(operand.shape) or segment_of[producer] != segment_of[reduction]:
            continue
        group.append(producer)
        frontier.extend(v for v in producer.args if isinstance(v, Value))
    order = {id(node): position for position, node in enumerate(_order_of(reduction, group))}
    return sorted(group, key=lambda node: order[id(node)])


def _order_of(reduction: Node, group: list) -> list:
    """group in dependency order (producers before readers)."""
    members = {node.outputs[0]: node for node in group}
    ordered, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for arg in node.args:
            if isinstance(arg, Value) and arg in members:
                visit(members[arg])
        ordered.append(node)
    for node in group:
        visit(node)
    return ordered


def _fused_node(node: Node, group: list, kind: str, options: dict, extras: list, target) -> Node:
    operand = node.args[0]
    shape = tuple(operand.shape)
    position = {member.outputs[0]: j for j, member in enumerate(group)}
    inputs: list = []

    def reference(arg):
        if isinstance(arg, Value) and arg in position:
            return Member(position[arg])
        if isinstance(arg, (Value, ArrayOf)):
            if arg not in inputs:
                inputs.append(arg)
            return Input(inputs.index(arg))
        return arg
    members = [(member.target, [reference(arg) for arg in member.args]) for member in group]
    if not group:
        reference(operand)
    if target is not None:
        options = dict(options, target=reference(target).k)
    modes = [_mode(value, shape) for value in inputs]
    prologue_count = len(inputs)
    for extra in extras:
        inputs.append(extra)
    reduction_args = []
    for arg in node.args:
        if isinstance(arg, (Value, ArrayOf)) and arg in inputs:
            reduction_args.append(Input(inputs.index(arg)) if arg not in position else Member(position[arg]))
        else:
            reduction_args.append(Member(position[arg]) if isinstance(arg, Value) and arg in position else arg)
    array_inputs = [k for k, value in enumerate(inputs) if isinstance(value, ArrayOf)]
    kernel = FusedReduction(members, modes[:prologue_count], operand.dtype.np, shape, kind, options,
                            (node.target, reduction_args), array_inputs)
    out = node.outputs[0]
    fused = Node("fused", f"FusedReduction[{kernel.name}]", kernel, tuple(inputs), [out])
    out.producer = fused
    return fused
