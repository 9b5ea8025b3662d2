"""Gamma distribution."""
from __future__ import annotations

import numbers

from .. import _dtype
from ..functional import xlogy
from ..special import gammainc
from ..tensor import Size, Tensor
from . import constraints
from ._samplers import standard_gamma
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


class Gamma(ExponentialFamily):
    """The gamma distribution with shape concentration and rate: density rate^a x^(a-1) exp(-rate x) / Gamma(a).

    rsample is differentiable in both parameters: the draw's gradient to concentration is the implicit
    reparametrisation gradient -(dF/d alpha) / pdf (F the CDF), approximated as torch does.

    Args:
        concentration (float or Tensor): the shape, alpha, positive.
        rate (float or Tensor): the rate, 1 / scale, positive.
        validate_args (bool, optional): check the arguments and the values scored.

    Example::

        >>> m = Gamma(axonml.tensor([1.0]), axonml.tensor([1.0]))
        >>> m.sample()  # Gamma distributed with concentration=1 and rate=1
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number):
            batch_shape = Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Gamma":
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        value = standard_gamma(self.concentration.expand(shape).contiguous()) / self.rate.expand(shape)
        # keep draws off 0 in the value only; the gradient is the unclamped one
        detached = value.detach()
        return value + (detached.clamp(min=_dtype.finfo(value.dtype).tiny) - detached)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value)
                - self.rate * value - self.concentration.lgamma())

    def entropy(self) -> Tensor:
        return (self.concentration - self.rate.log() + self.concentration.lgamma()
                + (1.0 - self.concentration) * self.concentration.digamma())

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, x, y):
        return (x + 1).lgamma() + (x + 1) * (-y.reciprocal()).log()
