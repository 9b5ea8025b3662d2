"""Random sampling ops: the in-place fills (uniform_, normal_, bernoulli_, random_, exponential_),
bernoulli and multinomial.

Every draw goes through the backend's random primitives with ``axonml.random.default_generator``
or the ``generator=`` given, so manual_seed makes them reproducible on every device. The fills
compute a fresh tensor that ``Tensor._inplace`` writes; no gradient flows through a drawn value.
"""
from __future__ import annotations

import math
import numbers

import numpy as np  # dtype limits only, on the host

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..random import default_generator
from ..tensor import Tensor
from .reduce import _legacy_name

__all__ = ["bernoulli", "multinomial"]

_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int", "int64": "long"}


def _draw(xp, kind, shape, dtype, params, generator):
    if kind == "uniform":
        return xp.uniform(shape, params[0], params[1], dtype, generator)
    if kind == "normal":
        return xp.normal(shape, params[0], params[1], dtype, generator)
    if kind == "random":
        return xp.randint(shape, params[0], params[1], dtype, generator)
    if kind == "bernoulli":
        return xp.bernoulli(shape, params[0], dtype, generator)
    if kind == "exponential":
        # inverse CDF: -log(1 - u) / lambda, u in [0, 1)
        u = xp.uniform(shape, 0.0, 1.0, dtype, generator)
        return xp.div(xp.neg(xp.log1p(xp.neg(u))), params[0])
    raise ValueError(f"unknown distribution {kind!r}")


class Draw(ArrayFunction):
    """Values drawn from a distribution, shaped and typed like a; zero gradient to a (it is overwritten).

    p, when given, is a probability array for an elementwise Bernoulli draw (broadcast to a's shape).
    """

    def forward(ctx, a, p, kind, params, generator):
        xp = ctx.xp
        ctx.shape = a.shape
        if p is None:
            return _draw(xp, kind, a.shape, a.dtype, params, generator)
        u = xp.uniform(a.shape, 0.0, 1.0, p.dtype, generator)
        return xp.astype(xp.lt(u, p), a.dtype)

    def backward(ctx, grad):
        needs_a = ctx.needs_input_grad[0]
        return (ctx.xp.zeros(ctx.shape, grad.dtype) if needs_a else None), None, None, None, None


def _generator(generator):
    return default_generator if generator is None else generator


def _fill(input: Tensor, kind: str, params: tuple, generator, p: Tensor | None = None) -> Tensor:
    """What input.<kind>_(...) writes: a new tensor of draws shaped and typed like input."""
    return apply(Draw, input, p, kind, params, _generator(generator))


def _float_only(name: str, kernel: str, input: Tensor) -> None:
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_legacy_name(input.dtype)}'")


def uniform_fill(input: Tensor, from_: float = 0.0, to: float = 1.0, generator=None) -> Tensor:
    """The values input.uniform_(from, to) writes: uniform in [from, to)."""
    _float_only("uniform_", "check_uniform_bounds", input)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    return _fill(input, "uniform", (float(from_), float(to)), generator)


def normal_fill(input: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """The values input.normal_(mean, std) writes."""
    _float_only("normal_", "normal_kernel_cpu", input)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(input, "normal", (float(mean), float(std)), generator)


def exponential_fill(input: Tensor, lambd: float = 1.0, generator=None) -> Tensor:
    """The values input.exponential_(lambd) writes: exponential with rate lambd."""
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_legacy_name(input.dtype)}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(input, "exponential", (float(lambd),), generator)


def _random_default_high(dtype) -> int:
    """random_()'s exclusive upper bound: every integer the dtype holds exactly, from 0."""
    if dtype.kind in "fV":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1
    if dtype.kind == "b":
        return 2
    return int(np.iinfo(dtype).max)


