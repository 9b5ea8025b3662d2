"""The CPU gemm (_ext/_linalg.gemm over _blas.pxd and gemm_avx512.h): tile widths and the bias + ReLU epilogue,
against float64 NumPy, through every path a product can take (the AVX-512 gemm, BLAS, gemv, split over threads)."""
import numpy as np
import pytest

import axonml
from axonml._ext import _conv, _linalg


def _operands(m, k, n, dtype=np.float32, seed=4):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype),
            rng.standard_normal(n).astype(dtype))


@pytest.mark.parametrize("tile", [8, 12, 16])
@pytest.mark.parametrize("m, k, n", [(64, 784, 256), (17, 5, 3), (100, 300, 130), (33, 1, 70)])
def test_every_tile_width_gives_the_same_products_in_both_layouts(tile, m, k, n):
    """Each width's slivers and edge tiles: shapes that fill none, some and many tiles, either operand transposed."""
    if not _conv.avx512_gemm_available():
        pytest.skip("no AVX-512 core or no gcc build: the gemm's tile widths do not apply here")
    a, b, _ = _operands(m, k, n)
    c = np.random.default_rng(5).standard_normal((m, n)).astype(np.float32)
    want = a.astype(np.float64) @ b
    for left, right in ((a, b), (np.ascontiguousarray(a.T).T, np.ascontiguousarray(b.T).T)):
        np.testing.assert_allclose(_linalg.gemm(left, right, tile=tile), want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(_linalg.gemm(a, b, 0.5, 2.0, c, tile=tile), 0.5 * want + 2.0 * c, rtol=1e-4, atol=1e-4)


# (m, k, n): many depth blocks (the epilogue on the last only), partial tiles, BLAS's narrow products
# (fewer than 16 output columns), matrix-vector products (one row or one column), an empty depth
@pytest.mark.parametrize("m, k, n", [(64, 784, 256), (70, 45, 33), (64, 128, 10), (1, 50, 40), (40, 50, 1),
                                     (5, 0, 20)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("relu", [False, True])
def test_the_bias_and_relu_epilogue_matches_numpy_on_every_path(m, k, n, dtype, relu):
    a, b, bias = _operands(m, k, n, dtype)
    want = a.astype(np.float64) @ b + bias
    want = np.where(want <= 0, 0, want) if relu else want
    for tile in (0, 8):
        got = _linalg.gemm(a, b, tile=tile, bias=bias, relu=relu)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert _linalg.gemm(a[None].repeat(3, 0), b, bias=bias, relu=relu).shape == (3, m, n)  # batched: every matrix


def test_the_epilogue_relu_keeps_nan_and_clears_negative_zero_as_relu_does():
    a = np.zeros((32, 4), np.float32)
    b = np.zeros((4, 24), np.float32)
    bias = np.full(24, -0.0, np.float32)
    bias[:3] = np.nan, 1.0, -1.0
    got = _linalg.gemm(a, b, bias=bias, relu=True)
    assert np.isnan(got[:, 0]).all() and (got[:, 1] == 1).all() and (got[:, 2] == 0).all()
    assert not np.signbit(got[:, 3:]).any()


def test_the_epilogue_splits_over_threads_without_changing_the_product():
    a, b, bias = _operands(300, 200, 260)
    want = np.maximum(a.astype(np.float64) @ b + bias, 0)
    previous = axonml.get_num_threads()
    axonml.set_num_threads(2)
    try:
        for tile in (0, 8):
            np.testing.assert_allclose(_linalg.gemm(a, b, tile=tile, bias=bias, relu=True), want, rtol=1e-4, atol=1e-4)
    finally:
        axonml.set_num_threads(previous)


def test_a_bias_of_the_wrong_shape_or_dtype_is_refused():
    a, b, bias = _operands(4, 3, 5)
    for wrong in (bias[:4], bias.astype(np.float64), np.stack([bias, bias], 1)[:, 0]):
        with pytest.raises(ValueError, match="bias must be a C-contiguous"):
            _linalg.gemm(a, b, bias=wrong)
