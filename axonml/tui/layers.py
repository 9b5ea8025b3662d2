"""Layer trees for the model view: from a module (with output shapes), a model name, or a checkpoint.

A tree is :class:`LayerNode`\\ s; :func:`visible_rows` flattens it into the rows the view shows,
given which nodes are collapsed. A checkpoint is described through ``axonml inspect``'s describer
(nothing in it is executed); when the run's settings name its architecture (``config.json`` beside
it, or the settings a ``train`` checkpoint carries), the model is built and run once on a zero input
so that every layer's output shape is known, and the file's tensors are checked against it.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

__all__ = ["LayerNode", "tree_from_module", "tree_from_tensors", "tree_from_name", "tree_from_checkpoint",
           "visible_rows", "model_names", "parse_shape", "INPUT_SHAPES"]

# the input (C, H, W) of each dataset `axonml train` knows
INPUT_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
_SMALL_MODELS = ("lenet", "mlp", "simplecnn")  # built the way `axonml train` builds them


@dataclass
class LayerNode:
    """One module (or, for a bare checkpoint, one name prefix or tensor) of a model.

    Attributes:
        name: the dotted path from the root ("" for the root); label: the last part.
        kind: the module's class name, "tensor", or "group" (a name prefix of a checkpoint).
        output_shape: the shape this module returned on the probe input, when known.
        shape: a tensor's shape (for tensor nodes).
        parameters: elements of this node's own tensors; total: with all descendants.
    """
    name: str
    kind: str
    output_shape: tuple | None = None
    shape: tuple | None = None
    parameters: int = 0
    total: int = 0
    detail: str = ""
    children: list["LayerNode"] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name.rsplit(".", 1)[-1] if self.name else "(model)"

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, name: str) -> "LayerNode | None":
        return next((node for node in self.walk() if node.name == name), None)


def parse_shape(text: str) -> tuple[int, ...]:
    """'3x224x224' or '3,224,224' as (3, 224, 224)."""
    parts = text.replace(",", "x").lower().split("x")
    try:
        shape = tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"an input shape is numbers joined by 'x' (like 3x224x224), got {text!r}") from None
    if not shape or any(n <= 0 for n in shape):
        raise ValueError(f"an input shape has positive sizes, got {text!r}")
    return shape


def _shape_of(output) -> tuple | None:
    if hasattr(output, "shape"):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)) and output and hasattr(output[0], "shape"):
        return tuple(output[0].shape)
    return None


def tree_from_module(module, input_shape: tuple | None = None) -> LayerNode:
    """The module tree; with `input_shape` (without the batch dimension), each module's output shape from one
    forward pass of a zero batch of one (under no_grad, in eval mode)."""
    shapes: dict[str, tuple] = {}
    if input_shape is not None:
        import axonml
        names = {id(m): name for name, m in module.named_modules()}

        def record(m, args, output) -> None:  # a hook that returns something replaces the output
            shapes.setdefault(names[id(m)], _shape_of(output))

        handles = [m.register_forward_hook(record) for _, m in module.named_modules()]
        was_training = module.training
        module.eval()
        try:
            with axonml.no_grad():
                module(axonml.zeros(1, *input_shape))
        finally:
            for handle in handles:
                handle.remove()
            module.train(was_training)

    def build(name: str, m) -> LayerNode:
        own = sum(p.numel() for p in m.parameters(recurse=False))
        node = LayerNode(name=name, kind=type(m).__name__, output_shape=shapes.get(name), parameters=own,
                         detail=m.extra_repr())
        node.children = [build(f"{name}.{child}" if name else child, sub) for child, sub in m.named_children()]
        node.total = own + sum(child.total for child in node.children)
        return node

    return build("", module)


def tree_from_tensors(rows) -> LayerNode:
    """A tree of name prefixes from a checkpoint's tensors (rows of {"name", "shape"} as ``inspect`` lists them)."""
    root = LayerNode(name="", kind="checkpoint")
    groups = {"": root}
    for row in rows:
        parts = row["name"].split(".")
        parent = root
        for depth in range(1, len(parts)):
            prefix = ".".join(parts[:depth])
            if prefix not in groups:
                groups[prefix] = LayerNode(name=prefix, kind="group")
                parent.children.append(groups[prefix])
            parent = groups[prefix]
        shape = tuple(row["shape"])
        parent.children.append(LayerNode(name=row["name"], kind="tensor", shape=shape, parameters=math.prod(shape),
                                         detail=str(row.get("dtype", ""))))

    def total(node: LayerNode) -> int:
        node.total = node.parameters + sum(total(child) for child in node.children)
        return node.total

    total(root)
    return root


