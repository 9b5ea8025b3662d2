"""``axonml.onnx.load``: an ONNX model as an ``axonml.nn.Module`` whose forward runs the graph on axonml ops.

The model is validated by ``onnx.checker`` first. Initializers become parameters (floating
point) or buffers (integers, booleans, the float8 and float4 storage types), so an imported model can be fine-tuned and its
state_dict saved. Every node is matched with its converter at load time; an op, an attribute
or an element type that axonml cannot run is reported then, all of them at once.
"""
from __future__ import annotations

import os
import re

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper

from .. import _dtype
from ..creation import from_numpy, tensor as _tensor
from ..nn.modules.module import Module
from ..nn.parameter import Parameter
from ..tensor import Tensor
from . import _dtypes, _registry
from . import ops as _ops  # noqa: F401 - registers the converters

__all__ = ["load", "OnnxModule"]

_DEFAULT_DOMAINS = ("", "ai.onnx")
# floating types axonml stores but does no arithmetic on: their initializers are buffers, not parameters
_STORAGE_TYPES = frozenset(_dtype._FLOAT8 + (_dtype.float4_e2m1fn,))


def load(f) -> "OnnxModule":
    """Import an ONNX model as an axonml Module.

    Args:
        f: a path to a ``.onnx`` file, the file's bytes, or an ``onnx.ModelProto``. External
            tensor data is read only from files inside the model's directory.

    Returns:
        an :class:`OnnxModule`. Call it with the graph's inputs (those that are not
        initializers), in graph order, as axonml Tensors or NumPy arrays; it returns a Tensor
        when the graph has one output, else a tuple in graph-output order.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the bytes are not an ONNX model, or ``onnx.checker`` rejects the graph, or
            external data points outside the model's directory.
        NotImplementedError: the model uses ops, attributes or element types that axonml cannot
            run; the message lists every one of them (op, opset, node names).

    Example::

        >>> model = axonml.onnx.load("model.onnx")
        >>> y = model(axonml.randn(1, 3, 224, 224))
    """
    base_dir = None
    if isinstance(f, onnx.ModelProto):
        model = onnx.ModelProto()
        model.CopyFrom(f)
        what = "the ModelProto"
    elif isinstance(f, (bytes, bytearray, memoryview)):
        model = _parse(bytes(f), "the given bytes")
        what = "the given bytes"
    elif isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as handle:
            data = handle.read()
        model = _parse(data, repr(path))
        base_dir = os.path.dirname(os.path.abspath(path))
        what = repr(path)
    else:
        raise TypeError(f"load(): f must be a path, bytes or an onnx.ModelProto, not {type(f).__name__}")
    _inline_external_data(model, base_dir, what)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as error:
        raise ValueError(f"{what} is not a valid ONNX model: {error}") from None
    return OnnxModule(model)


def _parse(data: bytes, what: str) -> onnx.ModelProto:
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RuntimeError) as error:
        raise ValueError(f"{what} is not an ONNX model (truncated or corrupt): {error}") from None
    if not model.HasField("graph"):
        raise ValueError(f"{what} is not an ONNX model: it has no graph")
    return model


