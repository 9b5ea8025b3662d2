"""Control flow: If and Loop, their branches and bodies run as subgraphs that see the outer scope."""
from __future__ import annotations

from ... import _dtype, functional as T
from .. import _registry
from .._registry import register
from ._util import const, scalar


def _run_subgraph(ctx, name, bound):
    graph = ctx.subgraphs[name]
    env = dict(ctx.env)
    env.update(bound)
    return graph.run(env)


@register("If", since=1, attrs=("else_branch", "then_branch"))
def if_(ctx, condition):
    branch = "then_branch" if bool(scalar(condition)) else "else_branch"
    outputs = _run_subgraph(ctx, branch, {})
    return tuple(outputs)


@register("Loop", since=11, attrs=("body",))
def loop(ctx, max_trip_count, condition, *carried):
    body = ctx.subgraphs["body"]
    limit = int(scalar(max_trip_count)) if max_trip_count is not None else None
    keep_going = bool(scalar(condition)) if condition is not None else True
    values = list(carried)
    scans = None
    iteration = 0
    like = next((value for value in carried if value is not None), max_trip_count)
    while keep_going and (limit is None or iteration < limit):
        bound = {body.input_names[0]: const(iteration, like, _dtype.int64),
                 body.input_names[1]: const(keep_going, like, _dtype.bool)}
        for name, value in zip(body.input_names[2:], values):
            bound[name] = value
        outputs = _run_subgraph(ctx, "body", bound)
        keep_going = bool(scalar(outputs[0]))
        values = outputs[1:1 + len(values)]
        scanned = outputs[1 + len(values):]
        if scans is None:
            scans = [[] for _ in scanned]
        for collected, value in zip(scans, scanned):
            collected.append(value)
        iteration += 1
    stacked = [T.stack(collected, 0) for collected in (scans or [])]
    return (*values, *stacked)


@register("Scan", since=9, attrs=("body", "num_scan_inputs", "scan_input_axes", "scan_input_directions",
                                  "scan_output_axes", "scan_output_directions"))
def scan(ctx, *inputs):
    body = ctx.subgraphs["body"]
    count = ctx.attr("num_scan_inputs")
    states, sequences = list(inputs[:len(inputs) - count]), list(inputs[len(inputs) - count:])
    input_axes = ctx.attr("scan_input_axes") or [0] * count
    input_directions = ctx.attr("scan_input_directions") or [0] * count
    sequences = [_moved(value, axis, 0) for value, axis in zip(sequences, input_axes)]
    sequences = [value.flip([0]) if reverse else value for value, reverse in zip(sequences, input_directions)]
    steps = sequences[0].shape[0] if sequences else 0
    collected = None
    for step in range(steps):
        bound = dict(zip(body.input_names, states + [value[step] for value in sequences]))
        outputs = _run_subgraph(ctx, "body", bound)
        states, scanned = outputs[:len(states)], outputs[len(states):]
        if collected is None:
            collected = [[] for _ in scanned]
        for values, value in zip(collected, scanned):
            values.append(value)
    collected = collected or []
    output_axes = ctx.attr("scan_output_axes") or [0] * len(collected)
    output_directions = ctx.attr("scan_output_directions") or [0] * len(collected)
    results = []
    for values, axis, reverse in zip(collected, output_axes, output_directions):
        stacked = T.stack(values[::-1] if reverse else values, 0)
        results.append(_moved(stacked, 0, axis))
    return (*states, *results)


def _moved(value, source, destination):
    rank = value.ndim
    source, destination = source % rank, destination % rank
    return value if source == destination else T.movedim(value, source, destination)


@register("Scan", since=8, attrs=("body", "directions", "num_scan_inputs"))
def scan_8(ctx, sequence_lens, *inputs):
    """Opset 8's Scan: every input has a leading batch axis, and each batch entry is scanned along axis 1."""
    count = ctx.attr("num_scan_inputs")
    batch = inputs[0].shape[0]
    steps = inputs[-1].shape[1]
    if sequence_lens is not None and any(int(length) != steps for length in sequence_lens.reshape(-1).tolist()):
        raise NotImplementedError(f"Scan (node {ctx.name!r}): sequence_lens shorter than the sequences")
    inner = _registry.NodeContext(ctx.op_type, ctx.name, {"body": None, "num_scan_inputs": count,
                                                          "scan_input_directions": ctx.attr("directions")},
                                  ctx.opset, ctx.runner, ctx.subgraphs, ctx.output_count, ctx.env)
    per_batch = [scan(inner, *[value[b] for value in inputs]) for b in range(batch)]
    return tuple(T.stack([outputs[i] for outputs in per_batch], 0) for i in range(len(per_batch[0])))
