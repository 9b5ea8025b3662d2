"""scaled_dot_product_attention against PyTorch: masks, causal, GQA, blocking, dropout, errors."""
import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch.nn.attention import SDPBackend, sdpa_kernel

import axonml
import axonml.nn.functional as F
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises

QKV = [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7)]
# more query rows and keys than one tile of the CPU kernel (64 x 128): several blocks each way
LONG = [(2, 150, 8), (2, 300, 8), (2, 300, 5)]


def both(**kwargs):
    """The same call in axonml and torch: (axonml_fn, torch_fn) of (q, k, v[, mask])."""
    def ours(q, k, v, mask=None):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kwargs)

    def theirs(q, k, v, mask=None):
        return TF.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kwargs)
    return ours, theirs


def check_sdpa(inputs, device="cpu", grad_inputs=None, **kwargs):
    """check() of scaled_dot_product_attention(q, k, v[, attn_mask], **kwargs) against torch's."""
    ours, theirs = both(**kwargs)
    check(ours, inputs, torch_fn=theirs, device=device, grad_inputs=grad_inputs)


def f64(shape, seed=0, requires_grad=True):
    return axonml.from_numpy(np.random.default_rng(seed).standard_normal(shape)).requires_grad_(requires_grad)


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"scale": 0.3}, {"is_causal": True, "scale": 2.0}])
def test_attention(kwargs, device):
    check_sdpa(QKV, device=device, **kwargs)


@pytest.mark.parametrize("shapes", [LONG, [(1, 300, 8), (1, 150, 8), (1, 150, 6)]])
@pytest.mark.parametrize("is_causal", [False, True])
def test_attention_long_sequences_cross_blocks(shapes, is_causal, device):
    check_sdpa(shapes, device=device, is_causal=is_causal)


def test_attention_long_sequence_with_a_mask(device):
    mask = np.random.default_rng(5).standard_normal((150, 300))
    mask[7] = -np.inf  # a fully masked row in the middle of a block
    check_sdpa(LONG + [mask], device=device, grad_inputs=(0, 1, 2))


def test_attention_unbatched_and_broadcast_batch(device):
    check_sdpa([(5, 4), (6, 4), (6, 3)], device=device)
    check_sdpa([(2, 3, 5, 4), (1, 3, 6, 4), (1, 3, 6, 4)], device=device)
    check_sdpa([(2, 3, 5, 4), (6, 4), (6, 7)], device=device)


def test_attention_bool_mask_with_fully_masked_row(device):
    mask = np.random.default_rng(3).random((5, 6)) > 0.4
    mask[2] = False
    check_sdpa(QKV + [mask], device=device)
    check_sdpa(QKV + [mask[None, None].repeat(3, axis=1)], device=device)


@pytest.mark.parametrize("mask_shape", [(1, 3, 5, 6), (5, 6), (2, 1, 1, 6), (5, 1), (3, 1, 6)])
def test_attention_float_mask_broadcasts_and_gets_a_gradient(mask_shape, device):
    check_sdpa(QKV + [mask_shape], device=device)


def test_attention_key_padding_style_bool_mask(device):
    mask = np.ones((2, 1, 1, 6), bool)
    mask[0, ..., 4:] = False
    check_sdpa(QKV + [mask], device=device)


def test_attention_grouped_query(device):
    check_sdpa([(2, 6, 5, 4), (2, 2, 7, 4), (2, 2, 7, 3)], device=device, enable_gqa=True)
    mask = np.random.default_rng(0).random((2, 6, 5, 7)) > 0.3
    check_sdpa([(2, 6, 5, 4), (2, 2, 7, 4), (2, 2, 7, 3), mask], device=device, enable_gqa=True)
    check_sdpa([(6, 5, 4), (3, 7, 4), (3, 7, 3)], device=device, enable_gqa=True, is_causal=True)


def test_attention_float16_computes_in_float32(device):
    ours, theirs = both(is_causal=True)
    # float16 is a storage type on OpenCL: the oracle cannot weight a float16 output there for the backward
    check(ours, QKV, torch_fn=theirs, dtypes=("float16",), device=device, grad=device == "cpu")


def test_attention_with_mask_and_is_causal_raises_as_pytorch():
    q = axonml.randn(2, 3, 5, 4)
    mask = axonml.ones(5, 5, dtype=axonml.bool)
    with sdpa_kernel(SDPBackend.MATH), pytest.raises(RuntimeError) as expected:
        TF.scaled_dot_product_attention(torch.randn(2, 3, 5, 4), torch.randn(2, 3, 5, 4), torch.randn(2, 3, 5, 4),
                                        attn_mask=torch.ones(5, 5, dtype=torch.bool), is_causal=True)
    with pytest.raises(RuntimeError) as ours:
        F.scaled_dot_product_attention(q, q, q, attn_mask=mask, is_causal=True)
    assert str(ours.value) == str(expected.value)


