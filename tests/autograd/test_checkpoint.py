"""axonml.utils.checkpoint: the same gradients as without it, random state replayed, and real memory saved."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import axonml
from axonml import nn
from axonml.utils.checkpoint import checkpoint, checkpoint_sequential


def _mlp(depth, width, dropout=0.0, device="cpu"):
    axonml.manual_seed(0)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    model = nn.Sequential(*layers, nn.Linear(width, 1))
    return model.to(device) if device != "cpu" else model


def _grads(model, x):
    return [np.asarray(p.grad.cpu()).copy() for p in model.parameters()] + [np.asarray(x.grad.cpu()).copy()]


def _run(model, x, forward, seed=1):
    model.zero_grad()
    x.grad = None
    axonml.manual_seed(seed)
    forward(model, x).sum().backward()
    return _grads(model, x)


def _input(device, *shape):
    x = axonml.randn(*shape)
    return (x.to(device) if device != "cpu" else x).requires_grad_(True)


def _assert_same(ours, reference, exact=True):
    for a, b in zip(ours, reference):
        if exact:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_plain_backward(segments, device):
    model = _mlp(6, 16, dropout=0.3, device=device)
    x = _input(device, 8, 16)
    reference = _run(model, x, lambda m, x: m(x))
    ours = _run(model, x, lambda m, x: checkpoint_sequential(m, segments, x, use_reentrant=False))
    _assert_same(ours, reference)


def test_checkpoint_of_a_block_matches(device):
    model = _mlp(4, 12, dropout=0.5, device=device)
    x = _input(device, 5, 12)
    reference = _run(model, x, lambda m, x: m(x))
    ours = _run(model, x, lambda m, x: checkpoint(m, x, use_reentrant=False))
    _assert_same(ours, reference)


def test_without_preserved_rng_state_dropout_differs():
    model = _mlp(4, 12, dropout=0.5)
    x = _input("cpu", 5, 12)
    reference = _run(model, x, lambda m, x: m(x))
    ours = _run(model, x, lambda m, x: checkpoint(m, x, use_reentrant=False, preserve_rng_state=False))
    assert any(not np.array_equal(a, b) for a, b in zip(ours, reference))


def test_checkpoint_with_autograd_grad_kwargs_and_constants():
    w = axonml.randn(4, 4, dtype=axonml.float64, requires_grad=True)
    x = axonml.randn(3, 4, dtype=axonml.float64, requires_grad=True)
    shift = axonml.randn(4, dtype=axonml.float64)  # requires no grad

    def block(x, shift, *, scale):
        return ((x @ w).tanh() + shift).sin() * scale

    plain = axonml.autograd.grad(block(x, shift, scale=2.0).sum(), [x, w])
    ours = axonml.autograd.grad(checkpoint(block, x, shift, scale=2.0, use_reentrant=False).sum(), [x, w])
    for a, b in zip(ours, plain):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_checkpoint_retain_graph_and_second_backward():
    model = _mlp(3, 8)
    x = _input("cpu", 4, 8)
    out = checkpoint(model, x, use_reentrant=False).sum()
    out.backward(retain_graph=True)
    first = _grads(model, x)
    out.backward()
    _assert_same(_grads(model, x), [2 * g for g in first], exact=False)


def test_nested_checkpoint():
    inner = nn.Sequential(nn.Linear(6, 6), nn.Tanh())
    outer = nn.Linear(6, 6)
    x = _input("cpu", 3, 6)

    def block(x):
        return outer(checkpoint(inner, x, use_reentrant=False)).relu()

    reference = _run(outer, x, lambda m, x: outer(inner(x)).relu())
    inner_reference = [np.asarray(p.grad).copy() for p in inner.parameters()]
    inner.zero_grad()
    ours = _run(outer, x, lambda m, x: checkpoint(block, x, use_reentrant=False))
    _assert_same(ours, reference)
    _assert_same([np.asarray(p.grad) for p in inner.parameters()], inner_reference)


def test_double_backward_through_checkpoint():
    w = axonml.randn(4, 4, dtype=axonml.float64, requires_grad=True)
    x = axonml.randn(2, 4, dtype=axonml.float64, requires_grad=True)

    def block(x):
        return (x @ w).tanh()

    results = []
    for wrap in (lambda x: block(x), lambda x: checkpoint(block, x, use_reentrant=False)):
        (g,) = axonml.autograd.grad(wrap(x).sum(), x, create_graph=True)
        results.append([np.asarray(t) for t in axonml.autograd.grad((g * g).sum(), [x, w])])
    _assert_same(results[1], results[0])


def test_input_modified_in_place_is_an_error():
    w = axonml.randn(4, 4, requires_grad=True)
    x = axonml.randn(2, 4)
    out = checkpoint(lambda x: (x @ w).sigmoid(), x, use_reentrant=False)
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_reentrant_is_refused_and_no_grad_runs_plainly():
    with pytest.raises(NotImplementedError, match="use_reentrant=False"):
        checkpoint(lambda x: x * 2, axonml.randn(2, requires_grad=True), use_reentrant=True)
    with axonml.no_grad():
        out = checkpoint(lambda x: x * 2, axonml.randn(2, requires_grad=True), use_reentrant=False)
    assert not out.requires_grad


def _held_and_peak(forward, model, x):
    """Bytes traced as live after forward, and the peak over forward + backward."""
    model.zero_grad()
    tracemalloc.start()
    try:
        out = forward(model, x)
        after_forward = tracemalloc.get_traced_memory()[0]
        out.sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return after_forward, peak


def test_checkpoint_sequential_saves_activation_memory():
    """A 16-layer MLP (width 128, batch 1024) holds one 512 KiB activation per layer between forward and
    backward; checkpointed in 4 segments it holds the segment inputs and the last segment's activations,
    and recomputes one segment at a time in backward."""
    axonml.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(128, 128), nn.ReLU()) for _ in range(16)])
    x = axonml.randn(1024, 128)
    plain_held, plain_peak = _held_and_peak(lambda m, x: m(x), model, x)
    ckpt_held, ckpt_peak = _held_and_peak(lambda m, x: checkpoint_sequential(m, 4, x, use_reentrant=False), model, x)
    activation = 1024 * 128 * 4
    assert plain_held >= 15 * activation
    assert ckpt_held <= 0.5 * plain_held, (ckpt_held, plain_held)
    assert ckpt_peak <= 0.7 * plain_peak, (ckpt_peak, plain_peak)
