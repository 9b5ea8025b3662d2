"""Draws and reparametrised gradients: sample moments within statistical bounds (seeded, fixed sizes), the
gamma/Dirichlet implicit gradients equal torch's on the same draws, and location-scale rsample gradients
equal torch's for the same noise."""
import numpy as np
import pytest
import scipy.stats
import torch
import torch.distributions as TD

import axonml
import axonml.distributions as D
from axonml.distributions import _samplers

from .oracle import assert_close, dtype_for, numpy_of

N = 20000


def _t(array, device, requires_grad=False):
    return axonml.tensor(np.asarray(array, dtype=dtype_for(device)), device=device, requires_grad=requires_grad)


def _check_moments(draws, mean, variance):
    """Sample mean and variance within 5 standard errors (the variance's estimated from the fourth moment)."""
    x = numpy_of(draws).astype(np.float64)
    n = x.shape[0]
    mean, variance = np.broadcast_to(mean, x.shape[1:]), np.broadcast_to(variance, x.shape[1:])
    centred = x - x.mean(0)
    sample_var = (centred ** 2).mean(0)
    fourth = (centred ** 4).mean(0)
    assert np.all(np.abs(x.mean(0) - mean) <= 5 * np.sqrt(variance / n)), (x.mean(0), mean)
    assert np.all(np.abs(sample_var - variance) < 5 * np.sqrt((fourth - sample_var ** 2) / n) + 1e-12), \
        (sample_var, variance)


MOMENT_CASES = {
    "Normal": lambda d: D.Normal(_t([0.0, 2.0], d), _t([1.0, 0.5], d)),
    "Uniform": lambda d: D.Uniform(_t([-1.0, 2.0], d), _t([1.0, 5.0], d)),
    "Exponential": lambda d: D.Exponential(_t([0.5, 3.0], d)),
    "Laplace": lambda d: D.Laplace(_t([0.0, -1.0], d), _t([1.0, 0.3], d)),
    "Gamma": lambda d: D.Gamma(_t([0.1, 0.7, 1.0, 4.0, 50.0], d), _t([1.0, 2.0, 0.5, 1.0, 3.0], d)),
    "Beta": lambda d: D.Beta(_t([0.2, 1.0, 5.0], d), _t([0.5, 1.0, 2.0], d)),
    "Dirichlet": lambda d: D.Dirichlet(_t([[0.3, 1.0, 2.0], [5.0, 5.0, 0.8]], d)),
    "Poisson": lambda d: D.Poisson(_t([0.0, 0.4, 3.0, 9.5, 10.0, 40.0, 500.0], d)),
    "Bernoulli": lambda d: D.Bernoulli(_t([0.1, 0.5, 0.9], d)),
    "Categorical": lambda d: D.Categorical(_t([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], d)),
    "OneHotCategorical": lambda d: D.OneHotCategorical(_t([0.1, 0.2, 0.3, 0.4], d)),
    "MultivariateNormal": lambda d: D.MultivariateNormal(_t([1.0, -1.0], d),
                                                         covariance_matrix=_t([[2.0, 0.6], [0.6, 0.5]], d)),
    "StudentT": lambda d: D.StudentT(_t([5.0, 9.0], d), _t([1.0, -1.0], d), _t([2.0, 0.5], d)),
    "Chi2": lambda d: D.Chi2(_t([0.5, 3.0, 12.0], d)),
    "Gumbel": lambda d: D.Gumbel(_t([0.0, 2.0], d), _t([1.0, 0.3], d)),
    "Geometric": lambda d: D.Geometric(_t([0.2, 0.7, 1.0], d)),
    "LogNormal": lambda d: D.LogNormal(_t([0.0, 1.0], d), _t([0.3, 0.5], d)),
    "HalfNormal": lambda d: D.HalfNormal(_t([1.0, 3.0], d)),
    "HalfCauchy-median": lambda d: D.HalfCauchy(_t([1.0, 3.0], d)),
    "Cauchy-median": lambda d: D.Cauchy(_t([0.0, 5.0], d), _t([1.0, 0.2], d)),
    "Weibull": lambda d: D.Weibull(_t([1.0, 2.0], d), _t([1.5, 4.0], d)),
    "Pareto": lambda d: D.Pareto(_t([1.0, 2.0], d), _t([5.0, 9.0], d)),
    "InverseGamma": lambda d: D.InverseGamma(_t([6.0, 9.0], d), _t([2.0, 1.0], d)),
    "Binomial": lambda d: D.Binomial(_t([0.0, 5.0, 20.0, 100.0, 1000.0, 7.0, 50.0, 3.0], d),
                                     _t([0.3, 0.0, 0.2, 0.7, 0.45, 1.0, 0.95, 0.5], d)),
    "Multinomial": lambda d: D.Multinomial(30, _t([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]], d)),
    "NegativeBinomial": lambda d: D.NegativeBinomial(_t([0.5, 3.0, 20.0], d), _t([0.3, 0.8, 0.5], d)),
    "FisherSnedecor": lambda d: D.FisherSnedecor(_t([3.0, 10.0], d), _t([12.0, 20.0], d)),
    "Kumaraswamy": lambda d: D.Kumaraswamy(_t([0.5, 2.0, 5.0], d), _t([0.7, 3.0, 1.5], d)),
    "LowRankMultivariateNormal": lambda d: D.LowRankMultivariateNormal(_t([1.0, -1.0, 0.0], d),
                                                                       _t([[1.0], [0.5], [-1.0]], d),
                                                                       _t([0.5, 1.0, 0.2], d)),
    "GeneralizedPareto": lambda d: D.GeneralizedPareto(_t([0.0, 1.0, -1.0], d), _t([1.0, 2.0, 0.5], d),
                                                       _t([0.1, 0.0, -0.3], d)),
    "ContinuousBernoulli": lambda d: D.ContinuousBernoulli(_t([0.1, 0.5, 0.8], d)),
    "Wishart": lambda d: D.Wishart(_t([4.0, 7.5], d), covariance_matrix=_t([[1.0, 0.3], [0.3, 0.5]], d)),
    "MixtureSameFamily": lambda d: D.MixtureSameFamily(D.Categorical(_t([[0.3, 0.7], [0.5, 0.5]], d)),
                                                       D.Normal(_t([[-2.0, 3.0], [0.0, 1.0]], d),
                                                                _t([[0.5, 1.0], [1.0, 0.1]], d))),
}


