"""Random sampling ops: in-place fills, bernoulli, multinomial.

The streams differ from PyTorch's, so values are checked by their statistics (with bounds many
standard errors wide, for a fixed seed), reproducibility under manual_seed and generator=,
shapes, dtypes and the in-place contract; errors are compared with PyTorch's.
"""
import math

import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import check_raises

N = 20000


def _numpy(t):
    return np.asarray(t.detach().cpu())


def _device_dtypes(device):
    from tests.oracle.oracle import _device_has_float64
    return ("float32", "float64") if device == "cpu" or _device_has_float64(device) else ("float32",)


def _within(sample, expected_mean, expected_std):
    """The sample mean is within 6 standard errors of the expectation, the std within 5%."""
    assert abs(sample.mean() - expected_mean) < 6 * expected_std / math.sqrt(sample.size), sample.mean()
    assert abs(sample.std() - expected_std) < 0.05 * expected_std, sample.std()


def test_uniform_(device):
    for dtype in _device_dtypes(device):
        x = axonml.empty(N, dtype=dtype, device=device)
        assert x.uniform_(-2.0, 3.0) is x
        values = _numpy(x)
        assert values.dtype == np.dtype(dtype) and values.min() >= -2.0 and values.max() < 3.0
        _within(values, 0.5, 5.0 / math.sqrt(12.0))
        assert (_numpy(axonml.empty(N, device=device).uniform_()) < 1).all()


