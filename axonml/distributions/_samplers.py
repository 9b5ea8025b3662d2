"""The draws and reparametrisation gradients that have no core op: gamma, Dirichlet and Poisson sampling, and
the implicit gradients of gamma and Dirichlet samples (torch's _standard_gamma, _standard_gamma_grad,
_sample_dirichlet, _dirichlet_grad, poisson).

Every function is composed from Tensor ops, so it runs on each device. The samplers draw whole tensors from
the default generator in rounds and keep each element's first accepted proposal: a rejection sampler made
elementwise. The gradient approximations are PyTorch's (aten/native/Distributions.h, after Jankowiak and
Obermeyer, "Pathwise Derivatives Beyond the Reparameterization Trick", 2018): series, saddle-point and
rational fits chosen per element by where, computed in float64 where the device has it. The binomial
sampler is torch's too (after TensorFlow's): inversion below count * p = 10, Hörmann's BTRS above.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd import Function, no_grad
from ..creation import ones_like, rand_like, randn_like, zeros_like
from ..functional import where
from ..tensor import Tensor

__all__ = ["standard_gamma", "standard_gamma_grad", "sample_dirichlet", "dirichlet_grad", "dirichlet_rsample",
           "poisson", "binomial"]


def _accumulate(t: Tensor) -> Tensor:
    """t in the accumulation type torch's CPU kernels use: float64 (float32 where the device lacks it)."""
    if t.device.type == "cpu":
        return t.double()
    return t


# the branches not taken overflow or divide by zero on the elements they do not serve; where discards them
def _branches_quiet():
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def _tiny(dtype) -> float:
    return _dtype.finfo(dtype).tiny


def _sample_standard_gamma(alpha: Tensor) -> Tensor:
    """Gamma(alpha, 1) draws, by Marsaglia and Tsang's rejection method (2000) with alpha < 1 boosted to
    alpha + 1 and scaled by U^(1/alpha); at least the smallest normal number, as torch's."""
    with no_grad(), _branches_quiet():
        alpha = alpha.detach()
        small = alpha < 1
        boosted = where(small, alpha + 1, alpha)
        d = boosted - 1.0 / 3.0
        c = 1.0 / (9.0 * d).sqrt()
        result = zeros_like(alpha)
        pending = ones_like(alpha, dtype=_dtype.bool)
        while bool(pending.any()):
            x = randn_like(alpha)
            y = 1.0 + c * x
            v = y * y * y
            u = 1.0 - rand_like(alpha)
            xx = x * x
            accept = (y > 0) & ((u < 1.0 - 0.0331 * xx * xx) | (u.log() < 0.5 * xx + d * (1.0 - v + v.log())))
            result = where(pending & accept, d * v, result)
            pending = pending & ~accept
        scale = where(small, (1.0 - rand_like(alpha)) ** (1.0 / alpha), 1.0)
        result = where(alpha == 0, 0.0, result * scale)
        return result.clamp(min=_tiny(alpha.dtype))


class _StandardGamma(Function):
    """A Gamma(alpha, 1) draw whose gradient to alpha is the implicit reparametrisation gradient."""

    @staticmethod
    def forward(ctx, alpha):
        x = _sample_standard_gamma(alpha)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        alpha, x = ctx.saved_tensors
        return grad_output * standard_gamma_grad(alpha, x)


def standard_gamma(alpha: Tensor) -> Tensor:
    """Draws from Gamma(alpha, 1), differentiable in alpha (torch._standard_gamma)."""
    return _StandardGamma.apply(alpha)


