"""torch.* names that are another spelling of a Tensor method: nothing here holds math of its own.

- In-place functions: ``torch.abs_(x)`` is ``x.abs_()``.
- Copy variants of the view ops (``torch.transpose_copy``): the view's values in new memory.
- Method aliases PyTorch keeps at the top level (``torch.divide`` is ``torch.div`` ...).
- torch's native-function spellings of functional ops (``torch.embedding(weight, indices)``,
  ``torch.convolution``, ``torch.constant_pad_nd``, ``torch.dropout_`` ...), with their own argument
  orders, calling the one op that holds the math.

Each is built from the method it names, so it inherits that method's checks, autograd and devices.
"""
from __future__ import annotations

from ..tensor import Tensor

_INPLACE = ["abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
            "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
            "deg2rad_", "detach_", "erf_", "exp_", "expm1_", "fill_", "fix_", "floor_", "index_put_", "log10_",
            "log1p_", "log2_", "log_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_",
            "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_",
            "zero_", "exp2_", "erfc_", "frac_", "xlogy_", "logit_", "gcd_", "lcm_", "ldexp_", "i0_", "addmv_"]

_COPIES = {"transpose_copy": "transpose", "view_copy": "view", "expand_copy": "expand", "permute_copy": "permute",
           "select_copy": "select", "slice_copy": None, "squeeze_copy": "squeeze", "t_copy": "t",
           "unsqueeze_copy": "unsqueeze", "alias_copy": "clone", "detach_copy": "detach",
           "diagonal_copy": "diagonal", "as_strided_copy": "as_strided", "unfold_copy": "unfold",
           "narrow_copy": "narrow"}

_SPLITS = {"split_copy": "split", "split_with_sizes_copy": "split", "unbind_copy": "unbind",
           "split_with_sizes": "split", "unsafe_split": "split", "unsafe_split_with_sizes": "split",
           "unsafe_chunk": "chunk"}

_METHODS = ["divide", "multiply", "subtract", "true_divide", "negative", "is_floating_point", "is_inference",
            "detach", "is_nonzero", "is_same_size", "is_signed", "adjoint", "put"]


