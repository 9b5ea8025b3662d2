"""axonml.onnx.load: the sources it takes, the Module it builds, and the errors it raises on bad input."""
import os

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import axonml
import axonml.onnx


def _gemm_model(weight, bias, opset=17):
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "fc.weight", "fc.bias"], ["h"], transB=1),
         helper.make_node("Relu", ["h"], ["y"])],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", weight.shape[1]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", weight.shape[0]])],
        [numpy_helper.from_array(weight, "fc.weight"), numpy_helper.from_array(bias, "fc.bias")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.fixture
def gemm(rng):
    weight = rng.standard_normal((3, 4)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    return _gemm_model(weight, bias), weight, bias


def test_path_bytes_and_modelproto_give_the_same_module(tmp_path, gemm, rng):
    model, weight, bias = gemm
    path = tmp_path / "mlp.onnx"
    onnx.save(model, path)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    expected = np.maximum(x @ weight.T + bias, 0)
    for source in (str(path), path, path.read_bytes(), model):
        module = axonml.onnx.load(source)
        assert isinstance(module, axonml.nn.Module)
        np.testing.assert_allclose(module(x).detach().numpy(), expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(module(axonml.tensor(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-6)


def test_initializers_are_parameters_that_train_and_save(gemm, rng, tmp_path):
    model, weight, bias = gemm
    module = axonml.onnx.load(model)
    assert module.onnx_names == {"fc.weight": "fc_weight", "fc.bias": "fc_bias"}
    assert sorted(name for name, _ in module.named_parameters()) == ["fc_bias", "fc_weight"]
    x = rng.standard_normal((6, 4)).astype(np.float32)
    module(x).sum().backward()
    reference_weight = torch.tensor(weight, requires_grad=True)
    reference_bias = torch.tensor(bias, requires_grad=True)
    torch.relu(torch.tensor(x) @ reference_weight.T + reference_bias).sum().backward()
    np.testing.assert_allclose(module.fc_weight.grad.numpy(), reference_weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(module.fc_bias.grad.numpy(), reference_bias.grad.numpy(), rtol=1e-5, atol=1e-6)
    target = axonml.tensor(rng.standard_normal((6, 3)).astype(np.float32))
    optimizer = axonml.optim.SGD(module.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = axonml.nn.functional.mse_loss(module(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
    axonml.save(module.state_dict(), tmp_path / "tuned.safetensors")
    reloaded = axonml.onnx.load(model)
    reloaded.load_state_dict(axonml.load(tmp_path / "tuned.safetensors"))
    np.testing.assert_array_equal(reloaded(x).detach().numpy(), module(x).detach().numpy())


def test_multiple_outputs_come_back_as_a_tuple_in_graph_order(rng):
    graph = helper.make_graph(
        [helper.make_node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2)], "split",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("b", TensorProto.FLOAT, [2, 2]),
         helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 2])])
    module = axonml.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]))
    x = rng.standard_normal((2, 4)).astype(np.float32)
    b, a = module(x)
    np.testing.assert_array_equal(a.detach().numpy(), x[:, :2])
    np.testing.assert_array_equal(b.detach().numpy(), x[:, 2:])
    with pytest.raises(TypeError, match="1 input"):
        module(x, x)


def test_truncated_file_is_a_clear_error(tmp_path, gemm):
    data = gemm[0].SerializeToString()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not .*ONNX model"):
        axonml.onnx.load(path)
    with pytest.raises(ValueError, match="not .*ONNX model"):
        axonml.onnx.load(b"\x00\xff garbage \x12")
    with pytest.raises(FileNotFoundError):
        axonml.onnx.load(tmp_path / "missing.onnx")
    with pytest.raises(TypeError):
        axonml.onnx.load(42)


def test_invalid_graph_is_rejected_by_the_checker(gemm):
    model = gemm[0]
    model.graph.node[1].input[0] = "undefined_value"
    with pytest.raises(ValueError, match="not a valid ONNX model"):
        axonml.onnx.load(model)


def test_every_unsupported_op_is_listed_at_load_time():
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="fine"),
         helper.make_node("Unique", ["r"], ["u"], name="first_unknown"),
         helper.make_node("StringNormalizer", ["s"], ["t"], name="second_unknown"),
         helper.make_node("Softmax", ["u"], ["y"], name="softmax", axis=0),
         helper.make_node("Constant", [], ["c"], name="string_constant", value_string="text")],
        "unsupported",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("s", TensorProto.STRING, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None]),
         helper.make_tensor_value_info("t", TensorProto.STRING, [None]),
         helper.make_tensor_value_info("c", TensorProto.STRING, [])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(NotImplementedError) as raised:
        axonml.onnx.load(model.SerializeToString())
    message = str(raised.value)
    for expected in ("Unique (opset 17, node 'first_unknown')", "StringNormalizer (opset 17, node 'second_unknown')",
                     "Constant (opset 17, node 'string_constant'): attribute(s) value_string not supported",
                     "input 's': element type STRING"):
        assert expected in message
    assert "fine" not in message and "softmax" not in message


def _external_model(tmp_path, location, rng):
    """A Gemm model whose weight's data lives in an external file at location (relative to tmp_path)."""
    weight = rng.standard_normal((3, 4)).astype(np.float32)
    model = _gemm_model(weight, np.zeros(3, np.float32))
    tensor = model.graph.initializer[0]
    data = tensor.raw_data if tensor.raw_data else weight.tobytes()
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(len(data)))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    path = tmp_path / "model" / "model.onnx"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(model.SerializeToString())
    return path, weight, data


def test_external_data_inside_the_model_directory_loads(tmp_path, rng):
    path, weight, data = _external_model(tmp_path, "weights/fc.bin", rng)
    (path.parent / "weights").mkdir()
    (path.parent / "weights" / "fc.bin").write_bytes(data)
    module = axonml.onnx.load(path)
    np.testing.assert_array_equal(module.fc_weight.detach().numpy(), weight)
    with pytest.raises(ValueError, match="load the model from its path"):
        axonml.onnx.load(path.read_bytes())


@pytest.mark.parametrize("location", ["../outside.bin", "weights/../../outside.bin", "/etc/hostname",
                                      "link/outside.bin"])
def test_external_data_outside_the_model_directory_is_refused(tmp_path, rng, location):
    path, _, data = _external_model(tmp_path, location, rng)
    (tmp_path / "outside.bin").write_bytes(data)
    os.symlink(tmp_path, path.parent / "link")
    with pytest.raises(ValueError, match="external data"):
        axonml.onnx.load(path)


def test_truncated_external_data_is_a_clear_error(tmp_path, rng):
    path, _, data = _external_model(tmp_path, "fc.bin", rng)
    (path.parent / "fc.bin").write_bytes(data[:10])
    with pytest.raises(ValueError, match="truncated"):
        axonml.onnx.load(path)


def test_an_imported_model_runs_on_the_device_and_keeps_its_gradients(gemm, rng, device):
    model, weight, bias = gemm
    module = axonml.onnx.load(model).to(device)
    x = axonml.tensor(rng.standard_normal((5, 4)).astype(np.float32), device=device, requires_grad=True)
    y = module(x)
    assert y.device.type == device
    y.sum().backward()
    mask = (x.detach().cpu().numpy() @ weight.T + bias) > 0
    np.testing.assert_allclose(x.grad.cpu().numpy(), mask.astype(np.float32) @ weight, rtol=1e-5, atol=1e-6)