@pytest.mark.parametrize("name", list(MOMENT_CASES))
def test_sample_moments_within_bounds(name, device):
    dist = MOMENT_CASES[name](device)
    draws = dist.sample((N,))
    assert not draws.requires_grad
    if name.endswith("-median"):    # no mean: the sample median against icdf(1/2)
        median = numpy_of(dist.icdf(_t([0.5], device)))
        x = numpy_of(draws).astype(np.float64)
        iqr = numpy_of(dist.icdf(_t([0.75], device))) - numpy_of(dist.icdf(_t([0.25], device)))
        assert np.all(np.abs(np.median(x, 0) - median) < 5 * 1.25 * iqr / np.sqrt(N))
        return
    if name == "Categorical":
        probs = numpy_of(dist.probs)
        counts = np.stack([(numpy_of(draws) == k).mean(0) for k in range(3)], -1)
        assert np.all(np.abs(counts - probs) < 5 * np.sqrt(probs * (1 - probs) / N))
        return
    _check_moments(draws, numpy_of(dist.mean), numpy_of(dist.variance))
    if name == "MultivariateNormal":
        x = numpy_of(draws).astype(np.float64)
        np.testing.assert_allclose(np.cov(x.T), [[2.0, 0.6], [0.6, 0.5]], atol=5 * 2.0 / np.sqrt(N))


@pytest.mark.parametrize("concentration", [0.05, 0.5, 1.0, 3.0, 200.0])
def test_gamma_draws_follow_the_gamma_law(concentration, device):
    """Kolmogorov-Smirnov against scipy's gamma CDF, for alpha on both sides of the alpha < 1 boost."""
    draws = numpy_of(D.Gamma(_t([concentration], device), _t([2.0], device)).sample((4000,)))[:, 0]
    assert np.all(draws > 0) and np.all(np.isfinite(draws))
    assert scipy.stats.kstest(draws, scipy.stats.gamma(concentration, scale=0.5).cdf).pvalue > 1e-3


@pytest.mark.parametrize("rate", [0.7, 6.0, 10.0, 80.0])
def test_poisson_frequencies_follow_the_pmf(rate, device):
    draws = numpy_of(D.Poisson(_t([rate], device)).sample((N,)))[:, 0]
    assert np.all(draws == np.round(draws)) and draws.min() >= 0
    ks = np.arange(int(max(0, rate - 3 * np.sqrt(rate))), int(rate + 3 * np.sqrt(rate)) + 1)
    pmf = scipy.stats.poisson(rate).pmf(ks)
    freq = np.array([(draws == k).mean() for k in ks])
    assert np.all(np.abs(freq - pmf) < 5 * np.sqrt(pmf * (1 - pmf) / N) + 1e-4)


