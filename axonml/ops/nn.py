"""Neural-network ops: the softmax family, dropout, embedding, one_hot and pad.

Softmax and log_softmax run a fused row kernel on the backend; dropout draws its mask from
the backend's ``bernoulli`` with ``axonml.random.default_generator``. Attention is its own
family (ops/attention.py).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..random import default_generator
from ..tensor import Tensor, _make, _normalize_dim
from ._checks import backend_of as _backend
from ._checks import host_int as _host_int
from .elementwise import cast

__all__ = ["softmax", "log_softmax", "softmin", "dropout", "alpha_dropout", "feature_alpha_dropout", "one_hot",
           "pad", "dropout1d", "dropout2d", "dropout3d", "normalize",
           "cosine_similarity", "gumbel_softmax", "embedding_bag"]


# --- softmax family ---------------------------------------------------------------------------

class Softmax(ArrayFunction):
    def forward(ctx, x, axis):
        y = ctx.xp.softmax(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return ctx.xp.softmax_backward(grad, y, ctx.axis), None


class LogSoftmax(ArrayFunction):
    def forward(ctx, x, axis):
        y = ctx.xp.log_softmax(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return ctx.xp.log_softmax_backward(grad, y, ctx.axis), None


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(fn_cls, name: str, input: Tensor, dim, dtype) -> Tensor:
    if dim is None:
        dim = _softmax_dim(name, input.ndim)
    axis = _normalize_dim(dim, input.ndim)
    if dtype is not None:
        input = cast(input, dtype)
    elif input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f"'{input.dtype.scalar_name}'")
    if input.ndim == 0:
        from .shape import reshape
        return reshape(apply(fn_cls, reshape(input, (1,)), 0), ())
    return apply(fn_cls, input, axis)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    r"""Softmax along dim: :math:`\exp(x_i) / \sum_j \exp(x_j)`, computed stably.

    Args:
        input: the input tensor.
        dim: the dimension along which the values sum to 1.
        dtype: if given, input is cast to it before the op (to avoid overflow).

    Example::

        >>> axonml.softmax(axonml.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([0.0900, 0.2447, 0.6652])
    """
    return _softmax_like(Softmax, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    r"""log(softmax(x)) along dim, computed as :math:`x - \log\sum\exp(x)` without forming softmax.

    Args:
        input: the input tensor.
        dim: the dimension along which log_softmax is computed.
        dtype: if given, input is cast to it before the op.
    """
    return _softmax_like(LogSoftmax, "log_softmax", input, dim, dtype)


# --- dropout ---------------------------------------------------------------------------------

class MaskedAffine(ArrayFunction):
    """y = x * scale + shift with a fixed (broadcastable) random scale and shift: every dropout variant."""

    def forward(ctx, x, scale, shift):
        ctx.scale = scale
        y = ctx.xp.mul(x, scale)
        return y if shift is None else ctx.xp.add(y, shift)

    def backward(ctx, grad):
        return ctx.xp.mul(grad, ctx.scale), None, None


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, p: float, shape: tuple):
    """1 with probability 1 - p, else 0, in input's dtype on input's backend."""
    xp = _backend(input)
    return xp, xp.bernoulli(shape, 1.0 - p, input._data.dtype, default_generator)


def _into(input: Tensor, out: Tensor, inplace: bool) -> Tensor:
    """out, written into input when inplace (an identity dropout returns input itself)."""
    return input._inplace(out) if inplace and out is not input else out


def _dropout(input: Tensor, p: float, training: bool, noise_shape: tuple) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    xp, keep = _keep_mask(input, p, noise_shape)
    scale = xp.mul(keep, input._data.dtype.type(0.0 if p == 1.0 else 1.0 / (1.0 - p)))
    return apply(MaskedAffine, input, scale, None)


# SELU's fixed point: alpha_dropout keeps zero mean and unit variance by setting dropped units to -alpha'
_SELU_ALPHA_PRIME = 1.7580993408473766


def _alpha_dropout(input: Tensor, p: float, training: bool, noise_shape: tuple) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        from .elementwise import mul
        return mul(input, 0.0)
    xp, keep = _keep_mask(input, p, noise_shape)
    a = 1.0 / math.sqrt((_SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    dtype = input._data.dtype.type
    scale = xp.mul(keep, dtype(a))
    # b = (keep - 1) * alpha' * a + alpha' * a * p
    shift = xp.add(xp.mul(xp.sub(keep, dtype(1.0)), dtype(_SELU_ALPHA_PRIME * a)), dtype(_SELU_ALPHA_PRIME * a * p))
    return apply(MaskedAffine, input, scale, shift)


def _feature_shape(input: Tensor) -> tuple:
    """One draw per (sample, channel): the shape (N, C, 1, 1, ...)."""
    shape = tuple(input.shape)
    return shape[:2] + (1,) * (len(shape) - 2)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (identity when not training).

    Args:
        input: the input tensor.
        p: probability of an element being zeroed.
        training: apply dropout if True, else return input unchanged.
        inplace: write the result into input.
    """
    return _into(input, _dropout(input, p, training, tuple(input.shape)), inplace)


def _feature_dropout(name: str, input: Tensor, p: float, training: bool, spatial: int) -> Tensor:
    """dropout1d/2d/3d: whole channels zeroed; input (N, C, *spatial) or unbatched (C, *spatial)."""
    batched = spatial + 2
    if input.ndim not in (batched - 1, batched):
        raise RuntimeError(f"{name}: Expected {batched - 1}D or {batched}D input, but received a {input.ndim}D "
                           f"input. Note that {name} exists to provide channel-wise dropout on inputs with "
                           f"{spatial} spatial dimension{'s' if spatial > 1 else ''}, a channel dimension, and "
                           "an optional batch dimension (i.e. "
                           f"{batched - 1}D or {batched}D inputs).")
    shape = tuple(input.shape)
    noise = shape[:2] + (1,) * spatial if input.ndim == batched else shape[:1] + (1,) * spatial
    return _dropout(input, p, training, noise)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p, scaling the rest by 1 / (1 - p)."""
    return _into(input, _feature_dropout("dropout1d", input, p, training, 1), inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability p.

    As in PyTorch, a 3-D input is treated as (N, C, L) (channel-wise 1-D dropout, with a warning).
    """
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
                      "inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim. This behavior will change in a future release to interpret the input as one "
                      "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _into(input, _dropout(input, p, training, _feature_shape(input) if input.ndim >= 2 else tuple(input.shape)),
                 inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead.", stacklevel=2)
    if input.ndim == 4:
        return _into(input, _dropout(input, p, training, tuple(input.shape[:1]) + (1, 1, 1)), inplace)
    return _into(input, _dropout(input, p, training, _feature_shape(input) if input.ndim >= 2 else tuple(input.shape)),
                 inplace)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance: dropped units take -alpha', then an
    affine map restores zero mean and unit variance."""
    return _into(input, _alpha_dropout(input, p, training, tuple(input.shape)), inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout applied to whole channels of an (N, C, ...) input."""
    return _into(input, _alpha_dropout(input, p, training, _feature_shape(input)), inplace)


# --- embedding -------------------------------------------------------------------------------

class Embedding(ArrayFunction):
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices, ctx.num_weights = indices, weight.shape[0]
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return ctx.xp.getitem(weight, indices)

    def backward(ctx, grad):
        xp = ctx.xp
        indices = ctx.indices
        if ctx.scale_grad_by_freq:
            # each row's gradient divided by how often its index occurs in this batch
            ones = xp.ones(indices.shape + (1,), grad.dtype)
            counts = xp.embedding_backward(ones, indices, ctx.num_weights, None)
            grad = xp.div(grad, xp.getitem(counts, indices))
        return xp.embedding_backward(grad, indices, ctx.num_weights, ctx.padding_idx), None, None, None


def _renorm_rows(weight: Tensor, indices, max_norm: float, norm_type: float) -> None:
    """Scale, in place and outside autograd, the rows of weight that indices reference to norm <= max_norm."""
    xp = _backend(weight)
    indices = xp.reshape(indices, (-1,))
    rows = xp.getitem(weight._data, indices)
    norms = xp.pow(xp.sum(xp.pow(xp.abs(rows), norm_type), 1, True), 1.0 / norm_type)
    scale = xp.where(xp.gt(norms, max_norm), xp.div(max_norm, xp.add(norms, 1e-7)), 1.0)
    xp.setitem(weight._data, indices, xp.astype(xp.mul(rows, scale), weight._data.dtype))
    weight._vc.value += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of weight by the integer indices in input.

    Args:
        input: integer (int64 or int32) tensor of indices into weight's rows.
        weight: the embedding matrix, shape (num_embeddings, embedding_dim).
        padding_idx: the row at this index gets no gradient.
        max_norm: rows referenced by input with a larger norm are rescaled in place to max_norm.
        norm_type: the p of the p-norm for max_norm.
        scale_grad_by_freq: divide each row's gradient by its index's frequency in the batch.
        sparse: sparse gradients are not supported (raises if True).

    Shape:
        input (*), weight (V, E) -> output (*, E).
    """
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported; use sparse=False")
    num_weights = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num_weights, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num_weights, "Padding_idx must be within num_embeddings"
            padding_idx = num_weights + padding_idx
    xp = _backend(input)
    indices = input._data
    if indices.size:
        low, high = _host_int(xp, xp.min(indices, None, False)), _host_int(xp, xp.max(indices, None, False))
        if low < 0 or high >= num_weights:
            raise IndexError("index out of range in self")
    if max_norm is not None and indices.size:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return apply(Embedding, weight, indices, padding_idx, scale_grad_by_freq)


# --- one_hot ---------------------------------------------------------------------------------

def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape (*, num_classes): 1 at each index of tensor, 0 elsewhere.

    Args:
        tensor: int64 class indices, shape (*).
        num_classes: the number of classes; -1 infers max(tensor) + 1.
    """
    if tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = _backend(tensor)
    data = tensor._data
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = _host_int(xp, xp.max(data, None, False)) + 1
    if data.size:
        if _host_int(xp, xp.min(data, None, False)) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if _host_int(xp, xp.max(data, None, False)) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    classes = xp.arange(0, num_classes, 1, np.int64)
    hits = xp.eq(xp.reshape(data, data.shape + (1,)), classes)
    return _make(xp.astype(hits, np.int64))


# --- pad -------------------------------------------------------------------------------------

class ConstantPad(ArrayFunction):
    def forward(ctx, x, pads, value):
        xp = ctx.xp
        out_shape, src, dst = _pad_regions(x.shape, pads)
        ctx.x_shape, ctx.src, ctx.dst = x.shape, src, dst
        out = xp.full(out_shape, value, x.dtype)
        xp.setitem(out, dst, xp.getitem(x, src))
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        grad_x = xp.zeros(ctx.x_shape, grad.dtype)
        xp.setitem(grad_x, ctx.src, xp.getitem(grad, ctx.dst))
        return grad_x, None, None


def _pad_regions(shape, pads):
    """For per-axis (before, after) pads (negative ones crop): the output shape and the source and
    destination slices of the part of the input that survives."""
    out_shape, src, dst = [], [], []
    for size, (before, after) in zip(shape, pads):
        new = size + before + after
        out_shape.append(new)
        start = max(0, -before)
        stop = size - max(0, -after)
        length = max(0, stop - start)
        src.append(slice(start, start + length))
        dst.append(slice(max(0, before), max(0, before) + length))
    return tuple(out_shape), tuple(src), tuple(dst)


class IndexPad(ArrayFunction):
    """reflect / replicate / circular padding: a gather along each padded axis."""

    def forward(ctx, x, gathers):
        xp = ctx.xp
        ctx.shapes = []
        for axis, index in gathers:
            ctx.shapes.append(x.shape)
            x = xp.getitem(x, (slice(None),) * axis + (index,))
        ctx.gathers = gathers
        return x

    def backward(ctx, grad):
        xp = ctx.xp
        for (axis, index), shape in zip(reversed(ctx.gathers), reversed(ctx.shapes)):
            scattered = xp.zeros(shape, grad.dtype)
            xp.index_add(scattered, axis, index, grad)
            grad = scattered
        return grad, None


def _pad_index(mode: str, size: int, before: int, after: int) -> np.ndarray:
    if mode == "circular":
        # PyTorch crops first (negative pads) and wraps around what is left
        start, kept = max(0, -before), size - max(0, -before) - max(0, -after)
        return start + np.arange(-max(0, before), kept + max(0, after)) % max(kept, 1)
    positions = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    period = 2 * (size - 1)
    folded = np.abs(positions) % period if period else np.zeros_like(positions)
    return np.where(folded >= size, period - folded, folded)


def pad(input: Tensor, pad: list, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad input: pad = (last_before, last_after, second_last_before, ...), negative values crop.

    Args:
        input: the tensor to pad.
        pad: an even-length sequence of ints, pairs starting from the last dimension.
        mode: 'constant', 'reflect', 'replicate' or 'circular'.
        value: the fill value for 'constant' padding (0 by default).
    """
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    count = len(pad) // 2
    pairs = [(0, 0)] * (input.ndim - count) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(count))]
    if mode == "constant":
        for size, (before, after) in zip(input.shape, pairs):
            if size + before + after < 0:
                raise RuntimeError(f"The input size {size}, plus negative padding {before} and {after} resulted in "
                                   f"a negative output size, which is invalid. Check dimension of your input.")
        return apply(ConstantPad, input, tuple(pairs), 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not (1 <= count <= 3 and input.ndim in (count + 1, count + 2)):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.")
    xp = _backend(input)
    gathers = []
    for axis in range(input.ndim - count, input.ndim):
        before, after = pairs[axis]
        size = input.shape[axis]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({before}, {after}) at dimension {axis} of input "
                               f"{list(input.shape)}")
        # PyTorch checks the wrap against the whole size but reads unwritten memory when it
        # exceeds what a negative pad on the other side leaves: refused here
        kept = size - max(0, -before) - max(0, -after)
        if mode == "circular" and (before > size or after > size or (kept >= 0 and max(before, after) > kept)):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size + before + after < (1 if count == 1 and mode != "circular" else 0):
            raise RuntimeError(f"input (W: {size}) is too small. Calculated output W: {size + before + after}"
                               if count == 1 and mode != "circular" else
                               "Negative padding value is resulting in an empty dimension")
        if before or after:
            index = _pad_index(mode, size, before, after)
            gathers.append((axis, index if xp.array_type is np.ndarray else xp.asarray(index)))
    if not gathers:
        return apply(ConstantPad, input, tuple((0, 0) for _ in pairs), 0.0)
    return apply(IndexPad, input, tuple(gathers))



def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input) along dim: the smallest values get the largest weights."""
    from .elementwise import neg
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    if dtype is not None:
        input = cast(input, dtype)
    return softmax(neg(input), dim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """input / max(||input||_p, eps) along dim.

    Args:
        p: the norm's exponent. dim: the dimension reduced. eps: the smallest divisor.
    """
    from .elementwise import clamp_min, div
    from .reduce import norm
    if out is not None:
        raise TypeError("normalize: the out argument is not supported")
    return div(input, clamp_min(norm(input, p, dim, keepdim=True), eps))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along dim (broadcasting), each norm clamped below at eps."""
    from .elementwise import clamp_min, div, mul
    from .reduce import norm, sum as sum_
    unit_1 = div(x1, clamp_min(norm(x1, 2, dim, keepdim=True), eps))
    unit_2 = div(x2, clamp_min(norm(x2, 2, dim, keepdim=True), eps))
    return sum_(mul(unit_1, unit_2), dim)



# --- composed from the ops above ------------------------------------------------------------

def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution over dim (Jang et al., 2016; Maddison et al., 2016).

    With hard=True the sample is one-hot, with the soft sample's gradient (the straight-through trick).
    """
    import warnings

    from ..creation import empty_like
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot_sample = soft.new_zeros(soft.shape).scatter(dim, index, 1.0)
    return one_hot_sample - soft.detach() + soft


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embeddings, without materialising each bag.

    Args:
        input: (B, N) indices, each row a bag, or 1-D indices cut into bags at offsets.
        weight: (V, E) the embedding matrix.
        offsets: (B,) start of each bag in a 1-D input (B + 1 with include_last_offset).
        mode: 'sum', 'mean' or 'max'. Default: 'mean'.
        per_sample_weights: weights of input's shape multiplying each embedding (mode 'sum' only).
        padding_idx: entries equal to it are left out of their bag (and of a mean's count).
        max_norm, norm_type, scale_grad_by_freq: as :func:`embedding`.

    Shape:
        output (B, E); an empty bag gives zeros.
    """
    from ..creation import tensor as _tensor
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({tuple(input.shape)})")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        bags, length = input.shape
        starts = np.arange(0, bags * length, length, dtype=np.int64)
        flat = input.reshape(-1)
        weights = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = np.asarray(offsets.cpu().numpy() if not offsets.requires_grad else offsets.detach().cpu().numpy(),
                            dtype=np.int64)
        if include_last_offset:
            starts = starts[:-1]
        flat, weights = input, per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    bags, count = len(starts), flat.shape[0]
    if len(starts) and (starts[0] != 0 if count else False):
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(starts[0])}")
    rows = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    bag_of = np.zeros(count, dtype=np.int64)
    if count and bags:
        bag_of = np.searchsorted(starts, np.arange(count), side="right") - 1
    keep = np.ones(count, dtype=bool)
    if padding_idx is not None:
        index_values = flat.cpu().numpy()
        keep = index_values != (padding_idx if padding_idx >= 0 else weight.shape[0] + padding_idx)
    if weights is not None:
        rows = rows * weights.unsqueeze(1)
    kept = np.nonzero(keep)[0]
    bag_index = _tensor(bag_of[kept], device=input.device)
    rows = rows[_tensor(kept, device=input.device)] if len(kept) != count else rows
    out = weight.new_zeros((bags, weight.shape[1]))
    if mode == "max":
        gathered = bag_index.unsqueeze(1).expand(rows.shape)
        out = out.scatter_reduce(0, gathered, rows, "amax", include_self=False)
        return out
    out = out.index_add(0, bag_index, rows)
    if mode == "mean":
        sizes = np.bincount(bag_of[kept], minlength=bags).astype(np.float64)
        out = out / _tensor(np.maximum(sizes, 1.0), dtype=out.dtype, device=out.device).unsqueeze(1)
    return out