def standard_gamma_grad(alpha: Tensor, x: Tensor) -> Tensor:
    """d x / d alpha for x ~ Gamma(alpha, 1): -(d/d alpha CDF(x; alpha)) / pdf(x; alpha), approximated as torch does
    (torch._standard_gamma_grad)."""
    with no_grad(), _branches_quiet():
        dtype = x.dtype
        a, x = _accumulate(alpha.detach()), _accumulate(x.detach())
        # Taylor series for small x
        numer = ones_like(x)
        denom = a
        series1 = numer / denom
        series2 = numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-x / i)
            denom = denom + 1
            series1 = series1 + numer / denom
            series2 = series2 + numer / (denom * denom)
        # -(dCDF/dalpha) / pdf with the common factor x^alpha cancelled, so that it cannot underflow
        series = -x * x.exp() * ((x.log() - a.digamma()) * series1 - series2)
        series = where(series.isnan(), 0.0, series)
        # Rice saddle-point expansion for large alpha
        numer_1 = 1 + 24 * a * (1 + 12 * a)
        numer_2 = 1440 * (a * a) + 6 * x * (53 - 120 * x) - 65 * x * x / a + a * (107 + 3600 * x)
        near_mean = numer_1 * numer_2 / (1244160 * (a * a) * (a * a))
        root = (8 * a).sqrt()
        term2 = root / (a - x)
        term3 = (x - a - a * (x / a).log()) ** -1.5
        term23 = where(x < a, term2 - term3, term2 + term3)
        term1 = (x / a).log() * term23 - (2 / a).sqrt() * (a + x) / ((a - x) * (a - x))
        stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
        far_from_mean = -stirling * (x * term1) / root
        saddle = where((0.9 * a <= x) & (x <= 1.1 * a), near_mean, far_from_mean)
        # bivariate rational approximation otherwise
        u = (x / a).log()
        v = a.log()
        coef = [_GAMMA_COEF_UV[0][i] + u * (_GAMMA_COEF_UV[1][i] + u * _GAMMA_COEF_UV[2][i]) for i in range(8)]
        p = coef[0] + v * (coef[1] + v * (coef[2] + v * coef[3]))
        q = coef[4] + v * (coef[5] + v * (coef[6] + v * coef[7]))
        rational = (p / q).exp()
        grad = where(x < 0.8, series, where(a > 8.0, saddle, rational))
        return grad.to(dtype)


_GAMMA_COEF_UV = (
    (0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
    (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623),
    (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367,
     -1.5247877e-07),
)


def sample_dirichlet(concentration: Tensor) -> Tensor:
    """Draws from Dirichlet(concentration) over the last dimension: normalised gamma draws (torch._sample_dirichlet)."""
    with no_grad():
        gammas = _sample_standard_gamma(concentration)
        total = gammas.sum(-1, keepdim=True)
        return (gammas / total).clamp(min=_tiny(gammas.dtype))


def _beta_grad_alpha_small(x, alpha, beta):
    """d x / d alpha of a Beta(alpha, beta) draw x near 0, by a Taylor expansion."""
    factor = alpha.digamma() - (alpha + beta).digamma() - x.log()
    numer = ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * (i - beta) * x / i
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** (-beta) * series
    return where(result.isnan(), 0.0, result)


def _beta_grad_beta_small(x, alpha, beta):
    """d x / d beta of a Beta(alpha, beta) draw x near 0, by a Taylor expansion."""
    factor = (alpha + beta).digamma() - beta.digamma()
    numer = ones_like(x)
    betas = ones_like(x)
    dbetas = zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    result = -(1 - x) ** (1 - beta) * series
    return where(result.isnan(), 0.0, result)


def _beta_grad_alpha_mid(x, alpha, beta):
    """d x / d alpha of a Beta(alpha, beta) draw for large alpha and beta, by a Rice saddle-point expansion."""
    total = alpha + beta
    mean = alpha / total
    std = (alpha * beta / (total + 1)).sqrt() / total
    poly = 47 * x * (beta * beta) * (beta * beta) + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * (beta * beta) * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * (beta * beta) + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))))
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    at_mean = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / (2 * alpha * beta / total).sqrt()
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    term1_den = (2 * alpha / beta).sqrt() * total ** 1.5 * axbx * axbx
    term1 = term1_num / term1_den
    term2 = 0.5 * (alpha / (total * x)).log()
    term3 = (8 * alpha * beta / total).sqrt() / (beta * x + alpha * (x - 1))
    term4 = (beta * (beta / (total * (1 - x))).log() + alpha * (alpha / (total * x)).log()) ** -1.5
    term1234 = term1 + term2 * (term3 + where(x < mean, term4, -term4))
    away = stirling * prefactor * term1234
    return where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), at_mean, away)


