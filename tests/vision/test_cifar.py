"""CIFAR-10/100 readers (axonml/vision/datasets/cifar.py) and the restricted pickle reader."""
import os
import pickle

import numpy as np
import pytest

from axonml.vision.datasets import CIFAR10, CIFAR100
from axonml.vision.datasets._pickle_reader import read_pickled_dict

from .conftest import cifar_arrays, write_cifar10_bin, write_cifar10_py


def _expected(written, names):
    images = np.concatenate([written[n][0] for n in names]).transpose(0, 2, 3, 1)
    labels = np.concatenate([written[n][1] for n in names])
    return images, labels


def test_binary_layout(tmp_path):
    written = write_cifar10_bin(tmp_path)
    train, test = CIFAR10(tmp_path, train=True), CIFAR10(tmp_path, train=False)
    images, labels = _expected(written, [f"data_batch_{k}.bin" for k in range(1, 6)])
    assert len(train) == 20 and len(test) == 4
    np.testing.assert_array_equal(train.data, images)
    assert train.targets == labels.tolist()
    image, label = test[1]
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, written["test_batch.bin"][0][1].transpose(1, 2, 0))
    assert label == int(written["test_batch.bin"][1][1])


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_python_layout_without_unpickling(tmp_path, protocol, monkeypatch):
    written = write_cifar10_py(tmp_path, protocol=protocol)

    def refuse(*args, **kwargs):
        raise AssertionError("pickle must not be used to read dataset files")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    train = CIFAR10(tmp_path, train=True)
    images, labels = _expected(written, [f"data_batch_{k}" for k in range(1, 6)])
    np.testing.assert_array_equal(train.data, images)
    assert train.targets == labels.tolist()


def test_python2_pickle_handwritten(tmp_path):
    # What Python 2's cPickle writes for {'data': uint8 array (2, 3), 'labels': [1, 2]}: byte strings
    # (SHORT_BINSTRING), numpy.core.multiarray globals, NEWFALSE for the Fortran flag.
    blob = (b"\x80\x02}q\x00(U\x04dataq\x01cnumpy.core.multiarray\n_reconstruct\nq\x02cnumpy\nndarray\nq\x03"
            b"K\x00\x85q\x04U\x01b\x87q\x05Rq\x06(K\x01K\x02K\x03\x86q\x07cnumpy\ndtype\nq\x08U\x02u1K\x00K\x01\x87"
            b"Rq\t(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89U\x06abcdeftbU\x06labelsq\n]q\x0b"
            b"(K\x01K\x02eu.")
    path = tmp_path / "batch"
    path.write_bytes(blob)
    entry = read_pickled_dict(str(path))
    assert entry["labels"] == [1, 2]
    assert entry["data"].dtype == np.uint8 and entry["data"].tolist() == [[97, 98, 99], [100, 101, 102]]
    assert pickle.loads(blob, encoding="latin1")["labels"] == [1, 2]   # the blob is a valid pickle


class _Hostile:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_hostile_pickle_is_refused_and_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_cifar10_py(tmp_path)
    target = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    target.write_bytes(pickle.dumps({"data": _Hostile(), "labels": []}, protocol=2))
    with pytest.raises(RuntimeError, match="cannot read this pickle safely") as info:
        CIFAR10(tmp_path)
    assert str(target) in str(info.value) and "system" in str(info.value)
    assert not (tmp_path / "pwned").exists()


def test_truncated_files_name_the_file(tmp_path):
    write_cifar10_bin(tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_2.bin"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(RuntimeError, match="truncated or corrupt") as info:
        CIFAR10(tmp_path)
    assert str(path) in str(info.value)
    write_cifar10_py(tmp_path / "py")
    path = tmp_path / "py" / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(RuntimeError, match="truncated") as info:
        CIFAR10(tmp_path / "py", train=False)
    assert str(path) in str(info.value)


def test_label_out_of_range(tmp_path):
    write_cifar10_bin(tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "test_batch.bin"
    data = bytearray(path.read_bytes())
    data[0] = 12
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="label 12 is out of range"):
        CIFAR10(tmp_path, train=False)


def test_cifar100_binary_fine_labels(tmp_path):
    folder = tmp_path / "cifar-100-binary"
    folder.mkdir()
    for name, n, seed in (("train.bin", 6, 0), ("test.bin", 3, 1)):
        images, fine = cifar_arrays(n, 100, seed)
        coarse = fine // 5
        np.concatenate([coarse[:, None], fine[:, None], images.reshape(n, -1)], axis=1).tofile(folder / name)
    ds = CIFAR100(tmp_path, train=False)
    assert len(ds) == 3 and ds.targets == cifar_arrays(3, 100, 1)[1].tolist()
    assert len(ds.classes) == 100


def test_not_found(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found"):
        CIFAR10(tmp_path)