def test_sampling_is_reproducible_under_manual_seed(device):
    dist = MOMENT_CASES["Gamma"](device)
    axonml.manual_seed(11)
    first = numpy_of(dist.sample((5,)))
    axonml.manual_seed(11)
    np.testing.assert_array_equal(first, numpy_of(dist.sample((5,))))


# --- the implicit reparametrisation gradients, against torch's kernels ------------------------

ALPHAS = np.array([0.05, 0.3, 0.9, 1.0, 2.5, 7.0, 9.0, 30.0, 200.0])
XS = np.array([0.01, 0.1, 0.5, 0.79, 0.81, 1.0, 2.0, 5.0, 10.0, 27.0, 33.0, 190.0, 250.0])


def test_standard_gamma_grad_equals_torch(device):
    alpha, x = np.meshgrid(ALPHAS, XS)
    dtype = dtype_for(device)
    expected = torch._standard_gamma_grad(torch.tensor(alpha.astype(dtype)), torch.tensor(x.astype(dtype)))
    ours = _samplers.standard_gamma_grad(_t(alpha, device), _t(x, device))
    # torch's small-x series divides x^alpha by x^(alpha - 1) and returns 0 where x^alpha underflows; ours
    # cancels x^alpha first and stays accurate there
    underflow = alpha * np.log(x) < np.log(np.finfo(np.float64).tiny)
    assert np.all(expected.numpy()[underflow] == 0) and np.all(numpy_of(ours)[underflow] > 0)
    expected[torch.tensor(underflow)] = torch.tensor(numpy_of(ours)[underflow].astype(dtype))
    # torch's CPU kernel computes in double; a float32 device in float32, so a looser bound there
    assert_close(ours, expected, device, **({} if device == "cpu" else dict(rtol=2e-3, atol=1e-5)))


def test_dirichlet_grad_equals_torch(device):
    x, alpha, total = np.meshgrid(np.linspace(0.01, 0.99, 9), [0.3, 1.0, 3.0, 8.0, 20.0], [1.0, 5.0, 30.0, 100.0])
    total = total + alpha
    dtype = dtype_for(device)
    expected = torch._dirichlet_grad(*(torch.tensor(a.astype(dtype)) for a in (x, alpha, total)))
    ours = _samplers.dirichlet_grad(_t(x, device), _t(alpha, device), _t(total, device))
    assert_close(ours, expected, device, **({} if device == "cpu" else dict(rtol=2e-3, atol=1e-5)))


def test_gamma_rsample_gradient_equals_torch_for_the_same_draws(device):
    alpha_np, rate_np = np.array([0.4, 1.0, 3.0, 12.0]), np.array([2.0, 0.5, 1.0, 3.0])
    weights = np.random.default_rng(0).standard_normal((50, 4))
    alpha, rate = _t(alpha_np, device, True), _t(rate_np, device, True)
    x = D.Gamma(alpha, rate).rsample((50,))
    (x * _t(weights, device)).sum().backward()
    # torch's rsample is _standard_gamma(alpha) / rate: with z = x * rate, dx/dalpha = grad(alpha, z) / rate
    x_np = numpy_of(x).astype(np.float64)
    z = torch.tensor(x_np * rate_np)
    d_alpha = torch._standard_gamma_grad(torch.tensor(alpha_np).expand(50, 4), z).numpy() / rate_np
    assert_close(alpha.grad, (weights * d_alpha).sum(0), device)
    assert_close(rate.grad, (weights * -x_np / rate_np).sum(0), device)


