"""MNIST / FashionMNIST readers (axonml/vision/datasets/mnist.py) on real and synthetic files."""
import gzip
import hashlib
import os
import shutil

import numpy as np
import pytest

import axonml
from axonml.vision import transforms
from axonml.vision.datasets import MNIST, FashionMNIST, read_idx

from .conftest import write_idx, write_mnist

# Uncompressed MD5s from the shared data README.
MNIST_MD5 = {"train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
             "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
             "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
             "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"}


@pytest.fixture(scope="module")
def mnist_root(shared_data):
    return os.path.join(shared_data, "mnist")


def test_real_files_match_published_md5(mnist_root):
    for stem, md5 in MNIST_MD5.items():
        with gzip.open(os.path.join(mnist_root, stem + ".gz"), "rb") as f:
            assert hashlib.md5(f.read()).hexdigest() == md5, stem


def test_real_mnist_train_and_test(mnist_root):
    train = MNIST(mnist_root, train=True)
    test = MNIST(mnist_root, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == axonml.uint8
    assert test.targets.shape == (10000,) and test.targets.dtype == axonml.int64
    for ds in (train, test):
        targets = ds.targets.numpy()
        assert targets.min() == 0 and targets.max() == 9
        assert set(np.bincount(targets).tolist()) != {0}
    image, label = train[0]
    assert image.shape == (28, 28) and image.dtype == np.uint8 and label == 5   # the famous first "5"
    assert np.bincount(train.targets.numpy()).tolist()[1] == 6742


def test_real_mnist_with_transform(mnist_root):
    ds = MNIST(mnist_root, train=False, transform=transforms.Compose([
        transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]), target_transform=lambda t: t * 10)
    image, label = ds[0]
    assert image.shape == (1, 28, 28) and image.dtype == axonml.float32
    raw = ds._images[0].astype(np.float32) / 255
    np.testing.assert_allclose(image.numpy()[0], (raw - np.float32(0.1307)) / np.float32(0.3081), rtol=1e-6)
    assert label == 70


def test_torchvision_layout_and_raw_files(tmp_path):
    written = write_mnist(tmp_path / "MNIST" / "raw", compress=False)
    ds = MNIST(tmp_path, train=True)
    np.testing.assert_array_equal(ds.data.numpy(), written["train"][0])
    np.testing.assert_array_equal(ds.targets.numpy(), written["train"][1])
    assert len(MNIST(tmp_path, train=False)) == 5


def test_fashion_mnist_uses_its_own_folder(tmp_path):
    write_mnist(tmp_path / "FashionMNIST" / "raw", n_train=3)
    ds = FashionMNIST(tmp_path)
    assert len(ds) == 3 and ds.classes[9] == "Ankle boot"
    with pytest.raises(RuntimeError, match="Dataset not found"):
        MNIST(tmp_path)


def test_missing_files_say_where_they_were_looked_for(tmp_path):
    with pytest.raises(RuntimeError, match="download=True") as info:
        MNIST(tmp_path)
    assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[:-10], "truncated IDX file"),
    (lambda data: data + b"xx", "bytes after"),
    (lambda data: b"\x00\x00\x07\x03" + data[4:], "bad magic number"),
    (lambda data: data[:6], "truncated IDX header"),
])
def test_corrupt_idx_files_name_the_file(tmp_path, damage, message):
    write_mnist(tmp_path, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(RuntimeError, match=message) as info:
        MNIST(tmp_path)
    assert str(path) in str(info.value)


def test_truncated_gzip_names_the_file(tmp_path):
    write_mnist(tmp_path, compress=True)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(RuntimeError, match="corrupt or truncated gzip") as info:
        MNIST(tmp_path)
    assert str(path) in str(info.value)


def test_bad_labels_and_count_mismatch(tmp_path):
    write_mnist(tmp_path, compress=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 2, 10] + [0] * 9))
    with pytest.raises(RuntimeError, match="label 10 is out of range"):
        MNIST(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(11))
    with pytest.raises(RuntimeError, match="12 images but .* 11 labels"):
        MNIST(tmp_path)


def test_read_idx_real_header(mnist_root):
    labels = read_idx(os.path.join(mnist_root, "t10k-labels-idx1-ubyte.gz"))
    assert labels.shape == (10000,) and labels[:3].tolist() == [7, 2, 1]
