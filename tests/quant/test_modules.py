"""QuantizedLinear, QuantizedEmbedding (axonml/quant/modules.py) and quantize_model (axonml/quant/model.py)."""
import numpy as np
import pytest

import axonml
from axonml import nn
from axonml.quant import (QuantizedEmbedding, QuantizedLinear, dequantize, quantization_report, quantize,
                          quantize_model)


def _decoded(weight, name):
    return dequantize(quantize(weight.detach().cpu().numpy(), name), name).astype(np.float64)


@pytest.mark.parametrize("name", ["Q8_0", "Q4_0", "Q5_1", "F16"])
def test_quantized_linear_matches_the_decoded_float_layer(device, name):
    linear = nn.Linear(96, 20).to(device)
    quantized = QuantizedLinear.from_float(linear, name)
    assert quantized.weight_blocks.device.type == device
    x = axonml.randn(2, 3, 96).to(device)
    y = quantized(x)
    assert y.shape == (2, 3, 20) and y.device.type == device
    reference = x.cpu().numpy().astype(np.float64) @ _decoded(linear.weight, name).T + linear.bias.detach().cpu().numpy()
    np.testing.assert_allclose(y.cpu().numpy(), reference, rtol=1e-5, atol=1e-5)


def test_quantized_linear_without_bias_and_weight_accessor():
    linear = nn.Linear(64, 8, bias=False)
    quantized = QuantizedLinear.from_float(linear, "Q4_1")
    assert quantized.bias is None
    np.testing.assert_array_equal(quantized.weight().dequantize(), _decoded(linear.weight, "Q4_1").astype(np.float32))
    assert "qtype=Q4_1" in repr(quantized)
    assert set(quantized.state_dict()) == {"weight_blocks"}


def test_quantized_linear_errors():
    quantized = QuantizedLinear.from_float(nn.Linear(64, 8), "Q8_0")
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        quantized(axonml.randn(4, 32))
    with pytest.raises(TypeError, match="float32"):
        quantized(axonml.randn(4, 64, dtype=axonml.float64))
    x = axonml.randn(4, 64, requires_grad=True)
    with pytest.raises(RuntimeError, match="no backward"):
        quantized(x).sum().backward()


@pytest.mark.parametrize("in_features", [84, 120, 400, 5])
def test_rows_that_are_not_whole_blocks_are_zero_padded(device, in_features):
    # LeNet's 400, 120 and 84 inputs: rows stored zero-padded to whole blocks, the kernels read in_features
    linear = nn.Linear(in_features, 9).to(device)
    quantized = QuantizedLinear.from_float(linear, "Q4_0")
    padded = -(-in_features // 32) * 32
    assert quantized.weight().shape == (9, padded) and quantized.weight_blocks.shape == (9, padded // 32 * 18)
    weight = np.zeros((9, padded), np.float32)
    weight[:, :in_features] = linear.weight.detach().cpu().numpy()
    decoded = dequantize(quantize(weight, "Q4_0"), "Q4_0")[:, :in_features].astype(np.float64)
    for rows in (1, 4, 33):
        x = axonml.randn(rows, in_features).to(device)
        reference = x.cpu().numpy().astype(np.float64) @ decoded.T + linear.bias.detach().cpu().numpy()
        np.testing.assert_allclose(quantized(x).cpu().numpy(), reference, rtol=1e-5, atol=1e-5)


def test_quantized_embedding(device):
    embedding = nn.Embedding(50, 64).to(device)
    quantized = QuantizedEmbedding.from_float(embedding, "Q4_0")
    indices = axonml.tensor([[3, 0, 49], [7, 7, 1]]).to(device)
    out = quantized(indices)
    assert out.shape == (2, 3, 64) and out.dtype == axonml.float32
    table = _decoded(embedding.weight, "Q4_0").astype(np.float32)
    np.testing.assert_array_equal(out.cpu().numpy(), table[indices.cpu().numpy()])
    with pytest.raises(RuntimeError, match="indices"):
        quantized(axonml.tensor([0.5]))


def test_quantize_model_swaps_linear_and_embedding_layers():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 64)
            self.body = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 33))
            self.head = nn.Linear(33, 4)   # 33 inputs: stored as two zero-padded blocks
            self.out = nn.Linear(4 * 8, 2)

        def forward(self, ids):
            h = self.body(self.embed(ids))
            return self.head(h)

    net = Net()
    quantized = quantize_model(net, "Q8_0", skip=["out"])
    assert isinstance(net.body[0], nn.Linear), "not in place by default"
    assert isinstance(quantized.embed, QuantizedEmbedding)
    assert isinstance(quantized.body[0], QuantizedLinear) and isinstance(quantized.body[2], QuantizedLinear)
    assert isinstance(quantized.head, QuantizedLinear) and type(quantized.out) is nn.Linear
    ids = axonml.tensor([[1, 2, 3]])
    np.testing.assert_allclose(quantized(ids).numpy(), net(ids).detach().numpy(), atol=0.05)
    kept = quantize_model(net, "Q4_0", skip="body.*", embeddings=False, inplace=True)
    assert kept is net and type(net.embed) is nn.Embedding and type(net.body[0]) is nn.Linear
    reports = quantization_report(Net(), "Q4_0")
    assert [r.name for r in reports] == ["embed", "body.0", "body.2", "head", "out"]
    assert all(0 < r.relative_rmse < 0.2 for r in reports)
    assert all(r.quantized_bytes * 7 < r.float_bytes for r in reports if r.shape[-1] % 32 == 0)
