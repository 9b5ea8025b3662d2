"""Loading saved models for serving: specs per format, devices, fixed-batch ONNX graphs, bad files."""
import numpy as np
import pytest

import axonml
import axonml.onnx
from axonml.serve import load_model


def _direct(module, batch):
    with axonml.no_grad():
        return module(axonml.from_numpy(batch)).numpy()


def test_archive_on_each_device(model_files, device):
    served = load_model(model_files["dir"] / "lenet.axonml", device=device)
    served.warm_up()
    assert served.device == device and served.input.shape == (1, 28, 28) and served.outputs[0].shape == (10,)
    batch = np.random.default_rng(0).standard_normal((3, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(served.predict(batch)[0], _direct(model_files["lenet"], batch), rtol=1e-4, atol=1e-5)


def test_onnx_with_a_fixed_batch_is_padded(tmp_path):
    from axonml.vision.models import LeNet
    model = LeNet(input_size=8).eval()
    path = tmp_path / "lenet8.onnx"
    axonml.onnx.export(model, axonml.zeros(2, 1, 8, 8), str(path), input_names=["image"])   # batch fixed at 2
    served = load_model(path)
    assert served.fixed_batch == 2 and served.input.shape == (1, 8, 8) and served.input.name == "image"
    one = np.random.default_rng(1).standard_normal((1, 1, 8, 8)).astype(np.float32)
    result = served.predict(one)[0]
    assert result.shape == (1, 10)
    np.testing.assert_allclose(result, _direct(model, one), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="takes 2"):
        served.predict(np.zeros((3, 1, 8, 8), np.float32))


def test_checkpoint_dict_carrying_its_config(tmp_path, model_files):
    from .conftest import MLP_CONFIG
    path = tmp_path / "checkpoint.safetensors"
    axonml.save({"model": model_files["mlp"].state_dict(), "config": MLP_CONFIG, "epoch": 3}, str(path))
    served = load_model(path)
    assert served.name == "MLP" and served.input.shape == (6,)


@pytest.mark.parametrize("name, content, config, message", [
    ("weights.safetensors", None, None, "without their architecture"),
    ("weights.safetensors", None, {"builder": "LeNet", "kwargs": {}}, "do not fit"),
    ("model.txt", b"hello", None, "serve reads"),
    ("lenet.axonml", None, {"builder": "MLP", "kwargs": {}}, "its own architecture"),
])
def test_bad_model_files_are_clear_errors(tmp_path, model_files, name, content, config, message):
    path = tmp_path / name
    if name == "weights.safetensors":
        axonml.save(model_files["mlp"].state_dict(), str(path))
    elif content is not None:
        path.write_bytes(content)
    else:
        path = model_files["dir"] / name
    with pytest.raises(ValueError, match=message):
        load_model(path, config=config)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nothing.axonml")
