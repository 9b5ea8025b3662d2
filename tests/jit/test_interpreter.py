"""The interpreter's memory plan: intermediates released after their last use, dying buffers reused."""
import numpy as np

import axonml
from axonml import jit
from axonml.fusion import elementwise
from axonml.jit.interpreter import Interpreter
from axonml.jit.passes import optimize


def _graph(fn, *inputs):
    graph = jit.trace(fn, inputs).graph
    optimize(graph)
    return graph


def test_fused_kernel_writes_into_a_dying_input(monkeypatch):
    w = axonml.randn(16, 16)
    fn = lambda x: ((x @ w) * 2.0 + 1.0).relu()  # noqa: E731  (the matmul's result dies in the chain)
    graph = _graph(fn, axonml.randn(8, 16))
    assert [node.kind for node in graph.nodes] == ["call", "fused"]
    seen = []
    run_arrays = elementwise.FusedElementwise.run_arrays

    def spy(self, xp, arrays, out=None):
        seen.append((out is not None, out is not None and np.shares_memory(out, arrays[0])))
        return run_arrays(self, xp, arrays, out)
    monkeypatch.setattr(elementwise.FusedElementwise, "run_arrays", spy)
    x = axonml.randn(8, 16)
    interpreter = Interpreter(graph)
    with axonml.no_grad():
        out = interpreter(x)
    np.testing.assert_allclose(out.numpy(), fn(x).numpy(), rtol=1e-5)
    assert seen == [(True, True)]
    x_grad = axonml.randn(8, 16, requires_grad=True)
    interpreter(x_grad).sum().backward()  # with grad: the input is saved, never overwritten
    assert seen[-1] == (False, False)
    assert x_grad.grad is not None


def test_an_input_held_elsewhere_is_not_overwritten():
    fn = lambda x: (x * 2.0 + 1.0).relu()  # noqa: E731
    graph = _graph(fn, axonml.randn(8))
    x = axonml.randn(8)
    before = x.numpy().copy()
    with axonml.no_grad():
        Interpreter(graph)(x)
    np.testing.assert_array_equal(x.numpy(), before)


def test_intermediates_are_released_after_their_last_use():
    def fn(x):
        y = x.exp()
        return y.sum() + x.tanh().sum()
    graph = jit.trace(fn, axonml.randn(4)).graph
    interpreter = Interpreter(graph)
    # the Exp result's slot is released once Sum has read it
    exp_index = graph.nodes[0].outputs[0].index
    assert exp_index in interpreter.steps[1].release
    x = axonml.randn(4)
    np.testing.assert_allclose(interpreter(x).numpy(), fn(x).numpy(), rtol=1e-6)