def test_attention_errors():
    ax, th = both()
    check_raises(ax, [(2, 5, 4), (2, 6, 3), (2, 6, 3)], torch_fn=th)     # E of query and key differ
    check_raises(ax, [(2, 5, 4), (2, 6, 4), (2, 7, 3)], torch_fn=th)     # S of key and value differ
    check_raises(ax, [(2, 5, 4), (2, 6, 4), (2, 6, 3), np.zeros((5, 6), np.int64)], torch_fn=th)
    gqa, gqa_torch = both(enable_gqa=True)
    check_raises(gqa, [(2, 6, 5, 4), (2, 4, 7, 4), (2, 4, 7, 3)], torch_fn=gqa_torch)
    with pytest.raises(ValueError):
        F.scaled_dot_product_attention(*(axonml.randn(*s) for s in QKV), dropout_p=1.5)


def test_attention_gradcheck():
    mask = axonml.from_numpy(np.random.default_rng(2).random((5, 6)) > 0.3)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                     [f64(QKV[0], 1), f64(QKV[1], 2), f64(QKV[2], 3)])
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                     [f64(QKV[0], 1), f64(QKV[1], 2), f64(QKV[2], 3), f64((3, 1, 6), 4)])


def test_attention_does_not_materialise_the_score_matrix():
    q, k, v = (axonml.randn(1, 2, 2048, 16, requires_grad=True) for _ in range(3))
    tracemalloc.start()
    try:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    scores = 2 * 2048 * 2048 * 4  # one float32 (L, S) matrix per head
    assert peak < scores / 4, f"peak {peak} bytes during attention, the scores alone would be {scores}"


# --- dropout -------------------------------------------------------------------------------------

def _dropout_factors(device, dtype, p, seed):
    """Z (the kept-and-rescaled dropout mask) as the op applies it: with V = I, out = softmax(...) * Z."""
    rng = np.random.default_rng(0)
    q, k = (rng.standard_normal((2, 3, 40, 8)).astype(dtype) for _ in range(2))
    eye = np.broadcast_to(np.eye(40, dtype=dtype), (2, 3, 40, 40)).copy()
    q_ax, k_ax, v_ax = (axonml.from_numpy(a).to(device) for a in (q, k, eye))
    axonml.manual_seed(seed)
    out = np.asarray(F.scaled_dot_product_attention(q_ax, k_ax, v_ax, dropout_p=p).cpu())
    probs = np.asarray(F.scaled_dot_product_attention(q_ax, k_ax, v_ax).cpu())
    return q, k, out / probs


def test_attention_dropout_drops_at_rate_p_and_rescales(device):
    _, _, factors = _dropout_factors(device, np.float32, 0.3, 7)
    kept = factors != 0
    np.testing.assert_allclose(factors[kept], 1 / 0.7, rtol=1e-4)
    # 9600 Bernoulli(0.3) draws: the standard deviation of the rate is 0.0047
    assert abs(1 - kept.mean() - 0.3) < 0.02


def test_attention_dropout_is_seeded_and_the_same_on_every_device(device):
    _, _, factors = _dropout_factors(device, np.float32, 0.4, 3)
    _, _, again = _dropout_factors(device, np.float32, 0.4, 3)
    np.testing.assert_array_equal(factors != 0, again != 0)
    _, _, other = _dropout_factors(device, np.float32, 0.4, 4)
    assert np.any((factors != 0) != (other != 0))
    _, _, on_cpu = _dropout_factors("cpu", np.float32, 0.4, 3)
    np.testing.assert_array_equal(factors != 0, on_cpu != 0)


@pytest.mark.parametrize("p", [0.25, 1.0])
def test_attention_dropout_forward_and_backward_use_one_mask(p, device):
    """Against torch given the same mask: softmax(q k^T * scale) * Z @ v, forward and every gradient."""
    _, _, factors = _dropout_factors(device, np.float64 if device == "cpu" else np.float32, p, 5)
    keep = torch.from_numpy(np.nan_to_num(factors))

    def ours(q, k, v):
        axonml.manual_seed(5)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=p)

    def theirs(q, k, v):
        return (torch.softmax(q @ k.transpose(-2, -1) / np.sqrt(q.shape[-1]), -1) * keep.to(q.dtype)) @ v
    dtypes = ("float64", "float32") if device == "cpu" else ("float32",)
    check(ours, [(2, 3, 40, 8), (2, 3, 40, 8), (2, 3, 40, 6)], torch_fn=theirs, device=device, dtypes=dtypes,
          noncontiguous=(False,))


def test_attention_dropout_gradcheck():
    def seeded(q, k, v):
        axonml.manual_seed(11)  # the same dropout mask on every evaluation
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
    assert gradcheck(seeded, [f64(QKV[0], 1), f64(QKV[1], 2), f64(QKV[2], 3)])
