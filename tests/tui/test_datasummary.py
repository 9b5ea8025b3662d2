import numpy as np
import pytest

from axonml.tui.datasummary import shade, summarise


def test_digits_summary_counts_every_sample():
    summary = summarise("digits")
    assert summary.splits == {"train": 1438, "test": 359}
    assert sum(summary.counts["train"]) == 1438 and sum(summary.counts["test"]) == 359
    assert summary.sample_shape == (8, 8) and summary.value_range[:2] == (0.0, 16.0)
    assert [label for _, label in summary.samples] == list(range(10))


def test_image_folder_summary(tmp_path):
    from PIL import Image
    for name, count in (("cat", 3), ("dog", 1)):
        (tmp_path / name).mkdir()
        for i in range(count):
            Image.fromarray(np.full((6, 4, 3), 40 * i, dtype=np.uint8)).save(tmp_path / name / f"{i}.png")
    summary = summarise(str(tmp_path))
    assert summary.classes == ["cat", "dog"] and summary.counts == {"all": [3, 1]}
    assert summary.sample_shape == (6, 4, 3) and len(summary.samples) == 2


def test_unknown_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="--data takes one of"):
        summarise("imagenet-2099")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        summarise("mnist", str(tmp_path))


def test_shade_maps_intensity_to_the_ramp_two_characters_a_pixel():
    image = np.array([[0, 255], [128, 64]], dtype=np.uint8)
    assert shade(image, 10, 10, glyphs="ascii") == ["  @@", "++::"]
    assert shade(image, 10, 10) == ["  \u2588\u2588", "\u2592\u2592\u2591\u2591"]
    big = np.zeros((28, 28))
    rows = shade(big, 28, 14)
    assert len(rows) == 14 and {len(r) for r in rows} == {28}  # shrunk by 2
    with pytest.raises(ValueError, match="image"):
        shade(np.zeros((2, 2, 2, 2)), 4, 4)


def _write_idx(path, array):
    import struct
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_files_in_a_data_dir(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, labels in (("train", [3, 1, 3, 0, 1, 3]), ("t10k", [1, 1, 9])):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (len(labels), 28, 28)))
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.array(labels))
    summary = summarise("mnist", str(tmp_path))
    assert summary.splits == {"train": 6, "test": 3} and summary.sample_shape == (28, 28)
    assert summary.counts["train"][:4] == [1, 2, 0, 3] and summary.counts["test"][9] == 1
    assert [label for _, label in summary.samples] == [0, 1, 3]
    assert len(shade(summary.samples[0][0], 28, 14)) == 14
