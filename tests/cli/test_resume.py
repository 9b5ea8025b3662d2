"""`axonml resume RUN_DIR`: exact continuation, the appended metrics log, and its errors."""
import numpy as np

from axonml.serialize import load_state_dict
from axonml.utils.metrics import read_metrics

RUN = ["train", "--model", "mlp", "--batch-size", "128", "--no-progress"]


def test_resume_is_bit_identical_to_an_uninterrupted_run(run_cli, cli_main, tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert run_cli(*RUN, "--epochs", "2", "--out", str(straight)).returncode == 0
    assert run_cli(*RUN, "--epochs", "1", "--out", str(split)).returncode == 0
    # a run that died mid-epoch leaves step records past its last checkpoint: resume drops them
    with open(split / "metrics.jsonl", "a") as log:
        log.write('{"kind":"step","step":13,"epoch":2,"split":"train","loss":9.0}\n')
    resumed = run_cli("resume", str(split), "--epochs", "2", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "epoch 2/2" in resumed.stdout and "epoch 1/2" not in resumed.stdout
    a, b = load_state_dict(str(straight / "model.safetensors")), load_state_dict(str(split / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy(), err_msg=key)
    def comparable(path):
        return [(r["kind"], r["step"], r["epoch"], r["split"], r["loss"], r["lr"]) for r in read_metrics(path)]
    assert comparable(split / "metrics.jsonl") == comparable(straight / "metrics.jsonl")
    # finished already: says so and exits 0
    status, out, _ = cli_main("resume", split, "--no-progress")
    assert status == 0 and "already finished epoch 2" in out


def test_resume_errors(run_cli, cli_main, tmp_path):
    missing = run_cli("resume", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "no checkpoint" in missing.stderr
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "checkpoints.json").write_text("{not json")
    status, _, err = cli_main("resume", tmp_path / "bad")
    assert status == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    status, _, err = cli_main("resume")
    assert status == 2 and "RUN_DIR" in err
    status, _, err = cli_main("resume", tmp_path, "--epochs", "-3")
    assert status == 2 and "positive integer" in err
