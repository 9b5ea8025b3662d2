"""ExponentialFamily: distributions of the form exp(<t(x), theta> - F(theta) + k(x))."""
from __future__ import annotations

from ..autograd import grad as _grad
from ..tensor import Tensor
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """The base class of exponential families p(x; theta) = exp(<t(x), theta> - F(theta) + k(x)).

    A family gives its natural parameters theta (``_natural_params``), its log normaliser F
    (``_log_normalizer``) and the expected carrier measure E[k(x)] (``_mean_carrier_measure``); the
    entropy then follows as a Bregman divergence of F, computed by autograd (Nielsen and Nock,
    "Entropies and cross-entropies of exponential families", 2010). The same construction gives the
    KL divergence between two members of one family (see kl.py).
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params) -> Tensor:
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy F(theta) - <theta, grad F(theta)> - E[k(x)]."""
        result = -self._mean_carrier_measure
        natural = [p.detach().requires_grad_() for p in self._natural_params]
        log_normalizer = self._log_normalizer(*natural)
        gradients = _grad(log_normalizer.sum(), natural, create_graph=True)
        result = result + log_normalizer
        for param, gradient in zip(natural, gradients):
            result = result - (param * gradient).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
