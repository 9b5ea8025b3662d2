"""Hostile and malformed GGUF files: every one is a ValueError that says what is wrong, never a crash,
a hang, a huge allocation or another exception."""
import struct

import numpy as np
import pytest

from axonml.quant import QuantizedTensor
from axonml.quant.gguf import load_gguf, parse_gguf, save_gguf


def _string(text: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text


def _kv(key: bytes, kind: int, payload: bytes) -> bytes:
    return _string(key) + struct.pack("<I", kind) + payload


def _info(name: bytes, dims, kind: int, offset: int) -> bytes:
    return _string(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims) + \
        struct.pack("<IQ", kind, offset)


def _file(kvs=(), infos=(), data=b"", version=3, n_kv=None, n_tensors=None, alignment=32, pad=True) -> bytes:
    head = b"GGUF" + struct.pack("<IQQ", version, len(infos) if n_tensors is None else n_tensors,
                                 len(kvs) if n_kv is None else n_kv) + b"".join(kvs) + b"".join(infos)
    return head + (b"\0" * (-len(head) % alignment) if pad else b"") + data


F32 = 0
Q8_0 = 8
ONE_ROW = np.ones(32, np.float32).tobytes()

CASES = {
    "empty": (b"", "not a valid GGUF file"),
    "bad magic": (b"GGML" + bytes(20), "starts with b'GGML'"),
    "version 1": (_file(version=1), "version 1 is not supported"),
    "version 4": (_file(version=4), "version 4 is not supported"),
    "big-endian": (b"GGUF" + struct.pack(">IQQ", 3, 0, 0), "big-endian"),
    "header cut": (b"GGUF" + struct.pack("<I", 3) + b"\1\0", "the tensor count needs 8 bytes"),
    "huge metadata count": (_file(n_kv=2 ** 62), "more than its"),
    "huge tensor count": (_file(n_tensors=2 ** 40), "more than its"),
    "key length past the end": (_file([struct.pack("<Q", 2 ** 60)], n_kv=1, data=bytes(64)),
                                "the key of metadata entry 0 needs"),
    "key not utf-8": (_file([_kv(b"\xff\xfe", 4, struct.pack("<I", 1))]), "is not UTF-8"),
    "unknown value type": (_file([_kv(b"k", 13, b"")]), "unknown value type 13"),
    "value cut": (_file([_kv(b"k", 10, b"\1\2")], pad=False), "metadata 'k' needs 8 bytes"),
    "bool not 0 or 1": (_file([_kv(b"k", 7, b"\2")]), "neither 0 nor 1"),
    "bool array not 0 or 1": (_file([_kv(b"k", 9, struct.pack("<IQ", 7, 2) + b"\1\5")]), "neither 0 nor 1"),
    "array count huge": (_file([_kv(b"k", 9, struct.pack("<IQ", 4, 2 ** 61))]), "claims 2305843009213693952 items"),
    "string array count huge": (_file([_kv(b"k", 9, struct.pack("<IQ", 8, 2 ** 50))]), "more than the rest"),
    "array of unknown type": (_file([_kv(b"k", 9, struct.pack("<IQ", 99, 1))]), "unknown value type 99"),
    "arrays nested too deep": (_file([_kv(b"k", 9, struct.pack("<IQ", 9, 1) * 40 + struct.pack("<IQ", 4, 0))]),
                               "deeper than 16"),
    "duplicate key": (_file([_kv(b"k", 4, b"\0" * 4), _kv(b"k", 4, b"\0" * 4)]), "appears twice"),
    "alignment zero": (_file([_kv(b"general.alignment", 4, struct.pack("<I", 0))]), "power of two"),
    "alignment not a power of two": (_file([_kv(b"general.alignment", 4, struct.pack("<I", 48))]), "power of two"),
    "alignment of the wrong type": (_file([_kv(b"general.alignment", 10, struct.pack("<Q", 32))]), "UINT32"),
    "unknown tensor type": (_file(infos=[_info(b"t", [32], 99, 0)], data=ONE_ROW), "unknown GGML type 99"),
    "five dims": (_file(infos=[_info(b"t", [1, 1, 1, 1, 1], F32, 0)], data=bytes(32)), "at most 4"),
    "row not whole blocks": (_file(infos=[_info(b"t", [33], Q8_0, 0)], data=bytes(64)), "not a whole number"),
    "misaligned offset": (_file(infos=[_info(b"t", [8], F32, 4)], data=bytes(64)), "not a multiple of the alignment"),
    "tensor past the end": (_file(infos=[_info(b"t", [32], F32, 0)], data=bytes(100)), "runs past the end"),
    "offset past the end": (_file(infos=[_info(b"t", [8], F32, 2 ** 62)], data=bytes(32)), "runs past the end"),
    "dims that overflow": (_file(infos=[_info(b"t", [2 ** 32, 2 ** 32, 2 ** 32], F32, 0)]), "more than the file"),
    "overlapping tensors": (_file(infos=[_info(b"a", [32], F32, 0), _info(b"b", [32], F32, 64)], data=bytes(192)),
                            "overlap"),
    "duplicate tensor": (_file(infos=[_info(b"a", [8], F32, 0), _info(b"a", [8], F32, 32)], data=bytes(64)),
                         "appears twice"),
    "tensor name cut": (_file(infos=[_string(b"n" * 40)[:-1]], n_tensors=1, pad=False), "the name of tensor 0 needs"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_is_a_clear_value_error(tmp_path, case):
    raw, message = CASES[case]
    path = tmp_path / "bad.gguf"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="not a valid GGUF file") as error:
        load_gguf(path)
    assert message in str(error.value), str(error.value)
    assert "bad.gguf" in str(error.value)


def test_the_hand_built_layout_is_valid_when_intact():
    gguf = parse_gguf(_file([_kv(b"general.alignment", 4, struct.pack("<I", 32))],
                            [_info(b"a", [32], F32, 0), _info(b"b", [32], F32, 128)], data=bytes(256)))
    assert list(gguf.tensors) == ["a", "b"] and gguf.tensors["b"].shape == (32,)


@pytest.fixture(scope="module")
def valid_file(tmp_path_factory):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 64)).astype(np.float32)
    path = tmp_path_factory.mktemp("gguf") / "ok.gguf"
    save_gguf(path, {"w": QuantizedTensor.from_float(x, "Q4_0"), "b": x[0], "i": np.arange(8, dtype=np.int64)},
              {"general.architecture": "llama", "n": 7, "names": ["x", "y"], "f": np.arange(3, dtype=np.float32)})
    raw = path.read_bytes()
    last = parse_gguf(raw).tensors["i"]
    data_end = len(raw) - (-last.nbytes % 32)  # the last tensor's bytes end where its padding starts
    return raw, data_end


def test_every_truncation_is_a_value_error(valid_file):
    raw, data_end = valid_file
    for cut in range(data_end):
        with pytest.raises(ValueError, match="not a valid GGUF file"):
            parse_gguf(raw[:cut], "cut")
    parse_gguf(raw[:data_end])  # the final padding is not needed


def test_random_corruptions_parse_or_raise_value_error(valid_file):
    raw, _ = valid_file
    rng = np.random.default_rng(11)
    outcomes = {"parsed": 0, "rejected": 0}
    for _ in range(400):
        corrupt = bytearray(raw)
        for _ in range(int(rng.integers(1, 4))):
            position = int(rng.integers(0, len(corrupt)))
            corrupt[position] = int(rng.integers(0, 256)) if rng.random() < 0.7 else corrupt[position] ^ 0x80
        try:
            gguf = parse_gguf(bytes(corrupt), "fuzzed")
        except ValueError:
            outcomes["rejected"] += 1
            continue
        outcomes["parsed"] += 1
        for tensor in gguf.tensors.values():  # whatever parsed must decode without error
            tensor.dequantize()
    assert outcomes["rejected"] > 50 and outcomes["parsed"] > 50, outcomes
