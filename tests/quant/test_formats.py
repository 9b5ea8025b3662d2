"""axonml/quant/formats.py: GGML blocks byte for byte against the gguf package."""
import numpy as np
import pytest

import axonml
from axonml.quant import GGMLType, QuantizedTensor, block_size, dequantize, qtype_of, quantize, type_size

from .conftest import QUANTIZE_NAMES, reference_quantize


def _inputs(rng):
    """Random, outlier-heavy, all-zero, constant, tiny-valued and sign-of-zero inputs (rows of 256)."""
    normal = rng.standard_normal((6, 256)).astype(np.float32)
    outliers = normal.copy()
    outliers[:, ::17] *= 1e4
    zero = np.zeros((2, 256), np.float32)
    zero[1] = -0.0  # (rows mixing +0 and -0 are left out: NumPy's min picks either zero, ggml's C the first)
    constant = np.full((2, 256), 0.37, np.float32)
    constant[1] = -3.0
    tiny = (rng.standard_normal((2, 256)) * 1e-30).astype(np.float32)
    subnormal_scale = (rng.standard_normal((2, 256)) * 1e-6).astype(np.float32)
    huge = (rng.standard_normal((1, 256)) * 6e4).astype(np.float32)
    ties = (rng.integers(-64, 64, (2, 256)) / 2).astype(np.float32)  # halves: rounding ties
    return {"normal": normal, "outliers": outliers, "zero": zero, "constant": constant, "tiny": tiny,
            "subnormal_scale": subnormal_scale, "huge": huge, "ties": ties}


@pytest.mark.parametrize("name", QUANTIZE_NAMES)
def test_quantize_is_byte_identical_to_gguf(gguf, rng, name):
    for kind, x in _inputs(rng).items():
        ours = quantize(x, name)
        reference = reference_quantize(gguf, x, name)
        assert ours.dtype == np.uint8 and ours.shape == reference.shape, kind
        mismatch = np.flatnonzero((ours != reference).any(axis=-1))
        assert mismatch.size == 0, f"{name} {kind}: rows {mismatch[:5]} differ"


@pytest.mark.parametrize("name", QUANTIZE_NAMES)
def test_quantize_real_weights_is_byte_identical(gguf, smollm_path, name):
    from axonml.quant.gguf import load_gguf
    weights = load_gguf(smollm_path).tensors
    for tensor_name in ("blk.0.attn_q.weight", "blk.0.attn_norm.weight", "output_norm.weight"):
        x = weights[tensor_name].dequantize()[:64]
        assert np.array_equal(quantize(x, name), reference_quantize(gguf, x, name)), tensor_name


@pytest.mark.parametrize("name", QUANTIZE_NAMES)
def test_dequantize_is_bit_identical_to_gguf(gguf, rng, name):
    qtype = gguf.GGMLQuantizationType[name]
    x = rng.standard_normal((5, 3, 128)).astype(np.float32)
    blocks = quantize(x, name)
    reference = gguf.quants.dequantize(blocks if name not in ("F16",) else blocks.view(np.float16), qtype)
    ours = dequantize(blocks, name)
    assert ours.dtype == np.float32 and ours.shape == x.shape
    assert np.array_equal(ours.view(np.uint32), np.asarray(reference, np.float32).view(np.uint32))


def _random_k_blocks(rng, name, rows, blocks_per_row):
    """Random K-quant blocks with finite fp16 scales (the d / dmin fields), any other bytes random."""
    nbytes = type_size(name)
    raw = rng.integers(0, 256, (rows, blocks_per_row, nbytes), dtype=np.uint8)
    scales = rng.uniform(-2, 2, (rows, blocks_per_row, 2)).astype(np.float16).view(np.uint8)
    if name == "Q4_K":  # d, dmin first
        raw[..., 0:4] = scales
    else:  # Q6_K: d last
        raw[..., 208:210] = scales[..., :2]
    return raw.reshape(rows, blocks_per_row * nbytes)


