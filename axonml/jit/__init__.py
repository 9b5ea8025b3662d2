"""axonml.jit: trace a forward into a typed graph, optimise it, and run it with fused kernels.

- :func:`trace` records the ops of a forward on example inputs into a
  :class:`~axonml.jit.ir.Graph` and returns a callable that replays them;
- :mod:`axonml.jit.passes` rewrites a graph (dead code, common subexpressions, constants,
  algebraic identities, fusion of elementwise chains and of Linear + ReLU);
- :func:`compile` wraps a model or function: traced per input signature, optimised, fused, and
  re-traced when shapes, dtypes, devices or the training flag change.
"""
from .ir import ArrayOf, Graph, Node, Value
from .tracer import TracerWarning
from .trace import TracedModule, trace
from .compile import CompiledFunction, compile  # noqa: A004  (torch.compile's name)

__all__ = ["trace", "compile", "CompiledFunction", "TracedModule", "Graph", "Node", "Value", "ArrayOf", "TracerWarning"]