def dirichlet_grad(x: Tensor, alpha: Tensor, total: Tensor) -> Tensor:
    """The scaled reparametrised gradient -(d/d alpha CDF(x; alpha, beta)) / pdf(x; alpha, beta) / (1 - x) of a
    Beta(alpha, total - alpha) draw x, the building block of Dirichlet's (torch._dirichlet_grad)."""
    with no_grad(), _branches_quiet():
        dtype = x.dtype
        x, alpha, total = (_accumulate(t.detach()) for t in (x, alpha, total))
        beta = total - alpha
        boundary = total * x * (1 - x)
        near_zero = _beta_grad_alpha_small(x, alpha, beta)
        near_one = -_beta_grad_beta_small(1 - x, beta, alpha)
        both_large = _beta_grad_alpha_mid(x, alpha, beta)
        u = x.log()
        a = alpha.log() - u
        b = total.log() - a
        pow_u = (1.0, u, u * u)
        pow_a = (1.0, a, a * a)
        p = zeros_like(x)
        q = zeros_like(x)
        for i in range(3):
            for j in range(3):
                ua = pow_u[i] * pow_a[j]
                cp, cq = _DIRICHLET_COEF[0][i][j], _DIRICHLET_COEF[1][i][j]
                p = p + ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
                q = q + ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
        approx = x * (total.digamma() - alpha.digamma()) / beta
        rational = p / q * approx
        grad = where((x <= 0.5) & (boundary < 2.5), near_zero,
                     where((x >= 0.5) & (boundary < 0.75), near_one,
                           where((alpha > 6) & (beta > 6), both_large, rational)))
        return grad.to(dtype)


