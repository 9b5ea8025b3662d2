"""biject_to and transform_to against torch's: the transform chosen for each constraint, its values on
unconstrained inputs, and that they land inside the constraint."""
import numpy as np
import pytest
import torch
import torch.distributions as TD

import axonml
import axonml.distributions as D

from .oracle import assert_close

R = np.random.default_rng(12)

# name -> (constraint(module), unconstrained input)
CASES = {
    "real": (lambda C: C.real, R.standard_normal((2, 3))),
    "positive": (lambda C: C.positive, R.standard_normal((2, 3))),
    "nonnegative": (lambda C: C.nonnegative, R.standard_normal((2, 3))),
    "greater_than": (lambda C: C.greater_than(1.5), R.standard_normal((2, 3))),
    "greater_than_eq": (lambda C: C.greater_than_eq(-1.0), R.standard_normal((2, 3))),
    "less_than": (lambda C: C.less_than(2.0), R.standard_normal((2, 3))),
    "unit_interval": (lambda C: C.unit_interval, R.standard_normal((2, 3))),
    "interval": (lambda C: C.interval(-2.0, 3.0), R.standard_normal((2, 3))),
    "half_open_interval": (lambda C: C.half_open_interval(0.0, 4.0), R.standard_normal((2, 3))),
    "real_vector": (lambda C: C.real_vector, R.standard_normal((2, 3))),
    "independent-positive": (lambda C: C.independent(C.positive, 1), R.standard_normal((2, 3))),
    "simplex": (lambda C: C.simplex, R.standard_normal((2, 3))),
    "corr_cholesky": (lambda C: C.corr_cholesky, R.standard_normal((2, 3))),
    "cat": (lambda C: C.cat([C.positive, C.unit_interval], dim=-1, lengths=[2, 1]), R.standard_normal((2, 3))),
    "stack": (lambda C: C.stack([C.positive, C.real, C.less_than(0.0)], dim=-1), R.standard_normal((2, 3))),
}
TRANSFORM_ONLY = {
    "simplex": (lambda C: C.simplex, R.standard_normal((2, 3))),
    "lower_cholesky": (lambda C: C.lower_cholesky, R.standard_normal((2, 3, 3))),
    "positive_definite": (lambda C: C.positive_definite, R.standard_normal((2, 3, 3))),
    "positive_semidefinite": (lambda C: C.positive_semidefinite, R.standard_normal((2, 3, 3))),
}


def _compare(registry, name, case):
    make, x = case
    ours = getattr(D, registry)(make(D.constraints))
    theirs = getattr(TD, registry)(make(TD.constraints))
    assert type(ours).__name__ == type(theirs).__name__
    y = ours(axonml.tensor(x))
    assert_close(y, theirs(torch.tensor(x)))
    assert bool(make(D.constraints).check(y).all())
    assert_close(ours.inv(y), theirs.inv(theirs(torch.tensor(x))), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_biject_to_equals_torch(name):
    _compare("biject_to", name, CASES[name])


@pytest.mark.parametrize("name", list(CASES) + [f"only-{n}" for n in TRANSFORM_ONLY])
def test_transform_to_equals_torch(name):
    case = TRANSFORM_ONLY[name[5:]] if name.startswith("only-") else CASES[name]
    _compare("transform_to", name, case)


def test_unregistered_constraint_and_register():
    with pytest.raises(NotImplementedError, match="Cannot transform _PositiveDefinite constraints"):
        D.biject_to(D.constraints.positive_definite)
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        D.transform_to.register(int, lambda c: None)
    registry = D.constraint_registry.ConstraintRegistry()

    @registry.register(D.constraints.positive)
    def _softplus(constraint):
        return D.SoftplusTransform()

    assert isinstance(registry(D.constraints.positive), D.SoftplusTransform)