def test_normal_(device):
    for dtype in _device_dtypes(device):
        x = axonml.zeros((100, N // 100), dtype=dtype, device=device)
        x.normal_(3.0, 2.0)
        values = _numpy(x)
        assert values.shape == (100, N // 100) and values.dtype == np.dtype(dtype)
        _within(values, 3.0, 2.0)
        _within(_numpy(axonml.empty(N, device=device).normal_()), 0.0, 1.0)


def test_exponential_(device):
    x = axonml.empty(N, device=device).exponential_(4.0)
    values = _numpy(x)
    assert values.min() >= 0
    _within(values, 0.25, 0.25)


@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "uint8", "bool"])
def test_bernoulli_scalar_p(dtype, device):
    x = axonml.empty(N, dtype=dtype, device=device).bernoulli_(0.3)
    values = _numpy(x).astype(np.float64)
    assert x.dtype == getattr(axonml, dtype) and set(np.unique(values)) <= {0.0, 1.0}
    _within(values, 0.3, math.sqrt(0.3 * 0.7))
    assert not _numpy(axonml.ones(10, device=device).bernoulli_(0.0)).any()
    assert _numpy(axonml.zeros(10, device=device).bernoulli_(1.0)).all()


def test_bernoulli_tensor_p(device):
    p = axonml.tensor([0.0, 0.2, 0.9, 1.0], device=device)
    draws = _numpy(axonml.empty(N // 4, 4, device=device).bernoulli_(p))
    assert (draws[:, 0] == 0).all() and (draws[:, 3] == 1).all()
    _within(draws[:, 1], 0.2, math.sqrt(0.2 * 0.8))
    _within(draws[:, 2], 0.9, math.sqrt(0.9 * 0.1))


def test_bernoulli_function(device):
    for dtype in _device_dtypes(device):
        probabilities = axonml.full((N,), 0.7, dtype=dtype, device=device)
        out = axonml.bernoulli(probabilities)
        assert out.dtype == probabilities.dtype and out.shape == probabilities.shape
        _within(_numpy(out), 0.7, math.sqrt(0.21))
        _within(_numpy(probabilities.bernoulli(0.1)), 0.1, 0.3)
    p = axonml.full((2, 3), 0.5, requires_grad=True, device=device)
    assert not axonml.bernoulli(p).requires_grad


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16"])
def test_random_(dtype, device):
    if dtype == "float64" and "float64" not in _device_dtypes(device):
        pytest.skip("no float64 on this device")
    x = axonml.empty(N, dtype=dtype, device=device)
    values = _numpy(x.random_(-3, 5))
    assert set(np.unique(values)) == set(range(-3, 5))
    _within(values.astype(np.float64), 0.5, math.sqrt((8 ** 2 - 1) / 12.0))
    assert set(np.unique(_numpy(x.random_(4)))) == {0, 1, 2, 3}


def test_random_default_range(device):
    values = _numpy(axonml.empty(N, device=device).random_())
    assert values.min() >= 0 and values.max() <= 2 ** 24 and (values == np.round(values)).all()
    assert values.max() > 2 ** 23
    assert set(np.unique(_numpy(axonml.empty(100, dtype=axonml.bool, device=device).random_()))) == {False, True}


@pytest.mark.parametrize("fill", [
    lambda x, g: x.uniform_(generator=g), lambda x, g: x.normal_(1.0, 2.0, generator=g),
    lambda x, g: x.bernoulli_(0.5, generator=g), lambda x, g: x.random_(0, 10, generator=g),
    lambda x, g: x.exponential_(generator=g),
    lambda x, g: x.copy_(axonml.bernoulli(x.uniform_(generator=g), generator=g)),
    lambda x, g: x.copy_(axonml.multinomial(x.uniform_(generator=g) + 0.1, 64, True, generator=g)),
], ids=["uniform", "normal", "bernoulli", "random", "exponential", "bernoulli()", "multinomial"])
def test_reproducible_under_manual_seed_and_generator(fill, device):
    def run(seed, generator=None):
        if generator is None:
            axonml.manual_seed(seed)
        return _numpy(fill(axonml.empty(64, device=device), generator))

    first, again, other = run(1), run(1), run(2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    generator = axonml.Generator()
    a = run(None, generator.manual_seed(5))
    axonml.manual_seed(123)
    b = run(None, generator.manual_seed(5))
    np.testing.assert_array_equal(a, b)


def test_fills_are_inplace_writes(device):
    x = axonml.zeros(2, 3, device=device)
    view = x[0]
    version = x._version
    view.uniform_(5.0, 6.0)
    assert x._version > version
    assert (_numpy(x[0]) >= 5).all() and (_numpy(x[1]) == 0).all()
    leaf = axonml.zeros(3, requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.normal_()
    with axonml.no_grad():
        leaf.normal_()
    assert leaf.requires_grad and leaf.grad_fn is None


def test_fill_of_a_non_leaf_blocks_the_gradient(device):
    leaf = axonml.ones(4, requires_grad=True, device=device)
    y = leaf * 2
    y.uniform_()
    (y * leaf).sum().backward()
    np.testing.assert_allclose(_numpy(leaf.grad), _numpy(y))


@pytest.mark.parametrize("fn", [
    lambda x: x.uniform_(2.0, 1.0), lambda x: x.long().uniform_(), lambda x: x.bool().uniform_(),
    lambda x: x.normal_(0.0, -1.0), lambda x: x.long().normal_(), lambda x: x.bernoulli_(1.5),
    lambda x: x.bernoulli_(-0.1), lambda x: x.random_(3, 3), lambda x: x.random_(5, 2),
    lambda x: x.exponential_(0.0), lambda x: x.exponential_(-1.0), lambda x: x.long().exponential_(),
    lambda x: x.byte().random_(-1, 3), lambda x: x.bernoulli_(x.abs() + 2),
], ids=lambda fn: None)
def test_fill_errors(fn, device):
    check_raises(fn, [(3,)], device=device)


def test_bernoulli_errors(device):
    check_raises(lambda x: torch_or_axonml(x).bernoulli(x.long()), [(3,)], device=device)
    check_raises(lambda x: torch_or_axonml(x).bernoulli(x.abs() + 2), [(3,)], device=device)


def torch_or_axonml(t):
    return torch if isinstance(t, torch.Tensor) else axonml


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_frequencies(replacement, device):
    weights = axonml.tensor([[1.0, 2.0, 0.0, 7.0], [5.0, 5.0, 5.0, 5.0]], device=device)
    draws = 4000
    axonml.manual_seed(0)
    if replacement:
        samples = _numpy(axonml.multinomial(weights, draws, True))
    else:  # a first draw without replacement follows the weights too
        samples = _numpy(axonml.multinomial(weights.repeat(draws, 1), 1)).reshape(draws, 2).T
    assert samples.dtype == np.int64 and samples.shape == (2, draws)
    for row, w in zip(samples, ([0.1, 0.2, 0.0, 0.7], [0.25] * 4)):
        frequencies = np.bincount(row, minlength=4) / draws
        for f, p in zip(frequencies, w):
            assert abs(f - p) < 6 * math.sqrt(p * (1 - p) / draws) + 1e-12, (frequencies, w)


def test_multinomial_without_replacement_never_repeats(device):
    weights = axonml.tensor([0.5, 0.0, 3.0, 1.0, 0.0, 2.0], device=device)
    for _ in range(20):
        sample = _numpy(axonml.multinomial(weights, 6))
        assert sample.shape == (6,) and sorted(sample) == list(range(6))
        assert set(sample[:4]) == {0, 2, 3, 5}   # the positive weights come before the zero ones
    second_pick = [int(_numpy(weights.multinomial(2))[1]) for _ in range(300)]
    assert 1 not in second_pick and 4 not in second_pick


def test_multinomial_second_draw_follows_remaining_weights(device):
    # with weights (1, 1, 2), P(second = 2) = P(first = 0 or 1) * 2/3 = 1/3
    axonml.manual_seed(3)
    weights = axonml.tensor([[1.0, 1.0, 2.0]], device=device).expand(3000, 3)
    second = _numpy(axonml.multinomial(weights, 2))[:, 1]
    assert abs((second == 2).mean() - 1 / 3) < 6 * math.sqrt(2 / 9 / 3000)


@pytest.mark.parametrize("fn", [
    lambda x: torch_or_axonml(x).multinomial(x.abs(), 4), lambda x: torch_or_axonml(x).multinomial(x, 1),
    lambda x: torch_or_axonml(x).multinomial(x.abs() * 0, 1), lambda x: torch_or_axonml(x).multinomial(x.abs(), 0),
    lambda x: torch_or_axonml(x).multinomial(x.abs().long(), 1),
    lambda x: torch_or_axonml(x).multinomial(x.abs().reshape(1, 1, 3), 1),
], ids=lambda fn: None)
def test_multinomial_errors(fn, device):
    check_raises(fn, [np.array([0.5, -1.0, 2.0])], device=device)
