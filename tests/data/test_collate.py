"""default_collate / default_convert against torch's."""
import collections

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate

import axonml
from axonml.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def _same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, axonml.Tensor)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


@pytest.mark.parametrize("make", [
    lambda: [1.5, 2.5],
    lambda: [1, 2, 3],
    lambda: [True, False],
    lambda: ["a", "b"],
    lambda: [np.float32(1.0), np.float32(2.0)],
    lambda: [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
    lambda: [(np.ones((2, 2), np.float32), 1), (np.zeros((2, 2), np.float32), 0)],
    lambda: [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    lambda: [Point(1, 2.0), Point(3, 4.0)],
    lambda: [[1, 2], [3, 4]],
])
def test_matches_torch(make):
    _same(default_collate(make()), torch_collate(make()))


def test_tensors_are_stacked():
    batch = [axonml.tensor([1.0, 2.0]), axonml.tensor([3.0, 4.0])]
    out = default_collate(batch)
    np.testing.assert_array_equal(out.numpy(), [[1, 2], [3, 4]])


def test_unequal_shapes_and_lengths_raise_like_torch():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([axonml.zeros(2), axonml.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


def test_default_convert():
    out = default_convert({"a": np.arange(3), "b": (np.float64(2.0), "s")})
    assert isinstance(out["a"], axonml.Tensor) and out["a"].tolist() == [0, 1, 2]
    assert isinstance(out["b"], list) and out["b"][0].item() == 2.0 and out["b"][1] == "s"