def model_names() -> list[str]:
    """Names `tree_from_name` builds: train's models and every torchvision-style builder of axonml.vision."""
    from ..vision import models
    builders = [name for name in models.__all__ if name.islower() and callable(getattr(models, name))
                and name not in ("get_model_weights", "get_weight")]
    return sorted(set(_SMALL_MODELS) | set(builders))


def _build(name: str, input_shape: tuple | None):
    if name in _SMALL_MODELS:
        from ..cli.train import build_model
        input_shape = input_shape or INPUT_SHAPES["mnist"]
        if len(input_shape) != 3:
            raise ValueError(f"{name} takes a (C, H, W) input, got {input_shape}")
        return build_model(name, input_shape), input_shape
    if name not in model_names():
        raise ValueError(f"unknown model '{name}'; known: {', '.join(model_names())}")
    from ..vision import models
    return getattr(models, name)(), input_shape or (3, 224, 224)


def tree_from_name(name: str, input_shape: tuple | None = None) -> LayerNode:
    """The tree of a model built by name (random weights), with output shapes for `input_shape`
    (default: 1x28x28 for train's small models, 3x224x224 for the others)."""
    module, input_shape = _build(name, input_shape)
    return tree_from_module(module, input_shape)


def _architecture(path: str, metadata: dict) -> tuple[str, str | None] | None:
    """(model, dataset) of the run a checkpoint belongs to, from config.json beside it or its own settings."""
    from .runlog import _read_config
    config = _read_config(os.path.dirname(os.path.abspath(path)))
    if isinstance(config.get("model"), str):
        return config["model"], config.get("dataset")
    model = next((v for k, v in metadata.items() if k.endswith("settings.model") and isinstance(v, str)), None)
    dataset = next((v for k, v in metadata.items() if k.endswith("settings.dataset") and isinstance(v, str)), None)
    return (model, dataset) if model else None


def tree_from_checkpoint(path: str) -> tuple[LayerNode, dict]:
    """The tree of a model file and its description (``format``, ``tensors``, ``parameters``, ``metadata``).

    With a known architecture whose parameters match the file's tensors, the tree is the built model's
    (output shapes included); otherwise the file's tensors grouped by name prefix."""
    from ..cli.inspect import describe
    info = describe(path)
    architecture = _architecture(path, info.get("metadata") or {})
    if architecture is not None:
        model, dataset = architecture
        try:
            module, input_shape = _build(model, INPUT_SHAPES.get(dataset or ""))
            expected = {name: tuple(p.shape) for name, p in module.named_parameters()}
            found = {row["name"].removeprefix("model."): tuple(row["shape"]) for row in info["tensors"]}
            if all(found.get(name) == shape for name, shape in expected.items()):
                info["architecture"] = f"{model} on {dataset}" if dataset else model
                return tree_from_module(module, input_shape), info
        except (ValueError, TypeError, RuntimeError):
            pass
    return tree_from_tensors(info["tensors"]), info


def visible_rows(root: LayerNode, collapsed: set[str]) -> list[tuple[int, LayerNode]]:
    """(depth, node) of every node shown: the root's descendants, depth first, none below a collapsed node."""
    rows = []

    def visit(node: LayerNode, depth: int) -> None:
        rows.append((depth, node))
        if node.name not in collapsed:
            for child in node.children:
                visit(child, depth + 1)

    visit(root, 0)
    return rows
