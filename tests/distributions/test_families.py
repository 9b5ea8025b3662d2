"""Every family against torch.distributions with the same parameters: log_prob, entropy, mean, mode, variance,
stddev, cdf and icdf, shapes and expand, on cpu (float64) and opencl (float32)."""
import numpy as np
import pytest
import torch

import axonml

from .oracle import assert_close, dtype_for, numpy_of, pair

R = np.random.default_rng(7)


def _positive(*shape, low=0.3, high=3.0):
    return R.uniform(low, high, shape)


def _simplex(*shape):
    x = R.uniform(0.1, 1.0, shape)
    return x / x.sum(-1, keepdims=True)


def _spd(batch, n):
    a = R.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(batch, n):
    m = np.tril(R.standard_normal(batch + (n, n)) * 0.5)
    idx = np.arange(n)
    m[..., idx, idx] = R.uniform(0.5, 2.0, batch + (n,))
    return m


LOC, SCALE = R.standard_normal((2, 3)), _positive(2, 3)
LOW = R.standard_normal(3)
HIGH = LOW + _positive(3)
PROBS = R.uniform(0.05, 0.95, (2, 3))
LOGITS = R.standard_normal((2, 4))
CONC1, CONC0 = _positive(4, low=0.5), _positive(4, low=0.5)
CONC = _positive(2, 3, low=0.5)
RATE = _positive(3)
MVN_LOC = R.standard_normal((2, 3))
COV = _spd((2,), 3)
PREC = _spd((), 3)
TRIL = _tril((2,), 3)
COV_FACTOR = R.standard_normal((2, 3, 2))
GAMMA_RATE = _positive(2, 3)
CAT_WEIGHTS = _simplex(2, 5) * 3
ONE_HOT_PROBS = _simplex(3, 4)

