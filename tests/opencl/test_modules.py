"""nn modules give the same outputs and gradients on OpenCL as on the CPU (the same weights, the same input)."""
import copy

import numpy as np
import pytest

import axonml
from axonml import nn

CASES = {
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 11)),
    "conv2d-groups": (lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2), (2, 4, 7, 6)),
    "maxpool1d": (lambda: nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    "avgpool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 6)),
    "adaptive-avgpool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "batchnorm2d": (lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(6), (8, 6)),
    "layernorm": (lambda: nn.LayerNorm((5, 6)), (3, 5, 6)),
    "lstm": (lambda: nn.LSTM(6, 5, num_layers=2, batch_first=True), (3, 4, 6)),
    "gru": (lambda: nn.GRU(6, 5), (4, 3, 6)),
    "multihead-attention": (lambda: nn.MultiheadAttention(8, 2, batch_first=True), (2, 5, 8)),
    "transformer-encoder-layer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                                                    batch_first=True), (2, 5, 8)),
    "softmax": (lambda: nn.Softmax(dim=1), (3, 7, 2)),
    "gelu": (lambda: nn.GELU(), (4, 9)),
}


def _first(output):
    return output[0] if isinstance(output, tuple) else output


def _run(module, host, device):
    module = copy.deepcopy(module).to(device)
    x = axonml.from_numpy(host).to(device).requires_grad_(True)
    args = (x, x, x) if isinstance(module, nn.MultiheadAttention) else (x,)
    out = _first(module(*args))
    weights = axonml.from_numpy(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32))
    (out * weights.to(device)).sum().backward()
    grads = [x.grad] + [p.grad for p in module.parameters()]
    return out.detach().cpu().numpy(), [g.cpu().numpy() for g in grads]


@pytest.mark.parametrize("name", sorted(CASES))
def test_module_matches_cpu(name):
    make, shape = CASES[name]
    axonml.manual_seed(0)
    module = make()
    host = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    cpu_out, cpu_grads = _run(module, host, "cpu")
    cl_out, cl_grads = _run(module, host, "opencl")
    np.testing.assert_allclose(cl_out, cpu_out, rtol=1e-4, atol=1e-5)
    assert len(cl_grads) == len(cpu_grads)
    for k, (a, b) in enumerate(zip(cl_grads, cpu_grads)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4, err_msg=f"gradient {k}")


def test_embedding_with_padding_and_dropout_in_eval():
    axonml.manual_seed(0)
    module = nn.Sequential(nn.Embedding(10, 4, padding_idx=2), nn.Dropout(0.5))
    module.eval()
    index = np.array([[1, 2, 2], [9, 0, 1]])
    results = []
    for device in ("cpu", "opencl"):
        m = copy.deepcopy(module).to(device)
        out = m(axonml.from_numpy(index).to(device))
        out.sum().backward()
        results.append((out.detach().cpu().numpy(), m[0].weight.grad.cpu().numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_array_equal(results[1][1], results[0][1])
    assert not results[1][1][2].any()


def test_dropout_in_training_is_reproducible_per_seed():
    x = axonml.ones(1000, device="opencl")
    drop = nn.Dropout(0.3)
    axonml.manual_seed(4)
    first = drop(x).cpu().numpy()
    axonml.manual_seed(4)
    second = drop(x).cpu().numpy()
    np.testing.assert_array_equal(first, second)
    kept = first != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(first[kept], 1 / 0.7, rtol=1e-6)