def test_dirichlet_and_beta_rsample_gradients_equal_torch_for_the_same_draws(device):
    concentration_np = np.array([[0.5, 1.5, 3.0], [8.0, 7.0, 0.9]])
    grad_output = np.random.default_rng(1).standard_normal((30, 2, 3))
    concentration = _t(concentration_np, device, True)
    x = D.Dirichlet(concentration).rsample((30,))
    x.backward(_t(grad_output, device))
    expected = TD.dirichlet._Dirichlet_backward(torch.tensor(numpy_of(x).astype(np.float64)),
                                                torch.tensor(concentration_np).expand(30, 2, 3),
                                                torch.tensor(grad_output)).sum(0)
    # the Beta-gradient approximations lose digits to cancellation in float32 (as torch's float32 GPU kernels do)
    loose = {} if device == "cpu" else dict(rtol=5e-3, atol=1e-4)
    assert_close(concentration.grad, expected, device, **loose)

    c1, c0 = _t([0.7, 4.0], device, True), _t([2.0, 9.0], device, True)
    y = D.Beta(c1, c0).rsample((40,))
    y.sum().backward()
    y_np = numpy_of(y).astype(np.float64)
    both = torch.tensor([[0.7, 2.0], [4.0, 9.0]], dtype=torch.float64).expand(40, 2, 2)
    grad_both = torch.zeros(40, 2, 2, dtype=torch.float64)
    grad_both[..., 0] = 1
    expected = TD.dirichlet._Dirichlet_backward(torch.tensor(np.stack([y_np, 1 - y_np], -1)), both, grad_both).sum(0)
    assert_close(c1.grad, expected[:, 0], device, **loose)
    assert_close(c0.grad, expected[:, 1], device, **loose)


def test_gamma_and_dirichlet_rsample_gradients_are_unbiased(device):
    """d E[x] / d alpha from the mean of pathwise gradients: 1 / rate for a gamma; for a Dirichlet
    d E[x_0] / d alpha_0 = (A - alpha_0) / A^2."""
    alpha = _t([0.3, 2.0, 20.0], device, True)
    D.Gamma(alpha, 2.0).rsample((N,)).mean(0).sum().backward()
    assert np.all(np.abs(numpy_of(alpha.grad) - 0.5) < 0.03)

    concentration = _t([0.5, 1.0, 2.5], device, True)
    D.Dirichlet(concentration).rsample((N,))[:, 0].mean().backward()
    a, total = np.array([0.5, 1.0, 2.5]), 4.0
    expected = np.where(np.arange(3) == 0, (total - a[0]) / total ** 2, -a[0] / total ** 2)
    assert np.all(np.abs(numpy_of(concentration.grad) - expected) < 0.01)


# --- location-scale rsample: the gradient torch gives for the same noise ---------------------

def test_normal_laplace_exponential_uniform_rsample_gradients_equal_torch(device):
    loc_np, scale_np = np.array([0.5, -1.0]), np.array([2.0, 0.3])
    weights = np.random.default_rng(2).standard_normal((10, 2))
    for family in ("Normal", "Laplace", "Uniform"):
        loc, scale = _t(loc_np, device, True), _t(scale_np, device, True)
        if family == "Uniform":
            dist = D.Uniform(loc, loc + scale)
        else:
            dist = getattr(D, family)(loc, scale)
        x = dist.rsample((10,))
        (x * _t(weights, device)).sum().backward()
        noise = torch.tensor((numpy_of(x).astype(np.float64) - loc_np) / scale_np)   # what torch drew
        loc_t = torch.tensor(loc_np, requires_grad=True)
        scale_t = torch.tensor(scale_np, requires_grad=True)
        ((loc_t + noise * scale_t) * torch.tensor(weights)).sum().backward()
        assert_close(loc.grad, loc_t.grad, device)
        assert_close(scale.grad, scale_t.grad, device)

    rate = _t([0.5, 4.0], device, True)
    x = D.Exponential(rate).rsample((10,))
    (x * _t(weights, device)).sum().backward()
    rate_t = torch.tensor([0.5, 4.0], dtype=torch.float64, requires_grad=True)
    noise = torch.tensor(numpy_of(x).astype(np.float64)) * rate_t.detach()
    ((noise / rate_t) * torch.tensor(weights)).sum().backward()
    assert_close(rate.grad, rate_t.grad, device)


def test_multivariate_normal_rsample_gradient_equals_torch(device):
    loc_np = np.array([1.0, 0.0, -1.0])
    cov_np = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
    loc, cov = _t(loc_np, device, True), _t(cov_np, device, True)
    x = D.MultivariateNormal(loc, covariance_matrix=cov).rsample((6,))
    weights = np.random.default_rng(3).standard_normal((6, 3))
    (x * _t(weights, device)).sum().backward()
    L = np.linalg.cholesky(cov_np)
    noise = torch.tensor(np.linalg.solve(L, (numpy_of(x).astype(np.float64) - loc_np).T).T)
    loc_t = torch.tensor(loc_np, requires_grad=True)
    cov_t = torch.tensor(cov_np, requires_grad=True)
    torch_dist = TD.MultivariateNormal(loc_t, covariance_matrix=cov_t)
    x_t = loc_t + (torch_dist._unbroadcasted_scale_tril @ noise.unsqueeze(-1)).squeeze(-1)
    (x_t * torch.tensor(weights)).sum().backward()
    assert_close(x, x_t, device)
    assert_close(loc.grad, loc_t.grad, device)
    assert_close(cov.grad, cov_t.grad, device, **({"rtol": 1e-7} if device == "cpu" else {}))


