"""Linear passes: Linear + bias + ReLU fusion, biases moved into later fused kernels, autotuned products.

``fuse_linear_activation``: a Linear whose only reader is a ReLU becomes axonml's own ``Linear``
Function with ``activation="relu"`` (``axonml.ops.linalg.linear_relu``): the bias enters the gemm
as its C operand and the ReLU runs in place on the gemm's output, with ReLU's own gradient.
``split_linear_bias`` (graphs without gradients) and ``autotune_linear`` are described below.
"""
from __future__ import annotations

from ...ops import activation as _activation
from ...ops import linalg as _linalg
from ..ir import Graph, Node, Value, substitute

__all__ = ["fuse_linear_activation", "split_linear_bias", "autotune_linear"]


def fuse_linear_activation(graph: Graph) -> int:
    """Rewrite Linear -> Relu pairs; returns how many."""
    uses = graph.uses()
    outputs = set(graph.output_values())
    producer_of = {value: node for node in graph.nodes for value in node.outputs}
    removed = set()
    mapping = {}
    count = 0
    for node in graph.nodes:
        if node.kind != "call" or node.target is not _activation.Relu or not isinstance(node.args[0], Value):
            continue
        linear_out = node.args[0]
        linear = producer_of.get(linear_out)
        if linear is None or linear.kind != "call" or linear.target is not _linalg.Linear:
            continue
        if len(linear.args) < 4 or linear.args[3] is not None or linear_out in outputs or \
                len(uses.get(linear_out, ())) != 1 or len(linear.args[1].shape) != 2:
            continue
        linear.args = linear.args[:3] + ("relu",)
        linear.op = "Linear[relu]"
        mapping[node.outputs[0]] = linear_out
        linear_out.shape, linear_out.dtype = node.outputs[0].shape, node.outputs[0].dtype
        removed.add(node)
        count += 1
    if count:
        graph.nodes = [node for node in graph.nodes if node not in removed]
        graph.replace_uses(mapping)
    return count


def split_linear_bias(graph: Graph, devices: tuple = ("cpu", "opencl")) -> int:
    """For graphs run without gradients: move a Linear's bias (and ReLU) out of the gemm into elementwise ops
    where a fused kernel will apply them in the same pass as the ops after them; returns how many.

    Where a Linear's bias enters its gemm as the C operand (OpenCL), that costs a pass copying the bias
    over the output before the gemm, and its ReLU a second pass after; the CPU gemm applies both in its
    stores, so ``optimize`` splits OpenCL Linears only. A Linear without a bias writes its
    product alone; ``Add(product, bias)`` (moved past views of the product that keep the last axis)
    then joins the elementwise chain or the reduction that reads it (a residual add and a layer
    norm), and ``Add`` + ``Relu`` become one fused pass. With gradients the Linear keeps its
    bias: its own backward is cheaper than a fused group's replay.
    """
    from ...ops import elementwise as _elementwise
    from ...ops import shape as _shape
    from .fuse_elementwise import _fusable
    from .fuse_reduction import _spec
    uses = graph.uses()
    outputs = set(graph.output_values())
    inserted: dict = {}
    count = 0
    for node in graph.nodes:
        if node.kind != "call" or node.target is not _linalg.Linear or len(node.args) != 4 or \
                not isinstance(node.args[2], Value):
            continue
        x, weight, bias, activation = node.args
        out = node.outputs[0]
        if activation not in (None, "relu") or len(weight.shape) != 2 or bias.dtype != out.dtype or \
                str(bias.device) != str(out.device):
            continue
        if activation is None:
            # follow views that keep the last axis to the one reader, which must fuse the bias add
            value, views = out, []
            while value not in outputs and len(uses.get(value, ())) == 1:
                reader = uses[value][0]
                if reader.kind == "call" and reader.target is _shape.View and reader.args[0] is value and \
                        reader.outputs[0].shape[-1:] == value.shape[-1:]:
                    views.append(reader)
                    value = reader.outputs[0]
                    continue
                break
            readers = uses.get(value, ())
            if value in outputs or len(readers) != 1 or not (_fusable(readers[0], devices) or
                                                            _spec(readers[0], devices) is not None):
                continue
            anchor = views[-1] if views else node
        else:
            value, anchor = out, node
        probe = Node("call", "Add", _elementwise.Add, (value, bias), [value])
        if not _fusable(probe, devices):
            continue
        node.args = (x, weight, None, None)
        node.op = "Linear"
        added = graph.new_value("op", value.shape, value.dtype, value.device)
        add = Node("call", "Add", _elementwise.Add, (value, bias), [added])
        added.producer = add
        new_nodes, result = [add], added
        if activation == "relu":
            relu_out = graph.new_value("op", value.shape, value.dtype, value.device)
            relu = Node("call", "Relu", _activation.Relu, (added,), [relu_out])
            relu_out.producer = relu
            new_nodes.append(relu)
            result = relu_out
        inserted[anchor] = (value, result, new_nodes)
        count += 1
    if count:
        nodes = []
        for node in graph.nodes:
            nodes.append(node)
            if node in inserted:
                value, result, new_nodes = inserted[node]
                nodes.extend(new_nodes)
        mapping = {value: result for value, result, _ in inserted.values()}
        graph.nodes = nodes
        # readers of the product now read the biased (and activated) value; the Add itself reads the product
        for node in graph.nodes:
            if any(node in new_nodes for _, _, new_nodes in inserted.values()):
                continue
            node.args = substitute(node.args, mapping)
        graph.output = substitute(graph.output, mapping)
    return count


def autotune_linear(graph: Graph) -> int:
    """Make each CPU float Linear an :class:`~axonml.fusion.linear.AutotunedLinear`, which times its kernels (BLAS
    in both orientations of the product; the AVX-512 gemm for float32 where it runs) on its first run and keeps
    the fastest; returns how many."""
    import numpy as np

    from ...fusion.linear import AutotunedLinear
    count = 0
    for position, node in enumerate(graph.nodes):
        if node.kind != "call" or node.target is not _linalg.Linear or len(node.args) != 4:
            continue
        x, weight = node.args[:2]
        out = node.outputs[0]
        if not isinstance(x, Value) or not isinstance(weight, Value) or len(weight.shape) != 2 or \
                str(out.device) != "cpu" or getattr(out.dtype, "np", None) not in (np.float32, np.float64) or \
                x.dtype != out.dtype or weight.dtype != out.dtype:
            continue
        fused = Node("fused", f"Autotuned{node.op}", AutotunedLinear(), node.args, [out])
        out.producer = fused
        graph.nodes[position] = fused
        count += 1
    return count
