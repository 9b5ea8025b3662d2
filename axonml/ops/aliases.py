"""torch.* names that are another spelling of a Tensor method: nothing here holds math of its own.

- In-place functions: ``torch.abs_(x)`` is ``x.abs_()``.
- Copy variants of the view ops (``torch.transpose_copy``): the view's values in new memory.
- Method aliases PyTorch keeps at the top level (``torch.divide`` is ``torch.div`` ...).

Each is built from the method it names, so it inherits that method's checks, autograd and devices.
"""
from __future__ import annotations

from ..tensor import Tensor

_INPLACE = ["abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
            "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
            "deg2rad_", "detach_", "erf_", "exp_", "expm1_", "fill_", "fix_", "floor_", "index_put_", "log10_",
            "log1p_", "log2_", "log_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_",
            "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_",
            "zero_", "exp2_", "erfc_", "frac_", "xlogy_", "logit_", "gcd_", "lcm_", "ldexp_", "i0_"]

_COPIES = {"transpose_copy": "transpose", "view_copy": "view", "expand_copy": "expand", "permute_copy": "permute",
           "select_copy": "select", "slice_copy": None, "squeeze_copy": "squeeze", "t_copy": "t",
           "unsqueeze_copy": "unsqueeze", "alias_copy": "clone", "detach_copy": "detach",
           "diagonal_copy": "diagonal", "as_strided_copy": "as_strided", "unfold_copy": "unfold",
           "narrow_copy": "narrow"}

_SPLITS = {"split_copy": "split", "split_with_sizes_copy": "split", "unbind_copy": "unbind",
           "split_with_sizes": "split", "unsafe_split": "split", "unsafe_split_with_sizes": "split",
           "unsafe_chunk": "chunk"}

_METHODS = ["divide", "multiply", "subtract", "true_divide", "negative", "is_floating_point", "is_inference",
            "detach"]


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