def test_log_prob_gradients_equal_torch(device):
    """Score-function use: gradients of log_prob to the parameters, for the families with special functions."""
    value_np = np.array([0.2, 0.6, 0.9])
    for build in (lambda lib, a, b: lib.Beta(a, b), lambda lib, a, b: lib.Gamma(a, b),
                  lambda lib, a, b: lib.Normal(a, b), lambda lib, a, b: lib.Laplace(a, b)):
        a, b = _t([0.5, 2.0, 3.0], device, True), _t([1.5, 0.7, 4.0], device, True)
        build(D, a, b).log_prob(_t(value_np, device)).sum().backward()
        a_t = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
        b_t = torch.tensor([1.5, 0.7, 4.0], dtype=torch.float64, requires_grad=True)
        build(TD, a_t, b_t).log_prob(torch.tensor(value_np)).sum().backward()
        assert_close(a.grad, a_t.grad, device)
        assert_close(b.grad, b_t.grad, device)


def test_poisson_rate_zero_and_gamma_tiny_concentration(device):
    assert np.all(numpy_of(D.Poisson(_t([0.0, 0.0], device)).sample((100,))) == 0)
    draws = numpy_of(D.Gamma(_t([1e-3], device), _t([1.0], device)).sample((200,)))
    assert np.all(draws > 0) and np.all(np.isfinite(draws))


def test_entropy_gradients_equal_torch(device):
    # trigamma (digamma's derivative) is scipy's zeta(2, x) here and torch's own series there: 1e-8 apart
    loose = {"rtol": 1e-7} if device == "cpu" else {}
    for name in ("Gamma", "Beta", "Laplace", "Normal"):
        a, b = _t([0.5, 2.0, 3.0], device, True), _t([1.5, 0.7, 4.0], device, True)
        getattr(D, name)(a, b).entropy().sum().backward()
        a_t = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
        b_t = torch.tensor([1.5, 0.7, 4.0], dtype=torch.float64, requires_grad=True)
        getattr(TD, name)(a_t, b_t).entropy().sum().backward()
        assert_close(a.grad, a_t.grad, device, **loose)
        assert_close(b.grad, b_t.grad, device, **loose)
    concentration = _t([[0.5, 2.0, 3.0]], device, True)
    D.Dirichlet(concentration).entropy().sum().backward()
    concentration_t = torch.tensor([[0.5, 2.0, 3.0]], dtype=torch.float64, requires_grad=True)
    TD.Dirichlet(concentration_t).entropy().sum().backward()
    assert_close(concentration.grad, concentration_t.grad, device, **loose)


def test_categorical_never_draws_a_zero_probability_category(device):
    probs = _t([[0.0, 0.5, 0.0, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0]], device)
    draws = numpy_of(D.Categorical(probs).sample((N,)))
    assert set(np.unique(draws[:, 0])) == {1, 3} and set(np.unique(draws[:, 1])) == {0}


def test_uniform_log_prob_outside_the_support_is_minus_infinity():
    low, high = axonml.tensor([0.0], requires_grad=True), axonml.tensor([2.0], requires_grad=True)
    log_prob = D.Uniform(low, high, validate_args=False).log_prob(axonml.tensor([-1.0, 0.5, 2.0]))
    np.testing.assert_allclose(numpy_of(log_prob), [-np.inf, -np.log(2.0), -np.inf], rtol=1e-6)
    log_prob[1].backward()
    np.testing.assert_allclose(numpy_of(low.grad), [0.5])
    np.testing.assert_allclose(numpy_of(high.grad), [-0.5])


