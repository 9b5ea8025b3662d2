"""The embedded UCI digits and FakeData (axonml/vision/datasets/digits.py, fakedata.py)."""
import gzip
import os

import numpy as np
import pytest

from axonml.data import DataLoader
from axonml.data import transforms as DT
from axonml.vision.datasets import Digits, FakeCIFAR10, FakeData, FakeMNIST


def test_embedded_digits_split_and_values():
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) + len(test) == 1797 and len(test) == 359
    assert train.data.shape == (1438, 8, 8)
    for ds in (train, test):
        pixels = ds.data.numpy()
        assert pixels.min() == 0 and pixels.max() == 16
        assert sorted(set(ds.targets.tolist())) == list(range(10))
    again = Digits(train=False)
    np.testing.assert_array_equal(again.data.numpy(), test.data.numpy())
    assert len(Digits(train=False, test_fraction=0.5)) == 898


def test_embedded_digits_match_the_shared_file(shared_data):
    with gzip.open(os.path.join(shared_data, "digits", "digits.csv.gz"), "rt") as f:
        rows = np.array([[int(v) for v in line.split(",")] for line in f if line.strip()])
    both = np.concatenate([Digits(train=True).data.numpy().reshape(-1, 64),
                           Digits(train=False).data.numpy().reshape(-1, 64)])
    assert sorted(map(bytes, both.astype(np.uint8))) == sorted(map(bytes, rows[:, :64].astype(np.uint8)))
    assert Digits(root=os.path.join(shared_data, "digits")).data.shape == (1438, 8, 8)


def test_digits_with_transforms_and_loader():
    ds = Digits(transform=DT.Compose([DT.ToTensor(dtype="float32"), DT.Scale(1 / 16), DT.Reshape((1, 8, 8))]))
    image, label = ds[0]
    assert image.shape == (1, 8, 8) and float(image.numpy().max()) <= 1.0 and isinstance(label, int)
    x, y = next(iter(DataLoader(ds, batch_size=32, shuffle=True)))
    assert x.shape == (32, 1, 8, 8) and y.shape == (32,)


def test_corrupt_digits_file(tmp_path):
    (tmp_path / "digits.csv.gz").write_bytes(gzip.compress(b"1,2,3\n"))
    with pytest.raises(RuntimeError, match="expected rows of 64 pixels") as info:
        Digits(root=tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(ValueError):
        Digits(test_fraction=1.0)


def test_fake_data_is_deterministic_and_learnable():
    a, b = FakeMNIST(20), FakeMNIST(20)
    image, label = a[7]
    assert image.shape == (28, 28) and image.dtype == np.uint8 and 0 <= label < 10
    np.testing.assert_array_equal(image, b[7][0])
    assert not np.array_equal(FakeMNIST(20, train=False)[7][0], image)
    assert FakeCIFAR10(4)[0][0].shape == (32, 32, 3)
    ds = FakeData(200, (1, 6, 6), num_classes=3, noise=10.0)
    # images of one class sit closer to their own class mean than to the others'
    images = np.stack([ds[i][0].astype(float).ravel() for i in range(200)])
    labels = np.array([ds[i][1] for i in range(200)])
    means = np.stack([images[labels == c].mean(0) for c in range(3)])
    nearest = np.argmin(((images[:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert (nearest == labels).mean() > 0.95
    with pytest.raises(IndexError):
        ds[200]