def _inplace_function(name: str):
    def function(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(input, ...)``: ``input.{name}(...)``, in place."
    return function


def _method_function(name: str):
    def function(input: Tensor, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(input, ...)``: ``input.{name}(...)``."
    return function


def _copy_function(name: str, view: str | None):
    def function(input: Tensor, *args, out=None, **kwargs) -> Tensor:
        if out is not None:
            raise TypeError(f"{name}(): out= is not supported")
        if view is None:  # torch.slice_copy(input, dim=0, start=None, end=None, step=1)
            return _slice(input, *args, **kwargs).clone()
        if view == "clone":  # torch.alias_copy: an alias's values are the input's
            return input.clone()
        return getattr(input, view)(*args, **kwargs).clone()
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{view or 'slice'}`` with its result in new memory rather than a view of input."
    return function


def _split_function(name: str, method: str, copy: bool):
    def function(input: Tensor, *args, **kwargs) -> tuple:
        parts = getattr(input, method)(*args, **kwargs)
        return tuple(p.clone() for p in parts) if copy else parts
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{method}(...)``" + (", each part in new memory." if copy else ".")
    return function


def _slice(input: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    index = [slice(None)] * input.ndim
    index[dim] = slice(start, end, step)
    return input[tuple(index)]


# only names whose method exists: a name here is a promise that it works
__all__ = []
for _name in _INPLACE:
    if hasattr(Tensor, _name):
        globals()[_name] = _inplace_function(_name)
        __all__.append(_name)
for _name, _view in _COPIES.items():
    if _view is None or hasattr(Tensor, _view):
        globals()[_name] = _copy_function(_name, _view)
        __all__.append(_name)
for _name, _method in _SPLITS.items():
    globals()[_name] = _split_function(_name, _method, _name.endswith("_copy"))
    __all__.append(_name)
for _name in _METHODS:
    if hasattr(Tensor, _name):
        globals()[_name] = _method_function(_name)
        __all__.append(_name)


# --- native-function spellings -------------------------------------------------------------------

def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """torch.embedding: F.embedding with weight first and padding_idx -1 for none."""
    from .nn import embedding as _embedding
    return _embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                      scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def constant_pad_nd(input: Tensor, pad, value: float = 0) -> Tensor:
    """torch.constant_pad_nd: F.pad in constant mode."""
    from .nn import pad as _pad
    return _pad(input, list(pad), "constant", value)


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation, transposed: bool,
                output_padding, groups: int) -> Tensor:
    """torch.convolution: conv1d/2d/3d or conv_transpose1d/2d/3d, chosen by weight's dims and transposed."""
    from . import conv as _conv
    spatial = weight.ndim - 2
    if spatial not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-d to 5-d weight, got {weight.ndim}-d")
    if transposed:
        return getattr(_conv, f"conv_transpose{spatial}d")(input, weight, bias, stride, padding, output_padding,
                                                            groups, dilation)
    return getattr(_conv, f"conv{spatial}d")(input, weight, bias, stride, padding, dilation, groups)


def _dropout_in_place(name: str):
    def function(input: Tensor, p: float, train: bool) -> Tensor:
        from . import nn as _nn
        return getattr(_nn, name)(input, p, train, inplace=True)
    function.__name__ = function.__qualname__ = name + "_"
    function.__doc__ = f"``torch.{name}_(input, p, train)``: F.{name} in place."
    return function


dropout_ = _dropout_in_place("dropout")
alpha_dropout_ = _dropout_in_place("alpha_dropout")
feature_alpha_dropout_ = _dropout_in_place("feature_alpha_dropout")


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The sum of singular values of input's matrices (over dims dim, the last two by default)."""
    from ..linalg import matrix_norm
    if isinstance(dim, bool):  # torch.nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """The 2-norm of input's elements over dim."""
    from ..linalg import vector_norm
    return vector_norm(input, 2, dim, keepdim)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The pow-norm over every dim but dim, kept as size-1 dims (weight normalisation's norm); dim -1: all."""
    from ..linalg import vector_norm
    if dim == -1:
        return vector_norm(v, pow)
    others = tuple(d for d in range(v.ndim) if d != dim % v.ndim)
    return vector_norm(v, pow, others, keepdim=True)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """torch.lu: linalg.lu_factor (with the info tensor when get_infos)."""
    from ..linalg import lu_factor, lu_factor_ex
    return lu_factor_ex(A, pivot=pivot) if get_infos else lu_factor(A, pivot=pivot)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """torch.lu_solve: linalg.lu_solve with the right-hand side first."""
    from ..linalg import lu_solve as _lu_solve
    return _lu_solve(LU_data, LU_pivots, b)


def is_distributed(input: Tensor) -> bool:
    """Whether input is a distributed tensor: never, for an axonml Tensor."""
    return False


def fill(input: Tensor, value) -> Tensor:
    """A new tensor shaped and typed as input, filled with value (torch.fill, out of place)."""
    return input.clone().fill_(value)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """NumPy's gradient: central differences inside, one-sided (order edge_order) at the ends, per dim.

    spacing is a number (uniform step) or one number per dim; dim an int, a list or None (every dim).
    """
    from .shape import cat
    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    steps = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(steps) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or a list of length "
                           f"{len(dims)}, but got a list of length {len(steps)}")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    results = []
    for d, h in zip(dims, steps):
        n = input.shape[d]
        if n < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1")
        x = input if input.dtype.is_floating_point else input.float()
        at = lambda start, length: x.narrow(d, start, length)  # noqa: E731
        inner = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (at(1, 1) - at(0, 1)) / h, (at(n - 1, 1) - at(n - 2, 1)) / h
        else:
            first = (-1.5 * at(0, 1) + 2 * at(1, 1) - 0.5 * at(2, 1)) / h
            last = (0.5 * at(n - 3, 1) - 2 * at(n - 2, 1) + 1.5 * at(n - 1, 1)) / h
        results.append(cat([first, inner, last], d))
    return tuple(results)


__all__ += ["embedding", "constant_pad_nd", "convolution", "dropout_", "alpha_dropout_", "feature_alpha_dropout_",
            "nuclear_norm", "frobenius_norm", "norm_except_dim", "lu", "lu_solve", "is_distributed", "fill",
            "gradient"]
