"""The products on 8-bit activations (QuantizedLinear(activation_quant=True), _quant.matmul_x8).

Their arithmetic is defined in quant_blocks.h independently of the instruction set; the NumPy
reference below recomputes it step by step in float32 and must agree to the bit, on every kernel
(AVX-512 VNNI, AVX2, portable C) this CPU runs.
"""
import numpy as np
import pytest

import axonml
from axonml._ext import _quant
from axonml.quant import QuantizedLinear, dequantize, qtype_of, quantize
from axonml.quant.formats import quantize_padded

from .conftest import reference_quantize

X8_TYPES = ("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0")
ISAS = tuple(range(_quant.X8_ISA + 1))


def _halves(column: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(column).view(np.float16).astype(np.float32).reshape(-1)


def _weight_integers(blocks: np.ndarray, name: str):
    """(w int64 (N, B, 32) natural order, d float32 (N, B), m float32 (N, B) or None) of rows of blocks."""
    n = blocks.shape[0]
    size = {"Q4_0": 18, "Q4_1": 20, "Q5_0": 22, "Q5_1": 24, "Q8_0": 34}[name]
    b = blocks.reshape(n, -1, size)
    d = _halves(b[:, :, 0:2]).reshape(n, -1)
    m = _halves(b[:, :, 2:4]).reshape(n, -1) if name in ("Q4_1", "Q5_1") else None
    if name == "Q8_0":
        return b[:, :, 2:].view(np.int8).astype(np.int64), d, m
    qs = b[:, :, {"Q4_0": 2, "Q4_1": 4, "Q5_0": 6, "Q5_1": 8}[name]:].astype(np.int64)
    w = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)
    if name in ("Q5_0", "Q5_1"):
        start = 2 if name == "Q5_0" else 4
        qh = np.ascontiguousarray(b[:, :, start:start + 4]).view("<u4").astype(np.int64)  # (N, B, 1)
        w = w | (((qh >> np.arange(32)) & 1) << 4)
    offset = {"Q4_0": 8, "Q5_0": 16}.get(name, 0)
    return w - offset, d, m


def _reference(blocks: np.ndarray, name: str, x: np.ndarray, gguf) -> np.ndarray:
    """out (M, N) by the documented arithmetic, the activations quantized by gguf.quants (ggml's Q8_0)."""
    k_padded = blocks.shape[1] // {"Q4_0": 18, "Q4_1": 20, "Q5_0": 22, "Q5_1": 24, "Q8_0": 34}[name] * 32
    x = np.pad(x, ((0, 0), (0, k_padded - x.shape[1])))
    w, dw, mw = _weight_integers(blocks, name)
    out = np.empty((x.shape[0], blocks.shape[0]), np.float32)
    for i, row in enumerate(x):
        xb = reference_quantize(gguf, row[None], "Q8_0").reshape(-1, 34)
        dx = _halves(xb[:, 0:2])
        xq = xb[:, 2:].view(np.int8).astype(np.int64)
        sx = dx * xq.sum(axis=1).astype(np.float32)
        lanes = (w * xq).reshape(w.shape[0], w.shape[1], 8, 4).sum(axis=-1).astype(np.float32)  # exact
        acc = np.zeros((w.shape[0], 8), np.float32)
        minimum = np.zeros(w.shape[0], np.float32)
        for b in range(w.shape[1]):
            acc = acc + (dw[:, b] * dx[b])[:, None] * lanes[:, b]
            if mw is not None:
                minimum = minimum + mw[:, b] * sx[b]
        a = acc.T
        out[i] = (((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))) + minimum
    return out


def _x8(blocks, name, x, isa=-1):
    out = np.empty((x.shape[0], blocks.shape[0]), np.float32)
    _quant.matmul_x8(blocks, int(qtype_of(name)), x, out, isa)
    return out


@pytest.mark.parametrize("name", X8_TYPES)
@pytest.mark.parametrize("k", [256, 84])
def test_every_kernel_computes_the_documented_bits(gguf, rng, name, k):
    weight = rng.standard_normal((23, k)).astype(np.float32)
    weight[3, :5] = 40.0  # outliers in a block
    blocks = quantize_padded(weight, name)
    x = rng.standard_normal((3, k)).astype(np.float32)
    x[1, 7] = -25.0
    expected = _reference(blocks, name, x, gguf).view(np.uint32)
    for isa in ISAS:
        assert np.array_equal(_x8(blocks, name, x, isa).view(np.uint32), expected), (name, k, isa)


