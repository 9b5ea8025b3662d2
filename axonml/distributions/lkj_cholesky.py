"""LKJ distribution of the Cholesky factors of correlation matrices."""
from __future__ import annotations

import math

from .. import _dtype
from ..autograd import no_grad
from ..creation import arange, randn
from ..functional import cat, diag_embed, mvlgamma
from ..tensor import Size, Tensor
from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ distribution (Lewandowski, Kurowicka and Joe, 2009) over lower Cholesky factors L of
    dim x dim correlation matrices: density proportional to det(L L^T)^(concentration - 1), times the
    Jacobian of L -> L L^T. concentration 1 is uniform over correlation matrices.

    Draws use the onion method, vectorised over rows: Beta draws for the squared row norms and normal
    directions on the hypersphere.

    Args:
        dim (int): the dimension of the matrices, at least 2.
        concentration (float or Tensor): the shape eta, positive.
        validate_args (bool, optional): check the arguments and the values scored.

    Example::

        >>> l = LKJCholesky(3, 0.5)
        >>> l.sample()  # l @ l.mT is a sample of a correlation 3x3 matrix
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args: bool | None = None) -> None:
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = Size((dim, dim))
        # the onion method (section 3.2 of the paper): row i's strictly lower part has squared norm
        # Beta(i / 2, eta + (dim - 1 - i) / 2); row 0 is fixed. torch 2.x takes Beta(i - 1/2, ...) here, whose
        # draws are not LKJ-distributed from dim 3 on (their off-diagonal marginals differ, which the law forbids)
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = arange(self.dim - 1, dtype=self.concentration.dtype, device=self.concentration.device)
        offset = cat([offset.new_zeros((1,)), offset])
        beta_conc1 = 0.5 * offset + 0.5
        beta_conc0 = marginal_conc.unsqueeze(-1) - 0.5 * offset
        self._beta = Beta(beta_conc1, beta_conc0)
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None) -> "LKJCholesky":
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        super(LKJCholesky, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=Size()) -> Tensor:
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u_normal = randn(self._extended_shape(sample_shape), dtype=y.dtype, device=y.device).tril(-1)
            norms = u_normal.norm(dim=-1, keepdim=True)
            # row 0 has no strictly lower entries: its direction is 0, not 0 / 0
            row = arange(self.dim, device=y.device).view(self.dim, 1)
            u_hypersphere = (u_normal / norms.clamp(min=_dtype.finfo(y.dtype).tiny)).masked_fill(row == 0, 0.0)
            w = y.sqrt() * u_hypersphere
            diag_elems = (1 - (w ** 2).sum(-1)).clamp(min=_dtype.finfo(w.dtype).tiny).sqrt()
            return w + diag_embed(diag_elems)

    def log_prob(self, value: Tensor) -> Tensor:
        # density of the correlation matrix: det ** (eta - 1) = prod L_ii ** (2 (eta - 1)); the Jacobian of
        # L -> L L^T is prod L_ii ** (D - i); so log p(L) = sum_i (2 eta - 2 + D - i) log L_ii + constant
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = (order * diag_elems.log()).sum(-1)
        # the normaliser of the paper (page 1999); multigammaln's pi term is (D-1)(D-2)/4 log pi, the paper's
        # D(D-1)/4 log pi, hence the extra (D - 1) log(pi) / 2
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = alpha.lgamma() * dm1
        numerator = mvlgamma(alpha - 0.5, dm1)
        pi_constant = 0.5 * dm1 * math.log(math.pi)
        return unnormalized_log_pdf - (pi_constant + numerator - denominator)
