"""`axonml zip create|list|extract`: bundles round-trip with their checksums; hostile archives are refused."""
import json
import zipfile

from .fake_servers import cli  # noqa: F401 - the fixture


def _run_dir(tmp_path):
    run = tmp_path / "run"
    (run / "logs").mkdir(parents=True)
    (run / "model.safetensors").write_bytes(bytes(range(256)) * 64)
    (run / "config.toml").write_text('[train]\nmodel = "lenet"\n')
    (run / "logs" / "metrics.jsonl").write_text('{"step": 1, "loss": 2.3}\n')
    return run


def test_create_list_extract_round_trip(run_cli, cli, tmp_path):  # noqa: F811
    run = _run_dir(tmp_path)
    result = run_cli("zip", "create", "b.zip", str(run))
    assert result.returncode == 0 and "3 files" in result.stdout, result.stderr
    listing = json.loads(cli("zip", "list", "b.zip", "--verify", "--json").stdout)
    assert sorted(f["name"] for f in listing["files"]) == ["run/config.toml", "run/logs/metrics.jsonl",
                                                           "run/model.safetensors"]
    assert all(f["ok"] for f in listing["files"]) and listing["problems"] == []
    result = run_cli("zip", "extract", "b.zip", "--to", "out")
    assert result.returncode == 0 and "every SHA-256 verified" in result.stdout, result.stderr
    assert (tmp_path / "out" / "run" / "model.safetensors").read_bytes() == (run / "model.safetensors").read_bytes()
    assert not (tmp_path / "out" / "axonml-bundle.json").exists()
    again = cli("zip", "create", "b.zip", str(run))
    assert again.returncode == 1 and "exists" in again.stderr


def test_tampered_and_hostile_bundles_are_refused(run_cli, cli, tmp_path):  # noqa: F811
    run = _run_dir(tmp_path)
    assert cli("zip", "create", "good.zip", str(run / "config.toml")).returncode == 0
    manifest = zipfile.ZipFile(tmp_path / "good.zip").read("axonml-bundle.json")
    with zipfile.ZipFile(tmp_path / "tampered.zip", "w") as archive:
        archive.writestr("config.toml", "model = 'evil'\n")
        archive.writestr("axonml-bundle.json", manifest)
    with zipfile.ZipFile(tmp_path / "escape.zip", "w") as archive:
        archive.writestr("../escaped.txt", "x")
        archive.writestr("axonml-bundle.json", manifest)
    result = cli("zip", "list", "tampered.zip", "--verify")
    assert result.returncode == 1 and "does not match" in result.stdout
    result = run_cli("zip", "extract", "tampered.zip", "--to", "t")
    assert result.returncode == 1 and "does not match" in result.stderr
    assert not (tmp_path / "t" / "config.toml").exists()
    result = cli("zip", "extract", "escape.zip", "--to", "e")
    assert result.returncode == 1 and "climbs out" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "escaped.txt").exists()
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(8 << 20))
        archive.writestr("axonml-bundle.json", manifest)
    result = cli("zip", "extract", "bomb.zip", "--to", "b", "--max-size", "1M")
    assert result.returncode == 1 and "max_total_size" in result.stderr
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not really")
    result = cli("zip", "list", "junk.zip")
    assert result.returncode == 1 and "not a zip file" in result.stderr
