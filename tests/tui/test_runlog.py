import json
import os

from axonml.tui.runlog import RunLog, find_metrics_file, find_runs, value_of
from axonml.utils.metrics import MetricsLogger, write_config


def _log(path, **fields):
    with MetricsLogger(path) as log:
        log.log(**fields)


def test_poll_reads_only_what_was_appended_and_keeps_a_partial_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    run = RunLog(str(tmp_path))  # the file does not exist yet
    assert run.records == [] and run.poll() == 0
    _log(path, step=1, epoch=1, split="train", loss=2.0)
    assert run.poll() == 1 and run.records[0]["loss"] == 2.0
    with open(path, "a") as f:
        f.write('{"step": 2, "split": "train", "lo')  # a write in progress
    assert run.poll() == 0
    with open(path, "a") as f:
        f.write('ss": 1.5}\nnot json\n')
    assert run.poll() == 1 and run.records[-1]["loss"] == 1.5 and run.skipped == 1
    assert run.series("loss") == [(1.0, 2.0), (2.0, 1.5)]


def test_a_replaced_log_starts_over(tmp_path):
    path = tmp_path / "metrics.jsonl"
    for step in range(5):
        _log(path, step=step, loss=1.0)
    run = RunLog(str(path))
    assert len(run.records) == 5
    os.remove(path)
    _log(path, step=0, loss=9.0)
    run.poll()
    assert [r["loss"] for r in run.records] == [9.0]
    assert run.progress().records == 1 and run.progress().step == 0


def test_series_by_split_and_metric_aliases(tmp_path):
    path = tmp_path / "metrics.jsonl"
    with MetricsLogger(path) as log:
        log.log(step=10, epoch=1, split="train", loss=1.0, acc=0.5, learning_rate=0.1)
        log.log(epoch=1, split="test", loss=1.2, accuracy=0.4)
        log.log(step=20, epoch=2, split="train", loss=0.5, acc=0.7, learning_rate=0.05)
        log.log(epoch=2, split="test", loss=0.9, accuracy=0.6)
    run = RunLog(str(tmp_path))
    assert run.splits() == ["train", "test"]
    assert run.series("loss", "train") == [(10.0, 1.0), (20.0, 0.5)]  # by step
    assert run.series("accuracy", "test") == [(1.0, 0.4), (2.0, 0.6)]  # no steps: by epoch
    assert run.series("lr") == [(10.0, 0.1), (20.0, 0.05)]
    assert value_of({"acc": True}, "accuracy") is None


def test_progress_reads_the_config_beside_the_log(tmp_path):
    write_config(tmp_path / "config.json", {"epochs": 4, "model": "lenet"})
    _log(tmp_path / "metrics.jsonl", step=7, epoch=2, split="train", loss=0.3, accuracy=0.9, lr=0.01,
         samples_per_second=1234.0)
    state = RunLog(str(tmp_path)).progress()
    assert (state.epoch, state.epochs, state.step, state.fraction) == (2, 4, 7, 0.5)
    assert state.last == {"train": {"loss": 0.3, "accuracy": 0.9}}
    assert (state.lr, state.samples_per_second) == (0.01, 1234.0)
    assert state.elapsed is not None and state.updated is not None


def test_find_runs_and_metrics_file(tmp_path):
    for name in ("b", "a", "a/nested"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "metrics.jsonl").write_text(json.dumps({"loss": 1}) + "\n")
    (tmp_path / "empty").mkdir()
    found = [os.path.relpath(p, tmp_path) for p in find_runs(str(tmp_path))]
    assert found == ["a", os.path.join("a", "nested"), "b"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "log.jsonl").write_text("")
    assert find_metrics_file(str(tmp_path / "other")).endswith("log.jsonl")
    assert find_metrics_file(str(tmp_path / "empty")).endswith(os.path.join("empty", "metrics.jsonl"))


def test_per_step_curves_leave_out_epoch_summaries(tmp_path):
    with MetricsLogger(tmp_path / "metrics.jsonl") as log:
        for step in (1, 2):
            log.log(kind="step", step=step, epoch=1, split="train", loss=1.0 / step)
        log.log(kind="epoch", step=2, epoch=1, split="train", loss=0.75)
        log.log(kind="epoch", step=2, epoch=1, split="test", loss=0.8)
    run = RunLog(str(tmp_path))
    assert run.series("loss", "train") == [(1.0, 1.0), (2.0, 0.5)]
    assert run.series("loss", "test") == [(2.0, 0.8)]
    assert run.progress().last == {"train": {"loss": 0.75}, "test": {"loss": 0.8}}


def test_an_unreadable_log_is_reported_and_retried(tmp_path):
    (tmp_path / "metrics.jsonl").mkdir()  # a directory where the log should be: reading it fails
    run = RunLog(str(tmp_path))
    assert run.records == [] and run.error
    (tmp_path / "metrics.jsonl").rmdir()
    _log(tmp_path / "metrics.jsonl", step=1, loss=1.0)
    assert run.poll() == 1 and run.error is None
