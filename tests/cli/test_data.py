"""`axonml data info|stats|validate|split` on real folders and files: each action once in a subprocess as a
user runs it (run_cli), the other cases in-process (cli), which is the same code without the start-up."""
import gzip
import json
import struct

import numpy as np
import pytest

from .fake_servers import cli  # noqa: F401 - the fixture

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture
def image_folder(tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for name, count, offset in (("cat", 6, 0), ("dog", 3, 7)):
        (root / name).mkdir(parents=True)
        for i in range(count):
            PIL.fromarray(np.full((8, 10, 3), 40 * i + offset, dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_info_and_stats_of_an_image_folder(run_cli, cli, image_folder):  # noqa: F811
    result = run_cli("data", "info", str(image_folder), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["format"] == "image-folder" and info["samples"] == 9
    assert info["class_counts"] == {"cat": 6, "dog": 3} and info["image_size"] == [10, 8]
    result = cli("data", "stats", str(image_folder), "--json")
    stats = json.loads(result.stdout)
    expected = np.mean([40 * i for i in range(6)] + [40 * i + 7 for i in range(3)]) / 255
    assert stats["channels"]["R"]["mean"] == pytest.approx(expected)
    assert stats["balance"]["imbalance"] == 2.0
    text = cli("data", "stats", str(image_folder)).stdout
    assert "cat" in text and "66.7%" in text


def test_validate_finds_broken_and_duplicated_images(run_cli, cli, image_folder):  # noqa: F811
    assert cli("data", "validate", str(image_folder)).returncode == 0
    (image_folder / "dog" / "broken.png").write_bytes(b"not a png")
    (image_folder / "dog" / "copy.png").write_bytes((image_folder / "cat" / "1.png").read_bytes())
    result = run_cli("data", "validate", str(image_folder), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert any("unreadable image: dog/broken.png" in e for e in report["errors"])
    assert any("two classes" in e and "cat/1.png" in e for e in report["errors"])


def test_split_a_folder_stratified_and_reproducible(run_cli, cli, image_folder, tmp_path):  # noqa: F811
    result = run_cli("data", "split", str(image_folder), "--ratios", "0.5,0.5", "--out", str(tmp_path / "a"))
    assert result.returncode == 0, result.stderr
    for part in ("train", "val"):
        assert len(list((tmp_path / "a" / part / "cat").iterdir())) == 3
    cli("data", "split", str(image_folder), "--ratios", "0.5,0.5", "--out", str(tmp_path / "b"))
    listing = lambda root: sorted(p.relative_to(root).as_posix() for p in root.rglob("*.png"))  # noqa: E731
    assert listing(tmp_path / "a") == listing(tmp_path / "b")
    again = cli("data", "split", str(image_folder), "--out", str(tmp_path / "a"))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_csv_info_stats_split_and_validate(cli, tmp_path):  # noqa: F811
    path = tmp_path / "table.csv"
    path.write_text("x,w,species\n" + "".join(f"{i},{i * 2},{'a' if i % 4 else 'b'}\n" for i in range(40)))
    info = json.loads(cli("data", "info", str(path), "--json").stdout)
    assert info["label_column"] == "species" and info["class_counts"] == {"a": 30, "b": 10}
    stats = json.loads(cli("data", "stats", str(path), "--json").stdout)
    assert stats["columns"]["w"]["mean"] == pytest.approx(39.0) and stats["columns"]["x"]["max"] == 39
    result = cli("data", "split", str(path), "--ratios", "0.5,0.25,0.25", "--out", str(tmp_path / "parts"))
    assert result.returncode == 0, result.stderr
    rows = {name: (tmp_path / "parts" / f"{name}.csv").read_text().splitlines() for name in ("train", "val", "test")}
    assert [len(r) - 1 for r in rows.values()] == [20, 10, 10] and all(r[0] == "x,w,species" for r in rows.values())
    assert sorted(sum((r[1:] for r in rows.values()), [])) == sorted(path.read_text().splitlines()[1:])
    path.write_text("x,w,species\n1,2,a\n3,oops,b\n4,5\n")
    report = json.loads(cli("data", "validate", str(path), "--json").stdout)
    assert any("line 4: 2 fields" in e for e in report["errors"])
    assert any("'w' is numeric but line 3" in e for e in report["errors"])


def test_npz_and_idx_files(cli, tmp_path):  # noqa: F811
    np.savez(tmp_path / "d.npz", x=np.arange(20.0).reshape(10, 2), y=np.array([0, 1] * 5))
    info = json.loads(cli("data", "info", str(tmp_path / "d.npz"), "--json").stdout)
    assert info["data"] == "x" and info["labels"] == "y" and info["class_counts"] == {"0": 5, "1": 5}
    assert cli("data", "split", str(tmp_path / "d.npz"), "--out", str(tmp_path / "s")).returncode == 0
    with np.load(tmp_path / "s" / "train.npz") as train:
        assert train["x"].shape == (8, 2) and sorted(train["y"].tolist()) == [0] * 4 + [1] * 4
    labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 4) + bytes([3, 1, 3, 3])
    (tmp_path / "labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    info = json.loads(cli("data", "info", str(tmp_path / "labels-idx1-ubyte.gz"), "--json").stdout)
    assert info["format"] == "idx" and info["class_counts"] == {"1": 1, "3": 3}
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    assert "1 NaN" in cli("data", "validate", str(tmp_path / "nan.npy")).stdout


def test_errors_are_one_line(run_cli, cli, tmp_path):  # noqa: F811
    result = run_cli("data", "info", str(tmp_path / "missing"))
    assert result.returncode == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "x.npy").write_bytes(b"garbage")
    result = cli("data", "stats", str(tmp_path / "x.npy"))
    assert result.returncode == 1 and "cannot read it as NPY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = cli("data", "split", str(tmp_path), "--ratios", "0.5,0.2", "--out", "o")
    assert result.returncode == 2 and "summing to 1" in result.stderr
