"""Real run: LeNet on real MNIST on 2 processes reaches the accuracy of 1 process (workers/mnist_lenet.py).

Both runs see the same global batches of 64 (6400 training images, one pass; 2000 test images), so
they differ only by float rounding in the averaged gradients.
"""
import os
import subprocess
import sys

import pytest

from .conftest import WORKERS, mpiexec_path


@pytest.mark.slow
def test_lenet_on_mnist_two_processes_match_one(shared_data):
    mnist = os.path.join(shared_data, "mnist")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    runs = {n: subprocess.Popen([mpiexec_path(), "-n", str(n), sys.executable, os.path.join(WORKERS, "mnist_lenet.py"),
                                 mnist, "6400", "2000"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, stdin=subprocess.DEVNULL)
            for n in (1, 2)}
    accuracy = {}
    for n, process in runs.items():
        try:
            output, _ = process.communicate(timeout=400)
        except subprocess.TimeoutExpired:
            for p in runs.values():
                p.kill()
            pytest.fail(f"the {n}-process MNIST run did not finish in 400 s")
        assert process.returncode == 0, output
        accuracy[n] = float(output.split("ACCURACY ")[1].split()[0])
    assert accuracy[1] > 0.85, accuracy
    assert abs(accuracy[2] - accuracy[1]) < 0.01, accuracy