@pytest.mark.parametrize("name", ["Q4_K", "Q6_K"])
def test_k_quants_dequantize_bit_identical(gguf, rng, name):
    blocks = _random_k_blocks(rng, name, 7, 3)
    reference = gguf.quants.dequantize(blocks, gguf.GGMLQuantizationType[name])
    ours = dequantize(blocks, name)
    assert ours.shape == (7, 3 * 256)
    assert np.array_equal(ours.view(np.uint32), reference.view(np.uint32))


def test_f32_round_trip_and_tensor_inputs(rng):
    x = rng.standard_normal((4, 64)).astype(np.float32)
    assert np.array_equal(dequantize(quantize(x, "F32"), "F32"), x)
    blocks = quantize(axonml.tensor(x), "Q8_0")
    assert isinstance(blocks, axonml.Tensor) and blocks.dtype == axonml.uint8
    values = dequantize(blocks, "Q8_0")
    assert isinstance(values, axonml.Tensor) and values.dtype == axonml.float32
    np.testing.assert_array_equal(values.numpy(), dequantize(quantize(x, "Q8_0"), "Q8_0"))


def test_dequantize_tensor_on_device(device, rng):
    x = rng.standard_normal((6, 96)).astype(np.float32)
    for name in ("Q4_0", "Q5_1", "BF16"):
        blocks = quantize(x, name)
        on_device = dequantize(axonml.tensor(blocks).to(device), name)
        assert on_device.device.type == device
        assert np.array_equal(on_device.cpu().numpy().view(np.uint32), dequantize(blocks, name).view(np.uint32))


def test_geometry_and_names():
    assert (block_size("Q4_0"), type_size("Q4_0")) == (32, 18)
    assert (block_size("q6_k"), type_size(GGMLType.Q6_K)) == (256, 210)
    assert qtype_of(8) is GGMLType.Q8_0 and qtype_of("bf16") is GGMLType.BF16
    with pytest.raises(ValueError, match="unknown GGML type"):
        qtype_of("Q9_9")
    with pytest.raises(ValueError, match="unknown GGML type id"):
        qtype_of(5)
    with pytest.raises(TypeError):
        qtype_of(1.5)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="not a whole number of Q4_0 blocks"):
        quantize(np.zeros((2, 33), np.float32), "Q4_0")
    with pytest.raises(ValueError, match="0-d"):
        quantize(np.float32(1.0), "Q8_0")
    with pytest.raises(NotImplementedError, match="quantizing to Q6_K"):
        quantize(np.zeros((1, 256), np.float32), "Q6_K")
    with pytest.raises(NotImplementedError, match="decoding IQ2_XXS"):
        dequantize(np.zeros((1, 66), np.uint8), "IQ2_XXS")
    with pytest.raises(ValueError, match="not a whole number of Q8_0 blocks of 34 bytes"):
        dequantize(np.zeros((1, 35), np.uint8), "Q8_0")
    with pytest.raises(TypeError, match="floating-point"):
        quantize(np.array([["a"] * 32]), "Q8_0")


def test_empty_rows_and_shapes():
    assert quantize(np.zeros((0, 64), np.float32), "Q4_1").shape == (0, 40)
    assert dequantize(np.zeros((0, 3, 40), np.uint8), "Q4_1").shape == (0, 3, 64)


def test_quantized_tensor(rng):
    x = rng.standard_normal((8, 64)).astype(np.float32)
    q = QuantizedTensor.from_float(x, "Q5_0")
    assert q.shape == (8, 64) and q.nbytes == 8 * 2 * 22 and q.blocks.shape == (8, 44)
    np.testing.assert_array_equal(q.dequantize(), dequantize(quantize(x, "Q5_0"), "Q5_0"))
    assert "Q5_0" in repr(q)
    ints = QuantizedTensor(np.arange(6, dtype=np.int32), "I32", (2, 3))
    np.testing.assert_array_equal(ints.dequantize(), np.arange(6).reshape(2, 3))
    with pytest.raises(ValueError, match="take 88 bytes"):
        QuantizedTensor(np.zeros(10, np.uint8), "Q5_0", (2, 64))
