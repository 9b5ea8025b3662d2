"""`axonml kaggle` against a fake Kaggle API on 127.0.0.1: config file mode, status, search, download."""
import io
import json
import os
import stat
import zipfile

import pytest

from .fake_servers import FakeServer, cli, run_axonml, server  # noqa: F401 - the fixtures


@pytest.fixture
def storage():
    local = FakeServer()        # another host:port, as Kaggle redirects downloads to cloud storage
    try:
        yield local
    finally:
        local.close()


def _env(tmp_path, server):  # noqa: F811
    return {"KAGGLE_CONFIG_DIR": str(tmp_path / "kaggle"), "AXONML_KAGGLE_API": server.base + "/api/v1",
            "AXONML_HOME": str(tmp_path / "home"), "KAGGLE_USERNAME": "", "KAGGLE_KEY": ""}


def test_config_status_list_and_download(cli, tmp_path, server, storage):  # noqa: F811
    env = _env(tmp_path, server)
    result = run_axonml("kaggle", "config", "--username", "alice", cwd=tmp_path, env=env, input="s3cr3tkey\n")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "kaggle" / "kaggle.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == {"username": "alice", "key": "s3cr3tkey"}
    result = cli("kaggle", "status", "--check", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert "s3cr3tkey" not in result.stdout + result.stderr
    status = json.loads(result.stdout)
    assert status["accepted"] and status["mode"] == "0600" and status["key"] == "set (9 characters)"

    server.kaggle_datasets = [{"ref": "alice/digits-csv", "title": "Digits as CSV", "totalBytes": 2048,
                               "lastUpdated": "2026-01-02T00:00:00", "downloadCount": 7}]
    result = cli("kaggle", "list", "digits", env=env)
    assert result.returncode == 0 and "alice/digits-csv" in result.stdout and "2.0 KiB" in result.stdout

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("digits.csv", "a,b,label\n1,2,3\n")
    server.kaggle_files["alice/digits-csv"] = storage.serve("signed/digits-csv.zip", buffer.getvalue())
    result = run_axonml("kaggle", "download", "alice/digits-csv", "--path", "out", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "digits.csv").read_text() == "a,b,label\n1,2,3\n"
    assert (tmp_path / "home" / "kaggle" / "alice" / "digits-csv.zip.sha256").exists()
    assert storage.requests and all("Authorization" not in headers for _, _, headers in storage.requests)


def test_bad_credentials_and_missing_config(cli, tmp_path, server):  # noqa: F811
    env = _env(tmp_path, server)
    result = cli("kaggle", "status", env=env)
    assert result.returncode == 1 and "kaggle config" in result.stderr
    env.update(KAGGLE_USERNAME="alice", KAGGLE_KEY="wrong")
    result = cli("kaggle", "download", "alice/digits-csv", env=env)
    assert result.returncode == 1 and "refused the credentials" in result.stderr and "wrong" not in result.stderr
