"""PyTorch checkpoints (axonml/serialize/pytorch.py, pytorch_writer.py): read without pickle, oracle torch 2.13."""
import io
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from axonml.serialize import UnsafeCheckpointError
from axonml.serialize.pytorch import load_pytorch
from axonml.serialize.pytorch_writer import save_pytorch

FORMATS = {"zip": {}, "legacy": {"_use_new_zipfile_serialization": False}}
TORCH_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
                torch.int8, torch.uint8, torch.bool]


def _load(*args, **kwargs):
    """axonml.load with the pickle module's loaders disabled: reading must never go through them."""
    def refuse(*args, **kwargs):
        raise AssertionError("pickle must not be used to load checkpoints")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("load", "loads", "Unpickler"):
            patch.setattr(pickle, name, refuse)
        return axonml.load(*args, **kwargs)


def _same(actual, expected: torch.Tensor):
    assert isinstance(actual, axonml.Tensor)
    assert str(actual.dtype).removeprefix("axonml.") == str(expected.dtype).removeprefix("torch.")
    assert tuple(actual.shape) == tuple(expected.shape)
    if expected.numel():
        assert actual.stride() == expected.stride()
    np.testing.assert_array_equal(np.asarray(actual.float() if actual.dtype == axonml.bfloat16 else actual),
                                  (expected.float() if expected.dtype == torch.bfloat16 else expected).numpy())


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=str)
def test_every_dtype_round_trips_from_torch(tmp_path, fmt, dtype):
    values = (torch.randn(3, 4) * 10).to(dtype) if dtype != torch.bool else torch.randn(3, 4) > 0
    state = {"x": values, "scalar": values[1, 2].clone(), "empty": values[:0]}
    torch.save(state, tmp_path / "t.pth", **FORMATS[fmt])
    loaded = _load(tmp_path / "t.pth")
    for key in state:
        _same(loaded[key], state[key])


@pytest.mark.parametrize("fmt", FORMATS)
def test_views_of_one_storage_stay_views_with_strides_and_offsets(tmp_path, fmt):
    base = torch.arange(24.0)
    state = OrderedDict(base=base, window=base[3:15].view(3, 4), transposed=base.view(4, 6).t(),
                        strided=base[1::5], expanded=base[:1].expand(3, 2))
    torch.save(state, tmp_path / "v.pth", **FORMATS[fmt])
    loaded = _load(tmp_path / "v.pth")
    assert list(loaded) == list(state) and isinstance(loaded, OrderedDict)
    for key in state:
        _same(loaded[key], state[key])
    loaded["base"].add_(100)      # one storage: writes through every view, as in torch
    assert loaded["window"][0, 0].item() == 103 and loaded["transposed"][0, 1].item() == 106


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_torch_model_checkpoint_loads_into_the_axonml_model_and_gives_torch_outputs(tmp_path, fmt):
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                                    torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 5))
    reference(torch.randn(4, 3, 6, 6))          # move the BatchNorm running statistics off their defaults
    reference.eval()
    torch.save(reference.state_dict(), tmp_path / "model.pth", **FORMATS[fmt])
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8 * 6 * 6, 5))
    model.load_state_dict(_load(tmp_path / "model.pth"))
    model.eval()
    x = torch.randn(2, 3, 6, 6)
    np.testing.assert_allclose(model(axonml.from_numpy(x.numpy())).detach().numpy(),
                               reference(x).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_whole_training_checkpoints_load(tmp_path, fmt):
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    checkpoint = {"epoch": 3, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "params": list(model.parameters()), "best": 0.25, "name": "run", "flags": {1, 2},
                  "shape": torch.Size([2, 3]), "dtype": torch.float16, "raw": b"\x00\xff", "none": None}
    torch.save(checkpoint, tmp_path / "c.pth", **FORMATS[fmt])
    loaded = _load(tmp_path / "c.pth")
    assert loaded["epoch"] == 3 and loaded["best"] == 0.25 and loaded["name"] == "run" and loaded["none"] is None
    assert loaded["flags"] == {1, 2} and loaded["shape"] == (2, 3) and loaded["dtype"] == axonml.float16
    assert loaded["raw"] == b"\x00\xff"
    assert isinstance(loaded["params"][0], nn.Parameter) and loaded["params"][0].requires_grad
    state = loaded["optimizer"]["state"][0]
    _same(state["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"])
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)


