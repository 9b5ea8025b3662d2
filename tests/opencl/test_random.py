"""The Philox stream: the same seed gives the same values; draws are distributed as asked."""
import numpy as np

import axonml


def _draw(seed, fn):
    axonml.manual_seed(seed)
    return fn().cpu().numpy()


def test_same_seed_same_stream():
    for fn in (lambda: axonml.rand(1001, device="opencl"), lambda: axonml.randn(7, 13, device="opencl"),
               lambda: axonml.randint(0, 10, (99,), device="opencl")):
        np.testing.assert_array_equal(_draw(5, fn), _draw(5, fn))
        assert not np.array_equal(_draw(5, fn), _draw(6, fn))


def test_consecutive_draws_differ_and_advance_the_offset():
    axonml.manual_seed(0)
    start = axonml.random.default_generator.offset
    first = axonml.rand(10, device="opencl").cpu().numpy()
    assert axonml.random.default_generator.offset == start + 3  # 10 values, 4 per counter
    second = axonml.rand(10, device="opencl").cpu().numpy()
    assert not np.array_equal(first, second)


def test_explicit_generator_matches_its_seed(backend):
    a = axonml.Generator().manual_seed(42)
    b = axonml.Generator().manual_seed(42)
    x = backend.to_numpy(backend.normal((500,), 0.0, 1.0, np.float32, a))
    y = backend.to_numpy(backend.normal((500,), 0.0, 1.0, np.float32, b))
    np.testing.assert_array_equal(x, y)


def test_distributions(backend):
    gen = axonml.Generator().manual_seed(1)
    n = 200_000
    u = backend.to_numpy(backend.uniform((n,), -2.0, 3.0, np.float32, gen))
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.02
    z = backend.to_numpy(backend.normal((n,), 1.0, 2.0, np.float32, gen))
    assert abs(z.mean() - 1.0) < 0.02 and abs(z.std() - 2.0) < 0.02
    b = backend.to_numpy(backend.bernoulli((n,), 0.3, np.float32, gen))
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    k = backend.to_numpy(backend.randint((n,), -3, 4, np.int64, gen))
    assert k.min() == -3 and k.max() == 3 and np.all(np.abs(np.bincount(k + 3) / n - 1 / 7) < 0.01)
    if backend.has_float64:
        d = backend.to_numpy(backend.uniform((n,), 0.0, 1.0, np.float64, gen))
        assert d.dtype == np.float64 and len(np.unique(d)) == n


def test_randperm_is_a_reproducible_permutation():
    axonml.manual_seed(3)
    p = axonml.randperm(1000, device="opencl").cpu().numpy()
    axonml.manual_seed(3)
    q = axonml.randperm(1000, device="opencl").cpu().numpy()
    np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    np.testing.assert_array_equal(p, q)
    assert not np.array_equal(p, np.arange(1000)) and p.dtype == np.int64
