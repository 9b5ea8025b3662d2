"""Constraints' checks against torch's on values inside and outside each region."""
import numpy as np
import pytest
import torch
import torch.distributions.constraints as TC

import axonml
import axonml.distributions.constraints as C

from .oracle import numpy_of

R = np.random.default_rng(4)
VECTORS = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [-0.5, 1.0, 0.5], [2.0, 3.0, 1.5],
                    [np.nan, 0.0, 1.0], [0.0, 0.0, 0.0]])
SQUARES = np.stack([np.eye(3), np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]]),
                    np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), np.tril(R.uniform(0.1, 1, (3, 3))),
                    np.triu(R.uniform(0.1, 1, (3, 3))), np.diag([1.0, -1.0, 1.0]), np.zeros((3, 3))])

CONSTRAINTS = ["boolean", "one_hot", "nonnegative_integer", "positive_integer", "real", "real_vector", "positive",
               "nonnegative", "unit_interval", "simplex", "lower_triangular", "lower_cholesky", "corr_cholesky",
               "square", "symmetric", "positive_semidefinite", "positive_definite"]
PARAMETRISED = {
    "interval": (lambda M: M.interval(-0.5, 1.0)),
    "half_open_interval": (lambda M: M.half_open_interval(0.0, 1.0)),
    "greater_than": (lambda M: M.greater_than(0.5)),
    "greater_than_eq": (lambda M: M.greater_than_eq(0.5)),
    "less_than": (lambda M: M.less_than(1.0)),
    "integer_interval": (lambda M: M.integer_interval(0, 2)),
    "multinomial": (lambda M: M.multinomial(2)),
    "independent": (lambda M: M.independent(M.positive, 1)),
    "cat": (lambda M: M.cat([M.positive, M.real, M.unit_interval], dim=-1, lengths=[1, 1, 1])),
    "stack": (lambda M: M.stack([M.positive, M.real, M.unit_interval], dim=-1)),
}


def _check(ours, theirs):
    matrix = ours.event_dim == 2
    value = SQUARES if matrix else VECTORS
    result = ours.check(axonml.tensor(value))
    expected = theirs.check(torch.tensor(value))
    np.testing.assert_array_equal(numpy_of(result), expected.numpy())
    assert repr(ours) == repr(theirs)
    assert ours.event_dim == theirs.event_dim and ours.is_discrete == theirs.is_discrete


@pytest.mark.parametrize("name", CONSTRAINTS)
def test_constraint_check_equals_torch(name):
    _check(getattr(C, name), getattr(TC, name))


@pytest.mark.parametrize("name", list(PARAMETRISED))
def test_parametrised_constraint_check_equals_torch(name):
    _check(PARAMETRISED[name](C), PARAMETRISED[name](TC))


def test_dependent_cannot_be_checked():
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        C.dependent.check(axonml.tensor([1.0]))
    with pytest.raises(NotImplementedError):
        C.dependent.event_dim
    assert C.dependent(is_discrete=True, event_dim=1).event_dim == 1
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
