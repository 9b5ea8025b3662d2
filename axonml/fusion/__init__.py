"""axonml.fusion: fused kernels, usable directly or through axonml.jit.compile.

- :class:`FusedElementwise`: a chain of elementwise ops as one kernel (generated C on the CPU,
  compiled once and cached on disk; a generated OpenCL kernel on OpenCL devices);
- :func:`fused_elementwise`: run a function made of elementwise ops as one such kernel;
- :class:`FusedReduction`: elementwise ops and the reduction that reads them (softmax,
  log_softmax, layer norm, cross-entropy, mse/l1, sum/mean) as one kernel;
- :class:`FusedConv`: a convolution with its bias and activation in one epilogue pass;
- :class:`FusedAttention`: attention of short sequences as one generated CPU kernel;
- :class:`FusedLinear`: Linear with its ReLU in the gemm's epilogue;
- :class:`AutotunedLinear`: the Linear op in the faster orientation of its product, timed once.
"""
from __future__ import annotations

from typing import Callable

from ..tensor import Tensor
from .attention import FusedAttention
from .compiler import CompilerNotFoundError
from .conv import FusedConv
from .elementwise import FusedElementwise
from .linear import AutotunedLinear, FusedLinear
from .reduction import FusedReduction

__all__ = ["FusedElementwise", "FusedReduction", "FusedConv", "FusedAttention", "FusedLinear", "AutotunedLinear",
           "fused_elementwise", "CompilerNotFoundError"]

_kernels: dict = {}


def fused_elementwise(fn: Callable, *inputs: Tensor) -> Tensor:
    """fn(*inputs) computed by one fused kernel: fn must be a chain of elementwise ops.

    The kernel is built on the first call for each function and input signature (shapes, dtypes,
    devices) and reused after. Gradients flow to inputs that require grad.

    Args:
        fn: a function of tensors made of elementwise ops (arithmetic, exp/log/tanh/sigmoid,
            relu/silu/gelu, maximum/minimum, pow ...), with Python numbers as constants.
        inputs: its tensor arguments; each has the result's shape, one element, or broadcasts
            over the result's leading axes.

    Example:
        >>> x, y = axonml.randn(1000), axonml.randn(1000)
        >>> z = fused_elementwise(lambda a, b: (a * 2 + b).relu(), x, y)
    """
    key = (fn, tuple((tuple(t.shape), t.dtype, str(t.device)) for t in inputs))
    kernel = _kernels.get(key)
    if kernel is None:
        kernel = _build(fn, inputs)
        _kernels[key] = kernel
    return kernel(*inputs)


def _build(fn, inputs) -> FusedElementwise:
    from ..autograd.grad_mode import no_grad
    from ..jit.passes import eliminate_dead_code, fuse_elementwise, simplify_algebra
    from ..jit.trace import trace_graph
    with no_grad():
        graph, _, reasons = trace_graph(fn, tuple(t.detach() for t in inputs))
    if reasons:
        raise ValueError(f"fused_elementwise(): {reasons[0]}")
    simplify_algebra(graph)
    eliminate_dead_code(graph)
    fuse_elementwise(graph, min_size=1)
    if len(graph.nodes) != 1 or graph.nodes[0].kind != "fused" or graph.output is not graph.nodes[0].outputs[0]:
        names = [node.op for node in graph.nodes if node.kind != "fused"]
        raise ValueError("fused_elementwise(): fn must be one chain of elementwise ops on tensors of the result's "
                         f"shape; it also has {names or 'more than one result'}")
    node = graph.nodes[0]
    order = [graph.inputs.index(value) if value in graph.inputs else None for value in node.args]
    if None in order or order != sorted(order) or len(order) != len(inputs):
        # the kernel reads its inputs in the order the chain first used them: rebuild in argument order
        if None in order or len(order) != len(inputs):
            raise ValueError("fused_elementwise(): every input must be used, and only inputs and numbers")
        kernel = node.target
        permutation = {k: order[k] for k in range(len(order))}
        from .elementwise import Input
        members = [(fn_cls, [Input(permutation[a.k]) if isinstance(a, Input) else a for a in args])
                   for fn_cls, args in kernel.members]
        modes = [kernel.input_modes[order.index(k)] for k in range(len(order))]
        return FusedElementwise(members, modes, kernel.dtype, kernel.shape)
    return node.target