def _graphs(graph: onnx.GraphProto):
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from _graphs(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    yield from _graphs(subgraph)


def _external_tensors(model: onnx.ModelProto):
    for graph in _graphs(model.graph):
        yield from graph.initializer
        for node in graph.node:
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.TENSOR:
                    yield attribute.t


def _inline_external_data(model: onnx.ModelProto, base_dir: str | None, what: str) -> None:
    """Read every external tensor into the model, refusing locations outside base_dir."""
    for proto in _external_tensors(model):
        if proto.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = {entry.key: entry.value for entry in proto.external_data}
        location = info.get("location", "")
        if base_dir is None:
            raise ValueError(f"tensor {proto.name!r} of {what} keeps its data in the external file {location!r}; "
                             "load the model from its path so that the file can be found")
        if (not location or os.path.isabs(location) or location.startswith(("/", "\\"))
                or ".." in re.split(r"[\\/]", location) or ":" in location):
            raise ValueError(f"tensor {proto.name!r} of {what}: external data location {location!r} must be a "
                             "relative path inside the model's directory")
        root = os.path.realpath(base_dir)
        target = os.path.realpath(os.path.join(root, location))
        if os.path.commonpath([root, target]) != root:
            raise ValueError(f"tensor {proto.name!r} of {what}: external data {location!r} resolves outside the "
                             "model's directory")
        if not os.path.isfile(target):
            raise FileNotFoundError(f"tensor {proto.name!r} of {what}: external data file {location!r} not found")
        offset = int(info.get("offset", 0) or 0)
        with open(target, "rb") as handle:
            handle.seek(offset)
            length = int(info["length"]) if info.get("length") else -1
            data = handle.read(length)
        if length >= 0 and len(data) != length:
            raise ValueError(f"tensor {proto.name!r} of {what}: external data {location!r} is truncated "
                             f"({len(data)} of {length} bytes)")
        proto.raw_data = data
        proto.data_location = onnx.TensorProto.DEFAULT
        del proto.external_data[:]


def _tensor_array(proto: onnx.TensorProto) -> np.ndarray:
    array = numpy_helper.to_array(proto)
    dtype = _dtypes.to_axonml(proto.data_type)
    if dtype is not None and array.dtype != dtype.np:
        array = array.astype(dtype.np)
    # numpy_helper may return a read-only view of the protobuf's bytes; parameters must be writable.
    return array if array.flags.c_contiguous and array.flags.writeable else array.copy(order="C")


def _attribute_value(attribute: onnx.AttributeProto):
    kind = attribute.type
    if kind == onnx.AttributeProto.TENSOR:
        return attribute.t
    if kind == onnx.AttributeProto.GRAPH:
        return attribute.g
    value = onnx.helper.get_attribute_value(attribute)
    if kind == onnx.AttributeProto.STRING:
        return value.decode("utf-8")
    if kind == onnx.AttributeProto.STRINGS:
        return [item.decode("utf-8") for item in value]
    if kind == onnx.AttributeProto.INTS:
        return [int(item) for item in value]
    if kind == onnx.AttributeProto.FLOATS:
        return [float(item) for item in value]
    return value


class _Node:
    __slots__ = ("converter", "ctx", "inputs", "outputs")

    def __init__(self, converter, ctx, inputs, outputs):
        self.converter, self.ctx, self.inputs, self.outputs = converter, ctx, inputs, outputs


class _Graph:
    """One (sub)graph, its nodes bound to converters; runs over a dict of named values."""

    def __init__(self, module: "OnnxModule", graph: onnx.GraphProto, opset: int, problems: list, scope: str):
        self.module = module
        self.opset = opset
        initializer_names = {proto.name for proto in graph.initializer}
        self.constants = {}
        for proto in graph.initializer:
            member = module._add_constant(proto.name, proto, scope)
            if member is not None:
                self.constants[proto.name] = member
        self.input_names = [value.name for value in graph.input if value.name not in initializer_names]
        self.output_names = [value.name for value in graph.output]
        for value in graph.input:
            if value.name in initializer_names:
                continue
            if not value.type.HasField("tensor_type"):
                if value.type.WhichOneof("value") is not None:
                    problems.append(f"input {value.name!r}: only tensor inputs are supported")
                continue
            code = value.type.tensor_type.elem_type
            if code and _dtypes.to_axonml(code) is None:
                problems.append(f"input {value.name!r}: element type {_dtypes.name_of(code)} has no axonml dtype")
        for value in graph.output:
            if value.type.HasField("tensor_type"):
                code = value.type.tensor_type.elem_type
                if code and _dtypes.to_axonml(code) is None:
                    problems.append(f"output {value.name!r}: element type {_dtypes.name_of(code)} has no axonml "
                                    "dtype")
            elif value.type.WhichOneof("value") is not None:
                problems.append(f"output {value.name!r}: only tensor outputs are supported")
        self.nodes = []
        for index, node in enumerate(graph.node):
            bound = self._bind(node, index, problems, scope)
            if bound is not None and node.op_type == "Constant":
                # Constants are folded at load time into non-persistent buffers, which follow Module.to().
                member = module._member_name(f"{scope}const_{node.output[0]}")
                module.register_buffer(member, bound.converter.run(bound.ctx), persistent=False)
                self.constants[node.output[0]] = member
            else:
                self.nodes.append(bound)

    def _bind(self, node: onnx.NodeProto, index: int, problems: list, scope: str):
        label = node.name or f"{node.op_type}_{index}"
        if node.domain not in _DEFAULT_DOMAINS:
            problems.append(f"{node.domain}::{node.op_type} (node {label!r}): only the default ONNX domain is "
                            "supported")
            return None
        converter = _registry.find(node.op_type, self.opset)
        if converter is None:
            problems.append(f"{node.op_type} (opset {self.opset}, node {label!r})")
            return None
        attrs = {attribute.name: _attribute_value(attribute) for attribute in node.attribute}
        unknown = sorted(set(attrs) - converter.attrs)
        if unknown:
            problems.append(f"{node.op_type} (opset {self.opset}, node {label!r}): attribute(s) "
                            f"{', '.join(unknown)} not supported")
            return None
        ctx = _registry.NodeContext(node.op_type, label, attrs, self.opset, self.module,
                                    output_count=len(node.output))
        for name, value in attrs.items():
            if isinstance(value, onnx.GraphProto):
                ctx.subgraphs[name] = _Graph(self.module, value, self.opset, problems, f"{scope}{label}.{name}.")
            elif isinstance(value, onnx.TensorProto):
                if _dtypes.to_axonml(value.data_type) is None:
                    problems.append(f"{node.op_type} (opset {self.opset}, node {label!r}): element type "
                                    f"{_dtypes.name_of(value.data_type)} has no axonml dtype")
                    return None
                attrs[name] = _tensor_array(value)
        if converter.check is not None:
            reason = converter.check(ctx)
            if reason:
                problems.append(f"{node.op_type} (opset {self.opset}, node {label!r}): {reason}")
                return None
        return _Node(converter, ctx, list(node.input), list(node.output))

    def run(self, env: dict) -> list:
        """Run the nodes over env (graph inputs and outer-scope values by name); the graph's outputs."""
        module = self.module
        for name, member in self.constants.items():
            value = module._parameters.get(member)
            env[name] = value if value is not None else module._buffers[member]
        for node in self.nodes:
            args = [env[name] if name else None for name in node.inputs]
            if node.ctx.subgraphs:
                node.ctx.env = env
            try:
                result = node.converter.run(node.ctx, *args)
            except (TypeError, ValueError, RuntimeError, IndexError) as error:
                # the same exception type, naming the node and its inputs' shapes
                shapes = [tuple(arg.shape) if isinstance(arg, Tensor) else arg for arg in args]
                raise type(error)(f"ONNX node {node.ctx.name!r} ({node.ctx.op_type}, input shapes {shapes}): "
                                  f"{error}") from error
            if not isinstance(result, (tuple, list)):
                result = (result,)
            for name, value in zip(node.outputs, result):
                if name:
                    env[name] = value
        return [env[name] for name in self.output_names]


class OnnxModule(Module):
    """An imported ONNX graph: initializers as parameters and buffers, forward running the nodes on axonml ops.

    ``onnx_names`` maps each initializer's ONNX name to its state_dict key (ONNX names may hold
    characters that are not valid attribute names).
    """

    def __init__(self, model: onnx.ModelProto):
        super().__init__()
        self.onnx_names: dict[str, str] = {}
        self.opset = next((entry.version for entry in model.opset_import if entry.domain in _DEFAULT_DOMAINS), 1)
        self._problems: list[str] = []
        self._graph = _Graph(self, model.graph, self.opset, self._problems, "")
        if self._problems:
            raise NotImplementedError("axonml.onnx cannot run this model:\n  " + "\n  ".join(self._problems))
        del self._problems
        self.input_names = list(self._graph.input_names)
        self.output_names = list(self._graph.output_names)

    def _add_constant(self, name: str, proto: onnx.TensorProto, scope: str) -> str | None:
        dtype = _dtypes.to_axonml(proto.data_type)
        if dtype is None:
            self._problems.append(f"initializer {name!r}: element type {_dtypes.name_of(proto.data_type)} has no "
                                  "axonml dtype")
            return None
        member = self._member_name(scope + name)
        value = from_numpy(_tensor_array(proto))
        if dtype.is_floating_point and dtype not in _STORAGE_TYPES:
            self.register_parameter(member, Parameter(value))
        else:
            self.register_buffer(member, value)
        if not scope:
            self.onnx_names[name] = member
        return member

    def _member_name(self, name: str) -> str:
        base = re.sub(r"\W", "_", name) or "_"
        if base[0].isdigit():
            base = "_" + base
        member, counter = base, 1
        while hasattr(self, member) or member in self._parameters or member in self._buffers:
            member, counter = f"{base}_{counter}", counter + 1
        return member

    def _device_of_inputs(self, inputs):
        for value in inputs:
            if isinstance(value, Tensor):
                return value.device
        for value in self._parameters.values():
            return value.device
        for value in self._buffers.values():
            return value.device
        return None

    def forward(self, *inputs):
        names = self._graph.input_names
        if len(inputs) != len(names):
            raise TypeError(f"forward() takes the graph's {len(names)} input(s) {names}, got {len(inputs)}")
        device = self._device_of_inputs(inputs)
        self._run_device = device
        env = {}
        for name, value in zip(names, inputs):
            if not isinstance(value, Tensor):
                value = _tensor(np.asarray(value), device=device)
            env[name] = value
        outputs = self._graph.run(env)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def extra_repr(self) -> str:
        return f"opset={self.opset}, inputs={self.input_names}, outputs={self.output_names}"
