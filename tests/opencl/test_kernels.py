"""Strided views reaching kernels without copies, the tiled gemm, reductions and indexing, against NumPy."""
import numpy as np
import pytest

RNG = np.random.default_rng(0)


def _rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def test_views_share_the_buffer(backend):
    host = _rand(4, 6, 5)
    a = backend.asarray(host)
    views = {
        "transpose": (backend.transpose(a, (2, 0, 1)), host.transpose(2, 0, 1)),
        "slice": (backend.getitem(a, (slice(1, 4, 2), Ellipsis, slice(None, None, 2))), host[1:4:2, ..., ::2]),
        "broadcast": (backend.broadcast_to(backend.getitem(a, (0, 0)), (3, 5)), np.broadcast_to(host[0, 0], (3, 5))),
        "reshape": (backend.reshape(a, (24, 5)), host.reshape(24, 5)),
        "reversed": (backend.as_strided(a, (6,), (-5,), 29), host[0, ::-1, 4]),
        "newaxis": (backend.getitem(a, (None, 2, None)), host[None, 2, None]),
    }
    for name, (view, expected) in views.items():
        assert view.alloc is a.alloc, name
        np.testing.assert_array_equal(backend.to_numpy(view), expected, err_msg=name)
    assert backend.view(backend.transpose(a, (1, 0, 2)), (120,)) is None


@pytest.mark.parametrize("op", ["add", "mul", "sub", "maximum", "div"])
def test_binary_ops_broadcast_strided_operands(backend, op):
    x, y = _rand(6, 5), _rand(4, 1, 10)
    a = backend.transpose(backend.asarray(x.T.copy()), (1, 0))  # a transposed (non-contiguous) view
    b = backend.getitem(backend.asarray(y), (slice(None), slice(None), slice(None, None, 2)))
    got = backend.to_numpy(getattr(backend, op)(a, b))
    np.testing.assert_allclose(got, getattr(np, {"sub": "subtract", "mul": "multiply", "div": "divide"}.get(op, op))(
        x, y[:, :, ::2]), rtol=1e-6)


def test_scalar_operands_and_types(backend):
    a = backend.asarray(np.array([1, -2, 7], np.int64))
    np.testing.assert_array_equal(backend.to_numpy(backend.floor_divide(a, 2)), [0, -1, 3])
    np.testing.assert_array_equal(backend.to_numpy(backend.remainder(-7, a)), np.remainder(-7, [1, -2, 7]))
    np.testing.assert_array_equal(backend.to_numpy(backend.lt(a, 0)), [False, True, False])
    assert backend.div(a, 2).dtype.kind == "f"
    c = backend.copy(backend.asarray(np.zeros(3, np.float32)))
    backend.copy_into(c, a)
    np.testing.assert_array_equal(backend.to_numpy(c), [1.0, -2.0, 7.0])


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (17, 33, 5), (64, 64, 64), (130, 67, 129), (3, 300, 2)])
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_odd_sizes_and_transposes(backend, m, k, n, trans_a, trans_b):
    a = _rand(k, m) if trans_a else _rand(m, k)
    b = _rand(n, k) if trans_b else _rand(k, n)
    got = backend.to_numpy(backend.gemm(backend.asarray(a), backend.asarray(b), trans_a, trans_b))
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_gemm_transposes_are_strides_not_copies(backend):
    a = backend.asarray(_rand(40, 30))
    before = backend.pool.stats["allocated"] + backend.pool.stats["reused"]
    backend.gemm(a, a, True, False)
    after = backend.pool.stats["allocated"] + backend.pool.stats["reused"]
    assert after - before == 1  # only the result


