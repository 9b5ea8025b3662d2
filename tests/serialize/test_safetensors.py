"""axonml.serialize.safetensors: the safetensors.torch API over the safetensors library, with a strict header."""
import json
import os
import struct

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import axonml
from axonml.serialize import safetensors as st

DTYPES = [axonml.float32, axonml.float64, axonml.float16, axonml.bfloat16, axonml.int64, axonml.int32,
          axonml.int16, axonml.int8, axonml.uint8, axonml.bool]


def _tensors():
    out = {}
    for i, dtype in enumerate(DTYPES):
        values = axonml.randn(2, 3) * 5
        out[f"t{i}.{dtype.name}"] = (values > 0) if dtype == axonml.bool else values.to(dtype)
    out["empty"] = axonml.zeros(0, 3)
    out["scalar"] = axonml.tensor(1.5)
    return out


def _equal(a, b):
    assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(np.asarray(a.float()), np.asarray(b.float()))


def test_round_trip_of_every_dtype_through_file_and_bytes(tmp_path):
    tensors = _tensors()
    st.save_file(tensors, tmp_path / "t.safetensors", metadata={"step": "3"})
    loaded = st.load_file(tmp_path / "t.safetensors")
    assert sorted(loaded) == sorted(tensors)
    for name in tensors:
        _equal(loaded[name], tensors[name])
    again = st.load(st.save(tensors))
    for name in tensors:
        _equal(again[name], tensors[name])


def test_files_are_byte_identical_to_the_library_and_readable_by_torch(tmp_path):
    tensors = {k: v for k, v in _tensors().items() if "bfloat16" not in k}
    st.save_file(tensors, tmp_path / "ours.safetensors", metadata={"a": "b"})
    safetensors.numpy.save_file({k: v.numpy() for k, v in tensors.items()}, tmp_path / "lib.safetensors",
                                metadata={"a": "b"})
    assert (tmp_path / "ours.safetensors").read_bytes() == (tmp_path / "lib.safetensors").read_bytes()
    from_torch = safetensors.torch.load_file(tmp_path / "ours.safetensors")
    for name, tensor in tensors.items():
        np.testing.assert_array_equal(from_torch[name].numpy(), tensor.numpy())
    torch_file = tmp_path / "torch.safetensors"
    safetensors.torch.save_file({"w": torch.arange(6, dtype=torch.bfloat16).view(2, 3)}, torch_file)
    np.testing.assert_array_equal(np.asarray(st.load_file(torch_file)["w"].float()), np.arange(6.0).reshape(2, 3))


def test_safe_open_reads_lazily(tmp_path):
    weight = axonml.randn(100, 8)
    st.save_file({"weight": weight, "bias": axonml.ones(8)}, tmp_path / "m.safetensors", metadata={"k": "v"})
    with st.safe_open(tmp_path / "m.safetensors", framework="ax") as f:
        assert f.keys() == ["bias", "weight"] and f.metadata() == {"k": "v"}
        part = f.get_slice("weight")
        assert part.get_shape() == [100, 8] and part.get_dtype() == "F32"
        _equal(part[10:12, 2:5], weight[10:12, 2:5])
        _equal(f.get_tensor("bias"), axonml.ones(8))
        with pytest.raises(KeyError, match="missing"):
            f.get_tensor("missing")
    with st.safe_open(tmp_path / "m.safetensors", framework="np") as f:
        assert isinstance(f.get_tensor("bias"), np.ndarray)
    with pytest.raises(ValueError, match="framework"):
        st.safe_open(tmp_path / "m.safetensors", framework="pt")


_MEASURE = """
import gc, sys
import axonml
from axonml.serialize import safetensors as st


def peak_growth(load):
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                    # reset the peak resident size to the current one
    before = _status()
    result = load()
    grown = (_status() - before) / 1024
    del result
    gc.collect()
    return grown


def _status():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def lazily(path):
    with st.safe_open(path, framework="ax") as f:
        return f.get_tensor("small"), f.get_slice("big")[:4]


path = sys.argv[1]
print(peak_growth(lambda: lazily(path)), peak_growth(lambda: axonml.load(path, mmap=True)["small"].sum()),
      peak_growth(lambda: axonml.load(path)))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's peak-RSS reset")
def test_peak_memory_of_loading(tmp_path):
    """A 64 MiB file: reading holds one copy; mmap=True and safe_open read only what is asked for."""
    import subprocess
    import sys
    path = tmp_path / "big.safetensors"
    axonml.serialize.save_state_dict({"big": axonml.zeros(16 * 1024 * 1024), "small": axonml.ones(8)}, path)
    lazy, mapped, read = map(float, subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                                                   text=True, check=True).stdout.split())
    assert lazy < 16 and mapped < 16, f"safe_open grew {lazy:.1f} MiB, mmap=True {mapped:.1f} MiB"
    assert 60 <= read <= 100, f"reading 64 MiB grew the peak by {read:.1f} MiB"


def test_shared_and_non_contiguous_tensors_are_refused_like_safetensors_torch(tmp_path):
    shared = axonml.ones(4)
    with pytest.raises(RuntimeError, match="share memory"):
        st.save_file({"a": shared, "b": shared}, tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match="non contiguous"):
        st.save_file({"a": axonml.randn(3, 4).t()}, tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match="invalid"):
        st.save({"a": 1})
    assert not (tmp_path / "x.safetensors").exists()


def _header_file(path, header, payload=b""):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + payload)
    return path


def test_a_tensor_named_twice_is_refused_though_the_library_accepts_it(tmp_path):
    path = _header_file(tmp_path / "dup.safetensors",
                        b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
                        b'"w": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}', bytes(8))
    safetensors.numpy.load_file(path)      # the library takes the last one and ignores the first
    with pytest.raises(ValueError, match="names 'w' twice"):
        st.load_file(path)
    with pytest.raises(ValueError, match="twice"):
        axonml.load(path)


@pytest.mark.parametrize("header, payload, message", [
    ({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, bytes(16), "shape needs 12"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12), "overlaps"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, bytes(12), "cover 8 bytes of a 12"),
    ({"w": {"dtype": "X9", "shape": [2], "data_offsets": [0, 8]}}, bytes(8), "unknown dtype"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "extra": 1}}, bytes(8), "exactly dtype"),
])
def test_malformed_headers_are_refused_with_the_reason(tmp_path, header, payload, message):
    path = _header_file(tmp_path / "bad.safetensors", header, payload)
    with pytest.raises(ValueError, match=message):
        st.load_file(path)


def test_missing_files_raise_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        st.load_file(tmp_path / "none.safetensors")
    with pytest.raises(FileNotFoundError):
        st.safe_open(tmp_path / "none.safetensors")
    assert not os.path.exists(tmp_path / "none.safetensors")
