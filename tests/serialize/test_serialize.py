"""axonml.save / axonml.load and safetensors state dicts: round trips, atomic writes, bad files."""
import io
import json
import os
import struct

import numpy as np
import pytest
import safetensors.numpy
import torch

import axonml
from axonml import nn, optim
from axonml.serialize import load_state_dict, save_state_dict


def _state_dict():
    return {
        "layer.weight": axonml.randn(4, 3),
        "layer.bias": axonml.randn(4, dtype=axonml.float64),
        "counts": axonml.tensor([1, 2, 3], dtype=axonml.int64),
        "mask": axonml.tensor([True, False]),
        "half": axonml.ones(2, 2, dtype=axonml.float16),
        "scalar": axonml.tensor(3.5),
        "a.transposed": axonml.randn(3, 5).t(),
    }


def _assert_same(actual, expected):
    assert type(actual) is type(expected) or (isinstance(actual, axonml.Tensor) and isinstance(expected, axonml.Tensor))
    if isinstance(expected, axonml.Tensor):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            _assert_same(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            _assert_same(a, e)
    else:
        assert actual == expected


def test_state_dict_round_trip_keeps_order_dtypes_and_shapes(tmp_path):
    state = _state_dict()
    save_state_dict(state, tmp_path / "model.safetensors")
    _assert_same(load_state_dict(tmp_path / "model.safetensors"), state)
    _assert_same(axonml.load(tmp_path / "model.safetensors"), state)


def test_save_of_a_tensor_dict_is_a_plain_safetensors_file(tmp_path):
    state = _state_dict()
    axonml.save(state, tmp_path / "model.safetensors")
    arrays = safetensors.numpy.load_file(tmp_path / "model.safetensors")
    assert sorted(arrays) == sorted(state)
    np.testing.assert_array_equal(arrays["a.transposed"], np.asarray(state["a.transposed"]))


def test_files_written_by_other_tools_load(tmp_path):
    from safetensors.torch import save_file
    save_file({"w": torch.arange(6.0).reshape(2, 3), "i": torch.tensor([7], dtype=torch.int32)},
              tmp_path / "torch.safetensors")
    loaded = axonml.load(tmp_path / "torch.safetensors")
    np.testing.assert_array_equal(np.asarray(loaded["w"]), np.arange(6.0, dtype=np.float32).reshape(2, 3))
    assert loaded["i"].dtype == axonml.int32


def test_loaded_tensors_are_independent_and_writable(tmp_path):
    save_state_dict({"w": axonml.zeros(3)}, tmp_path / "w.safetensors")
    first = load_state_dict(tmp_path / "w.safetensors")["w"]
    first.add_(1)
    np.testing.assert_array_equal(np.asarray(load_state_dict(tmp_path / "w.safetensors")["w"]), np.zeros(3))


def test_nested_structures_round_trip(tmp_path):
    shared = axonml.randn(2)
    obj = {
        "epoch": 7, "loss": 0.25, "best": float("inf"), "name": "run-1", "note": None, "flag": True,
        "betas": (0.9, 0.999), "history": [1.0, 2.0, [3, {"deep": shared}]],
        3: "integer key", (1, 2): "tuple key", "dtype": axonml.float64, "device": axonml.device("cpu"),
        "tensors": {"shared": shared, "again": shared, "weight": axonml.ones(2, 2, requires_grad=True)},
        "array": np.arange(4, dtype=np.int16), "empty": {}, "empty_list": [],
    }
    axonml.save(obj, tmp_path / "checkpoint.safetensors")
    loaded = axonml.load(tmp_path / "checkpoint.safetensors")
    assert isinstance(loaded["array"], np.ndarray)
    np.testing.assert_array_equal(loaded["array"], obj["array"])
    del obj["array"], loaded["array"]
    _assert_same(loaded, obj)
    assert loaded["tensors"]["weight"].requires_grad and not loaded["tensors"]["shared"].requires_grad
    assert loaded["tensors"]["shared"] is loaded["tensors"]["again"]


def test_a_single_tensor_round_trips(tmp_path):
    t = axonml.randn(3, 2)
    axonml.save(t, tmp_path / "t.safetensors")
    _assert_same(axonml.load(tmp_path / "t.safetensors"), t)


def test_optimizer_state_dict_round_trip(tmp_path):
    params = [axonml.randn(3, 2, requires_grad=True), axonml.randn(2, requires_grad=True)]
    optimizer = optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}], amsgrad=True)
    for p in params:
        p.grad = axonml.ones_like(p)
    optimizer.step()
    axonml.save(optimizer.state_dict(), tmp_path / "optimizer.safetensors")
    loaded = axonml.load(tmp_path / "optimizer.safetensors")
    _assert_same(loaded, optimizer.state_dict())
    assert list(loaded["state"]) == [0, 1] and loaded["param_groups"][0]["betas"] == (0.9, 0.999)


