"""`axonml upload` into a folder store and to a local HTTP endpoint, resuming interrupted uploads."""
import hashlib
import json
import os

from .fake_servers import cli, server  # noqa: F401 - the fixtures


def test_upload_to_a_folder_store_resumes_a_partial_copy(run_cli, cli, tmp_path):  # noqa: F811
    data = os.urandom(300_000)
    (tmp_path / "model.safetensors").write_bytes(data)
    store = tmp_path / "store"
    store.mkdir()
    (store / "model.safetensors.partial").write_bytes(data[:100_000])
    result = run_cli("upload", "model.safetensors", str(store), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["resumed_at"] == 100_000 and report["sent"] == 200_000
    assert (store / "model.safetensors").read_bytes() == data
    digest = hashlib.sha256(data).hexdigest()
    assert (store / "model.safetensors.sha256").read_text() == f"{digest}  model.safetensors\n"
    (tmp_path / "other.bin").write_bytes(b"different")
    result = cli("upload", "other.bin", str(store), "--name", "model.safetensors")
    assert result.returncode == 1 and "exists with other contents" in result.stderr


def test_upload_over_http_resumes_after_a_dropped_connection(run_cli, cli, tmp_path, server):  # noqa: F811
    data = os.urandom(200_000)
    (tmp_path / "w.bin").write_bytes(data)
    server.drop_after = 70_000        # the second chunk's connection drops part-way
    server.uploads["/store/w.bin"] = bytearray(data[:64 << 10])   # the first chunk arrived in an earlier run
    result = run_cli("upload", "w.bin", server.base + "/store/", "--chunk-size", "64K", "--json")
    assert result.returncode == 0, result.stderr
    assert server.completed["/store/w.bin"] == data
    report = json.loads(result.stdout)
    assert report["resumed_at"] == 64 << 10 and report["sha256"] == hashlib.sha256(data).hexdigest()
    puts = [r for r in server.requests if r[0] == "PUT"]
    assert all(r[2]["X-Checksum-Sha256"] == report["sha256"] for r in puts)
    assert sum(1 for r in puts if r[2]["Content-Range"].startswith("bytes */")) >= 2   # asked again after the drop
    result = cli("upload", "w.bin", server.base + "/store/x.bin", "--chunk-size", "1K", "--header", "bad")
    assert result.returncode == 1 and "--header expects" in result.stderr


def test_upload_errors(cli, tmp_path):  # noqa: F811
    result = cli("upload", "missing.bin", str(tmp_path / "store"))
    assert result.returncode == 1 and "no such file" in result.stderr
    (tmp_path / "w.bin").write_bytes(b"abc")
    result = cli("upload", "w.bin", "http://127.0.0.1:9/store/")
    assert result.returncode == 1 and "cannot reach" in result.stderr and "Traceback" not in result.stderr
