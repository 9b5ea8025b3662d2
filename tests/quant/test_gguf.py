"""GGUF read and write (axonml/quant/gguf.py) against gguf.GGUFReader / GGUFWriter and a real model file."""
import numpy as np
import pytest

from axonml.quant import QuantizedTensor, dequantize, quantize
from axonml.quant.gguf import GGUFValueType, load_gguf, save_gguf


def _fields(reader):
    return {name: field for name, field in reader.fields.items() if not name.startswith("GGUF.")}


def _same_contents(ours, field):
    theirs = field.contents()
    if isinstance(ours, np.ndarray):
        return np.array_equal(ours, np.asarray(theirs)) and len(ours) == len(theirs)
    return ours == theirs


@pytest.fixture(scope="module")
def smollm(gguf, smollm_path):
    """axonml's reading of the file and gguf.GGUFReader's (which takes seconds: it parses 49152-entry
    token arrays value by value)."""
    return load_gguf(smollm_path), gguf.GGUFReader(smollm_path)


def _check_tensors(gguf, ours, tensors):
    for tensor in tensors:
        mine = ours.tensors[tensor.name]
        assert mine.qtype.name == tensor.tensor_type.name
        assert mine.shape == tuple(int(n) for n in reversed(tensor.shape))
        reference = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        decoded = mine.dequantize()
        assert decoded.shape == reference.shape and np.array_equal(decoded.view(np.uint32),
                                                                    reference.view(np.uint32)), tensor.name


def test_real_smollm_file_decodes_as_gguf_decodes_it(gguf, smollm_path):
    ours = load_gguf(smollm_path)
    assert ours.version == 3 and ours.alignment == 32 and len(ours.tensors) == 272
    assert ours.metadata["general.architecture"] == "llama" and len(ours.metadata["tokenizer.ggml.tokens"]) == 49152
    seen = {}
    for name, tensor in ours.tensors.items():
        seen.setdefault(tensor.qtype.name, name)
    assert {"Q4_1", "Q8_0", "F32"} <= set(seen)
    for kind, name in seen.items():  # the Q8_0 embedding table, a Q4_1 projection, an F32 norm
        tensor = ours.tensors[name]
        reference = gguf.quants.dequantize(tensor.blocks.view(np.float32) if kind == "F32" else tensor.blocks,
                                           gguf.GGMLQuantizationType[kind])
        assert np.array_equal(tensor.dequantize().view(np.uint32), np.asarray(reference).view(np.uint32)), name


@pytest.mark.slow
def test_real_smollm_file_reads_as_gguf_reader_reads_it(gguf, smollm):
    ours, reader = smollm
    assert ours.version == 3 and ours.alignment == 32
    assert list(ours.tensors) == [t.name for t in reader.tensors]
    kinds = {t.qtype.name for t in ours.tensors.values()}
    assert {"Q4_1", "Q8_0", "F32"} <= kinds
    # one tensor of each type, the Q8_0 embedding table among them; every tensor in the slow test
    _check_tensors(gguf, ours, reader.tensors)
    fields = _fields(reader)
    assert list(ours.metadata) == list(fields)
    for key, field in fields.items():
        assert tuple(int(t) for t in ours.types[key]) == tuple(int(t) for t in field.types), key
        assert _same_contents(ours.metadata[key], field), key


def test_real_file_written_back_is_the_same_file(smollm_path, tmp_path):
    ours = load_gguf(smollm_path)
    out = tmp_path / "copy.gguf"
    save_gguf(out, ours.tensors, ours.metadata, ours.types)
    assert out.read_bytes() == open(smollm_path, "rb").read()  # same layout, so the very same bytes
    again = load_gguf(out)
    assert list(again.tensors) == list(ours.tensors) and again.types == ours.types


@pytest.mark.slow
def test_real_file_written_back_reads_identically_in_gguf(gguf, smollm, tmp_path):
    ours, reader = smollm
    out = tmp_path / "copy.gguf"
    save_gguf(out, ours.tensors, ours.metadata, ours.types)
    again = gguf.GGUFReader(str(out))
    for a, b in zip(reader.tensors, again.tensors):
        assert a.name == b.name and a.tensor_type == b.tensor_type and np.array_equal(a.data, b.data)
    for key, field in _fields(again).items():
        assert field.types == reader.fields[key].types and _same_contents(ours.metadata[key], field), key


def _every_value():
    values = {
        "u8": (np.uint8(200), (GGUFValueType.UINT8,)), "i8": (np.int8(-5), (GGUFValueType.INT8,)),
        "u16": (np.uint16(60000), (GGUFValueType.UINT16,)), "i16": (np.int16(-30000), (GGUFValueType.INT16,)),
        "u32": (4000000000, (GGUFValueType.UINT32,)), "i32": (-7, None),
        "u64": (2 ** 63 + 5, (GGUFValueType.UINT64,)), "i64": (-(2 ** 40), None),
        "f32": (0.25, None), "f64": (np.float64(1e300), None), "bool": (True, None),
        "str": ("héllo ✓", None), "empty": ("", None),
        "ints": (np.arange(5, dtype=np.int16), None), "floats": ([1.5, 2.5], None),
        "strs": (["a", "", "ü"], None), "nested": ([[1, 2], [3]], (GGUFValueType.ARRAY, GGUFValueType.ARRAY,
                                                                  GGUFValueType.INT32)),
        "bools": (np.array([True, False]), None),
    }
    return {k: v for k, (v, _) in values.items()}, {k: t for k, (_, t) in values.items() if t}


