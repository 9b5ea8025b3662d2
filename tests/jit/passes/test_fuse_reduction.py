import math

import numpy as np
import pytest

import axonml
import axonml.nn.functional as F
from axonml.jit.interpreter import Interpreter
from axonml.jit.passes import fuse_reduction

from ._graphs import assert_same, ops, traced


def _grads(fn, arrays, integer=()):
    """fn's inputs' gradients of sum(out * k) over its outputs, for the given arrays (int inputs by position)."""
    tensors = [axonml.tensor(a) if k in integer else axonml.tensor(a, requires_grad=True)
               for k, a in enumerate(arrays)]
    outs = fn(*tensors)
    outs = outs if isinstance(outs, tuple) else (outs,)
    sum((out * (k + 1.5)).sum() for k, out in enumerate(outs)).backward()
    return [t.grad.numpy() for k, t in enumerate(tensors) if k not in integer]


def _check(fn, arrays, fused_ops, integer=(), rtol=1e-5, atol=1e-6):
    """fn's graph gets exactly fused_ops; the fused graph gives eager's values and gradients."""
    inputs = [axonml.tensor(a) for a in arrays]
    graph = traced(fn, *inputs)
    assert fuse_reduction(graph) == len(fused_ops)
    assert [op for op in ops(graph) if op.startswith("FusedReduction")] == fused_ops
    assert_same(graph, fn, *inputs)
    got, want = _grads(Interpreter(graph), arrays, integer), _grads(fn, arrays, integer)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=rtol * 10, atol=atol * 10)
    return graph


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def test_attention_scale_and_mask_fuse_into_softmax():
    def attention(q, k, v, mask):
        scores = q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1])) + mask
        return F.softmax(scores, dim=-1) @ v
    graph = _check(attention, _arrays((2, 3, 7, 8), (2, 3, 9, 8), (2, 3, 9, 8), (7, 9)),
                   ["FusedReduction[Mul+Add+Softmax]"])
    fused = next(node for node in graph.nodes if node.kind == "fused")
    assert fused.target.input_modes == ["full", "suffix"]  # the (7, 9) mask broadcasts over batch and heads


def test_causal_mask_rows_follow_eager_softmax():
    mask = np.triu(np.full((6, 6), -np.inf, np.float32), 1)
    _check(lambda s, m: F.log_softmax(s * 2.0 + m, -1), _arrays((4, 6, 6)) + [mask],
           ["FusedReduction[Mul+Add+LogSoftmax]"])


def test_residual_add_fuses_into_layer_norm():
    _check(lambda x, y, w, b: F.layer_norm(x + y.relu(), (16,), w, b), _arrays((3, 5, 16), (3, 5, 16), (16,), (16,)),
           ["FusedReduction[Relu+Add+LayerNorm]"])
    _check(lambda x, y: F.layer_norm(x * y, (4, 6)), _arrays((5, 4, 6), (5, 4, 6)), ["FusedReduction[Mul+LayerNorm]"])


def test_losses_fuse_with_the_ops_that_make_their_operand():
    target = np.array([1, -100, 4, 0, 2], np.int64)

    def losses(x, t, y):
        return (F.cross_entropy(x * 2.0 + 1.0, t), F.cross_entropy(x.tanh(), t, reduction="none"),
                F.cross_entropy(x - y, t, reduction="sum"), F.mse_loss(x.exp(), y), F.l1_loss(x * 3.0, y),
                (x * y).sum(), (x + 1.0).mean())
    x, y = _arrays((5, 6), (5, 6))
    _check(losses, [x, target, y], ["FusedReduction[Mul+Add+CrossEntropy]", "FusedReduction[Tanh+CrossEntropy]",
                                    "FusedReduction[Sub+CrossEntropy]", "FusedReduction[Exp+DifferenceLoss]",
                                    "FusedReduction[Mul+DifferenceLoss]", "FusedReduction[Mul+Sum]",
                                    "FusedReduction[Add+Mean]"], integer=(1,))


