"""Run logs: JSON-lines metrics that another process follows, and the run config."""
import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import axonml
from axonml.utils.metrics import MetricsLogger, follow, read_config, read_metrics, write_config


def test_log_appends_flushed_json_lines(tmp_path):
    path = tmp_path / "run" / "metrics.jsonl"
    with MetricsLogger(path) as log:
        log.log(step=0, epoch=0, split="train", loss=axonml.tensor(2.5), lr=np.float32(0.1))
        # flushed: readable before the logger closes
        assert read_metrics(path)[0]["loss"] == 2.5
        log.log(step=1, split="test", accuracy=0.75, loss=math.nan)
    first, second = read_metrics(path)
    assert first["split"] == "train" and first["lr"] == pytest.approx(0.1) and first["elapsed"] >= 0
    assert second["loss"] is None and second["accuracy"] == 0.75  # NaN is not JSON: logged as null
    with MetricsLogger(path) as log:  # a resumed run appends
        log.log(step=2, loss=1.0)
    assert [r["step"] for r in read_metrics(path)] == [0, 1, 2]


def test_read_metrics_skips_a_half_written_last_line_and_names_a_bad_one(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"step": 0}\n{"step": 1, "lo')
    assert read_metrics(path) == [{"step": 0}]
    path.write_text('{"step": 0}\nnot json\n')
    with pytest.raises(ValueError, match=":2: not a JSON record"):
        read_metrics(path)
    path.write_text('[1, 2]\n')
    with pytest.raises(ValueError, match="JSON object"):
        read_metrics(path)


def test_logging_bad_values_raises(tmp_path):
    with MetricsLogger(tmp_path / "m.jsonl") as log:
        with pytest.raises(TypeError, match="cannot log"):
            log.log(loss=object())
    with pytest.raises(ValueError, match="closed"):
        log.log(step=1)


def test_follow_sees_records_another_process_appends(tmp_path):
    path = tmp_path / "live.jsonl"
    writer = textwrap.dedent(f"""
        import time
        from axonml.utils.metrics import MetricsLogger
        with MetricsLogger({str(path)!r}) as log:
            for step in range(5):
                log.log(step=step, loss=1.0 / (step + 1))
                time.sleep(0.05)
    """)
    process = subprocess.Popen([sys.executable, "-c", writer])
    try:
        records = []
        for record in follow(path, poll=0.02, timeout=20):
            records.append(record)
            if len(records) == 5:
                break
    finally:
        process.wait(timeout=60)
    assert [r["step"] for r in records] == [0, 1, 2, 3, 4]


def test_config_round_trip(tmp_path):
    path = tmp_path / "run" / "config.json"
    write_config(path, {"lr": 0.1, "model": "lenet", "epochs": 3, "nested": {"betas": (0.9, 0.999)}})
    assert read_config(path) == {"lr": 0.1, "model": "lenet", "epochs": 3, "nested": {"betas": [0.9, 0.999]}}
    path.write_text(json.dumps([1]))
    with pytest.raises(ValueError, match="JSON object"):
        read_config(path)
