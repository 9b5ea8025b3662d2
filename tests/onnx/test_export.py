"""axonml.onnx.export: every layer and shipped model written, checked by onnx.checker, run by ONNX Runtime with a
dynamic batch, and read back by axonml.onnx.load with the same outputs."""
import io

import numpy as np
import onnx
import onnxruntime
import pytest

import axonml
import axonml.onnx
from axonml import nn
from axonml.vision import models

RTOL, ATOL = 1e-4, 1e-5
R = axonml.randn


def _ids():
    return axonml.tensor([[1, 2, 3], [4, 5, 9]])


# name: (factory, example inputs, batch axis). Each input's batch axis is exported as dynamic.
LAYERS = {
    "Identity": (nn.Identity, lambda: R(2, 3), 0),
    "Linear": (lambda: nn.Linear(3, 4), lambda: R(2, 3), 0),
    "Linear-3d": (lambda: nn.Linear(3, 4), lambda: R(2, 5, 3), 0),
    "Bilinear": (lambda: nn.Bilinear(3, 4, 5), lambda: (R(2, 3), R(2, 4)), 0),
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3, padding=1, stride=2), lambda: R(2, 2, 9), 0),
    "Conv2d": (lambda: nn.Conv2d(2, 4, 3, padding=2, dilation=2, groups=2), lambda: R(2, 2, 7, 7), 0),
    "Conv3d": (lambda: nn.Conv3d(2, 3, 2), lambda: R(2, 2, 4, 4, 4), 0),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2), lambda: R(2, 2, 5), 0),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
                        lambda: R(2, 2, 5, 5), 0),
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 3, 2), lambda: R(2, 2, 3, 3, 3), 0),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), lambda: R(2, 3, 8), 0),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), lambda: R(2, 3, 8, 8), 0),
    "MaxPool3d": (lambda: nn.MaxPool3d(2), lambda: R(2, 3, 4, 4, 4), 0),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), lambda: R(2, 3, 8), 0),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), lambda: R(2, 3, 8, 8), 0),
    "AvgPool3d": (lambda: nn.AvgPool3d(2), lambda: R(2, 3, 4, 4, 4), 0),
    "LPPool2d": (lambda: nn.LPPool2d(2, 2), lambda: R(2, 3, 8, 8), 0),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(3), lambda: R(2, 3, 8), 0),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), lambda: R(2, 3, 8, 7), 0),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d(2), lambda: R(2, 3, 8, 8), 0),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: R(4, 3), 0),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: R(2, 3, 4, 4), 0),
    "BatchNorm3d": (lambda: nn.BatchNorm3d(3), lambda: R(2, 3, 2, 2, 2), 0),
    "LayerNorm": (lambda: nn.LayerNorm((4, 5)), lambda: R(2, 4, 5), 0),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda: R(2, 4, 3, 3), 0),
    "RMSNorm": (lambda: nn.RMSNorm(5), lambda: R(2, 4, 5), 0),
    "LocalResponseNorm": (lambda: nn.LocalResponseNorm(3), lambda: R(2, 4, 5, 5), 0),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(3), lambda: R(2, 3, 6), 0),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), lambda: R(2, 3, 4, 4), 0),
    "Dropout": (lambda: nn.Dropout(0.5), lambda: R(2, 3), 0),
    "Dropout2d": (nn.Dropout2d, lambda: R(2, 3, 4, 4), 0),
    "AlphaDropout": (nn.AlphaDropout, lambda: R(2, 3), 0),
    "RNN": (lambda: nn.RNN(3, 4, num_layers=2), lambda: R(5, 2, 3), 1),
    "RNN-relu": (lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), lambda: R(2, 5, 3), 0),
    "LSTM": (lambda: nn.LSTM(3, 4, bidirectional=True), lambda: R(5, 2, 3), 1),
    "LSTM-2-layers": (lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True), lambda: R(2, 5, 3), 0),
    "GRU": (lambda: nn.GRU(3, 4, num_layers=2, batch_first=True), lambda: R(2, 5, 3), 0),
    "GRU-bidirectional": (lambda: nn.GRU(3, 4, bidirectional=True), lambda: R(5, 2, 3), 1),
    "RNNCell": (lambda: nn.RNNCell(3, 4), lambda: R(2, 3), 0),
    "LSTMCell": (lambda: nn.LSTMCell(3, 4), lambda: R(2, 3), 0),
    "GRUCell": (lambda: nn.GRUCell(3, 4), lambda: R(2, 3), 0),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2), lambda: (R(3, 2, 8), R(4, 2, 8), R(4, 2, 8)), 1),
    "MultiheadAttention-kdim": (lambda: nn.MultiheadAttention(8, 2, batch_first=True, kdim=6, vdim=5),
                                lambda: (R(2, 3, 8), R(2, 4, 6), R(2, 4, 5)), 0),
    "Embedding": (lambda: nn.Embedding(10, 4), _ids, 0),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), lambda: R(3, 2, 8), 1),
    "TransformerDecoderLayer": (lambda: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
                                lambda: (R(3, 2, 8), R(4, 2, 8)), 1),
    "TransformerEncoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, batch_first=True, norm_first=True, activation="gelu"), 2), lambda: R(2, 3, 8), 0),
    "Transformer": (lambda: nn.Transformer(8, 2, 1, 1, 16, dropout=0.0), lambda: (R(3, 2, 8), R(4, 2, 8)), 1),
    **{name: (getattr(nn, name), lambda: R(2, 3), 0) for name in (
        "ReLU", "ReLU6", "Sigmoid", "Tanh", "GELU", "SiLU", "Mish", "SELU", "Hardsigmoid", "Hardswish", "LogSigmoid",
        "Hardshrink", "Softshrink", "Tanhshrink", "Softsign")},
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda: R(2, 3), 0),
    "Softmax": (lambda: nn.Softmax(1), lambda: R(2, 3), 0),
    "Softmax2d": (nn.Softmax2d, lambda: R(2, 3, 2, 2), 0),
    "LogSoftmax": (lambda: nn.LogSoftmax(1), lambda: R(2, 3), 0),
    "Softmin": (lambda: nn.Softmin(1), lambda: R(2, 3), 0),
    "GELU-tanh": (lambda: nn.GELU("tanh"), lambda: R(2, 3), 0),
    "ELU": (lambda: nn.ELU(0.5), lambda: R(2, 3), 0),
    "CELU": (lambda: nn.CELU(0.5), lambda: R(2, 3), 0),
    "Softplus": (lambda: nn.Softplus(2.0), lambda: R(2, 3), 0),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 0.5), lambda: R(2, 3), 0),
    "Threshold": (lambda: nn.Threshold(0.1, 20.0), lambda: R(2, 3), 0),
    "GLU": (nn.GLU, lambda: R(2, 4), 0),
    "PReLU": (lambda: nn.PReLU(3), lambda: R(2, 3, 4), 0),
    "Flatten": (nn.Flatten, lambda: R(2, 3, 4), 0),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 2)), lambda: R(2, 4), 0),
    "Upsample-nearest": (lambda: nn.Upsample(scale_factor=2), lambda: R(2, 3, 4, 4), 0),
    "Upsample-bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), lambda: R(2, 3, 4, 4), 0),
    "UpsamplingBilinear2d": (lambda: nn.UpsamplingBilinear2d(scale_factor=2), lambda: R(2, 3, 4, 4), 0),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), lambda: R(2, 8, 3, 3), 0),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), lambda: R(2, 2, 4, 4), 0),
    "ChannelShuffle": (lambda: nn.ChannelShuffle(2), lambda: R(2, 4, 3, 3), 0),
    "ZeroPad2d": (lambda: nn.ZeroPad2d((1, 2, 0, 1)), lambda: R(2, 3, 4, 4), 0),
    "ConstantPad1d": (lambda: nn.ConstantPad1d(2, 0.5), lambda: R(2, 3, 4), 0),
    "ReflectionPad2d": (lambda: nn.ReflectionPad2d(1), lambda: R(2, 3, 4, 4), 0),
    "ReplicationPad2d": (lambda: nn.ReplicationPad2d(1), lambda: R(2, 3, 4, 4), 0),
    "CircularPad2d": (lambda: nn.CircularPad2d(1), lambda: R(2, 3, 4, 4), 0),
    "PairwiseDistance": (nn.PairwiseDistance, lambda: (R(2, 3), R(2, 3)), 0),
    "CosineSimilarity": (nn.CosineSimilarity, lambda: (R(2, 3), R(2, 3)), 0),
    "MSELoss": (nn.MSELoss, lambda: (R(2, 3), R(2, 3)), 0),
    "L1Loss": (lambda: nn.L1Loss(reduction="sum"), lambda: (R(2, 3), R(2, 3)), 0),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(reduction="none"), lambda: (R(2, 3), R(2, 3)), 0),
    "CrossEntropyLoss": (nn.CrossEntropyLoss, lambda: (R(2, 3), axonml.tensor([0, 2])), 0),
}

