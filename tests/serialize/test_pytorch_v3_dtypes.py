"""PyTorch files holding the dtypes torch writes with _rebuild_tensor_v3 (uint16/32/64, float8): read, written."""
import numpy as np
import pytest
import torch

import axonml
from axonml.serialize.pytorch import load_pytorch
from axonml.serialize.pytorch_writer import save_pytorch

NAMES = ["uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
         "float8_e8m0fnu"]


def _bytes(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.contiguous().view(torch.uint8).numpy()
    return t.contiguous().view(axonml.uint8).numpy()


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("name", NAMES)
def test_torch_files_with_v3_dtypes_load_with_views_kept(tmp_path, name, legacy):
    base = torch.tensor([1.5, 2.0, 30.0, 0.25, 7.0, 0.5]).to(getattr(torch, name)).reshape(2, 3)
    state = {"x": base, "t": base.t(), "row": base[1], "empty": base[:0]}
    torch.save(state, tmp_path / "t.pth", _use_new_zipfile_serialization=not legacy)
    loaded = load_pytorch(tmp_path / "t.pth")
    for key, expected in state.items():
        got = loaded[key]
        assert got.dtype == getattr(axonml, name) and tuple(got.shape) == tuple(expected.shape), key
        if expected.numel():
            assert got.stride() == expected.stride(), key
            np.testing.assert_array_equal(_bytes(got), _bytes(expected), err_msg=key)


@pytest.mark.parametrize("name", NAMES)
def test_written_files_load_in_torch(tmp_path, name):
    values = axonml.tensor([1.5, 2.0, 30.0, 0.25, 7.0, 0.5]).to(getattr(axonml, name)).reshape(2, 3)
    save_pytorch({"x": values, "y": values[1]}, tmp_path / "a.pth")
    loaded = torch.load(tmp_path / "a.pth", weights_only=True)
    assert loaded["x"].dtype == getattr(torch, name)
    np.testing.assert_array_equal(_bytes(loaded["x"]), _bytes(values))
    np.testing.assert_array_equal(_bytes(loaded["y"]), _bytes(values[1]))


def test_a_v3_tensor_must_name_a_dtype_and_fit_its_storage(tmp_path):
    torch.save({"x": torch.ones(3, dtype=torch.uint16)}, tmp_path / "t.pth")
    import zipfile
    with zipfile.ZipFile(tmp_path / "t.pth") as archive:
        names = archive.namelist()
        entries = {name: archive.read(name) for name in names}
    pickle_name = next(name for name in names if name.endswith("data.pkl"))
    entries[pickle_name] = entries[pickle_name].replace(b"torch\nuint16", b"torch\nuint32")  # 6 bytes, 4-byte items
    with zipfile.ZipFile(tmp_path / "bad.pth", "w") as archive:
        for name in names:
            archive.writestr(name, entries[name])
    with pytest.raises(ValueError, match="whole|reaches"):
        load_pytorch(tmp_path / "bad.pth")
