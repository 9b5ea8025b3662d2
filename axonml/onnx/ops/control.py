"""Control flow: If and Loop, their branches and bodies run as subgraphs that see the outer scope."""
from __future__ import annotations

from ... import _dtype, functional as T
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
