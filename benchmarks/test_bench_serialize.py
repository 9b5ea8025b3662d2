"""Save and load throughput of a 500 MB state dict in every format, next to torch and safetensors.torch.

    pytest benchmarks/test_bench_serialize.py --benchmark-columns=median,iqr,rounds -s

The state dict is 50 float32 tensors of 10 MB (AXONML_BENCH_SERIALIZE_MB changes the total).
Each case times axonml and its reference in the same process and records MB/s for both and
the ratio (axonml time / reference time) in extra_info:

- safetensors: axonml.save / axonml.load / axonml.load(mmap=True)  vs  safetensors.torch.save_file /
  safetensors.torch.load of the file's bytes / safetensors.torch.load_file (which maps lazily)
- pth:         axonml's torch.save-format writer / axonml.load / axonml.load(mmap=True)  vs  torch.save /
  torch.load / torch.load(mmap=True)
- axonml:      save_archive / load_archive (HDF5)  vs  torch.save / torch.load

test_peak_memory_of_loading reports how much the peak resident size grows while loading the
file in each format (one copy is the size of the state dict; mmap=True and safe_open map it).
Files go to a temporary directory on the same disk as the system's temp dir; the timings
include writing to and reading from the page cache, not a cold disk.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import safetensors.torch
import torch

import axonml
from axonml.serialize import load_archive, save_archive
from axonml.serialize.pytorch_writer import save_pytorch

TOTAL_MB = int(os.environ.get("AXONML_BENCH_SERIALIZE_MB", "500"))
TENSORS = 50
ROUNDS = 3


def _arrays():
    per = TOTAL_MB * 1024 * 1024 // TENSORS // 4
    draw = np.random.default_rng(0)
    return {f"layer{i}.weight": draw.standard_normal(per, dtype=np.float32) for i in range(TENSORS)}


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    arrays = _arrays()
    ours = {name: axonml.from_numpy(array) for name, array in arrays.items()}
    theirs = {name: torch.from_numpy(array) for name, array in arrays.items()}
    side = int(next(iter(arrays.values())).size ** 0.5)   # an MLP of TENSORS square layers of the same size
    config = {"builder": "MLP", "kwargs": {"in_features": side, "hidden_sizes": [side] * (TENSORS - 1),
                                           "num_classes": side}}
    return ours, theirs, tmp_path_factory.mktemp("serialize"), config


def _megabytes(ours) -> float:
    return sum(t.nbytes for t in ours.values()) / 1e6


def _record(benchmark, ours, ratio_name):
    size = _megabytes(ours)
    info = benchmark.extra_info
    info["axonml_MB_per_s"] = size / info["axonml_median_s"]
    info[f"{ratio_name}_MB_per_s"] = size / info[f"{ratio_name}_median_s"]
    print(f"  {size:.0f} MB: axonml {info['axonml_MB_per_s']:.0f} MB/s, {ratio_name} "
          f"{info[f'{ratio_name}_MB_per_s']:.0f} MB/s")


def _read_with_safetensors_torch(path):
    """safetensors.torch's load of the file's bytes: read and copied, as axonml.load without mmap."""
    with open(path, "rb") as f:
        return safetensors.torch.load(f.read())


@pytest.mark.parametrize("operation", ["save", "load", "load_mmap"])
def test_safetensors(compare, benchmark, state, operation):
    ours, theirs, directory, _ = state
    mine, reference = directory / "axonml.safetensors", directory / "torch.safetensors"
    axonml.save(ours, mine)
    safetensors.torch.save_file(theirs, reference)
    if operation == "save":
        compare(lambda: axonml.save(ours, mine), lambda: safetensors.torch.save_file(theirs, reference), ROUNDS,
                "safetensors_torch", warmup=1, blocks=1)
    elif operation == "load":
        compare(lambda: axonml.load(mine), lambda: _read_with_safetensors_torch(reference), ROUNDS,
                "safetensors_torch", warmup=1, blocks=1)
    else:   # both map the file and read nothing yet: load_file is lazy, like axonml.load(mmap=True)
        compare(lambda: axonml.load(mine, mmap=True), lambda: safetensors.torch.load_file(reference), ROUNDS,
                "safetensors_torch", warmup=1, blocks=1)
    _record(benchmark, ours, "safetensors_torch")


@pytest.mark.parametrize("operation", ["save", "load", "load_mmap"])
def test_pth(compare, benchmark, state, operation):
    ours, theirs, directory, _ = state
    mine, reference = directory / "axonml.pth", directory / "torch.pth"
    save_pytorch(ours, mine)
    torch.save(theirs, reference)
    if operation == "save":
        compare(lambda: save_pytorch(ours, mine), lambda: torch.save(theirs, reference), ROUNDS, "torch",
                warmup=1, blocks=1)
    elif operation == "load":
        compare(lambda: axonml.load(reference), lambda: torch.load(reference, weights_only=True), ROUNDS, "torch",
                warmup=1, blocks=1)
    else:
        compare(lambda: axonml.load(reference, mmap=True), lambda: torch.load(reference, weights_only=True, mmap=True),
                ROUNDS, "torch", warmup=1, blocks=1)
    _record(benchmark, ours, "torch")


@pytest.mark.parametrize("operation", ["save", "load"])
def test_axonml_archive(compare, benchmark, state, operation):
    _, _, directory, config = state
    from axonml.serialize.archive import build_from_config
    model = build_from_config(config)                     # 50 square Linear layers of about 10 MB each
    ours = model.state_dict()
    theirs = {name: torch.from_numpy(np.asarray(t.detach())) for name, t in ours.items()}
    mine, reference = directory / "model.axonml", directory / "archive-reference.pth"
    save_archive(model, mine, config=config)
    torch.save(theirs, reference)
    if operation == "save":
        compare(lambda: save_archive(model, mine, config=config), lambda: torch.save(theirs, reference), ROUNDS,
                "torch", warmup=1, blocks=1)
    else:
        compare(lambda: load_archive(mine), lambda: torch.load(reference, weights_only=True), ROUNDS, "torch",
                warmup=1, blocks=1)
    _record(benchmark, ours, "torch")


_PEAK = """
import gc, sys
import axonml, torch, safetensors.torch
from axonml.serialize import load_archive
from axonml.serialize.safetensors import safe_open


