"""Hand-written graphs for the pass tests: traced from small functions, then run against eager."""
import numpy as np

from axonml import jit
from axonml.jit.interpreter import Interpreter


def traced(fn, *inputs):
    return jit.trace(fn, inputs, check_trace=False).graph


def ops(graph):
    return [node.op for node in graph.nodes]


def assert_same(graph, fn, *inputs):
    got, want = Interpreter(graph)(*inputs), fn(*inputs)
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
