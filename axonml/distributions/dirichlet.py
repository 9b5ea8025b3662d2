"""Dirichlet distribution."""
from __future__ import annotations

from ..creation import zeros_like
from ..functional import where, xlogy
from ..tensor import Size, Tensor
from . import constraints
from ._samplers import dirichlet_rsample
from .exp_family import ExponentialFamily

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution over the probability simplex of the last dimension.

    rsample is differentiable in concentration, by the implicit reparametrisation gradient of the Beta
    marginals as torch computes it.

    Args:
        concentration (Tensor): the concentration alpha, positive, at least one-dimensional.
        validate_args (bool, optional): check the arguments and the values scored.

    Example::

        >>> m = Dirichlet(axonml.tensor([0.5, 0.5]))
        >>> m.sample()  # Dirichlet distributed with concentration [0.5, 0.5]
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = Size(concentration.shape[:-1]), Size(concentration.shape[-1:])
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Dirichlet":
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return dirichlet_rsample(self.concentration.expand(shape).contiguous())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration - 1.0, value).sum(-1) + self.concentration.sum(-1).lgamma()
                - self.concentration.lgamma().sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        concentration_minus_one = (self.concentration - 1).clamp(min=0.0)
        total = concentration_minus_one.sum(-1, keepdim=True)
        mode = concentration_minus_one / where(total == 0, 1.0, total)
        # with every alpha < 1 the density is unbounded at every vertex; the first is taken, as torch takes it
        first_vertex = zeros_like(mode)
        first_vertex[..., 0] = 1
        return where((self.concentration < 1).all(-1, keepdim=True), first_vertex, mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def entropy(self) -> Tensor:
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (self.concentration.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((self.concentration - 1.0) * self.concentration.digamma()).sum(-1))

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - x.sum(-1).lgamma()
