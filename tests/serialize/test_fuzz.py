"""Bounded fuzzing of every parser with hypothesis: any bytes give a result or a ValueError, never a crash.

Each test mutates a valid file (flipped, inserted, deleted and truncated bytes) or feeds raw
bytes; a parser may accept what it is given or refuse it with ValueError (the documented error),
and must never raise anything else, run code, or write outside its destination.
"""
import io
import os
import tarfile
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import axonml
from axonml.serialize import extract_archive, load_archive, save_archive
from axonml.serialize.pytorch import load_pytorch
from axonml.serialize.safetensors import load as load_safetensors_bytes
from axonml.vision import models

FUZZ = settings(max_examples=int(os.environ.get("AXONML_FUZZ_EXAMPLES", "150")), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _valid_files():
    buffer = io.BytesIO()
    axonml.save({"w": axonml.randn(3, 4), "v": axonml.arange(6.0)[1:4], "step": 3, "names": ["a"]}, buffer)
    structure = buffer.getvalue()
    flat = axonml.serialize.safetensors.save({"a": axonml.ones(2, 2), "b": axonml.tensor([1, 2])})
    zip_file, legacy = io.BytesIO(), io.BytesIO()
    base = torch.arange(8.0)
    state = {"base": base, "view": base[2:6].view(2, 2), "p": torch.nn.Parameter(torch.ones(2)), "n": 3}
    torch.save(state, zip_file)
    torch.save(state, legacy, _use_new_zipfile_serialization=False)
    return {"structure": structure, "flat": flat, "zip": zip_file.getvalue(), "legacy": legacy.getvalue()}


VALID = _valid_files()


def _mutations(data: bytes):
    """Strategies that damage data: byte flips, inserted and deleted runs, truncation."""
    n = len(data)

    @st.composite
    def damaged(draw):
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "set"]))
            position = draw(st.integers(0, max(len(out) - 1, 0)))
            if kind == "flip" and out:
                out[position] ^= 1 << draw(st.integers(0, 7))
            elif kind == "set" and out:
                out[position] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, ord("{"), ord("]")]))
            elif kind == "insert":
                out[position:position] = draw(st.binary(min_size=1, max_size=16))
            elif kind == "delete":
                del out[position:position + draw(st.integers(1, 16))]
            else:
                del out[draw(st.integers(0, n)):]
        return bytes(out)

    return damaged()


def _accept_or_value_error(call):
    try:
        call()
    except ValueError:
        pass


@FUZZ
@given(_mutations(VALID["structure"]))
def test_fuzz_axonml_files(data):
    _accept_or_value_error(lambda: axonml.load(io.BytesIO(data)))


@FUZZ
@given(_mutations(VALID["flat"]))
def test_fuzz_safetensors_parser(data):
    _accept_or_value_error(lambda: load_safetensors_bytes(data))


@FUZZ
@given(_mutations(VALID["zip"]))
def test_fuzz_pytorch_zip_reader(data):
    _accept_or_value_error(lambda: load_pytorch(io.BytesIO(data)))


@FUZZ
@given(_mutations(VALID["legacy"]))
def test_fuzz_pytorch_legacy_reader(data):
    _accept_or_value_error(lambda: load_pytorch(io.BytesIO(data)))


@FUZZ
@given(st.binary(max_size=300).map(lambda body: b"\x80\x02" + body))
def test_fuzz_the_pickle_machine_on_raw_opcodes(data):
    _accept_or_value_error(lambda: load_pytorch(io.BytesIO(data)))


@pytest.fixture(scope="module")
def archive_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("archive") / "m.axonml"
    save_archive(models.MLP(4, (3,), 2), path)
    return path.read_bytes()


@settings(max_examples=int(os.environ.get("AXONML_FUZZ_EXAMPLES", "150")) // 3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_archive_reader(tmp_path, archive_bytes, data):
    damaged = data.draw(_mutations(archive_bytes))
    path = tmp_path / "fuzz.axonml"
    path.write_bytes(damaged)
    _accept_or_value_error(lambda: load_archive(path))


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/b.txt", "hello " * 20)
        z.writestr("c.bin", bytes(range(200)))
    return buffer.getvalue()


def _tar_bytes():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as t:
        for name, payload in (("d/x.txt", b"x" * 300), ("y.bin", bytes(range(256)))):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            t.addfile(info, io.BytesIO(payload))
        link = tarfile.TarInfo("d/link")
        link.type, link.linkname = tarfile.SYMTYPE, "x.txt"
        t.addfile(link)
    return buffer.getvalue()


@settings(max_examples=int(os.environ.get("AXONML_FUZZ_EXAMPLES", "150")) // 2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), kind=st.sampled_from(["zip", "tar.gz"]))
def test_fuzz_extract_archive_stays_inside_dest(tmp_path, data, kind):
    damaged = data.draw(_mutations(_zip_bytes() if kind == "zip" else _tar_bytes()))
    case = tmp_path / f"case{len(os.listdir(tmp_path))}"
    dest = case / "dest"
    dest.mkdir(parents=True)
    (case / f"archive.{kind}").write_bytes(damaged)
    _accept_or_value_error(lambda: extract_archive(case / f"archive.{kind}", dest))
    assert sorted(os.listdir(case)) == sorted(["dest", f"archive.{kind}"])
    for root, _, files in os.walk(dest):
        for name in files:
            assert os.path.realpath(os.path.join(root, name)).startswith(os.path.realpath(dest))


def test_valid_inputs_of_the_fuzzers_load():
    assert np.asarray(axonml.load(io.BytesIO(VALID["structure"]))["v"]).tolist() == [1.0, 2.0, 3.0]
    for kind in ("zip", "legacy"):
        loaded = load_pytorch(io.BytesIO(VALID[kind]))
        assert loaded["view"].stride() == (2, 1) and loaded["n"] == 3