def test_batched_broadcast_gemm_alpha_beta(backend):
    a, b, c = _rand(3, 1, 7, 9), _rand(4, 9, 5), _rand(5)
    got = backend.to_numpy(backend.gemm(backend.asarray(a), backend.asarray(b), False, False, 0.5, 2.0,
                                        backend.asarray(c)))
    np.testing.assert_allclose(got, 0.5 * (a @ b) + 2.0 * c, rtol=1e-4, atol=1e-4)
    ints = np.arange(12, dtype=np.int64).reshape(3, 4)
    np.testing.assert_array_equal(backend.to_numpy(backend.matmul(backend.asarray(ints), backend.asarray(ints.T))),
                                  ints @ ints.T)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), (1, 2)])
def test_reductions_along_axes(backend, axis):
    host = _rand(5, 6, 7)
    a = backend.transpose(backend.asarray(host.transpose(1, 0, 2).copy()), (1, 0, 2))
    for name in ("sum", "max", "min", "prod"):
        np.testing.assert_allclose(backend.to_numpy(getattr(backend, name)(a, axis, True)),
                                   getattr(np, name)(host, axis=axis, keepdims=True), rtol=1e-4, err_msg=name)
    if not isinstance(axis, tuple):
        np.testing.assert_array_equal(backend.to_numpy(backend.argmax(a, axis, False)), np.argmax(host, axis))
        np.testing.assert_array_equal(backend.to_numpy(backend.argmin(a, axis, False)), np.argmin(host, axis))


def test_argmax_picks_the_first_maximum_and_nan(backend):
    host = np.array([[1, 3, 3, 0], [2, np.nan, 5, np.nan]], np.float32)
    np.testing.assert_array_equal(backend.to_numpy(backend.argmax(backend.asarray(host), 1, False)), [1, 1])


def test_scans(backend):
    host = _rand(4, 5)
    a = backend.transpose(backend.asarray(host), (1, 0))
    np.testing.assert_allclose(backend.to_numpy(backend.cumsum(a, 1)), np.cumsum(host.T, 1), rtol=1e-5)
    np.testing.assert_allclose(backend.to_numpy(backend.cumprod(a, 0)), np.cumprod(host.T, 0), rtol=1e-5)


def test_advanced_indexing_matches_numpy(backend):
    host = _rand(4, 5, 6)
    a = backend.asarray(host)
    i, j = np.array([[0, 3], [2, 1]]), np.array([4, -1])
    for index in [(i,), (slice(None), i), (i, slice(None), j), (1, slice(None), j), (host[..., 0] > 0,),
                  (Ellipsis, j), (None, i, 0)]:
        device_index = tuple(backend.asarray(x) if isinstance(x, np.ndarray) else x for x in index)
        np.testing.assert_array_equal(backend.to_numpy(backend.getitem(a, device_index)), host[index])


def test_scatter_add_sums_repeated_indices(backend):
    out = backend.zeros((3, 4), np.float32)
    index = np.array([0, 2, 0, 0])
    backend.setitem_add(out, (backend.asarray(index),), backend.asarray(np.ones((4, 4), np.float32)))
    expected = np.zeros((3, 4), np.float32)
    np.add.at(expected, index, 1)
    np.testing.assert_array_equal(backend.to_numpy(out), expected)


def test_nonzero_and_triangles(backend):
    host = (RNG.random((5, 7)) > 0.5).astype(np.float32)
    for got, expected in zip(backend.nonzero(backend.asarray(host)), np.nonzero(host)):
        np.testing.assert_array_equal(backend.to_numpy(got), expected)
    np.testing.assert_array_equal(backend.to_numpy(backend.triu(backend.asarray(host), 1)), np.triu(host, 1))
    np.testing.assert_array_equal(backend.to_numpy(backend.tril(backend.asarray(host), -2)), np.tril(host, -2))


def _stable_order(row, descending):
    """The stable sort order of a 1-d host row, NaN largest (Python's sort is stable)."""
    def key(j):
        x = row[j]
        nan = isinstance(x, float) and x != x
        if descending:
            return (not nan, 0 if nan else -x)
        return (nan, 0 if nan else x)
    return sorted(range(len(row)), key=key)


