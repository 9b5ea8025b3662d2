"""The CPU `special` primitive: scipy.special's ufuncs, which are exact to float64 and vectorised.

Arguments come in torch's order (polygamma(n, x), zeta(x, q), gammainc(a, x), polynomial(x, n));
the result has the floating dtype of the arrays (float32 stays float32).
"""
from __future__ import annotations

import numpy as np
from scipy import special as _scipy

__all__ = ["special"]


def _polygamma(n, x):
    n = np.asarray(n)
    sign = np.where(n % 2 == 0, -1.0, 1.0)
    return np.where(n == 0, _scipy.psi(x), sign * np.exp(_scipy.gammaln(n + 1.0)) * _scipy.zeta(n + 1.0, x))


def _polynomial(evaluate, shift=None):
    """torch's convention around scipy's eval_*: n truncated to an integer, 0 for a negative n."""
    def polynomial(x, n):
        n = np.trunc(np.asarray(n, dtype=np.float64))
        degree = np.where(n < 0, 0, np.nan_to_num(n)).astype(np.int64)
        value = evaluate(degree, x)
        return np.where(n < 0, 0.0, np.where(np.isnan(n), np.nan, value))
    return polynomial


def _chebyshev_vw(sign):
    """V_n = U_n - U_{n-1} and W_n = U_n + U_{n-1} (U_{-1} = 0)."""
    def evaluate(n, x):
        previous = np.where(n >= 1, _scipy.eval_chebyu(np.maximum(n - 1, 0), x), 0.0)
        return _scipy.eval_chebyu(n, x) + sign * previous
    return evaluate


def _lgamma(x):
    """scipy's gammaln, with torch's lgamma(-inf) = inf (scipy gives -inf)."""
    return np.where(np.isneginf(x), np.inf, _scipy.gammaln(x))


_FUNCTIONS = {
    "lgamma": _lgamma, "digamma": _scipy.psi, "polygamma": _polygamma, "zeta": _scipy.zeta,
    "erfc": _scipy.erfc, "erfcx": _scipy.erfcx, "erfinv": _scipy.erfinv, "ndtri": _scipy.ndtri,
    "log_ndtr": _scipy.log_ndtr, "i0": _scipy.i0, "i0e": _scipy.i0e, "i1": _scipy.i1, "i1e": _scipy.i1e,
    "gammainc": _scipy.gammainc, "gammaincc": _scipy.gammaincc, "nextafter": np.nextafter,
    "bessel_j0": _scipy.j0, "bessel_j1": _scipy.j1, "bessel_y0": _scipy.y0, "bessel_y1": _scipy.y1,
    "modified_bessel_k0": _scipy.k0, "modified_bessel_k1": _scipy.k1,
    "scaled_modified_bessel_k0": _scipy.k0e, "scaled_modified_bessel_k1": _scipy.k1e,
    "airy_ai": lambda x: _scipy.airy(x)[0],
    "chebyshev_polynomial_t": _polynomial(_scipy.eval_chebyt),
    "chebyshev_polynomial_u": _polynomial(_scipy.eval_chebyu),
    "chebyshev_polynomial_v": _polynomial(_chebyshev_vw(-1.0)),
    "chebyshev_polynomial_w": _polynomial(_chebyshev_vw(1.0)),
    "hermite_polynomial_h": _polynomial(_scipy.eval_hermite),
    "hermite_polynomial_he": _polynomial(_scipy.eval_hermitenorm),
    "laguerre_polynomial_l": _polynomial(_scipy.eval_laguerre),
    "legendre_polynomial_p": _polynomial(_scipy.eval_legendre),
}


def special(name: str, *args):
    """The special function name elementwise over args (arrays and host scalars, broadcast)."""
    function = _FUNCTIONS.get(name)
    if function is None:
        raise NotImplementedError(f"special function '{name}' is not implemented on device cpu")
    dtypes = [x.dtype for x in args if isinstance(x, np.ndarray)]
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    with np.errstate(all="ignore"):
        out = function(*(np.asarray(x, dtype) for x in args))
    return np.asarray(out).astype(dtype, copy=False)
