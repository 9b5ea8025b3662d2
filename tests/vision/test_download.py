"""Downloads from a local HTTP server (axonml/vision/datasets/_download.py)."""
import hashlib
import io
import os
import tarfile

import pytest

from axonml.vision.datasets import CIFAR10, MNIST
from axonml.vision.datasets import _download

from .conftest import write_cifar10_bin, write_mnist


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def _served_mnist(served):
    write_mnist(served, n_train=6, n_test=2)
    return [(name, _md5(served / name)) for name in sorted(os.listdir(served))]


def test_mnist_download_from_mirror(tmp_path, http_server, monkeypatch):
    served, url = http_server
    resources = _served_mnist(served)
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/unreachable/", url])
    monkeypatch.setattr(MNIST, "resources", resources)
    root = tmp_path / "data"
    ds = MNIST(root, train=True, download=True)
    assert len(ds) == 6
    raw = root / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(name for name, _ in resources)   # no temporary files left
    assert len(MNIST(root, train=False, download=True)) == 2


def test_env_mirror_is_tried_first(tmp_path, http_server, monkeypatch):
    served, url = http_server
    resources = _served_mnist(served)
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/unreachable/"])
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setenv(_download.MIRROR_ENV, url)
    assert len(MNIST(tmp_path, download=True)) == 6


def test_bad_checksum_leaves_no_file(tmp_path, http_server, monkeypatch):
    served, url = http_server
    resources = _served_mnist(served)
    resources[0] = (resources[0][0], "0" * 32)
    monkeypatch.setattr(MNIST, "mirrors", [url])
    monkeypatch.setattr(MNIST, "resources", resources)
    with pytest.raises(RuntimeError, match="MD5 mismatch") as info:
        MNIST(tmp_path, download=True)
    assert resources[0][0] in str(info.value)
    raw = tmp_path / "MNIST" / "raw"
    assert not raw.exists() or os.listdir(raw) == []


def test_missing_on_every_mirror(tmp_path, http_server):
    _, url = http_server
    with pytest.raises(RuntimeError, match="could not download nothing.gz") as info:
        _download.download_file([url, url + "other/"], "nothing.gz", str(tmp_path / "out"), md5=None)
    assert "404" in str(info.value)
    assert os.listdir(tmp_path / "out") == []


def test_existing_good_file_is_not_downloaded_again(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"hello")
    got = _download.download_file(["http://127.0.0.1:9/"], "f.bin", str(tmp_path), _md5(path))
    assert got == str(path)


def test_cifar_download_extracts_the_binary_archive(tmp_path, http_server, monkeypatch):
    served, url = http_server
    staging = tmp_path / "staging"
    written = write_cifar10_bin(staging)
    archive = served / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging / "cifar-10-batches-bin", arcname="cifar-10-batches-bin")
        evil = tarfile.TarInfo("../evil.txt")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    monkeypatch.setattr(CIFAR10, "mirrors", [url])
    monkeypatch.setattr(CIFAR10, "archive", ("cifar-10-binary.tar.gz", _md5(archive)))
    root = tmp_path / "root"
    ds = CIFAR10(root, train=False, download=True)
    assert ds.targets == written["test_batch.bin"][1].tolist()
    assert not (tmp_path / "evil.txt").exists()
