"""Higher-order autograd benchmarks: axonml against PyTorch CPU in the same process.

    pytest benchmarks/test_bench_autograd.py -s

Each case records ``ratio_vs_torch`` (axonml time / PyTorch time, lower is better).
"""
import numpy as np
import torch

import axonml
import axonml.nn.functional as F

RNG = np.random.default_rng(0)


def _pair(shape, requires_grad=False, scale=1.0):
    array = (RNG.standard_normal(shape) * scale).astype(np.float32)
    return (axonml.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _critic(sizes):
    """The weights and biases of an MLP critic, in axonml and in torch."""
    ours, theirs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w, tw = _pair((fan_out, fan_in), requires_grad=True, scale=fan_in ** -0.5)
        b, tb = _pair((fan_out,), requires_grad=True, scale=0.1)
        ours.append((w, b))
        theirs.append((tw, tb))
    return ours, theirs


def _gradient_penalty_step(params, x, functional, grad):
    """WGAN-GP: the critic's input gradient (recorded), ((||grad||_2 - 1)^2).mean(), backward to the weights."""
    for w, b in params:
        w.grad = b.grad = None
    h = x
    for k, (w, b) in enumerate(params):
        h = functional.linear(h, w, b)
        if k < len(params) - 1:
            h = functional.leaky_relu(h, 0.2)
    (g,) = grad(h.sum(), x, create_graph=True)
    penalty = (((g * g).sum(1) + 1e-12).sqrt() - 1) ** 2
    penalty.mean().backward()


def test_gradient_penalty_mlp_double_backward(compare):
    """MLP critic 256-512-512-1, batch 256: input gradient with create_graph, then the penalty's backward."""
    ours, theirs = _critic([256, 512, 512, 1])
    x, tx = _pair((256, 256), requires_grad=True)
    compare(lambda: _gradient_penalty_step(ours, x, F, axonml.autograd.grad),
            lambda: _gradient_penalty_step(theirs, tx, torch.nn.functional, torch.autograd.grad),
            rounds=30, name="torch", warmup=3)


def test_hessian_vector_product_mlp(compare):
    """Hessian-vector product of a tanh MLP's mean-squared loss w.r.t. its weights (256-256-10, batch 128)."""
    ours, theirs = _critic([256, 256, 10])
    x, tx = _pair((128, 256))
    y, ty = _pair((128, 10))
    vectors = [_pair(tuple(p.shape)) for pair in theirs for p in pair]

    def hvp(params, x, y, functional, grad, pick):
        flat = [p for pair in params for p in pair]
        h = x
        for k, (w, b) in enumerate(params):
            h = functional.linear(h, w, b)
            if k < len(params) - 1:
                h = h.tanh()
        grads = grad(functional.mse_loss(h, y), flat, create_graph=True)
        dot = sum((g * v[pick]).sum() for g, v in zip(grads, vectors))
        return grad(dot, flat)

    compare(lambda: hvp(ours, x, y, F, axonml.autograd.grad, 0),
            lambda: hvp(theirs, tx, ty, torch.nn.functional, torch.autograd.grad, 1),
            rounds=30, name="torch", warmup=3)
