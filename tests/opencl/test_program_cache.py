"""The on-disk program cache: a second process loads binaries; a corrupt entry is rebuilt."""
import json
import os
import stat
import subprocess
import sys

_PROBE = """
import json, numpy as np
from axonml import opencl
from axonml.backends.opencl import get_opencl_backend
b = get_opencl_backend(0)
x = b.asarray(np.arange(6, dtype=np.float32))
y = b.to_numpy(b.exp(b.add(x, 1.0)))
print(json.dumps({"stats": opencl.program_cache_stats(), "ok": bool(np.allclose(y, np.exp(np.arange(6) + 1.0)))}))
"""


def _probe(cache_dir):
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "AXONML_CACHE_DIR": str(cache_dir)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _entries(cache_dir):
    folder = cache_dir / "opencl"
    return sorted(p for p in folder.iterdir() if p.suffix == ".bin") if folder.exists() else []


def test_second_process_loads_binaries_instead_of_compiling(tmp_path):
    first = _probe(tmp_path)
    assert first["ok"] and first["stats"]["compiled"] >= 1 and first["stats"]["disk"] == 0
    entries = _entries(tmp_path)
    assert len(entries) == first["stats"]["compiled"]
    assert stat.S_IMODE((tmp_path / "opencl").stat().st_mode) == 0o700
    mtimes = [p.stat().st_mtime_ns for p in entries]
    second = _probe(tmp_path)
    assert second["ok"] and second["stats"]["compiled"] == 0
    assert second["stats"]["disk"] == first["stats"]["compiled"]
    assert [p.stat().st_mtime_ns for p in _entries(tmp_path)] == mtimes
    assert not [p for p in (tmp_path / "opencl").iterdir() if p.name.startswith(".tmp-")]


def test_corrupt_cache_entry_is_rebuilt(tmp_path):
    first = _probe(tmp_path)
    entries = _entries(tmp_path)
    entries[0].write_bytes(entries[0].read_bytes()[:40] + b"garbage")
    entries[-1].write_bytes(b"")
    second = _probe(tmp_path)
    broken = 1 if len(entries) == 1 else 2
    assert second["ok"]
    assert second["stats"]["rebuilt"] == broken and second["stats"]["compiled"] == broken
    assert second["stats"]["disk"] == first["stats"]["compiled"] - broken
    third = _probe(tmp_path)
    assert third["stats"]["compiled"] == 0 and third["stats"]["rebuilt"] == 0