def test_file_objects_and_map_location(tmp_path):
    buffer = io.BytesIO()
    obj = {"x": axonml.arange(5), "meta": {"k": [1, 2]}}
    axonml.save(obj, buffer)
    buffer.seek(0)
    _assert_same(axonml.load(buffer, map_location="cpu"), obj)
    with pytest.raises(TypeError, match="map_location"):
        axonml.load(io.BytesIO(buffer.getvalue()), map_location={"cpu": "cpu"})


def test_unsupported_objects_raise_type_error_and_leave_no_file(tmp_path):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match="cannot store an object of type builtins.object"):
        axonml.save({"fine": 1, "bad": object()}, path)
    assert os.listdir(tmp_path) == []
    cycle = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="contains itself"):
        axonml.save(cycle, path)
    with pytest.raises(TypeError, match="dict mapping str to Tensor"):
        save_state_dict({"a": 1}, path)


def test_a_failed_write_keeps_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    save_state_dict({"w": axonml.zeros(2)}, path)
    before = path.read_bytes()

    def write_half_then_fail(arrays, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_state_dict({"w": axonml.ones(2)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]


def _valid_file_bytes(tmp_path):
    axonml.save({"w": axonml.randn(8, 8), "step": 3}, tmp_path / "ok.safetensors")
    return (tmp_path / "ok.safetensors").read_bytes()


def _with_header(header: dict, payload: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + payload


@pytest.mark.parametrize("mutilate", [
    lambda data: data[:-10],                              # truncated payload
    lambda data: data[:20],                               # truncated header
    lambda data: b"",                                      # empty
    lambda data: b"\x80\x04\x95 not safetensors, a pickle",  # torch.save's pickle
    lambda data: struct.pack("<Q", 2 ** 62) + data[8:],   # hostile header length
    lambda data: data[:9] + b"#" + data[10:],              # corrupt JSON
], ids=["truncated", "truncated-header", "empty", "pickle", "huge-header", "corrupt-json"])
def test_bad_files_raise_value_error_naming_the_file(tmp_path, mutilate):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(mutilate(_valid_file_bytes(tmp_path)))
    with pytest.raises(ValueError, match="bad.safetensors"):
        axonml.load(path)
    with pytest.raises(ValueError, match="bad.safetensors"):
        load_state_dict(path)
    with pytest.raises(ValueError, match="BytesIO"):
        axonml.load(io.BytesIO(path.read_bytes()))


@pytest.mark.parametrize("structure", [
    '{"__tensor__": "missing"}',
    '{"__import__": "os.system"}',
    '{"__dict__": [[[1, 2], 3]]}',
    '[' * 100000 + ']' * 100000,
    'not json',
    '{"__dtype__": "no_such_dtype"}',
], ids=["dangling-tensor", "unknown-tag", "unhashable-key", "deep-nesting", "not-json", "bad-dtype"])
def test_hostile_structures_raise_value_error(tmp_path, structure):
    path = tmp_path / "hostile.safetensors"
    safetensors.numpy.save_file({"w": np.zeros(2, np.float32)}, path, metadata={"axonml.structure": structure})
    with pytest.raises(ValueError, match="hostile.safetensors"):
        axonml.load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        axonml.load(tmp_path / "nothing.safetensors")


def test_saved_files_get_the_permissions_open_would_give(tmp_path):
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    path = tmp_path / "model.safetensors"
    save_state_dict({"w": axonml.zeros(2)}, path)
    assert path.stat().st_mode & 0o777 == reference.stat().st_mode & 0o777
    os.chmod(path, 0o640)
    axonml.save({"w": axonml.ones(2), "epoch": 1}, path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_views_of_one_buffer_come_back_as_views_of_one_buffer(tmp_path):
    base = axonml.arange(24.0)
    obj = {"base": base, "window": base[3:15].view(3, 4), "transposed": base.view(4, 6).t(), "strided": base[1::5],
           "other": axonml.ones(3)}
    axonml.save(obj, tmp_path / "views.safetensors")
    stored = safetensors.numpy.load_file(tmp_path / "views.safetensors")
    assert sum(array.nbytes for array in stored.values()) == 24 * 4 + 3 * 4   # the buffer once, not per view
    loaded = axonml.load(tmp_path / "views.safetensors")
    for key in obj:
        _assert_same(loaded[key], obj[key])
        assert loaded[key].stride() == obj[key].stride()
    loaded["base"].add_(100)
    assert loaded["window"][0, 0].item() == 103 and loaded["transposed"][1, 0].item() == 101


def test_a_tied_weight_is_stored_once_and_stays_tied(tmp_path):
    embedding = nn.Embedding(50, 8)
    head = nn.Linear(8, 50, bias=False)
    head.weight = embedding.weight
    model = nn.Sequential(embedding, head)
    path = tmp_path / "tied.safetensors"
    axonml.save(model.state_dict(), path)
    assert list(safetensors.numpy.load_file(path)) == ["0.weight"]    # a plain safetensors file, weight once
    assert path.stat().st_size < 50 * 8 * 4 * 1.5
    loaded = axonml.load(path)
    assert list(loaded) == ["0.weight", "1.weight"]
    loaded["0.weight"].add_(1)
    np.testing.assert_array_equal(np.asarray(loaded["1.weight"]), np.asarray(loaded["0.weight"]))
    fresh = nn.Sequential(nn.Embedding(50, 8), nn.Linear(8, 50, bias=False))
    fresh.load_state_dict(axonml.load(path))
    np.testing.assert_array_equal(np.asarray(fresh[1].weight.detach()), np.asarray(embedding.weight.detach()))


def test_the_format_version_is_written_and_checked(tmp_path):
    path = tmp_path / "v.safetensors"
    axonml.save({"w": axonml.ones(2), "epoch": 1}, path)
    with safetensors.safe_open(path, framework="np") as f:
        assert f.metadata()["axonml.format"] == str(axonml.serialize.FORMAT_VERSION)
    safetensors.numpy.save_file({"w": np.zeros(2, np.float32)}, path, metadata={"axonml.format": "2"})
    with pytest.raises(ValueError, match="format 2.*upgrade axonml"):
        axonml.load(path)


def test_mmap_load_maps_copy_on_write(tmp_path):
    path = tmp_path / "m.safetensors"
    save_state_dict({"w": axonml.arange(6.0)}, path)
    mapped = axonml.load(path, mmap=True)
    mapped["w"].add_(1)
    np.testing.assert_array_equal(np.asarray(axonml.load(path)["w"]), np.arange(6.0))
    with pytest.raises(ValueError, match="needs a path"):
        axonml.load(io.BytesIO(path.read_bytes()), mmap=True)


def test_unsigned_numpy_arrays_round_trip_inside_structures(tmp_path):
    state = np.random.get_state()
    axonml.save({"keys": state[1], "position": state[2]}, tmp_path / "rng.safetensors")
    loaded = axonml.load(tmp_path / "rng.safetensors")
    assert loaded["keys"].dtype == np.uint32
    np.testing.assert_array_equal(loaded["keys"], state[1])
    safetensors.numpy.save_file({"u": np.arange(2, dtype=np.uint32)}, tmp_path / "u.safetensors")
    loaded = axonml.load(tmp_path / "u.safetensors")["u"]
    assert loaded.dtype == axonml.uint32 and loaded.tolist() == [0, 1]


def test_a_safetensors_header_whose_length_reads_as_a_pickle_protocol(tmp_path):
    """A 640-byte header makes the file open with 0x80 0x02, which is also how a pickle opens."""
    path = tmp_path / "state.safetensors"
    for width in range(1, 700):
        axonml.save({"w" * width: axonml.ones(2)}, path)
        if path.read_bytes()[:2] == b"\x80\x02":
            break
    else:
        pytest.fail("no name length gave a 640-byte header")
    loaded = axonml.load(path)
    assert list(loaded) == ["w" * width] and loaded["w" * width].tolist() == [1.0, 1.0]