def _check_sort(backend, host, axis, descending, device_array=None):
    a = backend.asarray(host) if device_array is None else device_array
    values, indices = backend.sort(a, axis, descending, True)
    moved = np.moveaxis(host, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = np.array([_stable_order(row.tolist(), descending) for row in rows], np.int64).reshape(moved.shape)
    expected_indices = np.moveaxis(order, -1, axis)
    assert indices.dtype == np.int64 and values.dtype == host.dtype
    np.testing.assert_array_equal(backend.to_numpy(indices), expected_indices)
    np.testing.assert_array_equal(backend.to_numpy(values), np.take_along_axis(host, expected_indices, axis))


@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000, 4097])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_long_rows_with_ties_is_stable(backend, n, descending):
    host = RNG.integers(0, 7, (3, n)).astype(np.float32)  # many ties across every merge pass
    _check_sort(backend, host, 1, descending)


@pytest.mark.parametrize("descending", [False, True])
def test_sort_nan_is_largest_and_signed_zeros_tie(backend, descending):
    host = np.array([[1.0, np.nan, -0.0, 0.0, -np.inf, np.nan, 2.0, np.inf] * 20], np.float32)
    _check_sort(backend, host, 1, descending)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.bool_, np.float64])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_dtypes(backend, dtype, descending):
    if dtype == np.float64 and not backend.has_float64:
        pytest.skip("the device has no float64")
    if dtype == np.bool_:
        host = RNG.random((4, 150)) > 0.5
    elif np.dtype(dtype).kind == "f":
        host = RNG.standard_normal((4, 150)).round(1).astype(dtype)
    else:
        info = np.iinfo(dtype)
        host = RNG.integers(info.min, info.max, (4, 150), endpoint=True, dtype=dtype)
    _check_sort(backend, host, 1, descending)
    _check_sort(backend, host, 0, descending)


def test_sort_strided_input_along_every_axis(backend):
    host = RNG.integers(-5, 5, (6, 70, 5)).astype(np.float32)
    a = backend.transpose(backend.asarray(host), (2, 0, 1))  # a non-contiguous view
    view = host.transpose(2, 0, 1)
    for axis in range(3):
        for descending in (False, True):
            _check_sort(backend, view, axis, descending, device_array=a)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_1d_and_batched(backend, right):
    side = "right" if right else "left"
    boundaries = np.sort(RNG.integers(0, 20, 300)).astype(np.float32)
    boundaries[-3:] = np.nan  # NaN is largest: at the end of a sorted row
    queries = np.concatenate([RNG.integers(-2, 22, 200).astype(np.float32), [np.nan, np.inf, -np.inf]])
    got = backend.searchsorted(backend.asarray(boundaries), backend.asarray(queries.reshape(7, 29)), right)
    np.testing.assert_array_equal(backend.to_numpy(got), np.searchsorted(boundaries, queries, side).reshape(7, 29))
    rows = np.sort(RNG.integers(0, 10, (2, 3, 50)), axis=-1)
    values = RNG.integers(-1, 11, (2, 3, 40))
    strided = backend.transpose(backend.asarray(values.transpose(0, 2, 1).copy()), (0, 2, 1))
    got = backend.to_numpy(backend.searchsorted(backend.asarray(rows), strided, right))
    expected = np.array([np.searchsorted(r, v, side) for r, v in zip(rows.reshape(6, 50), values.reshape(6, 40))])
    np.testing.assert_array_equal(got, expected.reshape(2, 3, 40))


def test_sort_and_searchsorted_float16_through_float32(backend):
    host = RNG.standard_normal((3, 100)).astype(np.float16)
    host[0, :5] = np.nan
    for descending in (False, True):
        _check_sort(backend, host, 1, descending)
    boundaries = np.sort(host[1])
    got = backend.searchsorted(backend.asarray(boundaries), backend.asarray(host[2]), False)
    np.testing.assert_array_equal(backend.to_numpy(got), np.searchsorted(boundaries, host[2]))
