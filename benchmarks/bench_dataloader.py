"""One epoch over MNIST train (batch 64, ToTensor + Normalize, 2 workers): axonml vs torch.

Both loaders do the same work per sample: take a (28, 28) uint8 image, scale it to float32 in
[0, 1] with a channel axis, normalize with MNIST's mean and std, then stack 64 samples.

    python benchmarks/bench_dataloader.py [path/to/mnist] [--workers 2] [--repeats 3]

The MNIST folder defaults to $AXONML_SHARED_DATA/mnist or ../shared/data/mnist.
"""
import argparse
import os
import statistics
import time

import torch
import torch.utils.data

from axonml.data import DataLoader
from axonml.vision import transforms
from axonml.vision.datasets import MNIST

MEAN, STD = 0.1307, 0.3081


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


def _epoch(loader) -> float:
    start = time.perf_counter()
    count = 0
    for images, labels in loader:
        count += len(labels)
    elapsed = time.perf_counter() - start
    assert count == 60000, count
    return elapsed


def main() -> None:
    default_root = os.path.join(os.environ.get("AXONML_SHARED_DATA", os.path.join("..", "shared", "data")), "mnist")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=default_root)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    ours = MNIST(args.root, train=True, transform=transform)
    theirs = TorchMNIST(ours._images, ours._labels)
    torch.set_num_threads(1)
    axonml_times, torch_times = [], []
    for _ in range(args.repeats):
        axonml_times.append(_epoch(DataLoader(ours, batch_size=64, shuffle=True, num_workers=args.workers)))
        torch_times.append(_epoch(torch.utils.data.DataLoader(theirs, batch_size=64, shuffle=True,
                                                              num_workers=args.workers)))
    a, t = statistics.median(axonml_times), statistics.median(torch_times)
    print(f"axonml: {a:.3f} s  (runs {', '.join(f'{v:.3f}' for v in axonml_times)})")
    print(f"torch:  {t:.3f} s  (runs {', '.join(f'{v:.3f}' for v in torch_times)})")
    print(f"axonml / torch = {a / t:.2f}")


if __name__ == "__main__":
    main()
