"""The names of the `axonml` package: Tensor, dtypes, creation functions, the torch.* ops and the
submodules torch has as attributes (nn, optim, ...). `axonml/__init__.py` binds them all on the
package; they live here so that `python -m axonml` can parse its command line before importing them."""
from __future__ import annotations

import math

from . import _dtype
from ._device import device, get_default_device, set_default_device
from ._dtype import (bfloat16, bool, can_cast, double, dtype, finfo, float, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types, result_type, set_default_dtype, short,
                     uint8, uint16, uint32, uint64, float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz,
                     float8_e8m0fnu, int4, uint4, int2, uint2, float4_e2m1fn)
from ._dtype import cdouble, cfloat, complex64, complex128
from ._format import set_printoptions
from .tensor import Size, Tensor
from . import autograd
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .creation import (arange, as_tensor, asarray, empty, empty_like, eye, frombuffer, from_numpy, full, full_like,
                       linspace, normal, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
                       randperm, tensor, zeros, zeros_like)
from ._errors import OutOfMemoryError
from .utils.dlpack import from_dlpack, to_dlpack
from .functional import *  # noqa: F401,F403 - the torch.* op functions
from .functional import __all__ as _functional_all

from . import __version__  # noqa: F401 - defined in __init__, before anything is imported


def get_num_threads() -> int:
    """How many threads axonml's CPU kernels use (OpenMP, BLAS included)."""
    from ._ext import _linalg
    return _linalg.get_num_threads()


def set_num_threads(threads: int) -> None:
    """Use this many threads in axonml's CPU kernels (OpenMP, BLAS included)."""
    from ._ext import _linalg
    _linalg.set_num_threads(threads)


# torch's mathematical constants and NumPy's indexing alias
e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None


_float32_matmul_precision = "highest"


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision set last: 'highest' unless set otherwise."""
    return _float32_matmul_precision


def set_float32_matmul_precision(precision: str) -> None:
    """Accept torch's 'highest', 'high' or 'medium'. axonml's gemms compute float32 in full precision whatever
    the setting, as PyTorch's CPU does: 'high' and 'medium' allow, and never require, cheaper formats."""
    global _float32_matmul_precision
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision!r}: expected 'highest', 'high' or 'medium'")
    _float32_matmul_precision = precision


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


__all__ = ["device", "dtype", "Tensor", "Size", "autograd", "no_grad", "enable_grad", "inference_mode",
           "set_grad_enabled", "is_grad_enabled", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "Generator", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn",
           "randint", "normal", "rand_like", "randn_like", "randint_like", "randperm", "float32", "float64",
           "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64",
           "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu", "int4", "uint4",
           "int2", "uint2", "float4_e2m1fn", "bool", "float", "double", "half", "long", "int",
           "short", "complex64", "complex128", "cfloat", "cdouble",
           "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "is_tensor", "numel",
           "set_printoptions", "is_inference_mode_enabled", "finfo", "iinfo", "e", "pi", "inf", "nan", "newaxis",
           "asarray", "frombuffer", "can_cast", "OutOfMemoryError", "from_dlpack", "to_dlpack",
           "get_float32_matmul_precision", "set_float32_matmul_precision", "get_default_device",
           "set_default_device",
           "save", "load", "get_num_threads", "set_num_threads", "nn", "optim", "data", "utils", "opencl", "linalg", "special", "fft",
           *_functional_all]

from .serialize import load, save  # noqa: E402  (serialize imports Tensor)
from . import data, distributions, linalg, nn, opencl, optim, special, utils  # noqa: E402  (torch.nn / torch.optim as attributes)
from . import profiler  # noqa: E402  (torch.profiler)
from . import fusion, jit  # noqa: E402
from . import hub  # noqa: E402  (torch.hub)
from . import fft  # noqa: E402  (torch.fft)