# name -> (build(lib, cast), methods it has). build makes the distribution from the shared parameters.
FAMILIES = {
    "Normal": (lambda L, c: L.D.Normal(L.t(c(LOC)), L.t(c(SCALE))), {"cdf", "icdf", "entropy"}),
    "Normal-scalar": (lambda L, c: L.D.Normal(0.5, 2.0), {"cdf", "icdf", "entropy"}),
    "Bernoulli-probs": (lambda L, c: L.D.Bernoulli(probs=L.t(c(PROBS))), {"entropy", "enumerate"}),
    "Bernoulli-logits": (lambda L, c: L.D.Bernoulli(logits=L.t(c(LOGITS))), {"entropy", "enumerate"}),
    "Categorical-probs": (lambda L, c: L.D.Categorical(probs=L.t(c(CAT_WEIGHTS))), {"entropy", "enumerate"}),
    "Categorical-logits": (lambda L, c: L.D.Categorical(logits=L.t(c(LOGITS))), {"entropy", "enumerate"}),
    "OneHotCategorical": (lambda L, c: L.D.OneHotCategorical(probs=L.t(c(ONE_HOT_PROBS))),
                          {"entropy", "enumerate"}),
    "Uniform": (lambda L, c: L.D.Uniform(L.t(c(LOW)), L.t(c(HIGH))), {"cdf", "icdf", "entropy"}),
    "Beta": (lambda L, c: L.D.Beta(L.t(c(CONC1)), L.t(c(CONC0))), {"entropy"}),
    "Beta-scalar": (lambda L, c: L.D.Beta(2.0, 3.0), {"entropy"}),
    "Gamma": (lambda L, c: L.D.Gamma(L.t(c(CONC)), L.t(c(GAMMA_RATE))), {"entropy", "cdf"}),
    "Dirichlet": (lambda L, c: L.D.Dirichlet(L.t(c(CONC))), {"entropy"}),
    "Dirichlet-sparse": (lambda L, c: L.D.Dirichlet(L.t(c(np.array([[0.3, 0.5, 0.9], [2.0, 0.5, 3.0]])))),
                         {"entropy"}),
    "Exponential": (lambda L, c: L.D.Exponential(L.t(c(RATE))), {"cdf", "icdf", "entropy"}),
    "Laplace": (lambda L, c: L.D.Laplace(L.t(c(LOC)), L.t(c(SCALE))), {"cdf", "icdf", "entropy"}),
    "Poisson": (lambda L, c: L.D.Poisson(L.t(c(RATE * 4))), set()),
    "MVN-covariance": (lambda L, c: L.D.MultivariateNormal(L.t(c(MVN_LOC)), covariance_matrix=L.t(c(COV))),
                       {"entropy"}),
    "MVN-precision": (lambda L, c: L.D.MultivariateNormal(L.t(c(MVN_LOC)), precision_matrix=L.t(c(PREC))),
                      {"entropy"}),
    "MVN-scale_tril": (lambda L, c: L.D.MultivariateNormal(L.t(c(MVN_LOC[0])), scale_tril=L.t(c(TRIL))),
                       {"entropy"}),
    "Independent": (lambda L, c: L.D.Independent(L.D.Normal(L.t(c(LOC)), L.t(c(SCALE))), 1), {"entropy"}),
    "LogNormal": (lambda L, c: L.D.TransformedDistribution(L.D.Normal(L.t(c(LOC)), L.t(c(SCALE))),
                                                           [L.D.ExpTransform()]), {"cdf", "icdf"}),
    "Affine-Sigmoid": (lambda L, c: L.D.TransformedDistribution(
        L.D.Laplace(L.t(c(LOC)), L.t(c(SCALE))),
        [L.D.AffineTransform(L.t(c(LOC)), -2.0), L.D.SigmoidTransform()]), {"cdf", "icdf"}),
    "Tanh-Power": (lambda L, c: L.D.TransformedDistribution(
        L.D.Exponential(L.t(c(RATE))), [L.D.PowerTransform(L.t(c(np.array(0.5)))), L.D.TanhTransform()]),
        {"cdf"}),
    "StickBreaking": (lambda L, c: L.D.TransformedDistribution(
        L.D.MultivariateNormal(L.t(c(MVN_LOC)), scale_tril=L.t(c(TRIL))), [L.D.StickBreakingTransform()]), set()),
    "Reshape": (lambda L, c: L.D.TransformedDistribution(
        L.D.Normal(L.t(c(LOC)), L.t(c(SCALE))), [L.D.ReshapeTransform((2, 3), (3, 2))]), set()),
    "Cauchy": (lambda L, c: L.D.Cauchy(L.t(c(LOC)), L.t(c(SCALE))), {"cdf", "icdf", "entropy"}),
    "HalfCauchy": (lambda L, c: L.D.HalfCauchy(L.t(c(SCALE))), {"cdf", "icdf", "entropy"}),
    "Chi2": (lambda L, c: L.D.Chi2(L.t(c(CONC * 3))), {"entropy", "cdf"}),
    "StudentT": (lambda L, c: L.D.StudentT(L.t(c(np.array([0.7, 1.5, 3.0]))), L.t(c(LOC)), L.t(c(SCALE))),
                 {"entropy"}),
    "Gumbel": (lambda L, c: L.D.Gumbel(L.t(c(LOC)), L.t(c(SCALE))), {"entropy", "cdf", "icdf"}),
    "Geometric-probs": (lambda L, c: L.D.Geometric(probs=L.t(c(PROBS))), {"entropy"}),
    "Geometric-logits": (lambda L, c: L.D.Geometric(logits=L.t(c(LOGITS))), {"entropy"}),
    "LogNormal-family": (lambda L, c: L.D.LogNormal(L.t(c(LOC)), L.t(c(SCALE))), {"entropy", "cdf", "icdf"}),
    "HalfNormal": (lambda L, c: L.D.HalfNormal(L.t(c(SCALE))), {"entropy", "cdf", "icdf"}),
    "Weibull": (lambda L, c: L.D.Weibull(L.t(c(SCALE)), L.t(c(CONC))), {"entropy", "cdf", "icdf"}),
    "Pareto": (lambda L, c: L.D.Pareto(L.t(c(SCALE)), L.t(c(CONC * 2))), {"entropy", "cdf", "icdf"}),
    "InverseGamma": (lambda L, c: L.D.InverseGamma(L.t(c(CONC * 2)), L.t(c(GAMMA_RATE))), {"entropy"}),
    "LogisticNormal": (lambda L, c: L.D.LogisticNormal(L.t(c(LOC)), L.t(c(SCALE))), set()),
    "Mixture-Normal": (lambda L, c: L.D.MixtureSameFamily(L.D.Categorical(probs=L.t(c(ONE_HOT_PROBS[:2, :3]))),
                                                          L.D.Normal(L.t(c(LOC)), L.t(c(SCALE)))), {"cdf"}),
    "Mixture-MVN": (lambda L, c: L.D.MixtureSameFamily(
        L.D.Categorical(logits=L.t(c(LOGITS[0, :2]))),
        L.D.MultivariateNormal(L.t(c(MVN_LOC)), scale_tril=L.t(c(TRIL)))), set()),
    "RelaxedBernoulli": (lambda L, c: L.D.RelaxedBernoulli(L.t(c(np.array(0.7))), probs=L.t(c(PROBS))), set()),
    "LogitRelaxedBernoulli": (lambda L, c: L.D.relaxed_bernoulli.LogitRelaxedBernoulli(
        L.t(c(np.array(1.5))), logits=L.t(c(LOGITS))), set()),
    "RelaxedOneHotCategorical": (lambda L, c: L.D.RelaxedOneHotCategorical(L.t(c(np.array(0.5))),
                                                                           logits=L.t(c(LOGITS))), set()),
    "ExpRelaxedCategorical": (lambda L, c: L.D.relaxed_categorical.ExpRelaxedCategorical(L.t(c(np.array(2.0))),
                                                                     probs=L.t(c(ONE_HOT_PROBS))), set()),
    "OneHotCategoricalStraightThrough": (lambda L, c: L.D.OneHotCategoricalStraightThrough(
        probs=L.t(c(ONE_HOT_PROBS))), {"entropy", "enumerate"}),
    "Binomial": (lambda L, c: L.D.Binomial(L.t(c(np.array([[5.0, 12.0, 30.0], [1.0, 0.0, 100.0]]))),
                                           probs=L.t(c(PROBS))), set()),
    "Binomial-homogeneous": (lambda L, c: L.D.Binomial(8, logits=L.t(c(LOGITS))), {"entropy", "enumerate"}),
    "Multinomial": (lambda L, c: L.D.Multinomial(6, probs=L.t(c(ONE_HOT_PROBS))), {"entropy"}),
    "NegativeBinomial": (lambda L, c: L.D.NegativeBinomial(L.t(c(CONC * 2)), probs=L.t(c(PROBS))), set()),
    "NegativeBinomial-logits": (lambda L, c: L.D.NegativeBinomial(L.t(c(CONC)), logits=L.t(c(LOC))), set()),
    "FisherSnedecor": (lambda L, c: L.D.FisherSnedecor(L.t(c(np.array([1.5, 3.0, 8.0]))),
                                                       L.t(c(np.array([[1.0, 3.0, 5.0], [6.0, 9.0, 2.5]])))), set()),
    "Kumaraswamy": (lambda L, c: L.D.Kumaraswamy(L.t(c(CONC * 2)), L.t(c(GAMMA_RATE + 0.5))), {"entropy"}),
    "VonMises": (lambda L, c: L.D.VonMises(L.t(c(LOC)), L.t(c(np.array([[0.5, 2.0, 5.0], [8.0, 0.1, 3.7]])))), set()),
    "LowRankMVN": (lambda L, c: L.D.LowRankMultivariateNormal(L.t(c(MVN_LOC)), L.t(c(COV_FACTOR)),
                                                              L.t(c(SCALE))), {"entropy"}),
    "LowRankMVN-broadcast": (lambda L, c: L.D.LowRankMultivariateNormal(L.t(c(MVN_LOC[0])), L.t(c(COV_FACTOR)),
                                                                        L.t(c(SCALE[0]))), {"entropy"}),
    "GeneralizedPareto": (lambda L, c: L.D.GeneralizedPareto(L.t(c(LOC)), L.t(c(SCALE)),
                                                             L.t(c(np.array([[0.3, 0.0, -0.2], [0.7, 0.1, 0.45]])))),
                          {"entropy", "cdf", "icdf"}),
    "ContinuousBernoulli": (lambda L, c: L.D.ContinuousBernoulli(
        probs=L.t(c(np.array([[0.1, 0.4995, 0.5], [0.7, 0.9999, 0.5005]])))), {"entropy", "cdf", "icdf"}),
    "ContinuousBernoulli-logits": (lambda L, c: L.D.ContinuousBernoulli(logits=L.t(c(LOGITS))),
                                   {"entropy", "cdf", "icdf"}),
    "LKJCholesky": (lambda L, c: L.D.LKJCholesky(3, L.t(c(np.array([0.5, 1.0, 4.0])))), set()),
    "LKJCholesky-scalar": (lambda L, c: L.D.LKJCholesky(4, 2.0), set()),
    "Wishart-covariance": (lambda L, c: L.D.Wishart(L.t(c(np.array([4.0, 6.5]))), covariance_matrix=L.t(c(COV))),
                           {"entropy"}),
    "Wishart-precision": (lambda L, c: L.D.Wishart(L.t(c(np.array(3.5))), precision_matrix=L.t(c(PREC))),
                          {"entropy"}),
    "Wishart-scale_tril": (lambda L, c: L.D.Wishart(L.t(c(np.array([5.0, 3.5]))), scale_tril=L.t(c(TRIL))),
                           {"entropy"}),
}