def test_activation_quantization_is_ggml_q8_0(gguf, rng):
    x = (rng.standard_normal((4, 128)) * np.array([1e-3, 1.0, 50.0, 0.0])[:, None]).astype(np.float32)
    q, d = np.empty((4, 128), np.int8), np.empty((4, 4), np.float32)
    s = np.empty((4, 4), np.float32)
    _quant.quantize_activations(x, q, d, s)
    reference = reference_quantize(gguf, x, "Q8_0").reshape(4, 4, 34)
    assert np.array_equal(q.reshape(4, 4, 32), reference[:, :, 2:].view(np.int8))
    assert np.array_equal(d, reference[:, :, 0:2].copy().view(np.float16)[..., 0].astype(np.float32))
    assert np.array_equal(s, d * q.reshape(4, 4, 32).sum(axis=-1).astype(np.float32))


def test_threaded_products_are_deterministic_and_close_to_the_float_path(rng):
    # enough rows for the threaded schedule, rows not a multiple of the 4 a kernel call takes
    weight = (rng.standard_normal((1027, 512)) * 0.05).astype(np.float32)
    x = rng.standard_normal((2, 512)).astype(np.float32)
    for name in X8_TYPES:
        blocks = quantize(weight, name)
        first = _x8(blocks, name, x)
        assert np.array_equal(first.view(np.uint32), _x8(blocks, name, x).view(np.uint32))
        # a row's result does not depend on the rows computed with it: 3 at a time, on one thread
        by_three = np.concatenate([_x8(blocks[i:i + 3], name, x) for i in range(0, len(blocks), 3)], axis=1)
        assert np.array_equal(first.view(np.uint32), by_three.view(np.uint32)), name
        exact = x.astype(np.float64) @ dequantize(blocks, name).astype(np.float64).T
        relative = np.linalg.norm(first - exact) / np.linalg.norm(exact)
        assert 1e-4 < relative < 0.02, (name, relative)  # the activations' rounding shows, and stays small


def test_smollm_weights_cost_about_half_a_percent(smollm_path, rng):
    from axonml.quant.gguf import load_gguf
    tensors = load_gguf(smollm_path).tensors
    for tensor_name in ("blk.0.ffn_down.weight", "blk.0.attn_q.weight", "token_embd.weight"):
        weight = tensors[tensor_name]
        blocks = np.ascontiguousarray(weight.blocks[:512])
        x = rng.standard_normal((1, weight.shape[1])).astype(np.float32)
        exact = x.astype(np.float64) @ dequantize(blocks, weight.qtype).astype(np.float64).T
        relative = np.linalg.norm(_x8(blocks, weight.qtype.name, x) - exact) / np.linalg.norm(exact)
        assert relative < 0.015, (tensor_name, relative)


@pytest.mark.parametrize("name", ["Q4_1", "Q6_K"])
def test_quantized_linear_flag(rng, name):
    layer = axonml.nn.Linear(96, 40)
    if name == "Q6_K":  # no integer kernel: the float path, documented
        from .test_formats import _random_k_blocks
        from axonml.quant import QuantizedTensor
        weight = QuantizedTensor(_random_k_blocks(rng, name, 40, 1), name, (40, 256))
        fast = QuantizedLinear.from_quantized(weight, activation_quant=True)
        plain = QuantizedLinear.from_quantized(weight)
        x = axonml.from_numpy(rng.standard_normal((5, 256)).astype(np.float32))
        assert np.array_equal(fast(x).numpy(), plain(x).numpy())
        return
    fast = QuantizedLinear.from_float(layer, name, activation_quant=True)
    plain = QuantizedLinear.from_float(layer, name)
    assert "activation_quant=True" in repr(fast) and "activation_quant" not in repr(plain)
    x = rng.standard_normal((2, 3, 96)).astype(np.float32)
    with axonml.no_grad():
        out = fast(axonml.from_numpy(x)).numpy()
        reference = plain(axonml.from_numpy(x)).numpy()
    blocks = fast.weight_blocks.numpy()
    expected = _x8(blocks, name, x.reshape(6, 96)).reshape(2, 3, 40) + layer.bias.detach().numpy()
    assert np.array_equal(out, expected)
    assert not np.array_equal(out, reference)
    np.testing.assert_allclose(out, reference, rtol=0.05, atol=0.05)


def test_flag_through_quantize_model_and_off_the_cpu(device):
    from axonml.quant import quantize_model
    model = axonml.nn.Sequential(axonml.nn.Linear(64, 8))
    qmodel = quantize_model(model, "Q8_0", activation_quant=True).to(device)
    assert qmodel[0].activation_quant
    x = axonml.randn(2, 64, device=device)
    if device == "cpu":
        assert qmodel(x).shape == (2, 8)
        return
    with pytest.raises(NotImplementedError, match="CPU only"):
        qmodel(x)


def test_formats_without_an_integer_kernel_are_a_clear_error_in_the_kernel():
    with pytest.raises(NotImplementedError, match="8-bit-activation kernel for GGML type 14"):
        _x8(np.zeros((1, 210), np.uint8), "Q6_K", np.zeros((1, 256), np.float32))
