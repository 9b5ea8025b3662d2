"""axonml.distributions against torch.distributions on the CPU: log_prob and rsample of Normal and
MultivariateNormal, small batches (per-call overhead) and large ones (the arithmetic).

    pytest benchmarks/test_bench_distributions.py --benchmark-columns=median,iqr,rounds -s

Each case records ``ratio_vs_torch`` (axonml time / torch time, lower is better) in the benchmark's
extra_info and prints it. Parameters are float32; validation is on, as it is by default in both.
"""
import numpy as np
import pytest
import torch
import torch.distributions as TD

import axonml
import axonml.distributions as D

RNG = np.random.default_rng(0)
SIZES = {"small": 16, "large": 1 << 18}   # number of Normals; MultivariateNormal uses SIZES // 16 of dimension 8


def _pair(array):
    array = np.ascontiguousarray(array, dtype=np.float32)
    return axonml.tensor(array), torch.tensor(array)


def _normals(n):
    loc, scale = RNG.standard_normal(n), RNG.uniform(0.5, 2.0, n)
    (loc_ax, loc_th), (scale_ax, scale_th) = _pair(loc), _pair(scale)
    return D.Normal(loc_ax, scale_ax), TD.Normal(loc_th, scale_th)


def _mvns(batch, n=8):
    a = RNG.standard_normal((batch, n, n))
    (loc_ax, loc_th) = _pair(RNG.standard_normal((batch, n)))
    (cov_ax, cov_th) = _pair(a @ np.swapaxes(a, -1, -2) + n * np.eye(n))
    return (D.MultivariateNormal(loc_ax, covariance_matrix=cov_ax),
            TD.MultivariateNormal(loc_th, covariance_matrix=cov_th))


def _rounds(size):
    return 200 if size == "small" else 20


@pytest.mark.parametrize("size", list(SIZES))
def test_normal_log_prob(compare, benchmark, size):
    ours, theirs = _normals(SIZES[size])
    x_ax, x_th = _pair(RNG.standard_normal((4, SIZES[size])))
    compare(lambda: ours.log_prob(x_ax), lambda: theirs.log_prob(x_th), rounds=_rounds(size), name="torch")


@pytest.mark.parametrize("size", list(SIZES))
def test_normal_rsample(compare, benchmark, size):
    ours, theirs = _normals(SIZES[size])
    compare(lambda: ours.rsample((4,)), lambda: theirs.rsample((4,)), rounds=_rounds(size), name="torch")


@pytest.mark.parametrize("size", list(SIZES))
def test_multivariate_normal_log_prob(compare, benchmark, size):
    batch = max(SIZES[size] // 16, 1)
    ours, theirs = _mvns(batch)
    x_ax, x_th = _pair(RNG.standard_normal((4, batch, 8)))
    compare(lambda: ours.log_prob(x_ax), lambda: theirs.log_prob(x_th), rounds=_rounds(size), name="torch")


@pytest.mark.parametrize("size", list(SIZES))
def test_multivariate_normal_rsample(compare, benchmark, size):
    batch = max(SIZES[size] // 16, 1)
    ours, theirs = _mvns(batch)
    compare(lambda: ours.rsample((4,)), lambda: theirs.rsample((4,)), rounds=_rounds(size), name="torch")


def test_multivariate_normal_construct_and_log_prob_backward(compare, benchmark):
    """The training-loop pattern: build from a covariance that requires grad, score, backward."""
    batch, n = 256, 8
    a = RNG.standard_normal((batch, n, n))
    cov = (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(np.float32)
    x = RNG.standard_normal((batch, n)).astype(np.float32)
    cov_ax, cov_th = axonml.tensor(cov, requires_grad=True), torch.tensor(cov, requires_grad=True)
    x_ax, x_th = axonml.tensor(x), torch.tensor(x)
    zeros_ax, zeros_th = axonml.zeros(batch, n), torch.zeros(batch, n)

    def ours():
        D.MultivariateNormal(zeros_ax, covariance_matrix=cov_ax).log_prob(x_ax).sum().backward()

    def theirs():
        TD.MultivariateNormal(zeros_th, covariance_matrix=cov_th).log_prob(x_th).sum().backward()

    compare(ours, theirs, rounds=50, name="torch")
