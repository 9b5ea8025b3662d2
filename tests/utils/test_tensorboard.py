"""SummaryWriter writes event files that TensorBoard reads, with the values torch's writer writes."""
import numpy as np
import pytest

import axonml

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

from axonml.utils.tensorboard import SummaryWriter  # noqa: E402


def _read(log_dir):
    accumulator = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def test_scalars_histograms_and_text_match_torchs_writer(tmp_path):
    values = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    for writer_class, directory in ((SummaryWriter, tmp_path / "ours"), (TorchWriter, tmp_path / "theirs")):
        with writer_class(str(directory)) as writer:
            for step in range(4):
                writer.add_scalar("loss/train", 1.0 / (step + 1), step)
            writer.add_histogram("weights", values, 7)
            writer.add_text("notes", "hello **world**", 2)
    ours, theirs = _read(tmp_path / "ours"), _read(tmp_path / "theirs")
    assert [(s.step, s.value) for s in ours.Scalars("loss/train")] == \
        [(s.step, s.value) for s in theirs.Scalars("loss/train")]
    ours_histogram = ours.Histograms("weights")[0].histogram_value
    theirs_histogram = theirs.Histograms("weights")[0].histogram_value
    assert ours.Histograms("weights")[0].step == 7
    for field in ("min", "max", "num"):
        assert getattr(ours_histogram, field) == pytest.approx(getattr(theirs_histogram, field))
    assert ours_histogram.sum == pytest.approx(theirs_histogram.sum, rel=1e-5, abs=1e-3)
    assert ours_histogram.sum_squares == pytest.approx(theirs_histogram.sum_squares, rel=1e-5)
    assert sum(ours_histogram.bucket) == 1000
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"] == ["notes/text_summary"]
    text = ours.Tensors("notes/text_summary")[0].tensor_proto.string_val[0].decode()
    assert text == "hello **world**"


def test_add_scalars_writes_one_run_per_key_and_tensor_values(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalars("accuracy", {"train": axonml.tensor(0.5), "test": 0.25}, 3)
    train, test = _read(tmp_path / "accuracy_train"), _read(tmp_path / "accuracy_test")
    assert [(s.step, s.value) for s in train.Scalars("accuracy")] == [(3, 0.5)]
    assert [(s.step, s.value) for s in test.Scalars("accuracy")] == [(3, 0.25)]


def test_errors(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    with pytest.raises(ValueError, match="empty"):
        writer.add_histogram("h", [], 0)
    with pytest.raises(ValueError, match="NaN"):
        writer.add_histogram("h", [1.0, float("nan")], 0)
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_scalar("x", 1.0, 0)