def peak(call):
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status()
    result = call()
    grown = (status() - before) / 1024
    del result
    gc.collect()
    return grown


def status():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def first(path):
    with safe_open(path, framework="ax") as f:
        return f.get_tensor(f.keys()[0])


d, which = sys.argv[1], sys.argv[2]
cases = {
    "axonml.load safetensors": lambda: axonml.load(d + "/axonml.safetensors"),
    "axonml.load safetensors mmap=True": lambda: axonml.load(d + "/axonml.safetensors", mmap=True),
    "safe_open, one tensor": lambda: first(d + "/axonml.safetensors"),
    "safetensors.torch.load_file": lambda: safetensors.torch.load_file(d + "/torch.safetensors"),
    "axonml.load pth": lambda: axonml.load(d + "/torch.pth"),
    "axonml.load pth mmap=True": lambda: axonml.load(d + "/torch.pth", mmap=True),
    "torch.load pth": lambda: torch.load(d + "/torch.pth", weights_only=True),
    "load_archive": lambda: load_archive(d + "/model.axonml"),
}
print(f"{peak(cases[which]):.0f}")
"""
_CASES = ["axonml.load safetensors", "axonml.load safetensors mmap=True", "safe_open, one tensor",
          "safetensors.torch.load_file", "axonml.load pth", "axonml.load pth mmap=True", "torch.load pth",
          "load_archive"]


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's peak-RSS reset")
def test_peak_memory_of_loading(state):
    ours, theirs, directory, config = state
    for name in ("axonml.safetensors", "torch.safetensors", "torch.pth", "model.axonml"):
        if not (directory / name).exists():
            pytest.skip("run the throughput cases first: they write the files")
    size = _megabytes(ours) / 1.048576
    print(f"\npeak resident growth while loading a {size:.0f} MiB state dict (MiB), each in a fresh process:")
    for name in _CASES:
        grown = subprocess.run([sys.executable, "-c", _PEAK, str(directory), name], capture_output=True, text=True,
                               check=True).stdout.strip()
        print(f"  {name:<36} {grown:>6}")
        if "axonml" in name or "safe_open" in name or "archive" in name:
            limit = max(0.1 * size, 16) if ("mmap" in name or "safe_open" in name) else 1.3 * size + 16
            assert float(grown) <= limit, f"{name} grew the peak by {grown} MiB"
