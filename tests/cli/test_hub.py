"""`axonml hub`: the weights table, a resumable checked download from a local server, the cache."""
import hashlib
import json
import os

from .fake_servers import cli, run_axonml, server  # noqa: F401 - the fixtures


def test_list_and_info_describe_the_published_weights(cli, tmp_path):  # noqa: F811
    env = {"AXONML_HOME": str(tmp_path / "home")}
    rows = json.loads(run_axonml("hub", "list", "--json", cwd=tmp_path, env=env).stdout)
    default = [r for r in rows if r["model"] == "resnet50" and r["default"]]
    assert [r["weights"] for r in default] == ["ResNet50_Weights.IMAGENET1K_V2"] and not default[0]["cached"]
    info = json.loads(cli("hub", "info", "resnet18", "--json", env=env).stdout)
    assert info["sha256_prefix"] == "f37072fd" and info["categories"] == 1000
    assert info["file"] == os.path.join(str(tmp_path / "home"), "hub", "checkpoints", "resnet18-f37072fd.pth")
    result = cli("hub", "info", "resnet18.NOPE", env=env)
    assert result.returncode == 1 and "has no entry 'NOPE'" in result.stderr


def test_download_resumes_checks_and_is_cached_then_cleared(cli, tmp_path, server):  # noqa: F811
    data = os.urandom(3 << 20)
    name = f"net-{hashlib.sha256(data).hexdigest()[:8]}.safetensors"
    url = server.serve(name, data)
    server.cuts_left = 1                     # the first response stops a third of the way in
    env = {"AXONML_HOME": str(tmp_path / "home")}
    result = run_axonml("hub", "download", url, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    cached = tmp_path / "home" / "hub" / "checkpoints" / name
    assert cached.read_bytes() == data
    assert any(headers.get("Range", "").startswith("bytes=") for _, _, headers in server.requests)
    listing = json.loads(cli("hub", "cached", "--json", env=env).stdout)
    assert [f["file"] for f in listing["files"]] == [name]
    result = cli("hub", "clear", name, env=env)
    assert result.returncode == 0 and not cached.exists()


def test_a_mirror_serving_other_bytes_is_rejected(tmp_path, server):  # noqa: F811
    server.serve("resnet18-f37072fd.pth", b"not the published weights")
    env = {"AXONML_HOME": str(tmp_path / "home"), "AXONML_HUB_MIRROR": server.base}
    result = run_axonml("hub", "download", "resnet18", "--no-progress", cwd=tmp_path, env=env)
    assert result.returncode == 1 and "invalid hash value" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    left = {p.name for p in (tmp_path / "home").rglob("resnet18*")}
    assert not left & {"resnet18-f37072fd.pth", "resnet18-f37072fd.pth.partial"}