def test_mmap_and_map_location(tmp_path):
    torch.save({"w": torch.arange(6.0).view(2, 3)}, tmp_path / "w.pth")
    mapped = _load(tmp_path / "w.pth", mmap=True)
    np.testing.assert_array_equal(np.asarray(mapped["w"]), np.arange(6.0).reshape(2, 3))
    mapped["w"].add_(1)    # copy-on-write: the file is not changed
    np.testing.assert_array_equal(np.asarray(_load(tmp_path / "w.pth")["w"]), np.arange(6.0).reshape(2, 3))
    assert _load(tmp_path / "w.pth", map_location="cpu")["w"].device == axonml.device("cpu")
    with pytest.raises(ValueError, match="needs a path"):
        load_pytorch(io.BytesIO((tmp_path / "w.pth").read_bytes()), mmap=True)


def test_file_objects_load(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pth")
    loaded = _load(io.BytesIO((tmp_path / "w.pth").read_bytes()))
    np.testing.assert_array_equal(np.asarray(loaded["w"]), np.ones(2))


def test_callables_in_the_stream_are_refused_by_name(tmp_path, monkeypatch):
    class Exploit:
        def __reduce__(self):
            return os.system, ("touch marker",)

    monkeypatch.chdir(tmp_path)
    torch.save({"w": torch.ones(1), "x": Exploit()}, tmp_path / "bad.pth")
    with pytest.raises(UnsafeCheckpointError, match=r"posix\.system"):
        _load(tmp_path / "bad.pth")
    assert issubclass(UnsafeCheckpointError, ValueError)
    assert not os.path.exists(tmp_path / "marker")


def test_a_pickled_module_is_refused(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pth")
    with pytest.raises(UnsafeCheckpointError, match="torch.nn.modules.linear.Linear"):
        _load(tmp_path / "module.pth")


@pytest.mark.parametrize("torch_mmap", [False, True])
def test_written_pth_files_load_in_torch_with_shared_storage(tmp_path, torch_mmap):
    base = axonml.arange(12.0)
    state = {"w": axonml.randn(3, 4), "base": base, "view": base[2:8].view(2, 3), "t": base.view(3, 4).t(),
             "half": axonml.ones(2, dtype=axonml.bfloat16), "i": axonml.tensor([1, 2]), "b": axonml.tensor([True]),
             "scalar": axonml.tensor(2.5)}
    save_pytorch(state, tmp_path / "out.pth")
    loaded = torch.load(tmp_path / "out.pth", weights_only=True, mmap=torch_mmap)
    assert list(loaded) == list(state)
    for key, tensor in state.items():
        assert loaded[key].stride() == tensor.stride()
        np.testing.assert_array_equal(loaded[key].float().numpy(), np.asarray(tensor.float()))
    assert loaded["view"].untyped_storage().data_ptr() == loaded["base"].untyped_storage().data_ptr()
    again = _load(tmp_path / "out.pth")
    again["base"].add_(1)
    assert again["view"][0, 0].item() == 3.0


def test_torchscript_and_non_checkpoint_files_get_clear_errors(tmp_path):
    scripted = torch.jit.trace(torch.nn.Linear(2, 2), torch.randn(1, 2))
    scripted.save(str(tmp_path / "scripted.pt"))
    with pytest.raises(ValueError, match="TorchScript"):
        _load(tmp_path / "scripted.pt")
    (tmp_path / "text.pth").write_text("hello")
    with pytest.raises(ValueError, match="text.pth"):
        _load(tmp_path / "text.pth")