_DIRICHLET_COEF = (
    (((1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
      (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
      (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013)),
     ((0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
      (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
      (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05)),
     ((-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
      (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
      (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05))),
    (((1, -0.02924021934, -0.04438342661, 0.007285809825),
      (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
      (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149)),
     ((0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
      (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
      (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05)),
     ((0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
      (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
      (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06))),
)


def _dirichlet_backward(x: Tensor, concentration: Tensor, grad_output: Tensor) -> Tensor:
    total = concentration.sum(-1, keepdim=True).expand_as(concentration)
    grad = dirichlet_grad(x, concentration, total)
    return grad * (grad_output - (x * grad_output).sum(-1, keepdim=True))


class _Dirichlet(Function):
    @staticmethod
    def forward(ctx, concentration):
        x = sample_dirichlet(concentration)
        ctx.save_for_backward(x, concentration)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        x, concentration = ctx.saved_tensors
        return _dirichlet_backward(x, concentration, grad_output)


def dirichlet_rsample(concentration: Tensor) -> Tensor:
    """A Dirichlet(concentration) draw, differentiable in concentration."""
    return _Dirichlet.apply(concentration)


def poisson(rate: Tensor) -> Tensor:
    """Poisson(rate) draws, as floats of rate's dtype (torch.poisson): Knuth's product of uniforms below rate 10,
    Hörmann's transformed rejection (PTRS, 1993) from 10 up."""
    with no_grad(), _branches_quiet():
        rate = rate.detach()
        # Knuth: count uniforms until their product drops below exp(-rate)
        small = rate < 10
        threshold = (-where(small, rate, 0.0)).exp()
        product = ones_like(rate)
        count = zeros_like(rate)
        active = small & (rate > 0)
        while bool(active.any()):
            product = where(active, product * rand_like(rate), product)
            active = active & (product > threshold)
            count = count + active.to(rate.dtype)
        # PTRS for large rates
        lam = where(small, 10.0, rate)
        slam = lam.sqrt()
        loglam = lam.log()
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        large = zeros_like(rate)
        pending = ~small
        while bool(pending.any()):
            u = rand_like(rate) - 0.5
            v = rand_like(rate)
            us = 0.5 - u.abs()
            k = ((2 * a / us + b) * u + lam + 0.43).floor()
            quick = (us >= 0.07) & (v <= vr)
            possible = (k >= 0) & ~((us < 0.013) & (v > us))
            exact = (v.log() + invalpha.log() - (a / (us * us) + b).log()
                     <= -lam + k * loglam - (k + 1).lgamma())
            accept = quick | (possible & exact)
            large = where(pending & accept, k, large)
            pending = pending & ~accept
        return where(small, count, large)


_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                  0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                  0.00925546218271273, 0.00833056343336287)


def _stirling_approx_tail(k: Tensor) -> Tensor:
    """log(k!) minus its Stirling approximation: a table below 10, the series above."""
    kp1sq = (k + 1) * (k + 1)
    tail = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    for i, value in enumerate(_STIRLING_TAIL):
        tail = where(k == i, value, tail)
    return tail


def _binomial_small_mean(count: Tensor, prob: Tensor, active: Tensor) -> Tensor:
    """Binomial draws by inversion: count the geometric waiting times that fit in count trials."""
    logprob = (-prob).log1p()
    geom_sum = zeros_like(count)
    num_geom = zeros_like(count)
    while bool(active.any()):
        geom = ((rand_like(count)).log() / logprob).ceil()
        geom_sum = where(active, geom_sum + geom, geom_sum)
        active = active & (geom_sum <= count)
        num_geom = num_geom + active.to(count.dtype)
    return num_geom


def _binomial_btrs(count: Tensor, prob: Tensor, active: Tensor) -> Tensor:
    """Binomial draws by Hörmann's transformed rejection with squeeze (BTRS, 1993), for count * prob >= 10."""
    stddev = (count * prob * (1 - prob)).sqrt()
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = ((count + 1) * prob).floor()
    result = zeros_like(count)
    pending = active
    while bool(pending.any()):
        u = rand_like(count) - 0.5
        v = rand_like(count)
        us = 0.5 - u.abs()
        k = ((2 * a / us + b) * u + c).floor()
        sensible = (k >= 0) & (k <= count)
        quick = (us >= 0.07) & (v <= v_r)
        log_v = (v * alpha / (a / (us * us) + b)).log()
        upper = ((m + 0.5) * ((m + 1) / (r * (count - m + 1))).log()
                 + (count + 1) * ((count - m + 1) / (count - k + 1)).log()
                 + (k + 0.5) * (r * (count - k + 1) / (k + 1)).log()
                 + _stirling_approx_tail(m) + _stirling_approx_tail(count - m)
                 - _stirling_approx_tail(k) - _stirling_approx_tail(count - k))
        accept = sensible & (quick | (log_v <= upper))
        result = where(pending & accept, k, result)
        pending = pending & ~accept
    return result


def binomial(count: Tensor, prob: Tensor) -> Tensor:
    """Binomial(count, prob) draws as floats (torch.binomial); draws for prob > 1/2 are count minus a draw with
    1 - prob, so that both algorithms see prob <= 1/2."""
    with no_grad(), _branches_quiet():
        count, prob = count.detach(), prob.detach()
        flipped = prob > 0.5
        q = where(flipped, 1 - prob, prob)
        live = (count > 0) & (prob > 0) & (prob < 1)
        large = count * q >= 10.0
        safe_q = where(live, q, 0.25)
        draws = where(large, _binomial_btrs(count, where(large, safe_q, 0.25), live & large),
                      _binomial_small_mean(count, safe_q, live & ~large))
        draws = where(flipped, count - draws, draws)
        draws = where(live, draws, where((prob >= 1) & (count > 0), count, 0.0))
        return draws
