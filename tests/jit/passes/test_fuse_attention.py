import numpy as np
import pytest

import axonml
import axonml.nn.functional as F
from axonml import nn
from axonml.jit.interpreter import Interpreter
from axonml.jit.passes import fuse_attention

from ._graphs import ops, traced


@pytest.mark.parametrize("dtype,causal,length", [("float32", False, 13), ("float32", True, 32),
                                                 ("float64", False, 8)])
def test_attention_becomes_one_kernel_with_eager_values(dtype, causal, length):
    f = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # noqa: E731
    shapes = ((2, 3, length, 16), (2, 3, length, 16), (2, 3, length, 24))
    inputs = [axonml.randn(*shape, dtype=getattr(axonml, dtype)) for shape in shapes]
    graph = traced(f, *inputs)
    assert fuse_attention(graph) == 1
    assert ops(graph) == ["FusedAttention"]
    with axonml.no_grad():
        got, want = Interpreter(graph)(*inputs), f(*inputs)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)


def test_multi_head_attention_views_and_heads_last_layout():
    layer = nn.MultiheadAttention(32, 4, batch_first=True).eval()
    f = lambda x: layer(x, x, x, need_weights=False)[0]  # noqa: E731
    x = axonml.randn(3, 10, 32)
    graph = traced(f, x)
    assert fuse_attention(graph) == 1
    with axonml.no_grad():
        np.testing.assert_allclose(Interpreter(graph)(x).numpy(), f(x).numpy(), rtol=1e-5, atol=1e-6)
    # with gradients the kernel's backward replays the attention op
    x = axonml.randn(3, 10, 32, requires_grad=True)
    Interpreter(graph)(x).square().sum().backward()
    got = x.grad.numpy().copy()
    x.grad = None
    f(x).square().sum().backward()
    np.testing.assert_allclose(got, x.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_masks_dropout_and_long_sequences_are_left_to_the_attention_op():
    q = axonml.randn(1, 2, 6, 8)
    mask = axonml.randn(6, 6)
    for f, inputs in [(lambda q, m: F.scaled_dot_product_attention(q, q, q, attn_mask=m), (q, mask)),
                      (lambda q: F.scaled_dot_product_attention(q, q, q, dropout_p=0.5), (q,)),
                      (lambda q: F.scaled_dot_product_attention(q, q, q), (axonml.randn(1, 1, 600, 16),))]:
        graph = traced(f, *inputs)
        assert fuse_attention(graph) == 0


@pytest.mark.parametrize("source, value_width", [(32, 32), (64, 64), (16, 48), (48, 16)])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads_last", [False, True])
def test_the_register_blocked_float32_kernel_matches_the_attention_op(source, value_width, causal, heads_last):
    """Whole 16-float rows of scores and values: the blocked kernel, with query blocks of 4-8 rows and a last
    partial block (13 queries), against the attention op."""
    from axonml.fusion.attention import FusedAttention
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal(shape).astype(np.float32)
               for shape in ((2, 3, 13, 24), (2, 3, source, 24), (2, 3, source, value_width)))
    kernel = FusedAttention(np.float32, 24 ** -0.5, causal, heads_last, ())
    assert "vector_size(64)" in kernel.c_source(source, 24, value_width)
    got = kernel.run_arrays(q, k, v)
    with axonml.no_grad():
        want = F.scaled_dot_product_attention(*map(axonml.tensor, (q, k, v)), is_causal=causal, scale=24 ** -0.5)
    want = want.numpy()
    if heads_last:
        want = want.transpose(0, 2, 1, 3)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
