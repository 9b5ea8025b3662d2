"""Data-loading benchmark: one epoch over MNIST train, axonml's DataLoader against torch's.

    pytest benchmarks/test_bench_data.py --benchmark-columns=median,iqr,rounds -s

Both loaders do the same work per sample: take a (28, 28) uint8 image, scale it to float32 in
[0, 1] with a channel axis, normalize with MNIST's mean and std, then stack 64 samples; both
shuffle and use 2 worker processes. The MNIST folder is $AXONML_SHARED_DATA/mnist, or
shared/data/mnist beside the repository; the benchmark skips without it. Records ``ratio``
(axonml time / torch time; target: no slower, <= 1.0) in the benchmark's extra_info.
"""
import os

import pytest
import torch
import torch.utils.data

from axonml.data import DataLoader
from axonml.vision import transforms
from axonml.vision.datasets import MNIST

MEAN, STD = 0.1307, 0.3081
BATCH_SIZE, WORKERS = 64, 2
SHARED_DATA = os.environ.get("AXONML_SHARED_DATA",
                             os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


class TorchMNIST(torch.utils.data.Dataset):
    """The same arrays, transformed with torch ops (what torchvision's ToTensor/Normalize do on tensors)."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.mean = torch.tensor([MEAN]).view(-1, 1, 1)
        self.std = torch.tensor([STD]).view(-1, 1, 1)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = torch.from_numpy(self.images[index]).unsqueeze(0).float().div(255)
        return image.sub(self.mean).div(self.std), int(self.labels[index])


@pytest.fixture(scope="module")
def mnist_train():
    root = os.path.abspath(os.path.join(SHARED_DATA, "mnist"))
    if not os.path.isdir(root):
        pytest.skip(f"MNIST not found (set AXONML_SHARED_DATA): {root}")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    return MNIST(root, train=True, transform=transform)


def _epoch(make_loader, expected: int):
    def run():
        count = 0
        for images, labels in make_loader():
            count += len(labels)
        assert count == expected, count
    return run


def test_mnist_epoch_two_workers(compare, benchmark, mnist_train):
    """One shuffled epoch, batch 64, ToTensor + Normalize, 2 workers (start-up included, as in training)."""
    theirs = TorchMNIST(mnist_train.data.numpy(), mnist_train.targets.numpy())
    ours_image, ours_label = mnist_train[7]
    theirs_image, theirs_label = theirs[7]
    assert ours_label == theirs_label
    torch.testing.assert_close(torch.from_numpy(ours_image.numpy()), theirs_image)

    ratio = compare(
        _epoch(lambda: DataLoader(mnist_train, batch_size=BATCH_SIZE, shuffle=True, num_workers=WORKERS),
               len(mnist_train)),
        _epoch(lambda: torch.utils.data.DataLoader(theirs, batch_size=BATCH_SIZE, shuffle=True, num_workers=WORKERS),
               len(theirs)),
        rounds=3, name="torch", warmup=1, blocks=3)
    benchmark.extra_info.update({"ratio": ratio, "target": 1.0})
    print(f"ratio {ratio:.2f}, target <= 1.0: {'met' if ratio <= 1.0 else 'MISSED'}")
