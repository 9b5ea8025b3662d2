"""The hostile corpus (tests/serialize/corpus/, written by make_corpus.py): every file is refused.

Refused means: the error axonml documents (UnsafeCheckpointError for a pickle that would run
code, ValueError for everything else), raised quickly, with no MemoryError, nothing executed
(the marker file those pickles would create never appears) and nothing written outside the
extraction destination.
"""
import os
import time

import pytest

import axonml
from axonml.serialize import ArchiveError, UnsafeCheckpointError, extract_archive, load_archive
from axonml.serialize.safetensors import load_file, safe_open

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MARKER = "axonml-corpus-marker"


def _files(kind):
    return sorted(os.listdir(os.path.join(CORPUS, kind)))


def _refused(call, expected=ValueError):
    started = time.perf_counter()
    with pytest.raises(expected) as caught:
        call()
    assert not isinstance(caught.value, MemoryError)
    assert time.perf_counter() - started < 10, "refusing a corpus file must not take long"
    assert str(caught.value)
    return caught.value


@pytest.mark.parametrize("kind", ["safetensors", "pytorch", "archive", "extract"])
def test_the_corpus_has_at_least_20_files_per_parser(kind):
    assert len(_files(kind)) >= 20


@pytest.mark.parametrize("name", _files("safetensors"))
def test_safetensors_corpus_is_refused(name, tmp_path, monkeypatch):
    path = os.path.join(CORPUS, "safetensors", name)
    monkeypatch.chdir(tmp_path)
    error = _refused(lambda: axonml.load(path))
    assert name in str(error) or "<" in str(error)
    if "structure" not in name and "format" not in name and "alias" not in name and "key-order" not in name:
        _refused(lambda: safe_open(path, framework="ax"))
        _refused(lambda: load_file(path))
    _refused(lambda: axonml.load(path, mmap=True))


@pytest.mark.parametrize("name", _files("pytorch"))
def test_pytorch_corpus_is_refused_and_never_executed(name, tmp_path, monkeypatch):
    path = os.path.join(CORPUS, "pytorch", name)
    monkeypatch.chdir(tmp_path)
    expected = UnsafeCheckpointError if name.startswith("unsafe-") else ValueError
    error = _refused(lambda: axonml.load(path), expected)
    if not name.startswith("unsafe-"):
        assert not isinstance(error, UnsafeCheckpointError)
    else:
        assert "refus" in str(error)
    assert not os.path.exists(MARKER)
    assert os.listdir(tmp_path) == []


def test_the_unsafe_pickles_would_run_code(tmp_path, monkeypatch):
    """The corpus is honest: unpickling one of its files really creates the marker."""
    import pickle
    monkeypatch.chdir(tmp_path)
    with open(os.path.join(CORPUS, "pytorch", "unsafe-builtins-exec.pkl"), "rb") as f:
        pickle.load(f)
    assert os.path.exists(MARKER)


@pytest.mark.parametrize("name", _files("archive"))
def test_archive_corpus_is_refused(name, tmp_path, monkeypatch):
    path = os.path.join(CORPUS, "archive", name)
    monkeypatch.chdir(tmp_path)
    _refused(lambda: load_archive(path))
    _refused(lambda: axonml.load(path))


@pytest.mark.parametrize("name", _files("extract"))
def test_extract_corpus_is_refused_and_writes_nothing(name, tmp_path):
    outside = tmp_path / "outside"
    dest = outside / "dest"
    dest.mkdir(parents=True)
    before = set(os.listdir("/tmp"))
    _refused(lambda: extract_archive(os.path.join(CORPUS, "extract", name), dest), ArchiveError)
    assert os.listdir(dest) == [], "a refused archive leaves nothing behind"
    assert os.listdir(outside) == ["dest"]
    assert not any(n.startswith("axonml-escaped") for n in set(os.listdir("/tmp")) - before)