def test_written_metadata_and_tensors_read_back_by_gguf(gguf, rng, tmp_path):
    metadata, types = _every_value()
    x = rng.standard_normal((8, 64)).astype(np.float32)
    tensors = {"q4": QuantizedTensor.from_float(x, "Q4_0"), "q8": QuantizedTensor.from_float(x, "Q8_0"),
               "f32": x[0], "f16": x.astype(np.float16), "i32": np.arange(6, dtype=np.int32).reshape(2, 3),
               "scalar": np.float32(3.0).reshape(())}
    path = tmp_path / "all.gguf"
    save_gguf(path, tensors, metadata, types, alignment=64)
    reader = gguf.GGUFReader(str(path))
    fields = _fields(reader)
    assert fields["general.alignment"].contents() == 64
    for key in metadata:
        if key == "nested":  # gguf's contents() flattens arrays of arrays; their types are kept
            assert [int(t) for t in fields[key].types] == [9, 9, 5] and fields[key].contents() == [1, 2, 3]
            continue
        assert _same_contents(metadata[key], fields[key]) or metadata[key] == fields[key].contents(), key
    by_name = {t.name: t for t in reader.tensors}
    assert np.array_equal(by_name["q4"].data, tensors["q4"].blocks)
    assert np.array_equal(gguf.quants.dequantize(by_name["q8"].data, by_name["q8"].tensor_type),
                          dequantize(quantize(x, "Q8_0"), "Q8_0"))
    assert np.array_equal(by_name["f16"].data, x.astype(np.float16))
    assert np.array_equal(by_name["i32"].data, tensors["i32"])
    back = load_gguf(path)
    assert back.alignment == 64 and back.metadata["u64"] == 2 ** 63 + 5
    assert [a.tolist() for a in back.metadata["nested"]] == [[1, 2], [3]]
    assert back.types["u8"] == (GGUFValueType.UINT8,) and back.types["strs"] == (GGUFValueType.ARRAY,
                                                                                   GGUFValueType.STRING)
    np.testing.assert_array_equal(back.tensors["f16"].dequantize(), x.astype(np.float16).astype(np.float32))
    assert back.tensors["scalar"].shape == (1,)  # GGUF stores a 0-d tensor as one value


@pytest.mark.parametrize("version", [2, 3])
def test_files_from_gguf_writer_read(gguf, rng, tmp_path, version):
    path = str(tmp_path / "w.gguf")
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_uint32("llama.block_count", 2)
    writer.add_float32("llama.rope.freq_base", 10000.0)
    writer.add_array("tokenizer.ggml.tokens", ["a", "b", "c"])
    writer.add_bool("flag", False)
    x = rng.standard_normal((4, 64)).astype(np.float32)
    q = gguf.quants.quantize(x, gguf.GGMLQuantizationType.Q5_1)
    writer.add_tensor("w", q, raw_dtype=gguf.GGMLQuantizationType.Q5_1)
    writer.add_tensor("b", x[0])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if version == 2:  # the same layout: only the version field differs
        raw = bytearray(open(path, "rb").read())
        raw[4:8] = (2).to_bytes(4, "little")
        open(path, "wb").write(raw)
    ours = load_gguf(path)
    assert ours.version == version and ours.metadata["general.architecture"] == "llama"
    assert ours.metadata["tokenizer.ggml.tokens"] == ["a", "b", "c"] and ours.metadata["flag"] is False
    assert ours.tensors["w"].qtype.name == "Q5_1" and ours.tensors["w"].shape == (4, 64)
    np.testing.assert_array_equal(ours.tensors["w"].dequantize(), dequantize(quantize(x, "Q5_1"), "Q5_1"))
    np.testing.assert_array_equal(ours.tensors["b"].dequantize(), x[0])


def test_writer_rejects_what_gguf_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="no type for complex"):
        save_gguf(tmp_path / "a.gguf", {"c": np.zeros(2, np.complex64)})
    with pytest.raises(TypeError, match="can't store a dict"):
        save_gguf(tmp_path / "a.gguf", {}, {"bad": {"x": 1}})
    with pytest.raises(ValueError, match="do not fit UINT8"):
        save_gguf(tmp_path / "a.gguf", {}, {"k": 300}, {"k": (GGUFValueType.UINT8,)})
    with pytest.raises(ValueError, match="power of two"):
        save_gguf(tmp_path / "a.gguf", {}, alignment=24)
    assert not list(tmp_path.iterdir()), "a failed write leaves nothing behind"