def test_every_target_ignored_gives_eager_nan_and_a_bad_target_eager_error():
    f = lambda x, t: F.cross_entropy(x * 2.0, t)  # noqa: E731
    x = axonml.randn(3, 4)
    graph = traced(f, x, axonml.tensor([0, 1, 2]))
    assert fuse_reduction(graph) == 1
    ignored = axonml.tensor([-100, -100, -100])
    assert math.isnan(Interpreter(graph)(x, ignored).item()) and math.isnan(f(x, ignored).item())
    with pytest.raises(Exception) as eager_error:
        f(x, axonml.tensor([0, 4, 1]))
    with pytest.raises(type(eager_error.value)):
        Interpreter(graph)(x, axonml.tensor([0, 4, 1]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_lone_cross_entropy_fuses_where_gradients_are_recorded(reduction):
    """With grad, the kernel writes the logits' gradient in the forward's pass; without, a bare loss stays the op."""
    f = lambda x, t: F.cross_entropy(x, t, reduction=reduction)  # noqa: E731
    x, target = _arrays((6, 5))[0], np.array([1, -100, 4, 0, 2, 3], np.int64)
    graph = traced(f, axonml.tensor(x), axonml.tensor(target))
    assert fuse_reduction(graph) == 0 and ops(graph) == ["CrossEntropy"]
    assert fuse_reduction(graph, grad=True) == 1 and ops(graph) == ["FusedReduction[CrossEntropy]"]
    assert_same(graph, f, axonml.tensor(x), axonml.tensor(target))
    got, want = _grads(Interpreter(graph), [x, target], (1,)), _grads(f, [x, target], (1,))
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-7)


def test_fused_cross_entropy_gradient_with_every_target_ignored_is_eager_s():
    f = lambda x, t: F.cross_entropy(x * 2.0, t)  # noqa: E731
    x, ignored = _arrays((3, 4))[0], np.array([-100, -100, -100], np.int64)
    graph = traced(f, axonml.tensor(x), axonml.tensor(np.array([0, 1, 2])))
    assert fuse_reduction(graph, grad=True) == 1
    got, want = _grads(Interpreter(graph), [x, ignored], (1,)), _grads(f, [x, ignored], (1,))
    np.testing.assert_array_equal(got[0], want[0])


def test_float64_and_threaded_rows():
    f = lambda x, y: F.softmax(x - y, -1)  # noqa: E731
    x, y = axonml.randn(300, 257, dtype=axonml.float64), axonml.randn(300, 257, dtype=axonml.float64)
    graph = traced(f, x, y)
    assert fuse_reduction(graph) == 1
    np.testing.assert_allclose(Interpreter(graph)(x, y).numpy(), f(x, y).numpy(), rtol=1e-13, atol=1e-15)
    g = lambda x: (x * x).sum()  # noqa: E731
    z = axonml.randn(100_003)  # rows of 8192 and a short last one
    graph = traced(g, z)
    assert fuse_reduction(graph) == 1
    np.testing.assert_allclose(Interpreter(graph)(z).numpy(), g(z).numpy(), rtol=1e-5)


def _returned_too(x):
    y = x * 2.0
    return F.softmax(y, -1), y


def _read_elsewhere(x):
    e = x.exp()
    return F.softmax(e * 2.0, -1), e.sum(1)


def test_what_must_not_be_fused():
    x = axonml.randn(4, 6)
    cases = {
        "softmax over another axis": (lambda x: F.softmax(x * 2.0, 0), ["Mul", "Softmax"]),
        "the operand is also returned": (_returned_too, ["Mul", "Softmax"]),
        "an intermediate read elsewhere": (_read_elsewhere, ["Exp", "FusedReduction[Mul+Softmax]", "Sum"]),
        "a bare reduction": (lambda x: F.softmax(x, -1), ["Softmax"]),
        "label smoothing": (lambda x: F.cross_entropy(x * 2.0, axonml.tensor([0, 1, 2, 3]), label_smoothing=0.1),
                            ["Mul", "CrossEntropy"]),
        "a sum over one axis": (lambda x: (x * 2.0).sum(1), ["Mul", "Sum"]),
        "a broadcast that is not a suffix": (lambda x: F.softmax(x + axonml.ones(4, 1), -1), ["Add", "Softmax"]),
    }
    for name, (f, expected) in cases.items():
        graph = traced(f, x)
        fuse_reduction(graph)
        assert ops(graph) == expected, name
        assert_same(graph, f, x)


def test_in_place_and_random_ops_stay_outside():
    def in_place(x):
        y = x * 2.0
        y.add_(1.0)
        return F.softmax(y.exp(), -1)
    graph = traced(in_place, axonml.randn(3, 5))
    assert fuse_reduction(graph) == 1
    assert ops(graph) == ["Mul", "Add", "inplace", "FusedReduction[Exp+Softmax]"]
    assert_same(graph, in_place, axonml.randn(3, 5))

    def random(x):
        return F.layer_norm(F.dropout(x * 2.0, 0.5, True) + x, (5,))
    graph = traced(random, axonml.randn(3, 5))
    assert fuse_reduction(graph) == 1
    assert ops(graph) == ["Mul", "dropout", "FusedReduction[Add+LayerNorm]"]
