"""torch.special: the special functions under torch's names.

Each function is defined once (most in axonml/ops/special.py); the names torch.special keeps for
functions that live elsewhere (expm1, exp2, log1p, round, softmax, log_softmax, logsumexp, erf,
sinc) and its second names (psi, gammaln, multigammaln, gammainc, gammaincc) point at that one op.
"""
from __future__ import annotations

from .ops.elementwise import erf, exp2, expm1, log1p, round, sigmoid as expit, sinc
from .ops.nn import log_softmax, softmax
from .ops.reduce import logsumexp
from .ops.special import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, chebyshev_polynomial_t,
                          chebyshev_polynomial_u, chebyshev_polynomial_v, chebyshev_polynomial_w, digamma, entr, erfc,
                          erfcx, erfinv, gammainc, gammaincc, gammaln, hermite_polynomial_h, hermite_polynomial_he,
                          i0, i0e, i1, i1e, laguerre_polynomial_l, legendre_polynomial_p, log_ndtr, logit,
                          modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1,
                          multigammaln, ndtr, ndtri, polygamma, psi, scaled_modified_bessel_k0,
                          scaled_modified_bessel_k1, shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
                          shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w, spherical_bessel_j0,
                          xlog1py, xlogy, zeta)

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
