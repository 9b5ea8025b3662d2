"""Graph passes, each a function graph -> number of changes, rewriting the graph in place.

``optimize(graph)`` runs them in the order that lets each feed the next: algebraic
simplification and constant folding expose dead code and repeats, which DCE and CSE remove;
fusion comes last: Linear + ReLU (and, without gradients, biases moved out of the gemms and the
short-sequence attention kernel), Conv + bias + activation, elementwise chains into the
reduction that reads them, the remaining elementwise chains, and the autotuned Linears.
"""
from __future__ import annotations

from ..ir import Graph
from .constant_folding import fold_constants
from .cse import eliminate_common_subexpressions
from .dce import eliminate_dead_code
from .fuse_attention import fuse_attention
from .fuse_conv import fuse_conv_activation
from .fuse_elementwise import fuse_elementwise
from .fuse_linear import autotune_linear, fuse_linear_activation, split_linear_bias
from .fuse_reduction import fuse_reduction
from .simplify import simplify_algebra

__all__ = ["optimize", "autotune_linear", "fold_constants", "eliminate_common_subexpressions", "eliminate_dead_code",
           "fuse_attention", "fuse_conv_activation", "fuse_elementwise", "fuse_linear_activation", "fuse_reduction",
           "simplify_algebra", "split_linear_bias"]


def optimize(graph: Graph, fuse: bool = True, grad: bool = True) -> dict:
    """Run every pass; returns the number of changes each made, by pass name.

    grad: whether the graph runs with gradients; without, short attentions run as one generated kernel
    (``fuse_attention``) and, on OpenCL, Linear biases move into the fused kernels after their gemms
    (``split_linear_bias``; the CPU gemm adds a bias in its own stores).
    """
    report = {"simplify_algebra": simplify_algebra(graph), "fold_constants": fold_constants(graph),
              "eliminate_common_subexpressions": eliminate_common_subexpressions(graph),
              "eliminate_dead_code": eliminate_dead_code(graph)}
    if fuse:
        report["fuse_linear_activation"] = fuse_linear_activation(graph)
        if not grad:
            report["split_linear_bias"] = split_linear_bias(graph, devices=("opencl",))
            report["fuse_attention"] = fuse_attention(graph)
        report["fuse_conv_activation"] = fuse_conv_activation(graph)
        report["fuse_reduction"] = fuse_reduction(graph, grad=grad)
        report["fuse_elementwise"] = fuse_elementwise(graph)
        report["autotune_linear"] = autotune_linear(graph)
    return report