MOMENTS = ("mean", "variance", "stddev", "mode")

# torch's Multinomial entropy takes lgamma(total_count + 1) of an int64 tensor, which it computes in float32
ENTROPY_TOLERANCE = {"Multinomial": {"rtol": 1e-7}}
# ContinuousBernoulli's variance cancels near probs = 1/2 (just outside its Taylor region): float32 loses about
# 1e-2 relative there, in torch as here
MOMENT_TOLERANCE = {("ContinuousBernoulli-logits", "opencl"): {"rtol": 2e-2},
                    ("ContinuousBernoulli", "opencl"): {"rtol": 2e-2}}
# torch's GeneralizedPareto compares its parameters with a float32 zero, so it only runs in float32
FLOAT32_REFERENCE = {"GeneralizedPareto"}


def _both(name, device):
    ours, theirs = pair(device)
    dtype = dtype_for(device)
    cast = (lambda a: np.asarray(a, dtype=dtype))
    build, methods = FAMILIES[name]
    reference = np.float32 if name in FLOAT32_REFERENCE else np.float64
    return build(ours, cast), build(theirs, lambda a: np.asarray(a, dtype=reference)), methods, ours


def _scored_values(theirs, device, name=""):
    """Values in the support (the torch distribution's own draws), as (ours, theirs) tensors."""
    torch.manual_seed(3)
    value = theirs.sample((4,))
    if not (theirs.support.is_discrete or value.dtype == torch.int64 or name.endswith("-scalar")):
        value = value.to(torch.float32 if name in FLOAT32_REFERENCE else torch.float64)
    array = value.numpy()
    if array.dtype.kind == "f" and not name.endswith("-scalar"):
        array = array.astype(dtype_for(device))
    if name.endswith("-scalar"):
        device = "cpu"
    reference = torch.tensor(array)
    if isinstance(theirs.support, type(torch.distributions.constraints.corr_cholesky)) and array.dtype == np.float32:
        # rows rounded to float32 are not unit rows at float64 precision: renormalise the reference's
        reference = reference.double()
        reference = (reference / reference.norm(dim=-1, keepdim=True)).to(value.dtype)
    return axonml.tensor(array, device=device), value if array.dtype.kind != "f" else reference


