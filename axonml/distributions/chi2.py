"""Chi-squared distribution."""
from __future__ import annotations

from ..tensor import Tensor
from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """The chi-squared distribution with df degrees of freedom: Gamma(df / 2, 1 / 2).

    Args:
        df (float or Tensor): the degrees of freedom, positive.
        validate_args (bool, optional): check the arguments and the values scored.

    Example::

        >>> m = Chi2(axonml.tensor([1.0]))
        >>> m.sample()  # Chi2 distributed with shape df=1
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args: bool | None = None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> "Chi2":
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
