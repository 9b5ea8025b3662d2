"""`axonml gpu` on the OpenCL devices present (PoCL on the CPU in CI), and --device auto's resolution."""
import json

import pytest

from .fake_servers import cli, run_axonml  # noqa: F401 - the fixture

cl = pytest.importorskip("pyopencl")


def _has_device():
    from axonml.opencl import _devices
    return bool(_devices.devices())


pytestmark = pytest.mark.skipif(not _has_device(), reason="no OpenCL device")


def test_list_select_and_auto(cli, tmp_path):  # noqa: F811
    listing = json.loads(run_axonml("gpu", "list", "--json", cwd=tmp_path).stdout)
    first = listing["devices"][0]
    assert first["device"] == "opencl:0" and first["compute_units"] >= 1 and first["global_memory"] > 0
    assert listing["auto"] == ("opencl:0" if first["type"] == "gpu" else "cpu")
    result = cli("gpu", "select", first["name"][:6])
    assert result.returncode == 0, result.stderr
    stored = json.loads((tmp_path / ".axonml" / "gpu.json").read_text())
    assert stored["name"] == first["name"] and stored["platform"] == first["platform"]
    listing = json.loads(cli("gpu", "list", "--json").stdout)
    assert listing["auto"] == "opencl:0" and listing["devices"][0]["selected"]
    bench = cli("bench", "--device", "auto", "--only", "matmul", "--repeat", "1", "--json")
    assert bench.returncode == 0, bench.stderr
    assert json.loads(bench.stdout)["results"][0]["device"] == "opencl:0"  # --device auto honours the selection
    result = cli("gpu", "info", "99")
    assert result.returncode == 1 and "no OpenCL device 99" in result.stderr


def test_bench_reports_a_correct_gemm(tmp_path):
    result = run_axonml("gpu", "bench", "0", "--size", "64", "--megabytes", "1", "--repeat", "1", "--json",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["gemm_gflops"] > 0 and report["gemm_max_rel_error"] < 1e-4 and report["device_copy_gbs"] > 0


def test_resolve_device(tmp_path, monkeypatch):
    from axonml.cli import CommandError
    from axonml.cli.gpu import resolve_device
    monkeypatch.chdir(tmp_path)
    assert resolve_device(None) == "cpu" and resolve_device("opencl:1") == "opencl:1"
    (tmp_path / ".axonml").mkdir()
    (tmp_path / ".axonml" / "gpu.json").write_text(json.dumps({"name": "a device that is not here"}))
    with pytest.raises(CommandError, match="not present"):
        resolve_device("auto")
    (tmp_path / ".axonml" / "gpu.json").write_text("{broken")
    with pytest.raises(CommandError, match="corrupt"):
        resolve_device("auto")
