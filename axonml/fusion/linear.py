"""Linear kernels: FusedLinear (bias and ReLU in the gemm's epilogue) and AutotunedLinear (the faster
orientation of the product, timed once)."""
from __future__ import annotations

import ctypes
import math
import time

import numpy as np

from .._ext import _autograd
from ..nn.modules.linear import Linear
from ..ops import linalg as _linalg
from ..ops.linalg import linear_relu
from ..tensor import Tensor

__all__ = ["FusedLinear", "AutotunedLinear"]

_apply = _autograd.apply


class FusedLinear(Linear):
    """``activation(x @ weight^T + bias)`` as one op; the same parameters and state dict as ``nn.Linear``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias.
        activation: ``"relu"`` (fused into the gemm) or None (a plain Linear).

    Shape:
        - Input: (*, in_features). Output: (*, out_features).

    Example:
        >>> layer = FusedLinear(20, 30, activation="relu")
        >>> layer(axonml.randn(128, 20)).shape
        axonml.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, activation: str | None = "relu",
                 device=None, dtype=None):
        if activation not in (None, "relu"):
            raise ValueError(f"FusedLinear: activation must be 'relu' or None, got {activation!r}")
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        self.activation = activation

    def forward(self, input: Tensor) -> Tensor:
        if self.activation is None:
            return super().forward(input)
        return linear_relu(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation!r}"


class _TransposedLinear(_linalg.Linear):
    """Linear with its product computed as ``(weight @ x^T)^T``: the same values and ctx, so Linear's own backward.

    BLAS runs the two orientations of one product at different speeds (for a wide weight and few
    rows the transposed one can be a quarter faster); the transposed product then goes through one
    epilogue pass that transposes it back and adds the bias and the ReLU.
    """

    def forward(ctx, x, weight, bias, activation=None):
        xp = ctx.xp
        needs_x, needs_weight = ctx.needs_input_grad[:2]
        out_features, in_features = weight.shape
        ctx.x_shape = x.shape
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.activation = activation
        rows = xp.reshape(x, (math.prod(x.shape[:-1]), in_features))
        product = xp.gemm(weight, rows, False, True)  # (out_features, rows)
        out = _transpose_epilogue(product, bias, activation == "relu")
        out = xp.reshape(out, x.shape[:-1] + (out_features,))
        ctx.save_for_backward(x if needs_weight else None, weight if needs_x else None,
                              out if activation is not None and any(ctx.needs_input_grad[:3]) else None)
        return out


_EPILOGUE = """#include <stdint.h>
typedef {ctype} T;
/* out (rows, cols) = act(product^T + bias), product (cols, rows); 32 x 32 blocks keep both sides in cache */
void axonml_fused(const T *product, const T *bias, T *out, long rows, long cols, int relu) {{
    for (long i0 = 0; i0 < rows; i0 += 32)
        for (long j0 = 0; j0 < cols; j0 += 32) {{
            const long i1 = i0 + 32 < rows ? i0 + 32 : rows, j1 = j0 + 32 < cols ? j0 + 32 : cols;
            for (long i = i0; i < i1; i++)
                for (long j = j0; j < j1; j++) {{
                    T value = product[j * rows + i] + (bias ? bias[j] : (T)0);
                    out[i * cols + j] = relu && value < (T)0 ? (T)0 : value;
                }}
        }}
}}
"""
_epilogues: dict = {}


def _transpose_epilogue(product, bias, relu: bool):
    from .compiler import address, load_library
    function = _epilogues.get(product.dtype)
    if function is None:
        ctype = "float" if product.dtype == np.float32 else "double"
        function = load_library(_EPILOGUE.format(ctype=ctype)).axonml_fused
        function.restype = None
        function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_long,
                             ctypes.c_int]
        _epilogues[product.dtype] = function
    cols, rows = product.shape
    out = np.empty((rows, cols), product.dtype)
    bias = None if bias is None else np.ascontiguousarray(bias, product.dtype)
    function(address(product), None if bias is None else address(bias), address(out), rows, cols, int(relu))
    return out


class AutotunedLinear:
    """A Linear op (``ops.linalg.Linear``'s arguments) that times both orientations of its product on its first
    call and keeps the faster; CPU float32 / float64 only.

    The transposed orientation is kept only when it is at least ``margin`` faster (best of ``rounds`` runs of
    each), so that a noisy timing does not swap a kernel for a slower one.
    """

    def __init__(self, rounds: int = 5, margin: float = 0.05):
        self.rounds, self.margin = rounds, margin
        self.choice = None

    name = "Linear"

    def __repr__(self) -> str:
        return f"AutotunedLinear(choice={getattr(self.choice, '__name__', None)})"

    def __call__(self, x, weight, bias, activation, out=None):
        if self.choice is None:
            self.choice = self._tune(x, weight, bias, activation)
        return _apply(self.choice, x, weight, bias, activation)

    def _tune(self, x, weight, bias, activation):
        from ..autograd.grad_mode import no_grad
        arguments = (x.detach(), weight.detach(), None if bias is None else bias.detach(), activation)
        best = {}
        with no_grad():
            for candidate in (_linalg.Linear, _TransposedLinear):
                _apply(candidate, *arguments)  # warm: the epilogue's library, BLAS's buffers
                times = []
                for _ in range(self.rounds):
                    start = time.perf_counter()
                    _apply(candidate, *arguments)
                    times.append(time.perf_counter() - start)
                best[candidate] = min(times)
        faster = best[_TransposedLinear] < best[_linalg.Linear] * (1 - self.margin)
        return _TransposedLinear if faster else _linalg.Linear
