"""Linear kernels: FusedLinear (bias and ReLU in the gemm's epilogue) and AutotunedLinear (the fastest of the
Linear op's kernels for its shapes, timed once: the gemm in either orientation, or in another tile width)."""
from __future__ import annotations

import ctypes
import math
import time

import numpy as np

from .._ext import _autograd
from .._ext import _conv as _ext_conv
from ..backends.cpu import cpu as _cpu_backend
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

    The gemm runs the two orientations of one product at different speeds (for a wide weight and few
    rows the transposed one can be a quarter faster); the transposed product then goes through one
    epilogue pass that transposes it back and adds the bias and the ReLU.
    """

    def product(ctx, rows, weight, bias, relu: bool):
        return _transpose_epilogue(ctx.xp.gemm(weight, rows, False, True), bias, relu)  # from (out_features, rows)


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
    if bias is not None and bias.shape != (cols,):
        bias = np.broadcast_to(bias, (cols,))  # a one-element or 0-d bias, as it broadcasts as the gemm's C operand
    bias = None if bias is None else np.ascontiguousarray(bias, product.dtype)
    function(address(product), None if bias is None else address(bias), address(out), rows, cols, int(relu))
    return out


_TILES = (8, 16)  # the AVX-512 gemm's tile widths besides its default (12) that the autotuner tries
_tiled_classes: dict = {}


def tiled_linear(tile: int) -> type:
    """The Linear op whose three products run the CPU's AVX-512 float32 gemm in tiles ``tile`` columns wide.

    Which width is fastest depends on the shapes: the default 12 for large square products, 8 where a side
    is 64 or the depth small (a 12-wide tile then computes padding), so a compiled graph times them
    (:class:`AutotunedLinear`). The values are Linear's (to rounding), its backward Linear's own.
    """
    cls = _tiled_classes.get(tile)
    if cls is None:
        cls = _tiled_classes[tile] = type(f"Linear_tile{tile}", (_linalg.Linear,), {"tile": tile})
    return cls


class AutotunedLinear:
    """A Linear op (``ops.linalg.Linear``'s arguments) that times its kernels on its first call and keeps the
    fastest; CPU float32 / float64 only.

    The kernels: the gemm's product ``x @ weight^T`` (Linear itself), ``(weight @ x^T)^T`` with a transposing
    epilogue, and for float32 where the core has AVX-512, Linear with the AVX-512 gemm's other tile widths
    (:func:`tiled_linear`). A call that records gradients times the forward and the backward's products
    together (a training step runs both), one that does not the forward alone. Another kernel than Linear's
    own is kept only when it is at least ``margin`` faster (best of ``rounds`` runs of each), so that a noisy
    timing does not swap a kernel for a slower one.
    """

    def __init__(self, rounds: int = 15, margin: float = 0.03):
        self.rounds, self.margin = rounds, margin
        self.choice = None

    name = "Linear"

    def __repr__(self) -> str:
        return f"AutotunedLinear(choice={getattr(self.choice, '__name__', None)})"

    def __call__(self, x, weight, bias, activation, out=None):
        if self.choice is None:
            self.choice = self._tune(x, weight, bias, activation)
        return _apply(self.choice, x, weight, bias, activation)

    @staticmethod
    def candidates(x, weight, bias) -> list:
        """The kernels that can run these arguments, Linear's own first."""
        kernels = [_linalg.Linear, _TransposedLinear]
        float32 = all(t is None or t._data.dtype == np.float32 for t in (x, weight, bias))
        if float32 and type(x._data) is np.ndarray and _ext_conv.avx512_gemm_available():
            kernels += [tiled_linear(tile) for tile in _TILES]
        return kernels

    def _tune(self, x, weight, bias, activation):
        tensors = (x, weight, bias)
        arrays = tuple(None if t is None else t._data for t in tensors)
        needs = tuple(t is not None and t._requires_grad and _autograd.is_grad_enabled() for t in tensors) + (False,)
        grad = None
        if any(needs):
            grad = np.random.default_rng(0).standard_normal(x._data.shape[:-1] + weight._data.shape[:1])
            grad = grad.astype(x._data.dtype)
        candidates = self.candidates(x, weight, bias)
        best = dict.fromkeys(candidates, math.inf)
        for candidate in candidates:
            _run_once(candidate, arrays, activation, needs, grad)  # warm: the kernels' libraries, BLAS's buffers
        # round by round, so that a burst of load on a shared machine falls on every candidate alike
        for _ in range(self.rounds):
            for candidate in candidates:
                best[candidate] = min(best[candidate], _run_once(candidate, arrays, activation, needs, grad))
        fastest = min(best, key=best.get)
        return fastest if best[fastest] < best[_linalg.Linear] * (1 - self.margin) else _linalg.Linear


def _run_once(kernel, arrays, activation, needs, grad) -> float:
    """Seconds one forward of a Linear kernel takes on these arrays, and its backward where grad is given;
    run on the kernel's Function directly, recording no graph."""
    ctx = kernel.__new__(kernel)
    ctx.xp = _cpu_backend
    ctx.needs_input_grad = needs
    start = time.perf_counter()
    kernel.forward(ctx, *arrays, activation)
    if grad is not None:
        kernel.backward(ctx, grad)
    return time.perf_counter() - start
