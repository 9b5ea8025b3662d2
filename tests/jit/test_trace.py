"""axonml.jit.trace: the graph's nodes and types, replay on new inputs, in-place ops, dropout, warnings."""
import numpy as np
import pytest

import axonml
from axonml import jit, nn


def test_graph_records_ops_with_types():
    traced = jit.trace(lambda x, y: ((x * 2).relu() + y).exp().sum(), (axonml.randn(4, 3), axonml.randn(4, 3)))
    graph = traced.graph
    assert [node.op for node in graph.nodes] == ["Mul", "Relu", "Add", "Exp", "Sum"]
    assert graph.nodes[0].outputs[0].shape == (4, 3)
    assert graph.nodes[-1].outputs[0].shape == ()
    assert graph.nodes[0].outputs[0].dtype == axonml.float32
    text = str(graph)
    assert "Float[4, 3]@cpu = Mul(%input0, 2)" in text
    assert text.splitlines()[-1].startswith("  return %")


def test_replay_matches_eager_on_new_inputs():
    def f(x, y):
        return torch_like(x, y)

    def torch_like(x, y):
        return (x.sigmoid() * y - x / (y.abs() + 1)).tanh(), x.sum(0)

    x, y = axonml.randn(5, 6), axonml.randn(5, 6)
    traced = jit.trace(f, (x, y))
    x2, y2 = axonml.randn(5, 6), axonml.randn(5, 6)
    for got, want in zip(traced(x2, y2), f(x2, y2)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_module_parameters_are_read_at_each_call_and_get_gradients():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = axonml.randn(8, 3)
    traced = jit.trace(model, x)
    assert sum(v.kind == "param" for v in traced.graph.externals) == 4
    with axonml.no_grad():
        model[0].weight.mul_(2.0)
    np.testing.assert_allclose(traced(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    traced(x).sum().backward()
    got = model[0].weight.grad.numpy().copy()
    model.zero_grad()
    model(x).sum().backward()
    np.testing.assert_allclose(got, model[0].weight.grad.numpy(), rtol=1e-6)


def test_in_place_op_is_recorded_and_replayed():
    def f(x):
        y = x * 3
        y.add_(1)
        return y.exp()

    traced = jit.trace(f, axonml.randn(4))
    assert [node.kind for node in traced.graph.nodes] == ["call", "call", "inplace", "call"]
    x = axonml.randn(4)
    np.testing.assert_allclose(traced(x).numpy(), f(x).numpy(), rtol=1e-6)


def test_dropout_draws_a_new_mask_each_run():
    model = nn.Dropout(0.5)
    x = axonml.ones(1000)
    traced = jit.trace(model, x)
    assert traced.graph.nodes[0].random
    first, second = traced(x).numpy(), traced(x).numpy()
    assert not np.array_equal(first, second)
    assert set(np.unique(first)) <= {0.0, 2.0}


def test_value_read_in_python_warns():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x - 1

    with pytest.warns(jit.TracerWarning, match="__bool__"):
        jit.trace(f, axonml.ones(3))


def test_random_draw_outside_an_op_warns():
    with pytest.warns(jit.TracerWarning, match="random numbers"):
        jit.trace(lambda x: x + axonml.randn(3), axonml.ones(3))


def test_non_tensor_input_is_rejected():
    with pytest.raises(TypeError, match="input 1"):
        jit.trace(lambda x, n: x * n, (axonml.ones(2), 3))


def test_hooks_are_restored_after_a_failing_trace():
    def broken(x):
        raise ValueError("boom")

    with pytest.raises(ValueError):
        jit.trace(broken, axonml.ones(2))
    from axonml._ext import _autograd
    assert _autograd.get_tracer() is None
    assert axonml.Tensor._inplace.__name__ == "_inplace"
    assert axonml.Tensor.item.__name__ == "item"
