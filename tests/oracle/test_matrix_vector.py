"""Products with one output row or column run as BLAS gemv inside the gemm kernel: every layout
(contiguous, transposed, strided rows and columns, batched) against NumPy in float64."""
import numpy as np
import pytest

from axonml._ext import _linalg

RNG = np.random.default_rng(0)


def _layouts(rows, cols, dtype):
    """The same (rows, cols) matrix as C-contiguous, Fortran-ordered and step-2 strided views."""
    base = RNG.standard_normal((rows, cols)).astype(dtype)
    wide = np.zeros((rows * 2, cols * 3), dtype)
    wide[::2, ::3] = base
    return {"c": base, "f": np.asfortranarray(base), "strided": wide[::2, ::3]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 37, 53), (53, 37, 1), (1, 37, 1), (1, 1, 9)], ids=str)
def test_single_row_or_column_products(shape, dtype):
    n, k, m = shape
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for a_name, a in _layouts(n, k, dtype).items():
        for b_name, b in _layouts(k, m, dtype).items():
            expected = a.astype(np.float64) @ b.astype(np.float64)
            out = _linalg.gemm(a, b)
            np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance, err_msg=f"{a_name} @ {b_name}")


def test_beta_accumulates_and_garbage_never_leaks():
    a, b = RNG.standard_normal((1, 20)), RNG.standard_normal((20, 30))
    c = RNG.standard_normal((1, 30))
    np.testing.assert_allclose(_linalg.gemm(a, b, 2.0, 0.5, c), 2 * a @ b + 0.5 * c, rtol=1e-12)
    for _ in range(5):  # a fresh output buffer may hold NaNs; beta 0 must not read them
        np.testing.assert_allclose(_linalg.gemm(b.T, a.T), b.T @ a.T, rtol=1e-12)


def test_batched_vector_products():
    a = RNG.standard_normal((4, 1, 16)).astype(np.float32)
    b = RNG.standard_normal((4, 16, 24)).astype(np.float32)
    np.testing.assert_allclose(_linalg.gemm(a, b), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_linalg.gemm(b.transpose(0, 2, 1), a.transpose(0, 2, 1)),
                               b.transpose(0, 2, 1) @ a.transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
