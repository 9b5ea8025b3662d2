""".axonml model archives (axonml/serialize/archive.py): round trips, metadata, and checked reads."""
import json

import h5py
import numpy as np
import pytest

import axonml
from axonml import nn
from axonml.serialize import load_archive, save_archive
from axonml.serialize.archive import architecture_config, read_archive
from axonml.vision import models


@pytest.mark.parametrize("build, shape", [
    (lambda: models.LeNet(in_channels=1, num_classes=7, input_size=16), (2, 1, 16, 16)),
    (lambda: models.SimpleCNN(in_channels=3, num_classes=4, input_size=20, channels=(8, 16), hidden=32),
     (2, 3, 20, 20)),
    (lambda: models.MLP(12, (9, 5), 3, activation=nn.GELU, dropout=0.1), (2, 12)),
    (lambda: models.resnet18(num_classes=6), (1, 3, 32, 32)),
], ids=["lenet", "simplecnn", "mlp", "resnet18"])
def test_archives_rebuild_the_model_with_its_weights(tmp_path, build, shape):
    model = build()
    model.eval()
    path = tmp_path / "model.axonml"
    save_archive(model, path, metadata={"accuracy": 0.91, "notes": ["a", "b"]})
    loaded = load_archive(path)
    assert type(loaded) is type(model) and not loaded.training
    assert loaded.archive_metadata == {"accuracy": 0.91, "notes": ["a", "b"]}
    x = axonml.randn(*shape)
    with axonml.no_grad():
        np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_the_archive_records_versions_time_config_and_dtypes(tmp_path):
    model = models.MLP(4, (3,), 2)
    model.layers[1].weight.data = model.layers[1].weight.data.to(axonml.bfloat16)
    path = tmp_path / "m.axonml"
    save_archive(model, path)
    with pytest.raises(ValueError, match=r"wrong shape or dtype: \['layers.1.weight'\]"):
        load_archive(path)              # a bfloat16 weight does not fit the float32 MLP the config builds
    model = models.MLP(4, (3,), 2)
    save_archive(model, path, metadata={"k": 1})
    info = read_archive(path)
    assert info["axonml_version"] == axonml.__version__ and info["created"].endswith("+00:00")
    assert info["config"] == architecture_config(model) == {
        "builder": "MLP", "kwargs": {"in_features": 4, "hidden_sizes": [3], "num_classes": 2, "dropout": 0.0}}
    assert info["tensors"]["layers.1.weight"] == ("float32", (3, 4))
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "axonml-archive" and json.loads(f["metadata"].attrs["json"]) == {"k": 1}


def test_axonml_load_of_an_archive_gives_its_state_dict(tmp_path):
    model = models.LeNet()
    save_archive(model, tmp_path / "m.axonml")
    state = axonml.load(tmp_path / "m.axonml")
    assert list(state) == list(model.state_dict())
    np.testing.assert_array_equal(np.asarray(state["features.0.weight"]),
                                  np.asarray(model.state_dict()["features.0.weight"]))


def test_models_axonml_cannot_describe_need_a_config(tmp_path):
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="pass config="):
        save_archive(Custom(), tmp_path / "c.axonml")
    with pytest.raises(ValueError, match="unknown architecture builder"):
        save_archive(Custom(), tmp_path / "c.axonml", config={"builder": "Custom", "kwargs": {}})
    with pytest.raises(TypeError, match="JSON"):
        save_archive(models.LeNet(), tmp_path / "c.axonml", metadata={"x": object()})
    assert not (tmp_path / "c.axonml").exists()


def test_an_external_link_written_after_saving_is_refused(tmp_path):
    path = tmp_path / "m.axonml"
    save_archive(models.MLP(4, (3,), 2), path)
    with h5py.File(path, "a") as f:
        del f["weights/layers.1.bias"]
        f["weights/layers.1.bias"] = h5py.ExternalLink("/etc/hostname", "/x")
    with pytest.raises(ValueError, match="external link /weights/layers.1.bias"):
        load_archive(path)