def _reference_value(name, value):
    if not value.dtype.is_floating_point or name.endswith("-scalar"):
        return value
    return value.to(torch.float32 if name in FLOAT32_REFERENCE else torch.float64)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_log_prob_entropy_and_moments_equal_torch(name, device):
    ours, theirs, methods, _ = _both(name, device)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    value_ours, value_theirs = _scored_values(theirs, device, name)
    assert_close(ours.log_prob(value_ours), theirs.log_prob(_reference_value(name, value_theirs)), device)
    if "entropy" in methods:
        assert_close(ours.entropy(), theirs.entropy(), device, **ENTROPY_TOLERANCE.get(name, {}))
    for moment in MOMENTS:
        try:
            expected = getattr(theirs, moment)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(ours, moment)
            continue
        assert_close(getattr(ours, moment), expected, device, **MOMENT_TOLERANCE.get((name, device), {}))


@pytest.mark.parametrize("name", [n for n, (_, m) in FAMILIES.items() if "cdf" in m])
def test_cdf_and_icdf_equal_torch(name, device):
    ours, theirs, methods, lib = _both(name, device)
    value_ours, value_theirs = _scored_values(theirs, device, name)
    value_theirs = _reference_value(name, value_theirs)
    assert_close(ours.cdf(value_ours), theirs.cdf(value_theirs), device)
    if "icdf" in methods:
        q = np.linspace(0.05, 0.95, 4 * int(np.prod(theirs.batch_shape))).reshape((4,) + tuple(theirs.batch_shape))
        expected = theirs.icdf(_reference_value(name, torch.tensor(q)))
        assert_close(ours.icdf(lib.t(q.astype(dtype_for(device)))), expected, device,
                     rtol=max(1e-7, 2e-4 if device == "opencl" else 0))