MODELS = {
    "MLP": (models.MLP, lambda: R(2, 784)),
    "LeNet": (models.LeNet, lambda: R(2, 1, 28, 28)),
    "SimpleCNN": (models.SimpleCNN, lambda: R(2, 1, 28, 28)),
    "ResNet18": (lambda: models.resnet18(num_classes=10), lambda: R(2, 3, 32, 32)),
    "MobileNetV2": (lambda: models.mobilenet_v2(num_classes=5), lambda: R(1, 3, 32, 32)),
    "VisionTransformer": (lambda: models.VisionTransformer(image_size=32, patch_size=16, num_layers=1, num_heads=2,
                                                           hidden_dim=8, mlp_dim=16, num_classes=3),
                          lambda: R(2, 3, 32, 32)),
}


def _flat(result):
    if isinstance(result, axonml.Tensor):
        return [result]
    return [item for part in result if part is not None for item in _flat(part)]


def _grow(value, axis):
    """value with one more entry along axis (a batch of 3 where the trace saw 2)."""
    extra = value.narrow(axis, 0, 1)
    return axonml.cat([value, extra if not value.dtype.is_floating_point else extra * 0.5 + 0.25], axis)


def _round_trip(model, inputs, batch_axis):
    model.eval()
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    names = [f"input_{i}" for i in range(len(inputs))]
    buffer = io.BytesIO()
    axonml.onnx.export(model, inputs, buffer, input_names=names,
                       dynamic_axes={name: {batch_axis: "batch"} for name in names})
    data = buffer.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    imported = axonml.onnx.load(data)
    for batch_inputs in (inputs, tuple(_grow(value, batch_axis) for value in inputs)):
        with axonml.no_grad():
            expected = [value.numpy() for value in _flat(model(*batch_inputs))]
            reimported = imported(*batch_inputs)
        feed = {name: value.numpy() for name, value in zip(names, batch_inputs)}
        got = session.run(None, feed)
        assert len(got) == len(expected)
        for value, reference in zip(got, expected):
            np.testing.assert_allclose(value, reference, rtol=RTOL, atol=ATOL)
        for value, reference in zip(_flat(reimported), expected):
            np.testing.assert_allclose(value.numpy(), reference, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_round_trip(name):
    factory, inputs, batch_axis = LAYERS[name]
    _round_trip(factory(), inputs(), batch_axis)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_round_trip(name):
    factory, inputs = MODELS[name]
    _round_trip(factory(), inputs(), 0)


def test_export_to_a_path_names_inputs_and_outputs(tmp_path):
    model = models.LeNet().eval()
    path = tmp_path / "lenet.onnx"
    axonml.onnx.export(model, R(1, 1, 28, 28), path, input_names=["image"], output_names=["logits"],
                       opset_version=13, dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    proto = onnx.load(path)
    assert [value.name for value in proto.graph.input] == ["image"]
    assert [value.name for value in proto.graph.output] == ["logits"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.opset_import[0].version == 13
    initializers = {tensor.name for tensor in proto.graph.initializer}
    assert {name for name, _ in model.named_parameters()} <= initializers


def test_export_refuses_what_it_cannot_trace():
    class HostMath(nn.Module):
        def forward(self, x):
            return x + axonml.tensor(np.tanh(x.numpy()))  # computed on the host, invisible to the trace

    with pytest.raises(RuntimeError, match="changed between two runs"):
        axonml.onnx.export(HostMath(), R(2, 3), io.BytesIO())
    with pytest.raises(NotImplementedError, match="training mode"):
        axonml.onnx.export(nn.BatchNorm1d(3).train(), R(4, 3), io.BytesIO())
    with pytest.raises(ValueError, match="opset_version"):
        axonml.onnx.export(nn.ReLU(), R(2), io.BytesIO(), opset_version=9)
    with pytest.raises(TypeError):
        axonml.onnx.export(lambda x: x, R(2), io.BytesIO())
