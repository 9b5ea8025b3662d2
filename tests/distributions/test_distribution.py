"""The Distribution base class: argument and value validation with torch's errors, validate_args switches,
has_rsample flags, arg_constraints and support as torch lists them."""
import numpy as np
import pytest
import torch
import torch.distributions as TD

import axonml
import axonml.distributions as D

# (name, builder(lib, D)) whose construction or scoring torch refuses with a ValueError
INVALID = {
    "negative-scale": lambda lib, L: L.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
    "scalar-negative-scale": lambda lib, L: L.Normal(0.0, -1.0),
    "nan-loc": lambda lib, L: L.Laplace(lib.tensor([float("nan")]), lib.tensor([1.0])),
    "uniform-low-above-high": lambda lib, L: L.Uniform(1.0, 0.0),
    "probs-above-one": lambda lib, L: L.Bernoulli(probs=lib.tensor([0.5, 1.5])),
    "both-probs-and-logits": lambda lib, L: L.Bernoulli(0.5, 0.1),
    "neither-probs-nor-logits": lambda lib, L: L.Categorical(),
    "zero-dim-probs": lambda lib, L: L.Categorical(lib.tensor(1.0)),
    "zero-dim-logits": lambda lib, L: L.OneHotCategorical(logits=lib.tensor(1.0)),
    "negative-categorical-weight": lambda lib, L: L.Categorical(probs=lib.tensor([0.5, -0.1, 0.6])),
    "zero-dim-concentration": lambda lib, L: L.Dirichlet(lib.tensor(1.0)),
    "negative-concentration": lambda lib, L: L.Dirichlet(lib.tensor([1.0, -1.0])),
    "beta-zero": lambda lib, L: L.Beta(lib.tensor([0.0]), lib.tensor([1.0])),
    "gamma-negative-rate": lambda lib, L: L.Gamma(lib.tensor([1.0]), lib.tensor([-2.0])),
    "exponential-zero-rate": lambda lib, L: L.Exponential(lib.tensor([0.0])),
    "poisson-negative-rate": lambda lib, L: L.Poisson(lib.tensor([-1.0])),
    "mvn-no-matrix": lambda lib, L: L.MultivariateNormal(lib.zeros(2)),
    "mvn-two-matrices": lambda lib, L: L.MultivariateNormal(lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2)),
    "mvn-scalar-loc": lambda lib, L: L.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
    "mvn-vector-covariance": lambda lib, L: L.MultivariateNormal(lib.zeros(2), lib.ones(2)),
    "mvn-vector-precision": lambda lib, L: L.MultivariateNormal(lib.zeros(2), precision_matrix=lib.ones(2)),
    "mvn-vector-scale-tril": lambda lib, L: L.MultivariateNormal(lib.zeros(2), scale_tril=lib.ones(2)),
    "mvn-not-positive-definite": lambda lib, L: L.MultivariateNormal(lib.zeros(2),
                                                                     lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "mvn-not-symmetric": lambda lib, L: L.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
    "mvn-upper-scale-tril": lambda lib, L: L.MultivariateNormal(lib.zeros(2),
                                                                scale_tril=lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
    "independent-too-many-dims": lambda lib, L: L.Independent(L.Normal(0.0, 1.0), 1),
    "transforms-not-a-list": lambda lib, L: L.TransformedDistribution(L.Normal(0.0, 1.0), (L.ExpTransform(),)),
    "transforms-not-transforms": lambda lib, L: L.TransformedDistribution(L.Normal(0.0, 1.0), [1]),
    "log-prob-outside-support": lambda lib, L: L.Gamma(1.0, 1.0).log_prob(lib.tensor([-1.0])),
    "log-prob-not-integer": lambda lib, L: L.Poisson(lib.tensor([2.0])).log_prob(lib.tensor([1.5])),
    "log-prob-not-simplex": lambda lib, L: L.Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.6, 0.1])),
    "log-prob-category-out-of-range": lambda lib, L: L.Categorical(lib.ones(3)).log_prob(lib.tensor([3])),
    "log-prob-not-one-hot": lambda lib, L: L.OneHotCategorical(lib.ones(3)).log_prob(lib.tensor([1.0, 1.0, 0.0])),
    "log-prob-event-shape": lambda lib, L: L.Dirichlet(lib.ones(3)).log_prob(lib.ones(2)),
    "log-prob-batch-shape": lambda lib, L: L.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    "log-prob-not-a-tensor": lambda lib, L: L.Normal(0.0, 1.0).log_prob(1.0),
    "geometric-zero-probs": lambda lib, L: L.Geometric(lib.tensor([0.5, 0.0])),
    "studentt-negative-df": lambda lib, L: L.StudentT(lib.tensor([-1.0])),
    "pareto-below-scale": lambda lib, L: L.Pareto(lib.tensor([2.0]), lib.tensor([1.0])).log_prob(lib.tensor([1.0])),
    "binomial-fractional-count": lambda lib, L: L.Binomial(lib.tensor([2.5]), lib.tensor([0.5])),
    "binomial-value-above-count": lambda lib, L: L.Binomial(3, lib.tensor([0.5])).log_prob(lib.tensor([4.0])),
    "multinomial-counts-above-total": lambda lib, L: L.Multinomial(2, lib.ones(3)).log_prob(
        lib.tensor([2.0, 1.0, 0.0])),
    "negative-binomial-probs-one": lambda lib, L: L.NegativeBinomial(lib.tensor([2.0]), lib.tensor([1.0])),
    "lowrank-factor-rows": lambda lib, L: L.LowRankMultivariateNormal(lib.zeros(3), lib.ones(2, 1), lib.ones(3)),
    "lowrank-diag-length": lambda lib, L: L.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(2)),
    "lowrank-vector-factor": lambda lib, L: L.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3), lib.ones(3)),
    "lowrank-negative-diag": lambda lib, L: L.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1),
                                                                        lib.tensor([1.0, -1.0])),
    "continuous-bernoulli-probs": lambda lib, L: L.ContinuousBernoulli(lib.tensor([1.5]), validate_args=True),
    "lkj-dim-one": lambda lib, L: L.LKJCholesky(1, 1.0),
    "lkj-not-unit-rows": lambda lib, L: L.LKJCholesky(2, 1.0).log_prob(lib.tensor([[1.0, 0.0], [0.5, 0.5]])),
    "wishart-low-df": lambda lib, L: L.Wishart(lib.tensor([1.0]), covariance_matrix=lib.eye(3)),
    "wishart-vector": lambda lib, L: L.Wishart(lib.tensor([5.0]), scale_tril=lib.ones(3)),
    "cdf-outside-support": lambda lib, L: L.Uniform(0.0, 1.0).cdf(lib.tensor([2.0])),
    "mvn-log-prob-event-shape": lambda lib, L: L.MultivariateNormal(lib.zeros(2), lib.eye(2)).log_prob(lib.ones(3)),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_arguments_raise_torchs_value_error(name):
    with pytest.raises(ValueError) as expected:
        INVALID[name](torch, TD)
    with pytest.raises(ValueError) as raised:
        INVALID[name](axonml, D)
    assert str(raised.value) == str(expected.value).replace("torch.", "axonml.")