@pytest.mark.parametrize("name", [n for n, (_, m) in FAMILIES.items() if "enumerate" in m])
def test_enumerate_support_equals_torch(name, device):
    ours, theirs, _, _ = _both(name, device)
    for expand in (True, False):
        assert_close(ours.enumerate_support(expand), theirs.enumerate_support(expand), device)


@pytest.mark.parametrize("name", ["Normal", "Bernoulli-logits", "Categorical-probs", "OneHotCategorical", "Gamma",
                                  "Dirichlet", "Beta", "MVN-scale_tril", "Independent", "LogNormal", "Uniform",
                                  "Poisson", "Laplace", "Exponential", "Cauchy", "Chi2", "StudentT", "Gumbel",
                                  "Geometric-probs", "HalfNormal", "Weibull", "Pareto", "InverseGamma",
                                  "LogisticNormal"])
def test_expand_gives_torch_shapes_and_log_prob(name, device):
    ours, theirs, _, _ = _both(name, device)
    batch = (5,) + tuple(theirs.batch_shape)
    big_ours, big_theirs = ours.expand(batch), theirs.expand(batch)
    assert tuple(big_ours.batch_shape) == tuple(big_theirs.batch_shape)
    assert tuple(big_ours.event_shape) == tuple(big_theirs.event_shape)
    value_ours, value_theirs = _scored_values(big_theirs, device)
    expected = big_theirs.log_prob(_reference_value(name, value_theirs))
    assert_close(big_ours.log_prob(value_ours), expected, device)
    assert tuple(big_ours.sample((2,)).shape) == tuple(big_theirs.sample((2,)).shape)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_sample_shapes_and_support(name, device):
    ours, theirs, _, _ = _both(name, device)
    for shape in ((), (3,), (2, 2)):
        drawn = ours.sample(shape)
        assert tuple(drawn.shape) == tuple(theirs.sample(shape).shape)
        assert str(drawn.device).startswith(device) or name.endswith("-scalar")
        assert bool(ours.support.check(drawn).all())
    if ours.has_rsample:
        assert tuple(ours.rsample((2,)).shape) == tuple(theirs.rsample((2,)).shape)


def test_repr_matches_torch():
    ours, theirs, _, _ = _both("Normal-scalar", "cpu")
    assert repr(ours) == repr(theirs).replace("torch.", "axonml.")
    ours, theirs, _, _ = _both("Normal", "cpu")
    assert repr(ours) == repr(theirs).replace("torch.", "axonml.")
    ours, theirs, _, _ = _both("Independent", "cpu")
    assert repr(ours) == repr(theirs).replace("torch.", "axonml.")


def test_perplexity_and_stddev():
    ours, theirs, _, _ = _both("Categorical-logits", "cpu")
    assert_close(ours.perplexity(), theirs.perplexity())
    assert numpy_of(ours.probs).shape == (2, 4)


@pytest.mark.parametrize("name", ["MVN-covariance", "MVN-precision", "MVN-scale_tril", "LowRankMVN",
                                  "Wishart-covariance", "Wishart-precision", "Wishart-scale_tril"])
def test_multivariate_normal_matrices_equal_torch(name, device):
    ours, theirs, _, _ = _both(name, device)
    for matrix in ("scale_tril", "covariance_matrix", "precision_matrix"):
        assert_close(getattr(ours, matrix), getattr(theirs, matrix), device,
                     **({"rtol": 1e-8, "atol": 1e-10} if device == "cpu" else {"rtol": 1e-3, "atol": 1e-4}))


@pytest.mark.parametrize("l_batch,x_batch", [((), (5,)), ((3,), (2, 3)), ((3, 1), (2, 3, 4)), ((1,), (4, 1)),
                                             ((2,), (2,))])
def test_batch_mahalanobis_equals_numpy(l_batch, x_batch):
    from axonml.distributions.multivariate_normal import _batch_mahalanobis
    n = 4
    L = _tril(l_batch, n)
    x = R.standard_normal(x_batch + (n,))
    solved = np.linalg.solve(np.broadcast_to(L, x_batch + (n, n)), x[..., None])[..., 0]
    np.testing.assert_allclose(numpy_of(_batch_mahalanobis(axonml.tensor(L), axonml.tensor(x))),
                               (solved ** 2).sum(-1), rtol=1e-10)