def random_fill(input: Tensor, from_=None, to=None, generator=None) -> Tensor:
    """The values input.random_(from, to) writes: integers uniform in [from, to).

    random_(to) draws from [0, to); random_() from [0, the largest integer the dtype holds exactly].
    """
    dtype = input._data.dtype
    if from_ is None and to is None:
        low, high = 0, _random_default_high(dtype)
    elif to is None:
        low, high = 0, int(from_)
    else:
        low, high = int(from_), int(to)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.kind in "iu" and (low < np.iinfo(dtype).min or high - 1 > np.iinfo(dtype).max):
        bound = "from" if low < np.iinfo(dtype).min else "to - 1"
        raise RuntimeError(f"{bound} is out of bounds for {_C_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)}")
    return _fill(input, "random", (low, high), generator)


def bernoulli_fill(input: Tensor, p=0.5, generator=None) -> Tensor:
    """The values input.bernoulli_(p) writes: 1 with probability p (a number or a tensor of them), else 0."""
    if isinstance(p, Tensor):
        if p._data.dtype.kind not in "fV":
            raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_legacy_name(p.dtype)}'")
        _check_probabilities(p)
        if p.device != input.device:
            p = p.to(input.device)
        return _fill(input, "bernoulli", (), generator, p.detach())
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(input, "bernoulli", (float(p),), generator)


def _check_probabilities(p: Tensor) -> None:
    if p._data.size and not bool(((p >= 0) & (p <= 1)).all().item()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


def bernoulli(input: Tensor, p: float | None = None, *, generator=None) -> Tensor:
    """A tensor like input of independent draws: 1 with probability input (or p, when given), else 0.

    Args:
        input: the probabilities, a floating-point tensor with values in [0, 1].
        p: one probability for every element instead.
        generator: the random stream (the default generator when None).

    Example::

        >>> axonml.manual_seed(0)
        >>> axonml.bernoulli(axonml.full((4,), 0.5))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if p is not None:
        return bernoulli_fill(input.detach(), p, generator)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_legacy_name(input.dtype)}'")
    _check_probabilities(input)
    probabilities = input.detach()
    return _fill(probabilities, "bernoulli", (), generator, probabilities)


class Multinomial(ArrayFunction):
    """num_samples category indices per row of weights w (rows, n), drawn with the Gumbel-max trick.

    Each draw takes the argmax of log(w) + Gumbel noise; without replacement the winner is then
    struck out (-inf), which samples successively in proportion to the remaining weights. Categories
    of weight 0 get a finite key far below every positive one, so they come last, in index order.
    """

    def forward(ctx, w, num_samples, replacement, floor, generator):
        xp = ctx.xp
        rows = w.shape[0]
        positive = xp.gt(w, 0)
        safe = xp.where(positive, w, 1.0)
        base = xp.where(positive, xp.log(safe), floor)
        picks = []
        for _ in range(num_samples):
            u = xp.uniform(w.shape, 0.0, 1.0, w.dtype, generator)
            # Gumbel noise -log(-log(u)); u = 0 would give -inf, harmless: that key just loses
            keys = xp.add(base, xp.neg(xp.log(xp.neg(xp.log(u)))))
            pick = xp.argmax(keys, 1, True)
            picks.append(pick)
            if not replacement:
                xp.put_along_axis(base, pick, xp.full((rows, 1), -math.inf, w.dtype), 1)
        return xp.concatenate(picks, 1)

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'multinomial' is not implemented.")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """num_samples int64 category indices per row, drawn in proportion to input's non-negative weights.

    Args:
        input: weights, 1-d (n,) or 2-d (rows, n), floating point; they need not sum to 1.
        num_samples: how many indices to draw per row.
        replacement: draw with replacement; without it, num_samples <= n and no index repeats.
        generator: the random stream (the default generator when None).

    Shape:
        (num_samples,) for 1-d input, (rows, num_samples) for 2-d.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_legacy_name(input.dtype)}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    weights = input.detach().reshape(-1, categories)
    if weights.numel():
        if not bool(((weights >= 0) & weights.isfinite()).all().item()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if not bool((weights.sum(1) > 0).all().item()):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    floor = -float(np.finfo(weights._data.dtype).max) / 2
    samples = apply(Multinomial, weights, int(num_samples), bool(replacement), floor, _generator(generator))
    return samples.reshape(num_samples) if input.ndim == 1 else samples