def test_validate_args_false_and_the_default_switch():
    D.Normal(0.0, -1.0, validate_args=False)               # no check
    bad = D.Normal(axonml.zeros(2), axonml.ones(2), validate_args=False)
    bad.log_prob(axonml.zeros(3, 2))                       # broadcastable, unchecked
    try:
        D.Distribution.set_default_validate_args(False)
        D.Gamma(-1.0, 1.0)
        with pytest.raises(ValueError):
            D.Gamma(-1.0, 1.0, validate_args=True)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Gamma(-1.0, 1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


def test_lazy_parameters_are_not_validated_until_computed():
    # logits given: probs (lazy) is computed only when read, and never checked
    d = D.Bernoulli(logits=axonml.tensor([100.0, -100.0]))
    assert "probs" not in d.__dict__
    np.testing.assert_allclose(d.probs.numpy(), [1.0, 0.0], atol=1e-30)


@pytest.mark.parametrize("name", ["Normal", "Bernoulli", "Categorical", "OneHotCategorical", "Uniform", "Beta",
                                  "Gamma", "Dirichlet", "Exponential", "Laplace", "Poisson", "MultivariateNormal",
                                  "Independent", "TransformedDistribution", "Cauchy", "Chi2", "StudentT", "Gumbel",
                                  "Geometric", "LogNormal", "HalfNormal", "HalfCauchy", "Weibull", "Pareto",
                                  "InverseGamma", "LogisticNormal", "MixtureSameFamily", "RelaxedBernoulli",
                                  "RelaxedOneHotCategorical", "OneHotCategoricalStraightThrough", "Binomial",
                                  "Multinomial", "NegativeBinomial", "FisherSnedecor", "Kumaraswamy", "VonMises",
                                  "LowRankMultivariateNormal", "GeneralizedPareto", "ContinuousBernoulli",
                                  "LKJCholesky", "Wishart"])
def test_class_attributes_equal_torch(name):
    ours, theirs = getattr(D, name), getattr(TD, name)
    for flag in ("has_rsample", "has_enumerate_support"):
        if isinstance(getattr(theirs, flag), bool):
            assert getattr(ours, flag) == getattr(theirs, flag), flag
    if isinstance(theirs.__dict__.get("arg_constraints"), dict):
        assert {k: repr(v) for k, v in ours.arg_constraints.items()} == \
               {k: repr(v) for k, v in theirs.arg_constraints.items()}
    if isinstance(getattr(theirs, "support", None), TD.constraints.Constraint) and \
            not TD.constraints.is_dependent(theirs.support):
        assert repr(ours.support) == repr(theirs.support)


def test_rsample_where_torch_has_none_raises_not_implemented():
    for dist in (D.Bernoulli(0.3), D.Categorical(axonml.ones(3)), D.Poisson(axonml.tensor([1.0]))):
        with pytest.raises(NotImplementedError):
            dist.rsample()


def test_sample_is_detached_rsample_is_not():
    loc = axonml.tensor([0.0, 1.0], requires_grad=True)
    dist = D.Normal(loc, 1.0)
    assert not dist.sample((3,)).requires_grad
    assert dist.rsample((3,)).requires_grad


def test_dependent_support_on_class_and_instance():
    assert D.constraints.is_dependent(D.Uniform.support)
    assert D.Uniform.support.event_dim == 0
    assert repr(D.Uniform(0.0, 2.0).support) == "Interval(lower_bound=0.0, upper_bound=2.0)"
    assert repr(D.Categorical(axonml.ones(4)).support) == "IntegerInterval(lower_bound=0, upper_bound=3)"


def test_subclass_with_its_own_init_must_define_expand():
    class Shifted(D.Normal):
        def __init__(self, shift):
            super().__init__(shift, 1.0)

    with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
        Shifted(1.0).expand((3,))


def test_every_torch_distributions_name_exists():
    import torch.distributions.constraints as TC
    import torch.distributions.transforms as TT
    assert set(TD.__all__) <= set(D.__all__), sorted(set(TD.__all__) - set(D.__all__))
    assert set(TC.__all__) <= set(D.constraints.__all__)
    assert set(TT.__all__) <= set(D.transforms.__all__)