def test_straight_through_and_relaxed_rsample_gradients_equal_torch(device):
    logits_np = np.array([[0.3, -1.0, 2.0], [0.0, 0.5, 0.1]])
    weights = np.random.default_rng(4).standard_normal((7, 2, 3))
    logits = _t(logits_np, device, True)
    (D.OneHotCategoricalStraightThrough(logits=logits).rsample((7,)) * _t(weights, device)).sum().backward()
    logits_t = torch.tensor(logits_np, requires_grad=True)
    (TD.OneHotCategoricalStraightThrough(logits=logits_t).rsample((7,)) * torch.tensor(weights)).sum().backward()
    assert_close(logits.grad, logits_t.grad, device)

    # a relaxed draw is a function of its logits and the Gumbel noise, which is recovered from the draw
    temperature = 0.7
    logits = _t(logits_np, device, True)
    y = D.RelaxedOneHotCategorical(_t(temperature, device), logits=logits).rsample((7,))
    (y * _t(weights, device)).sum().backward()
    log_y = np.log(numpy_of(y).astype(np.float64))
    normalised = logits_np - np.log(np.exp(logits_np).sum(-1, keepdims=True))
    gumbels = torch.tensor(log_y * temperature - normalised)      # equal up to a constant per row
    logits_t = torch.tensor(logits_np, requires_grad=True)
    scores = (TD.Categorical(logits=logits_t).logits + gumbels) / temperature
    (torch.softmax(scores, -1) * torch.tensor(weights)).sum().backward()
    assert_close(logits.grad, logits_t.grad, device, **({"rtol": 1e-7} if device == "cpu" else {}))


def test_mixture_same_family_rejects_mismatched_components():
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(axonml.ones(3)), D.Normal(axonml.zeros(4), axonml.ones(4)))
    with pytest.raises(ValueError, match="needs to be an"):
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(axonml.zeros(4), axonml.ones(4)))
    with pytest.raises(ValueError, match="is not compatible"):
        D.MixtureSameFamily(D.Categorical(axonml.ones(3, 4)), D.Normal(axonml.zeros(2, 4), axonml.ones(2, 4)))


@pytest.mark.parametrize("concentration", [0.3, 2.0, 20.0])
def test_von_mises_draws_follow_the_law(concentration, device):
    draws = numpy_of(D.VonMises(_t([0.5], device), _t([concentration], device)).sample((4000,)))[:, 0]
    assert np.all(draws >= -np.pi) and np.all(draws < np.pi)
    # scipy's law lives on (loc - pi, loc + pi): compare the offsets from loc, wrapped onto [-pi, pi)
    offsets = np.mod(draws.astype(np.float64) - 0.5 + np.pi, 2 * np.pi) - np.pi
    assert scipy.stats.kstest(offsets, scipy.stats.vonmises(concentration).cdf).pvalue > 1e-3


@pytest.mark.parametrize("eta,d", [(1.5, 3), (4.0, 5)])
def test_lkj_cholesky_draws_are_correlation_factors_with_the_lkj_marginals(eta, d, device):
    """Each off-diagonal correlation of LKJ(eta) in dimension d is 2 Beta(b, b) - 1 with b = eta - 1 + d / 2
    (torch's own draws fail this from d = 3 on)."""
    L = D.LKJCholesky(d, _t([eta], device)).sample((N // 4,))[:, 0]
    assert bool(D.constraints.corr_cholesky.check(L).all())
    corr = numpy_of(L @ L.mT).astype(np.float64)
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1.0, atol=1e-5)
    b = eta - 1 + d / 2
    marginal = scipy.stats.beta(b, b, loc=-1, scale=2)
    for i in range(1, d):
        for j in range(i):
            assert scipy.stats.kstest(corr[:, i, j], marginal.cdf).pvalue > 1e-3, (i, j)


def test_wishart_rsample_gradient_to_the_scale_equals_torch_for_the_same_noise(device):
    """A Bartlett draw is L A A^T L^T: given the draw, A = L^-1 chol(W) is the noise torch would have used."""
    cov_np = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
    cov = _t(cov_np, device, True)
    draw = D.Wishart(_t(6.0, device), covariance_matrix=cov).rsample((4,))
    weights = np.random.default_rng(5).standard_normal((4, 3, 3))
    (draw * _t(weights, device)).sum().backward()
    L = np.linalg.cholesky(cov_np)
    A = np.linalg.solve(L, np.linalg.cholesky(numpy_of(draw).astype(np.float64)))
    cov_t = torch.tensor(cov_np, requires_grad=True)
    chol = torch.linalg.cholesky(cov_t) @ torch.tensor(A)
    ((chol @ chol.mT) * torch.tensor(weights)).sum().backward()
    assert_close(cov.grad, cov_t.grad, device, **({"rtol": 1e-6, "atol": 1e-8} if device == "cpu" else
                                                  {"rtol": 2e-3, "atol": 1e-3}))
