"""Attention and Transformer benchmarks: axonml against PyTorch CPU eager in the same process.

    pytest benchmarks/test_bench_transformer.py --benchmark-columns=median,iqr,rounds -s

Each case records ``ratio`` (axonml time / torch time, lower is better) and its ``target``.
PyTorch runs its own fused paths here: the flash-attention CPU kernel behind
F.scaled_dot_product_attention, and the fused inference path of TransformerEncoderLayer.
"""
import numpy as np
import pytest
import torch
from test_bench_training import _copy_weights, _pair, _report

import axonml
import axonml.nn.functional as F
from axonml import nn


def test_transformer_encoder_forward(compare, benchmark):
    """6-layer TransformerEncoder, d_model 384, 6 heads, feed-forward 1536, batch 8 x seq 128, eval mode,
    no grad: inference forward (target <= 1.0x)."""
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(384, 6, 1536, dropout=0.0, batch_first=True), 6)
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(384, 6, 1536, dropout=0.0, batch_first=True), 6, enable_nested_tensor=False)
    _copy_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x_ax, x_th = _pair((8, 128, 384))

    def forward_axonml():
        with axonml.no_grad():
            ours(x_ax)

    def forward_torch():
        with torch.no_grad():
            theirs(x_th)

    with axonml.no_grad(), torch.no_grad():
        np.testing.assert_allclose(ours(x_ax).numpy(), theirs(x_th).numpy(), rtol=1e-3, atol=1e-3)
    _report(compare, benchmark, forward_axonml, forward_torch, rounds=20, target=1.0)


# (batch, heads, seq, head_dim): the encoder's own attention, and a long sequence
SDPA_SHAPES = {128: (8, 6, 128, 64), 1024: (2, 6, 1024, 64)}


@pytest.mark.parametrize("seq", sorted(SDPA_SHAPES))
@pytest.mark.parametrize("backward", [False, True], ids=["forward", "forward_backward"])
def test_scaled_dot_product_attention(compare, benchmark, seq, backward):
    """F.scaled_dot_product_attention alone, float32, no mask (target <= 1.0x)."""
    shape = SDPA_SHAPES[seq]
    (q_ax, q_th), (k_ax, k_th), (v_ax, v_th) = (_pair(shape, requires_grad=backward) for _ in range(3))
    grad = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    grad_ax, grad_th = axonml.tensor(grad), torch.tensor(grad)

    def run_axonml():
        if backward:
            F.scaled_dot_product_attention(q_ax, k_ax, v_ax).backward(grad_ax)
        else:
            with axonml.no_grad():
                F.scaled_dot_product_attention(q_ax, k_ax, v_ax)

    def run_torch():
        if backward:
            torch.nn.functional.scaled_dot_product_attention(q_th, k_th, v_th).backward(grad_th)
        else:
            with torch.no_grad():
                torch.nn.functional.scaled_dot_product_attention(q_th, k_th, v_th)

    with axonml.no_grad(), torch.no_grad():
        np.testing.assert_allclose(F.scaled_dot_product_attention(q_ax, k_ax, v_ax).numpy(),
                                   torch.nn.functional.scaled_dot_product_attention(q_th, k_th, v_th).numpy(),
                                   rtol=1e-4, atol=1e-5)
    _report(compare, benchmark, run_axonml, run_torch, rounds=10 if seq > 128 else 20, target=1.0)
