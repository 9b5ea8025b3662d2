"""`axonml dataset`: the table of datasets, and downloads from a local mirror (MD5 checked, resumed)."""
import gzip
import hashlib
import json
import struct

import numpy as np

from .fake_servers import cli, run_axonml, server  # noqa: F401 - the fixtures


def _idx(array):
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_list_and_info(cli, tmp_path):  # noqa: F811
    (tmp_path / "data" / "MNIST" / "raw").mkdir(parents=True)
    rows = {r["name"]: r for r in json.loads(run_axonml("dataset", "list", "--root", "data", "--json",
                                                        cwd=tmp_path).stdout)}
    assert set(rows) >= {"mnist", "fashion-mnist", "cifar10", "cifar100", "digits"}
    assert rows["digits"]["present"] and not rows["mnist"]["present"] and rows["cifar100"]["classes"] == 100
    info = json.loads(cli("dataset", "info", "fashion-mnist", "--json").stdout)
    assert [f["name"] for f in info["files"]][0] == "train-images-idx3-ubyte.gz"
    assert info["files"][0]["md5"] == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"


def _serve_mnist(server, sizes=(("train", 12), ("t10k", 5))):  # noqa: F811
    rng = np.random.default_rng(0)
    files = {}
    for prefix, count in sizes:
        files[f"{prefix}-images-idx3-ubyte.gz"] = _idx(rng.integers(0, 255, (count, 28, 28)))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = _idx(rng.integers(0, 10, (count,)))
    for name, data in files.items():
        server.serve("mnist/" + name, data)
    return files


def test_a_mirror_with_other_files_fails_the_md5_and_leaves_nothing(cli, tmp_path, server):  # noqa: F811
    _serve_mnist(server)
    result = run_axonml("dataset", "download", "mnist", "--root", "data", "--mirror", server.base + "/mnist",
                        "--mirror-only", cwd=tmp_path)
    assert result.returncode == 1 and "invalid MD5" in result.stderr and "Traceback" not in result.stderr
    assert not [p for p in (tmp_path / "data").rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    result = cli("dataset", "download", "mnist", "--root", "data", "--mirror", "http://127.0.0.1:9/", "--mirror-only")
    assert result.returncode == 1 and "Connection refused" in result.stderr


def test_download_resumes_and_loads(cli, tmp_path, server, monkeypatch):  # noqa: F811
    files = _serve_mnist(server)
    server.cuts_left = 1
    # The published MD5s belong to the real files; expect the served ones instead.
    from axonml.vision.datasets import MNIST
    monkeypatch.setattr(MNIST, "resources", [(name, hashlib.md5(data).hexdigest()) for name, data in files.items()])
    result = cli("dataset", "download", "mnist", "--root", "data", "--mirror", server.base + "/mnist", "--mirror-only")
    assert result.returncode == 0, result.stderr
    assert "12 train and 5 test samples" in result.stdout
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir() if not p.name.endswith(".lock")) == sorted(files)
    assert any(headers.get("Range") for _, _, headers in server.requests)
