"""`mpiexec -n 2 python -m axonml train --distributed`: one job, rank 0 reports and checkpoints."""
import os

from axonml.serialize import load_state_dict


def test_train_distributed_on_two_processes(mpirun, tmp_path):
    out = tmp_path / "run"
    result = mpirun("-m", 2, "axonml", "train", "--distributed", "--dataset", "digits", "--model", "lenet",
                    "--epochs", "1", "--batch-size", "32", "--no-progress", "--out", str(out), timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    epochs = [line for line in result.stdout.splitlines() if line.startswith("epoch 1/1")]
    assert len(epochs) == 1, output  # only rank 0 prints
    accuracy = float(epochs[0].split("test loss")[1].split("acc")[1].split("%")[0])
    assert accuracy > 25.0, output  # one epoch from chance (10%) on the 8x8 digits
    weights = load_state_dict(os.path.join(out, "model.safetensors"))
    assert weights and not any(key.startswith("module.") for key in weights)


def test_batch_size_must_divide_by_the_processes(mpirun, tmp_path):
    result = mpirun("-m", 2, "axonml", "train", "--distributed", "--batch-size", "33", "--epochs", "1",
                    "--no-progress", "--out", str(tmp_path / "run"), timeout=120)
    assert result.returncode != 0
    assert "must divide by the number of processes (2)" in result.stdout + result.stderr
