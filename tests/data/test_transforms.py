"""General data transforms (axonml/data/transforms.py)."""
import numpy as np
import pytest

import axonml
from axonml.data import transforms as T


def test_to_tensor_and_compose():
    pipeline = T.Compose([T.ToTensor(dtype=axonml.float32), T.Scale(0.5), T.Flatten()])
    out = pipeline(np.arange(6, dtype=np.int64).reshape(2, 3))
    assert isinstance(out, axonml.Tensor) and out.dtype == axonml.float32
    np.testing.assert_allclose(out.numpy(), np.arange(6) * 0.5)
    assert "Scale" in repr(pipeline)


def test_normalize_broadcasts_over_features():
    out = T.Normalize([1.0, 2.0], [2.0, 4.0])(axonml.tensor([[3.0, 6.0], [1.0, 2.0]]))
    np.testing.assert_allclose(out.numpy(), [[1.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="zero"):
        T.Normalize(0.0, [1.0, 0.0])


def test_clamp_reshape_flatten_lambda():
    x = axonml.tensor([[-2.0, 0.5], [3.0, 1.0]])
    np.testing.assert_allclose(T.Clamp(-1, 1)(x).numpy(), [[-1, 0.5], [1, 1]])
    assert T.Reshape((4,))(x).shape == (4,)
    assert T.Reshape((1, -1))(x).shape == (1, 4)
    with pytest.raises(RuntimeError, match="invalid for input of size 4"):
        T.Reshape((3,))(x)
    assert T.Flatten()(axonml.zeros(2, 3, 4)).shape == (24,)
    assert T.Flatten(start_dim=1)(axonml.zeros(2, 3, 4)).shape == (2, 12)
    assert T.Lambda(lambda v: v + 1)(1) == 2
    with pytest.raises(TypeError):
        T.Lambda(3)
    with pytest.raises(ValueError):
        T.Clamp()


def test_random_noise_statistics_and_seed():
    x = axonml.zeros(20000)
    axonml.manual_seed(0)
    noisy = T.RandomNoise(std=0.5, mean=1.0)(x).numpy()
    assert abs(noisy.mean() - 1.0) < 0.02 and abs(noisy.std() - 0.5) < 0.02
    axonml.manual_seed(0)
    np.testing.assert_array_equal(T.RandomNoise(std=0.5, mean=1.0)(x).numpy(), noisy)
    untouched = T.RandomNoise(std=1.0, p=0.0)(x).numpy()
    assert (untouched == 0).all()


def test_random_crop_is_a_window():
    x = np.arange(100).reshape(10, 10)
    out = T.RandomCrop((4, 3))(x).numpy()
    assert out.shape == (4, 3)
    top, left = divmod(int(out[0, 0]), 10)
    np.testing.assert_array_equal(out, x[top:top + 4, left:left + 3])
    with pytest.raises(ValueError, match="larger than input size"):
        T.RandomCrop(11)(x)


def test_random_flip_probability():
    x = np.arange(4)
    assert T.RandomFlip(p=1.0)(x).tolist() == [3, 2, 1, 0]
    assert T.RandomFlip(p=0.0)(x).tolist() == [0, 1, 2, 3]
    axonml.manual_seed(0)
    flips = sum(T.RandomFlip(p=0.5)(x).tolist()[0] == 3 for _ in range(400))
    assert 150 < flips < 250
    both = T.RandomFlip(dims=(0, 1), p=1.0)(np.arange(4).reshape(2, 2)).tolist()
    assert both == [[3, 2], [1, 0]]
