"""``axonml.jit.trace``: record a forward on example inputs into a Graph and replay it."""
from __future__ import annotations

from typing import Any, Callable

from ..nn.modules.module import Module
from ..tensor import Tensor
from .interpreter import Interpreter
from .ir import Graph
from .tracer import record, warn_reasons

__all__ = ["trace", "TracedModule", "trace_graph"]


def _as_tuple(example_inputs) -> tuple:
    if isinstance(example_inputs, Tensor):
        return (example_inputs,)
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs)
    raise TypeError(f"trace(): example_inputs must be a Tensor or a tuple of Tensors, not "
                    f"{type(example_inputs).__name__}")


def _state_names(fn) -> dict:
    """name -> tensor for a module's parameters and buffers (empty for a function)."""
    if not isinstance(fn, Module):
        return {}
    return dict(list(fn.named_parameters()) + list(fn.named_buffers()))


def trace_graph(fn: Callable, inputs: tuple) -> tuple[Graph, Any, list[str]]:
    """Run fn(*inputs) under the tracer: (the graph, the eager result, the reasons the trace may not hold)."""
    for position, value in enumerate(inputs):
        if not isinstance(value, Tensor):
            raise TypeError(f"trace(): input {position} is a {type(value).__name__}; the traced inputs must be "
                            "Tensors (bind other arguments with functools.partial)")
    graph = Graph()
    with record(graph, _state_names(fn)) as recorder:
        for position, tensor in enumerate(inputs):
            recorder.input(tensor, f"input{position}")
        result = fn(*inputs)
        graph.output = _output_template(recorder, result)
    return graph, result, recorder.reasons


def _output_template(recorder, result):
    if isinstance(result, Tensor):
        return recorder.template(result)
    if isinstance(result, tuple) and hasattr(result, "_fields"):
        raise TypeError("trace(): named tuples are not supported as outputs")
    if isinstance(result, (tuple, list, dict)):
        return recorder.template(result)
    if result is None or isinstance(result, (int, float, bool, str)):
        return result
    raise TypeError(f"trace(): the forward must return Tensors (or tuples, lists or dicts of them), not "
                    f"{type(result).__name__}")


class TracedModule:
    """A traced forward: calling it replays the graph's ops on new inputs.

    Attributes:
        graph: the :class:`~axonml.jit.ir.Graph` (``print(traced.graph)``).
    """

    def __init__(self, graph: Graph, original: Callable):
        self.graph = graph
        self.original = original
        self._interpreter = Interpreter(graph)

    def __call__(self, *inputs):
        return self._interpreter.run(inputs)

    forward = __call__

    def __repr__(self) -> str:
        return f"TracedModule({getattr(self.original, '__name__', type(self.original).__name__)}, {self.graph!r})"


def trace(fn_or_module: Callable, example_inputs, check_trace: bool = True) -> TracedModule:
    """Record the ops a forward applies to example inputs; the result replays them on new inputs.

    As ``torch.jit.trace``: what the forward computes in Python from tensor values (an ``if`` on a
    tensor, ``x.item()``) is frozen at the values the example took; such reads are reported with
    a :class:`~axonml.jit.TracerWarning`. Parameters and buffers are read at each call, so the
    traced module follows optimizer updates.

    Args:
        fn_or_module: a Module or a function of tensors.
        example_inputs: a Tensor or a tuple of Tensors, the forward's positional inputs.
        check_trace: warn about reads that make the trace input-dependent.

    Example:
        >>> f = lambda x: (x * 2).relu() + 1
        >>> traced = axonml.jit.trace(f, axonml.randn(4))
        >>> print(traced.graph)  # doctest: +SKIP
    """
    inputs = _as_tuple(example_inputs)
    graph, _, reasons = trace_graph(fn_or_module, inputs)
    if check_trace:
        warn_reasons(reasons, "axonml.jit.trace")
    return TracedModule(graph, fn_or_module)
