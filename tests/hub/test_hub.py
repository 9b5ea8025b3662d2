"""axonml.hub against a local HTTP server serving real torch.save files (never the internet)."""
import hashlib
import io
import os
import sys

import numpy as np
import pytest
import torch

import axonml
import axonml.hub as hub
from axonml.serialize.pytorch import UnsafeCheckpointError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "vision"))
import _torch_models as ref  # noqa: E402


def torch_file(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def sha_name(stem: str, data: bytes, digits: int = 8) -> str:
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:digits]}.pth"


@pytest.fixture
def small_state():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 30 * 30, 5))
    return model.state_dict()


def assert_same_state(loaded, expected):
    assert list(loaded) == list(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())


def test_download_lands_in_axonml_home_and_is_cached(server, hub_home, small_state):
    data = torch_file(small_state)
    name = sha_name("small", data)
    url = server.serve(name, data)
    state = hub.load_state_dict_from_url(url, progress=False)
    assert_same_state(state, small_state)
    cached = hub_home / "hub" / "checkpoints" / name
    assert cached.read_bytes() == data
    assert not list(cached.parent.glob("*.partial"))
    requests = len(server.requests)
    assert_same_state(hub.load_state_dict_from_url(url, progress=False), small_state)
    assert len(server.requests) == requests


def test_concurrent_loads_of_one_file_download_it_once(server, hub_home, small_state):
    import threading
    data = torch_file(small_state)
    url = server.serve(sha_name("small", data), data)
    results, errors = [], []

    def load():
        try:
            results.append(hub.load_state_dict_from_url(url, progress=False))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 4
    for state in results:
        assert_same_state(state, small_state)
    assert len(server.requests) == 1


def test_cache_directory_choice(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("AXONML_HOME", str(tmp_path / "home"))
    assert hub.get_dir() == str(tmp_path / "home" / "hub")
    monkeypatch.delenv("AXONML_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "axonml" / "hub")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert hub.get_dir() == os.path.expanduser(os.path.join("~", ".cache", "axonml", "hub"))
    hub.set_dir(tmp_path / "chosen")
    assert hub.get_dir() == str(tmp_path / "chosen")


def test_interrupted_download_resumes_with_range(server, tmp_path, small_state):
    data = torch_file(small_state)
    url = server.serve(sha_name("small", data), data)
    server.cut_next(1)
    destination = tmp_path / "file.pth"
    hub.download_url_to_file(url, destination, hashlib.sha256(data).hexdigest()[:8], progress=False)
    assert destination.read_bytes() == data
    ranges = [r for _, r in server.requests]
    assert ranges[0] is None and ranges[1] == f"bytes={len(data) // 3}-"


def test_a_failed_download_keeps_its_partial_file_and_the_next_call_resumes(server, tmp_path, small_state):
    data = torch_file(small_state)
    url = server.serve("weights.pth", data)
    destination = tmp_path / "weights.pth"
    server.cut_next(3)
    with pytest.raises(OSError, match="after 3 attempts"):
        hub.download_url_to_file(url, destination, progress=False)
    assert not destination.exists()
    partial = tmp_path / "weights.pth.partial"
    held = partial.stat().st_size
    assert 0 < held < len(data)
    assert data.startswith(partial.read_bytes())
    hub.download_url_to_file(url, destination, hashlib.sha256(data).hexdigest(), progress=False)
    assert destination.read_bytes() == data and not partial.exists()
    assert server.requests[-1][1] == f"bytes={held}-"


def test_a_server_that_ignores_range_restarts_the_file(server, tmp_path, small_state):
    data = torch_file(small_state)
    url = server.serve("weights.pth", data)
    (tmp_path / "weights.pth.partial").write_bytes(b"stale bytes from elsewhere")
    server.ignore_range()
    hub.download_url_to_file(url, tmp_path / "weights.pth", progress=False)
    assert (tmp_path / "weights.pth").read_bytes() == data


def test_a_complete_partial_file_is_finished_without_a_body(server, tmp_path, small_state):
    data = torch_file(small_state)
    url = server.serve("weights.pth", data)
    (tmp_path / "weights.pth.partial").write_bytes(data)
    hub.download_url_to_file(url, tmp_path / "weights.pth", hashlib.sha256(data).hexdigest()[:10], progress=False)
    assert (tmp_path / "weights.pth").read_bytes() == data
    assert server.requests[-1][1] == f"bytes={len(data)}-"


def test_bad_hash_is_rejected_and_nothing_is_left(server, hub_home, small_state):
    data = torch_file(small_state)
    url = server.serve("small-0123abcd.pth", data)
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "0123abcd"'):
        hub.load_state_dict_from_url(url, progress=False)
    folder = hub_home / "hub" / "checkpoints"
    assert [p.name for p in folder.iterdir() if p.suffix != ".lock"] == []
    assert_same_state(hub.load_state_dict_from_url(url, progress=False, check_hash=False), small_state)


def test_missing_file_and_file_name(server, tmp_path, small_state):
    import urllib.error
    missing = server.serve("present.pth", b"").replace("present.pth", "missing.pth")
    with pytest.raises(urllib.error.HTTPError, match="404"):
        hub.load_state_dict_from_url(missing, model_dir=tmp_path, progress=False)
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".lock"] == []
    data = torch_file(small_state)
    url = server.serve("download", data)
    state = hub.load_state_dict_from_url(url, model_dir=tmp_path, file_name="named.pth", progress=False)
    assert_same_state(state, small_state)
    assert (tmp_path / "named.pth").exists()


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch hub-pickle-ran",))


def test_a_hostile_checkpoint_is_refused_without_running_it(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = torch_file({"weight": torch.zeros(2), "payload": _RunsCode()})
    url = server.serve(sha_name("hostile", data), data)
    with pytest.raises(UnsafeCheckpointError):
        hub.load_state_dict_from_url(url, model_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "hub-pickle-ran").exists()


def test_weights_enum_entry_downloads_and_loads_the_published_architecture(server, hub_home, monkeypatch):
    from axonml.vision import models
    reference = ref.randomize(ref.resnet("resnet18"), seed=3).eval()
    data = torch_file(reference.state_dict())
    entry = models.ResNet18_Weights.IMAGENET1K_V1
    monkeypatch.setattr(entry.value, "url", server.serve(sha_name("resnet18", data), data))
    model = models.resnet18(weights=entry, progress=False).eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with torch.no_grad(), axonml.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
        actual = model(axonml.from_numpy(x)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4)
    preprocess = entry.transforms()
    from PIL import Image
    image = Image.fromarray(np.random.default_rng(1).integers(0, 256, (300, 280, 3), dtype=np.uint8))
    batch = preprocess(image)[None]
    with axonml.no_grad():
        label = entry.meta["categories"][int(model(batch).numpy().argmax())]
    assert label in entry.meta["categories"]
    assert (hub_home / "hub" / "checkpoints" / os.path.basename(entry.url)).exists()
