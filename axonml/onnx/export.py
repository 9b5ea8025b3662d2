"""``axonml.onnx.export``: trace a Module on example inputs and write it as an ONNX model.

Tracing records every op the forward applies (through the autograd engine's tracer hook,
``set_tracer``, which axonml.jit uses too) and writes one or a few ONNX nodes per op.
Parameters and buffers become named initializers, other constants Constant nodes. The model is traced twice, the second time on inputs changed in
their values and, with ``dynamic_axes``, in the size of those axes: a value the trace took as
a constant but that differs between the runs (data-dependent Python code) is an error, and
shape arguments that follow the dynamic axes are computed in the graph from the inputs' shapes.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .. import _dtype
from .._ext import _autograd
from ..autograd.grad_mode import no_grad
from ..creation import tensor as _tensor
from ..nn.modules.module import Module
from ..tensor import Tensor
from . import _dtypes

__all__ = ["export"]


@dataclass
class _Op:
    name: str
    args: tuple
    out: object


class _Recorder:
    """The op observer of one trace: keeps the outermost ops in order, and every tensor alive."""

    def __init__(self):
        self.depth = 0
        self.ops: list[_Op] = []

    def begin_op(self, fn_cls, args):
        self.depth += 1
        if self.depth == 1:
            self.ops.append(_Op(fn_cls.__name__, tuple(args), None))
            return len(self.ops) - 1
        return None

    def end_op(self, token, out):
        self.depth -= 1
        if token is not None:
            self.ops[token].out = out


def _trace(model: Module, args: tuple):
    recorder = _Recorder()
    write_in_place = Tensor._inplace

    def recorded_inplace(self, result):
        # In-place ops write an out-of-place result into self: from here on self is that result.
        out = write_in_place(self, result)
        if recorder.depth == 0:
            recorder.ops.append(_Op("_InPlace", (self, result), out))
        return out
    previous = _autograd.set_tracer(recorder)
    Tensor._inplace = recorded_inplace
    leaves = [module for module in model.modules() if _leaf_kind(module)]
    for module in leaves:
        object.__setattr__(module, "forward", _recorded_forward(module, recorder))
    try:
        with no_grad():
            result = model(*args)
    finally:
        for module in leaves:
            object.__delattr__(module, "forward")
        Tensor._inplace = write_in_place
        _autograd.set_tracer(previous)
    return recorder.ops, result


def _leaf_kind(module) -> str | None:
    """Modules written as one ONNX op rather than traced: those whose statistics come from the input
    through host code (instance norm without running statistics)."""
    from ..nn.modules.instancenorm import _InstanceNorm
    if isinstance(module, _InstanceNorm) and not (module.track_running_stats and not module.training):
        return "_InstanceNorm"
    return None


def _recorded_forward(module, recorder):
    forward = type(module).forward

    def recorded(*inputs):
        top = recorder.depth == 0
        recorder.depth += 1
        try:
            out = forward(module, *inputs)
        finally:
            recorder.depth -= 1
        if top:
            recorder.ops.append(_Op(_leaf_kind(module), (module, *inputs), out))
        return out
    return recorded


def _outputs_of(result) -> list:
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        flat = []
        for item in result:
            flat += _outputs_of(item)
        return flat
    raise TypeError(f"export(): the model's output must be Tensors (or tuples of them), not {type(result).__name__}")


class _Builder:
    """Builds the ONNX graph from two traces of one model."""

    def __init__(self, model, inputs, inputs2, dynamic_dims, opset):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.names: dict[int, str] = {}
        self.names2: dict[int, str] = {}
        self.counter = 0
        self.constants: dict = {}
        self.parameter_names = {}
        for name, value in list(model.named_parameters()) + list(model.named_buffers()):
            self.parameter_names.setdefault(id(value), name)
        self.used_parameters: dict[str, Tensor] = {}
        self.inputs = inputs
        self.inputs2 = inputs2
        self.dynamic_dims = dynamic_dims  # [(input name, axis)]
        self.current = None  # (args, args2) of the op being written

    # --- names -----------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}_{self.counter}"

    def bind(self, value: Tensor, value2: Tensor, name: str) -> None:
        # ops that take backend arrays (an Embedding's indices) see the tensor's _data, not the tensor
        self.names[id(value)] = self.names[id(value._data)] = name
        self.names2[id(value2)] = name

    def value(self, x, x2=None, like: Tensor | None = None) -> str:
        """The graph name of an op argument: a traced value, a parameter, or a constant.

        x2 is the same argument in the second trace; by default it is found at x's position in
        the arguments of the op being written.
        """
        if x2 is None and self.current is not None:
            x2 = _counterpart(x, *self.current)
        if isinstance(x, Tensor):
            if id(x) in self.names:
                return self.names[id(x)]
            if id(x) in self.parameter_names:
                name = self.parameter_names[id(x)]
                if name not in self.used_parameters:
                    self.used_parameters[name] = x
                    self.initializers.append(numpy_helper.from_array(x.detach().cpu().numpy(), name))
                return name
            array = x.detach().cpu().numpy()
            array2 = x2.detach().cpu().numpy() if isinstance(x2, Tensor) else None
        elif isinstance(x, np.ndarray) or _is_backend_array(x):
            if id(x) in self.names:
                return self.names[id(x)]
            array, array2 = _host(x), (_host(x2) if x2 is not None else None)
        else:
            dtype = like.dtype.np if like is not None else (np.float32 if isinstance(x, float) else np.int64)
            array = np.array(x, dtype)
            array2 = np.array(x2, dtype) if x2 is not None else None
        return self._constant(array, array2)

    def _constant(self, array: np.ndarray, array2) -> str:
        if array2 is not None and (array.shape != array2.shape or not np.array_equal(array, array2, equal_nan=True)):
            if array.shape != array2.shape and array.size and np.all(array == array.reshape(-1)[0]) and \
                    array2.size and np.all(array2 == array.reshape(-1)[0]):
                # a filled tensor whose shape follows a dynamic axis (an RNN's zero initial state)
                shape = self.shape(list(array.shape), list(array2.shape))
                fill = numpy_helper.from_array(array.reshape(-1)[:1].copy(), self.fresh("fill"))
                return self.node("ConstantOfShape", [shape], value=fill)
            raise RuntimeError("export(): a value the trace recorded as a constant changed between two runs on "
                               "different inputs; the model computes it outside axonml ops (Python or NumPy code "
                               "on tensor values), which a trace cannot follow")
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self.constants:
            # Constant nodes, not initializers: the initializers are exactly the model's parameters and buffers
            name = self.fresh("const")
            self.nodes.append(helper.make_node("Constant", [], [name], name=name,
                                               value=numpy_helper.from_array(np.ascontiguousarray(array), name)))
            self.constants[key] = name
        return self.constants[key]

    def const(self, values, dtype=np.int64) -> str:
        return self._constant(np.asarray(values, dtype), None)

    def reduce(self, op_type: str, name: str, axes: list[int], keepdims: int = 1) -> str:
        """A Reduce* node: axes as an input from opset 18 (ReduceSum: 13), as an attribute before."""
        if op_type == "ReduceSum" and self.opset >= 13 or self.opset >= 18:
            return self.node(op_type, [name, self.const(axes)], keepdims=keepdims)
        return self.node(op_type, [name], axes=axes, keepdims=keepdims)

    def node(self, op_type: str, inputs: list, outputs: int = 1, **attrs):
        names = [self.fresh(op_type) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=names[0], **attrs))
        return names[0] if outputs == 1 else names

    # --- shapes that may follow dynamic axes ---------------------------------------------------
    def shape(self, shape1, shape2, allow_infer: bool = False) -> str:
        """A 1-D int64 shape input: constant where the two traces agree, computed where they do not."""
        shape1, shape2 = [int(v) for v in shape1], [int(v) for v in shape2]
        if shape1 == shape2:
            return self.const(shape1)
        changed = [i for i, (a, b) in enumerate(zip(shape1, shape2)) if a != b]
        if allow_infer and len(changed) == 1 and -1 not in shape1:
            values = list(shape1)
            values[changed[0]] = -1
            return self.const(values)
        pieces = []
        for a, b in zip(shape1, shape2):
            pieces.append(self.const([a]) if a == b else self.dim_of(a, b))
        return self.node("Concat", pieces, axis=0)

    def dim_of(self, size1: int, size2: int) -> str:
        """A (1,) int64 value holding the size of the graph-input axis that is size1 in trace 1, size2 in trace 2."""
        for (name, axis), (tensor1, tensor2) in zip(self.dynamic_dims, self.dynamic_tensors):
            if tensor1.shape[axis] == size1 and tensor2.shape[axis] == size2:
                shape = self.node("Shape", [name])
                return self.node("Gather", [shape, self.const([axis])], axis=0)
        for (name, axis), (tensor1, tensor2) in zip(self.dynamic_dims, self.dynamic_tensors):
            size_a, size_b = tensor1.shape[axis], tensor2.shape[axis]
            if size1 * size_b == size2 * size_a and size1 % size_a == 0:
                shape = self.node("Shape", [name])
                dim = self.node("Gather", [shape, self.const([axis])], axis=0)
                return self.node("Mul", [dim, self.const([size1 // size_a])])
        raise NotImplementedError(f"export(): a shape size {size1} (then {size2}) follows the dynamic axes in a way "
                                  "the exporter cannot express")


def _flat(items):
    for item in items:
        if isinstance(item, (tuple, list)):
            yield from _flat(item)
        else:
            yield item


def _counterpart(x, args, args2):
    if isinstance(x, (bool, int, float, str)) or x is None:
        return None
    for item, item2 in zip(_flat(args), _flat(args2)):
        if item is x:
            return item2
    return None


def _is_backend_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (Tensor, np.ndarray, np.generic)) \
        and hasattr(x, "get")


def _host(x) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    return x.get() if hasattr(x, "get") else np.asarray(x)


# --- the op emitters ----------------------------------------------------------------------------
_EMITTERS = {}


def _emits(*names):
    def decorate(function):
        for name in names:
            _EMITTERS[name] = function
        return function
    return decorate


def _tensor_like(args):
    return next((a for a in args if isinstance(a, Tensor)), None)


def _elementwise(op_type):
    def emit(g, op, op2):
        like = _tensor_like(op.args)
        return g.node(op_type, [g.value(a, b, like) for a, b in zip(op.args, op2.args)])
    return emit


for _name, _op_type in {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
                        "Maximum": "Max", "Minimum": "Min", "Matmul": "MatMul"}.items():
    _EMITTERS[_name] = _elementwise(_op_type)

for _name, _op_type in {"Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Tanh": "Tanh",
                        "Sigmoid": "Sigmoid", "Relu": "Relu", "Erf": "Erf", "Abs": "Abs",
                        "Hardswish": "HardSwish"}.items():
    _EMITTERS[_name] = _elementwise(_op_type)


@_emits("_InPlace")
def _in_place(g, op, op2):
    return g.value(op.args[1])


@_emits("Rsqrt")
def _rsqrt(g, op, op2):
    return g.node("Reciprocal", [g.node("Sqrt", [g.value(op.args[0])])])


@_emits("Silu")
def _silu(g, op, op2):
    x = g.value(op.args[0])
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


@_emits("Hardsigmoid")
def _hardsigmoid(g, op, op2):
    return g.node("HardSigmoid", [g.value(op.args[0])], alpha=1.0 / 6, beta=0.5)


@_emits("LeakyRelu")
def _leaky_relu(g, op, op2):
    return g.node("LeakyRelu", [g.value(op.args[0])], alpha=float(op.args[1]))


@_emits("Elu")
def _elu(g, op, op2):
    x, alpha, scale, input_scale = op.args
    if input_scale == 1:
        y = g.node("Elu", [g.value(x)], alpha=float(alpha))
    else:  # celu: alpha * (exp(x / alpha) - 1) below zero
        name = g.value(x)
        negative = g.node("Mul", [g.node("Sub", [g.node("Exp", [g.node("Mul", [
            g.node("Min", [name, g.value(0.0, like=x)]), g.value(float(input_scale), like=x)])]),
            g.value(1.0, like=x)]), g.value(float(alpha), like=x)])
        y = g.node("Where", [g.node("Greater", [name, g.value(0.0, like=x)]), name, negative])
    return y if scale == 1 else g.node("Mul", [y, g.value(float(scale), like=x)])


@_emits("_InstanceNorm")
def _instance_norm(g, op, op2):
    module, x = op.args
    channels = x.shape[-module._spatial_dims - 1]
    batched = x.ndim == module._spatial_dims + 2
    name = g.value(x)
    if not batched:
        name = g.node("Unsqueeze", [name, g.const([0])])
    scale = g.value(module.weight) if module.affine else g.const(np.ones(channels), x.dtype.np)
    bias = g.value(module.bias) if module.affine else g.const(np.zeros(channels), x.dtype.np)
    y = g.node("InstanceNormalization", [name, scale, bias], epsilon=float(module.eps))
    return y if batched else g.node("Squeeze", [y, g.const([0])])


@_emits("DifferenceLoss")
def _difference_loss(g, op, op2):
    x, target, kind, parameter, reduction = op.args
    diff = g.node("Sub", [g.value(x), g.value(target)])
    if kind == "mse":
        loss = g.node("Mul", [diff, diff])
    elif kind == "l1" or parameter == 0.0:
        loss = g.node("Abs", [diff])
    else:
        size = g.node("Abs", [diff])
        inside = g.node("Less", [size, g.value(float(parameter), like=x)])
        square = g.node("Mul", [g.node("Mul", [diff, diff]), g.value(0.5, like=x)])
        linear = g.node("Sub", [size, g.value(0.5 * parameter, like=x)])
        if kind == "smooth_l1":
            loss = g.node("Where", [inside, g.node("Div", [square, g.value(float(parameter), like=x)]), linear])
        else:
            loss = g.node("Where", [inside, square, g.node("Mul", [linear, g.value(float(parameter), like=x)])])
    return _reduction(g, loss, reduction, x.ndim)


def _reduction(g, loss, reduction, rank):
    if reduction == "none":
        return loss
    return g.reduce("ReduceMean" if reduction == "mean" else "ReduceSum", loss, list(range(rank)), 0)


@_emits("CrossEntropy")
def _cross_entropy(g, op, op2):
    x, target, weight, ignore_index, label_smoothing, reduction = op.args
    if label_smoothing:
        raise NotImplementedError("export(): cross entropy with label smoothing")
    if (target.dtype.np if isinstance(target, Tensor) else _host(target).dtype).kind == "f":
        raise NotImplementedError("export(): cross entropy with class probabilities as the target")
    inputs = [g.value(x), g.value(target)] + ([g.value(weight)] if weight is not None else [])
    return g.node("SoftmaxCrossEntropyLoss", inputs, reduction=reduction, ignore_index=int(ignore_index))


@_emits("Sign")
def _sign(g, op, op2):
    return g.node("Sign", [g.value(op.args[0])])


@_emits("Mish")
def _mish(g, op, op2):
    name = g.value(op.args[0])
    return g.node("Mul", [name, g.node("Tanh", [g.node("Softplus", [name])])])


@_emits("LogSigmoid")
def _log_sigmoid(g, op, op2):
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", [g.value(op.args[0])])])])


@_emits("Threshold")
def _threshold(g, op, op2):
    x, threshold, value = op.args
    name = g.value(x)
    return g.node("Where", [g.node("Greater", [name, g.value(float(threshold), like=x)]), name,
                            g.value(float(value), like=x)])


@_emits("Glu")
def _glu(g, op, op2):
    x, axis = op.args
    axis = int(axis) % x.ndim
    half = x.shape[axis] // 2
    first, second = g.node("Split", [g.value(x), g.const([half, half])], outputs=2, axis=axis)
    return g.node("Mul", [first, g.node("Sigmoid", [second])])


@_emits("Hardshrink", "Softshrink")
def _shrink(g, op, op2):
    x, lambd = op.args
    return g.node("Shrink", [g.value(x)], lambd=float(lambd), bias=float(lambd) if op.name == "Softshrink" else 0.0)


@_emits("Tanhshrink")
def _tanhshrink(g, op, op2):
    name = g.value(op.args[0])
    return g.node("Sub", [name, g.node("Tanh", [name])])


@_emits("Softsign")
def _softsign(g, op, op2):
    return g.node("Softsign", [g.value(op.args[0])])


@_emits("Prelu")
def _prelu(g, op, op2):
    x, weight = op.args
    count = int(np.prod(weight.shape))
    shape = (count,) + (1,) * (x.ndim - 2) if x.ndim >= 2 and count > 1 else (1,)
    return g.node("PRelu", [g.value(x), g.node("Reshape", [g.value(weight), g.const(list(shape))])])


@_emits("ConstantPad")
def _constant_pad(g, op, op2):
    x, pads, value = op.args
    onnx_pads = [int(pair[0]) for pair in pads] + [int(pair[1]) for pair in pads]
    return g.node("Pad", [g.value(x), g.const(onnx_pads), g.value(float(value), like=x)], mode="constant")


@_emits("IndexPad")
def _index_pad(g, op, op2):
    x, gathers = op.args
    name = g.value(x)
    for axis, index in gathers:
        name = g.node("Gather", [name, g.const(_host(index).astype(np.int64))], axis=int(axis))
    return name


@_emits("Resample")
def _resample(g, op, op2):
    x, tables = op.args
    x2 = op2.args[0]
    name = g.value(x)
    shape, shape2 = list(x.shape), list(x2.shape)
    for axis, index, weights, _, _ in tables:
        index = _host(index).astype(np.int64)
        if weights is None:
            name = g.node("Gather", [name, g.const(index.reshape(-1))], axis=int(axis))
            shape[axis] = shape2[axis] = index.shape[0]
            continue
        weights = _host(weights)
        out, taps = index.shape
        gathered = g.node("Gather", [name, g.const(index.reshape(-1))], axis=int(axis))
        split1 = shape[:axis] + [out, taps] + shape[axis + 1:]
        split2 = shape2[:axis] + [out, taps] + shape2[axis + 1:]
        gathered = g.node("Reshape", [gathered, g.shape(split1, split2, allow_infer=True)])
        weight_shape = [out, taps] + [1] * (len(shape) - axis - 1)
        weighted = g.node("Mul", [gathered, g.const(weights.reshape(weight_shape), x.dtype.np)])
        name = g.reduce("ReduceSum", weighted, [axis + 1], 0)
        shape[axis] = shape2[axis] = out
    return name


@_emits("Einsum")
def _einsum(g, op, op2):
    from ..ops.linalg import _equation
    subscripts, output, shapes, *operands = op.args
    names = []
    for operand, shape in zip(operands, shapes):
        name = g.value(operand)
        if tuple(operand.shape) != tuple(shape):
            name = g.node("Expand", [name, g.const(list(shape))])
        names.append(name)
    return g.node("Einsum", names, equation=_equation(subscripts, output))


@_emits("ConvTransposeNd")
def _conv_transpose(g, op, op2):
    x, weight, bias, stride, padding, output_padding, dilation, groups = op.args
    pads = [int(pair[0]) for pair in padding] + [int(pair[1]) for pair in padding]
    inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
    batched = x.ndim == weight.ndim
    if not batched:
        inputs[0] = g.node("Unsqueeze", [inputs[0], g.const([0])])
    y = g.node("ConvTranspose", inputs, strides=[int(v) for v in stride], pads=pads,
               output_padding=[int(v) for v in output_padding], dilations=[int(v) for v in dilation],
               group=int(groups), kernel_shape=list(weight.shape[2:]))
    return y if batched else g.node("Squeeze", [y, g.const([0])])


@_emits("ElmanSequence")
def _elman(g, op, op2):
    gates_x, h0, w_hh, nonlinearity, reverse = op.args
    hidden = w_hh.shape[1]
    identity = g.const(np.eye(hidden, dtype=gates_x.dtype.np)[None], gates_x.dtype.np)
    recurrent = g.node("Unsqueeze", [g.value(w_hh), g.const([0])])
    activation = {"tanh": "Tanh", "relu": "Relu"}[str(nonlinearity).lower().replace("rnn_", "")]
    y, y_h = g.node("RNN", [g.value(gates_x), identity, recurrent, "", "",
                            g.node("Unsqueeze", [g.value(h0), g.const([0])])], outputs=2, hidden_size=hidden,
                    activations=[activation], direction="reverse" if reverse else "forward")
    return [g.node("Squeeze", [y, g.const([1])]), g.node("Squeeze", [y_h, g.const([0])])]


@_emits("Gelu")
def _gelu(g, op, op2):
    x, approximate = op.args
    if g.opset >= 20:
        return g.node("Gelu", [g.value(x)], approximate=approximate)
    name = g.value(x)
    if approximate == "tanh":
        cube = g.node("Mul", [g.node("Mul", [name, name]), name])
        inner = g.node("Mul", [g.node("Add", [name, g.node("Mul", [cube, g.value(0.044715, like=x)])]),
                               g.value(float(np.sqrt(2 / np.pi)), like=x)])
        half = g.node("Add", [g.node("Tanh", [inner]), g.value(1.0, like=x)])
    else:
        half = g.node("Add", [g.node("Erf", [g.node("Div", [name, g.value(float(np.sqrt(2.0)), like=x)])]),
                              g.value(1.0, like=x)])
    return g.node("Mul", [g.node("Mul", [name, half]), g.value(0.5, like=x)])


@_emits("Softplus")
def _softplus(g, op, op2):
    x, beta, threshold = op.args
    if beta == 1:
        return g.node("Softplus", [g.value(x)])
    scaled = g.node("Mul", [g.value(x), g.value(float(beta), like=x)])
    return g.node("Div", [g.node("Softplus", [scaled]), g.value(float(beta), like=x)])


@_emits("Hardtanh", "Clamp")
def _clamp(g, op, op2):
    x, low, high = op.args[:3]
    return g.node("Clip", [g.value(x), g.value(low, like=x) if low is not None else "",
                           g.value(high, like=x) if high is not None else ""])


@_emits("Softmax", "LogSoftmax")
def _softmax(g, op, op2):
    return g.node(op.name, [g.value(op.args[0])], axis=int(op.args[1]))


@_emits("Where")
def _where(g, op, op2):
    condition, a, b = op.args
    like = a if isinstance(a, Tensor) else b
    return g.node("Where", [g.value(condition), g.value(a, like=like), g.value(b, like=like)])


@_emits("Linear")
def _linear(g, op, op2):
    x, weight, bias, activation = op.args
    if x.ndim == 2:
        inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
        y = g.node("Gemm", inputs, transB=1)
    else:
        y = g.node("MatMul", [g.value(x), g.node("Transpose", [g.value(weight)], perm=[1, 0])])
        if bias is not None:
            y = g.node("Add", [y, g.value(bias)])
    if activation == "relu":
        y = g.node("Relu", [y])
    elif activation is not None:
        raise NotImplementedError(f"export(): Linear with a fused {activation!r} activation")
    return y


@_emits("ConvNd")
def _conv(g, op, op2):
    x, weight, bias, stride, padding, dilation, groups = op.args
    pads = [int(pair[0]) for pair in padding] + [int(pair[1]) for pair in padding]
    inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
    batched = x.ndim == weight.ndim
    if not batched:
        inputs[0] = g.node("Unsqueeze", [inputs[0], g.const([0])])
    y = g.node("Conv", inputs, strides=[int(s) for s in stride], pads=pads, dilations=[int(d) for d in dilation],
               group=int(groups), kernel_shape=list(weight.shape[2:]))
    return y if batched else g.node("Squeeze", [y, g.const([0])])


def _ceil_mode(x, kernel, stride, padding, dilation, output_size):
    spatial = x.shape[-len(kernel):]
    floor = [(spatial[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
             for i in range(len(kernel))]
    return int(list(output_size) != floor)


@_emits("MaxPool")
def _max_pool(g, op, op2):
    x, kernel, stride, padding, dilation, output_size = op.args
    kernel, stride, padding, dilation = ([int(v) for v in values] for values in (kernel, stride, padding, dilation))
    return g.node("MaxPool", [g.value(x)], kernel_shape=kernel, strides=stride, pads=padding + padding,
                  dilations=dilation, ceil_mode=_ceil_mode(x, kernel, stride, padding, dilation, output_size))


@_emits("AvgPool")
def _avg_pool(g, op, op2):
    x, kernel, stride, padding, output_size, count_include_pad, divisor_override = op.args
    if divisor_override:
        raise NotImplementedError("export(): average pooling with divisor_override")
    kernel, stride, padding = ([int(v) for v in values] for values in (kernel, stride, padding))
    return g.node("AveragePool", [g.value(x)], kernel_shape=kernel, strides=stride, pads=padding + padding,
                  count_include_pad=int(bool(count_include_pad)),
                  ceil_mode=_ceil_mode(x, kernel, stride, padding, [1] * len(kernel), output_size))


def _adaptive(op_type, global_op):
    def emit(g, op, op2):
        x, output_size = op.args
        spatial = list(x.shape[-len(output_size):])
        output_size = [int(v) for v in output_size]
        if all(v == 1 for v in output_size):
            return g.node(global_op, [g.value(x)])
        if op_type == "MaxPool" and any(size % out for size, out in zip(spatial, output_size)):
            raise NotImplementedError(f"export(): adaptive max pooling from {spatial} to {output_size} (not a divisor)")
        kernel = [size // out for size, out in zip(spatial, output_size)]
        if all(size % out == 0 for size, out in zip(spatial, output_size)):
            return g.node(op_type, [g.value(x)], kernel_shape=kernel, strides=kernel)
        return _adaptive_average_matrices(g, x, spatial, output_size)
    return emit


def _bin_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size): row o averages input positions [floor(o*size/out), ceil((o+1)*size/out)), as PyTorch bins."""
    matrix = np.zeros((out, size), dtype)
    for o in range(out):
        start, stop = (o * size) // out, -((-(o + 1) * size) // out)
        matrix[o, start:stop] = 1.0 / (stop - start)
    return matrix


def _adaptive_average_matrices(g, x, spatial, output_size):
    """Adaptive average pooling to sizes that do not divide the input: one MatMul per spatial axis."""
    if len(spatial) > 2:
        raise NotImplementedError(f"export(): 3-d adaptive average pooling from {spatial} to {output_size}")
    dtype = x.dtype.np
    name = g.value(x)
    if len(spatial) == 2:
        name = g.node("MatMul", [g.const(_bin_matrix(spatial[0], output_size[0], dtype), dtype), name])
    return g.node("MatMul", [name, g.const(_bin_matrix(spatial[-1], output_size[-1], dtype).T.copy(), dtype)])


_EMITTERS["AdaptiveAvgPool"] = _adaptive("AveragePool", "GlobalAveragePool")
_EMITTERS["AdaptiveMaxPool"] = _adaptive("MaxPool", "GlobalMaxPool")


@_emits("BatchNorm")
def _batch_norm(g, op, op2):
    x, weight, bias, mean, rstd, training = op.args
    if training:
        raise NotImplementedError("export(): BatchNorm in training mode (call model.eval() first)")
    shape = [1, -1] + [1] * (x.ndim - 2)
    like = x

    def per_channel(value, value2):
        return g.node("Reshape", [g.value(value, value2, like), g.const(shape)])
    y = g.node("Mul", [g.node("Sub", [g.value(x), per_channel(mean, op2.args[3])]), per_channel(rstd, op2.args[4])])
    if weight is not None:
        y = g.node("Mul", [y, per_channel(weight, op2.args[1])])
    if bias is not None:
        y = g.node("Add", [y, per_channel(bias, op2.args[2])])
    return y


@_emits("LayerNorm")
def _layer_norm(g, op, op2):
    x, weight, bias, normalized_ndim, eps = op.args
    axis = x.ndim - int(normalized_ndim)
    if g.opset >= 17 and weight is not None:
        inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
        return g.node("LayerNormalization", inputs, axis=axis, epsilon=float(eps))
    axes = list(range(axis, x.ndim))
    name = g.value(x)
    centered = g.node("Sub", [name, g.reduce("ReduceMean", name, axes)])
    variance = g.reduce("ReduceMean", g.node("Mul", [centered, centered]), axes)
    y = g.node("Div", [centered, g.node("Sqrt", [g.node("Add", [variance, g.value(float(eps), like=x)])])])
    if weight is not None:
        y = g.node("Mul", [y, g.value(weight)])
    if bias is not None:
        y = g.node("Add", [y, g.value(bias)])
    return y


@_emits("View", "Reshape")
def _reshape(g, op, op2):
    return g.node("Reshape", [g.value(op.args[0]), g.shape(op.args[1], op2.args[1], allow_infer=True)])


@_emits("Expand")
def _expand(g, op, op2):
    x = op.args[0]
    target1, target2 = list(op.args[1]), list(op2.args[1])
    offset = len(target1) - x.ndim
    # a dim the input already has at full size stays 1 in Expand's (broadcasting) shape
    kept1 = [1 if i >= offset and x.shape[i - offset] == t and op2.args[0].shape[i - offset] == target2[i] else t
             for i, t in enumerate(target1)]
    kept2 = [1 if kept1[i] == 1 and target1[i] != 1 else t for i, t in enumerate(target2)]
    return g.node("Expand", [g.value(x), g.shape(kept1, kept2)])


@_emits("Permute")
def _permute(g, op, op2):
    return g.node("Transpose", [g.value(op.args[0])], perm=[int(v) for v in op.args[1]])


@_emits("Transpose")
def _transpose(g, op, op2):
    x, dim0, dim1 = op.args[:3]
    perm = list(range(x.ndim))
    perm[int(dim0)], perm[int(dim1)] = perm[int(dim1)], perm[int(dim0)]
    return g.node("Transpose", [g.value(x)], perm=perm)


@_emits("Cat", "Stack")
def _cat(g, op, op2):
    axis, *tensors = op.args
    _, *tensors2 = op2.args
    axis = int(axis)
    names = [g.value(t, t2) for t, t2 in zip(tensors, tensors2)]
    if op.name == "Stack":
        rank = tensors[0].ndim + 1
        axis = axis + rank if axis < 0 else axis
        names = [g.node("Unsqueeze", [name, g.const([axis])]) for name in names]
    return g.node("Concat", names, axis=axis)


@_emits("Unbind")
def _unbind(g, op, op2):
    x, axis = op.args
    axis = int(axis) % x.ndim
    count = x.shape[axis]
    parts = g.node("Split", [g.value(x), g.const([1] * count)], outputs=count, axis=axis)
    parts = [parts] if count == 1 else parts
    return [g.node("Squeeze", [part, g.const([axis])]) for part in parts]


@_emits("Slice")
def _slice(g, op, op2):
    x, index = op.args
    index = index if isinstance(index, tuple) else (index,)
    name = g.value(x)
    axis, squeeze, unsqueeze = 0, [], []
    starts, ends, axes, steps = [], [], [], []
    explicit = sum(1 for item in index if item is not None and item is not Ellipsis)
    out_axis = 0
    for item in index:
        if item is Ellipsis:
            skipped = x.ndim - explicit
            axis += skipped
            out_axis += skipped
        elif item is None:
            unsqueeze.append(out_axis)
            out_axis += 1
        elif isinstance(item, slice):
            start, stop, step = item.indices(x.shape[axis])
            if (start, stop, step) != (0, x.shape[axis], 1):
                if step < 0 and stop < 0:
                    stop = -x.shape[axis] - 1
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            axis += 1
            out_axis += 1
        else:
            position = int(item) % x.shape[axis]
            starts.append(position), ends.append(position + 1), axes.append(axis), steps.append(1)
            squeeze.append(axis)
            axis += 1
    if starts:
        name = g.node("Slice", [name, g.const(starts), g.const(ends), g.const(axes), g.const(steps)])
    if squeeze:
        name = g.node("Squeeze", [name, g.const(squeeze)])
    if unsqueeze:
        name = g.node("Unsqueeze", [name, g.const(unsqueeze)])
    if not (starts or squeeze or unsqueeze):
        name = g.node("Identity", [name])
    return name


def _axes(x, axes):
    if axes is None:
        return list(range(x.ndim))
    return [int(a) % max(x.ndim, 1) for a in (axes if isinstance(axes, (tuple, list)) else (axes,))]


def _reduce(op_type):
    def emit(g, op, op2):
        x, axes, keepdim = op.args[:3]
        return g.reduce(op_type, g.value(x), _axes(x, axes), int(bool(keepdim)))
    return emit


@_emits("Var")
def _var(g, op, op2):
    x, axes, correction, keepdim, take_sqrt = op.args
    axes = _axes(x, axes)
    name = g.value(x)
    count = int(np.prod([x.shape[a] for a in axes]))
    centered = g.node("Sub", [name, g.reduce("ReduceMean", name, axes)])
    total = g.reduce("ReduceSum", g.node("Mul", [centered, centered]), axes, int(bool(keepdim)))
    y = g.node("Div", [total, g.value(float(max(count - correction, 0)), like=x)])
    return g.node("Sqrt", [y]) if take_sqrt else y


@_emits("Norm")
def _norm(g, op, op2):
    x, p, axes, keepdim = op.args
    axes, keep, name = _axes(x, axes), int(bool(keepdim)), g.value(x)
    if p == 2:
        return g.node("Sqrt", [g.reduce("ReduceSumSquare", name, axes, keep)])
    if p == 1:
        return g.reduce("ReduceL1", name, axes, keep)
    if p == float("inf"):
        return g.reduce("ReduceMax", g.node("Abs", [name]), axes, keep)
    powered = g.node("Pow", [g.node("Abs", [name]), g.value(float(p), like=x)])
    return g.node("Pow", [g.reduce("ReduceSum", powered, axes, keep), g.value(1.0 / p, like=x)])


_EMITTERS["Sum"] = _reduce("ReduceSum")
_EMITTERS["Mean"] = _reduce("ReduceMean")


@_emits("Embedding")
def _embedding(g, op, op2):
    weight, indices = op.args[:2]
    return g.node("Gather", [g.value(weight), g.value(indices)], axis=0)


def _permutation_matrix(order, hidden, dtype):
    """(gates, gates) matrix P with x @ P^T reordering x's gate blocks into `order`."""
    rows = np.concatenate([np.arange(block * hidden, (block + 1) * hidden) for block in order])
    matrix = np.zeros((len(rows), len(rows)), dtype)
    matrix[np.arange(len(rows)), rows] = 1
    return matrix


def _gather_blocks(g, weight, order, hidden):
    rows = np.concatenate([np.arange(block * hidden, (block + 1) * hidden) for block in order])
    return g.node("Gather", [g.value(weight), g.const(rows)], axis=0)


@_emits("LSTMSequence")
def _lstm(g, op, op2):
    gates_x, h0, c0, w_hh, reverse = op.args
    hidden = w_hh.shape[1]
    order = (0, 3, 1, 2)  # ONNX's i, o, f, c from PyTorch's i, f, g, o
    identity = g.const(_permutation_matrix(order, hidden, gates_x.dtype.np)[None], gates_x.dtype.np)
    recurrent = g.node("Unsqueeze", [_gather_blocks(g, w_hh, order, hidden), g.const([0])])
    states = [g.node("Unsqueeze", [g.value(s, s2), g.const([0])]) for s, s2 in ((h0, op2.args[1]), (c0, op2.args[2]))]
    y, y_h, y_c = g.node("LSTM", [g.value(gates_x), identity, recurrent, "", "", *states], outputs=3,
                         hidden_size=hidden, direction="reverse" if reverse else "forward")
    return [g.node("Squeeze", [y, g.const([1])]), g.node("Squeeze", [y_h, g.const([0])]),
            g.node("Squeeze", [y_c, g.const([0])])]


@_emits("GRUSequence")
def _gru(g, op, op2):
    gates_x, h0, w_hh, b_hh, reverse = op.args
    hidden = w_hh.shape[1]
    order = (1, 0, 2)  # ONNX's z, r, h from PyTorch's r, z, n
    identity = g.const(_permutation_matrix(order, hidden, gates_x.dtype.np)[None], gates_x.dtype.np)
    recurrent = g.node("Unsqueeze", [_gather_blocks(g, w_hh, order, hidden), g.const([0])])
    inputs = [g.value(gates_x), identity, recurrent]
    if b_hh is not None:
        bias = g.node("Concat", [g.const(np.zeros(3 * hidden), gates_x.dtype.np),
                                 _gather_blocks(g, b_hh, order, hidden)], axis=0)
        inputs.append(g.node("Unsqueeze", [bias, g.const([0])]))
    else:
        inputs.append("")
    inputs += ["", g.node("Unsqueeze", [g.value(h0, op2.args[1]), g.const([0])])]
    y, y_h = g.node("GRU", inputs, outputs=2, hidden_size=hidden, linear_before_reset=1,
                    direction="reverse" if reverse else "forward")
    return [g.node("Squeeze", [y, g.const([1])]), g.node("Squeeze", [y_h, g.const([0])])]


@_emits("ScaledDotProductAttention")
def _attention(g, op, op2):
    q, k, v, mask, layout, is_causal, scale, dropout_p, seed, offset, heads_last = op.args
    if dropout_p:
        raise NotImplementedError("export(): attention dropout (call model.eval() first)")
    like = q
    scores = g.node("MatMul", [g.value(q), g.node("Transpose", [g.value(k)], perm=_swap_last(k.ndim))])
    scores = g.node("Mul", [scores, g.value(float(scale), like=like)])
    length, source = q.shape[-2], k.shape[-2]
    if is_causal:
        causal = np.triu(np.full((length, source), -np.inf, q.dtype.np), 1)
        scores = g.node("Add", [scores, g.const(causal, q.dtype.np)])
    if mask is not None:
        mask_name = g.value(mask, op2.args[3])
        if _dtype.from_numpy_dtype(_host(mask).dtype if not isinstance(mask, Tensor) else mask.dtype.np) == \
                _dtype.bool:
            mask_name = g.node("Where", [mask_name, g.value(0.0, like=like), g.value(-np.inf, like=like)])
        scores = g.node("Add", [scores, mask_name])
    out = g.node("MatMul", [g.node("Softmax", [scores], axis=-1), g.value(v)])
    if heads_last:
        out = g.node("Transpose", [out], perm=[0, 2, 1, 3])
    return out


def _swap_last(rank):
    perm = list(range(rank))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return perm


# --- export -------------------------------------------------------------------------------------
def _dynamic_dims(dynamic_axes, input_names, output_names):
    dims = []
    for name, axes in (dynamic_axes or {}).items():
        if name not in input_names and name not in output_names:
            raise ValueError(f"export(): dynamic_axes names {name!r}, which is not an input or output name")
        if name in input_names:
            axes = axes.keys() if isinstance(axes, dict) else axes
            dims += [(name, int(axis)) for axis in axes]
    return dims


def _symbols(dynamic_axes, name):
    axes = (dynamic_axes or {}).get(name, {})
    return {int(axis): label for axis, label in axes.items()} if isinstance(axes, dict) else \
        {int(axis): f"{name}_dim{axis}" for axis in axes}


def _grown(value: Tensor, axes: list[int]) -> Tensor:
    """value with one more entry (a copy of its first) along each of axes, and its values perturbed."""
    array = value.detach().cpu().numpy()
    for axis in axes:
        array = np.concatenate([array, np.take(array, [0], axis=axis)], axis=axis)
    if array.dtype.kind == "f":
        array = array + np.asarray(0.25 * np.cos(np.arange(array.size)).reshape(array.shape), array.dtype)
    return _tensor(array, dtype=value.dtype, device=value.device)


def export(model: Module, args, f, input_names=None, output_names=None, opset_version: int = 17,
           dynamic_axes=None) -> None:
    """Trace model on args and write it as an ONNX model, as ``torch.onnx.export`` does.

    Args:
        model: the Module (put it in eval mode first; training-mode dropout and batch norm are
            refused).
        args: a Tensor, or a tuple of Tensors, the forward's inputs.
        f: a path or a writable binary file object.
        input_names: names of the graph inputs, in args order. Default: ``input_0``, ...
        output_names: names of the graph outputs. Default: ``output_0``, ...
        opset_version: the ONNX opset of the model (13 to 21). Default: 17.
        dynamic_axes: ``{name: [axis, ...]}`` or ``{name: {axis: "label"}}`` for inputs and outputs
            whose sizes may change (e.g. the batch); shapes computed from those axes are
            written as graph computations.

    Raises:
        NotImplementedError: the forward applies an op the exporter cannot write (all are listed).
        RuntimeError: the forward computes a value outside axonml ops, which a trace cannot follow.

    Example::

        >>> axonml.onnx.export(model.eval(), axonml.randn(1, 3, 32, 32), "model.onnx",
        ...                    input_names=["image"], dynamic_axes={"image": {0: "batch"}})
    """
    if not isinstance(model, Module):
        raise TypeError(f"export(): model must be an axonml.nn.Module, not {type(model).__name__}")
    if not 13 <= opset_version <= 21:
        raise ValueError(f"export(): opset_version must be between 13 and 21, got {opset_version}")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if not all(isinstance(arg, Tensor) for arg in args):
        raise TypeError("export(): args must be Tensors")
    input_names = list(input_names) if input_names else [f"input_{i}" for i in range(len(args))]
    if len(input_names) != len(args):
        raise ValueError(f"export(): {len(input_names)} input_names for {len(args)} inputs")
    ops, result = _trace(model, args)
    outputs = _outputs_of(result)
    output_names = list(output_names) if output_names else [f"output_{i}" for i in range(len(outputs))]
    if len(output_names) != len(outputs):
        raise ValueError(f"export(): {len(output_names)} output_names for {len(outputs)} outputs")
    dims = _dynamic_dims(dynamic_axes, input_names, output_names)
    args2 = tuple(_grown(arg, [axis for name, axis in dims if name == input_name])
                  for arg, input_name in zip(args, input_names))
    ops2, result2 = _trace(model, args2)
    outputs2 = _outputs_of(result2)
    if [op.name for op in ops] != [op.name for op in ops2]:
        raise RuntimeError("export(): the model applied different ops on inputs of other values or sizes; "
                           "data-dependent control flow cannot be traced")
    unknown = sorted({op.name for op in ops if op.name not in _EMITTERS})
    if unknown:
        raise NotImplementedError(f"export(): no ONNX translation for the op(s) {', '.join(unknown)}")
    builder = _Builder(model, args, args2, dims, opset_version)
    builder.dynamic_tensors = [(args[input_names.index(name)], args2[input_names.index(name)]) for name, _ in dims]
    for arg, arg2, name in zip(args, args2, input_names):
        builder.bind(arg, arg2, name)
    for op, op2 in zip(ops, ops2):
        builder.current = (op.args, op2.args)
        produced = _EMITTERS[op.name](builder, op, op2)
        builder.current = None
        results = op.out if isinstance(op.out, (tuple, list)) else (op.out,)
        results2 = op2.out if isinstance(op2.out, (tuple, list)) else (op2.out,)
        produced = produced if isinstance(produced, list) else [produced]
        for value, value2, name in zip(results, results2, produced):
            if isinstance(value, Tensor):
                builder.bind(value, value2, name)
    graph_outputs = []
    for value, value2, name in zip(outputs, outputs2, output_names):
        source = builder.value(value, value2)
        builder.nodes.append(helper.make_node("Identity", [source], [name], name=f"output_{name}"))
        symbols = {axis: f"{name}_dim{axis}" for axis, (a, b) in enumerate(zip(value.shape, value2.shape)) if a != b}
        symbols.update(_symbols(dynamic_axes, name))
        graph_outputs.append(_value_info(name, value, symbols))
    graph_inputs = [_value_info(name, arg, _symbols(dynamic_axes, name)) for name, arg in zip(input_names, args)]
    graph = helper.make_graph(builder.nodes, type(model).__name__, graph_inputs, graph_outputs,
                              builder.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset_version)],
                              producer_name="axonml", producer_version=_version())
    proto.ir_version = min(proto.ir_version, 10)
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as handle:
            handle.write(data)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"export(): f must be a path or a binary file object, not {type(f).__name__}")


def _value_info(name, value: Tensor, symbols: dict):
    shape = [symbols.get(axis, size) for axis, size in enumerate(value.shape)]
    return helper.make_tensor_value_info(name, _dtypes.to_onnx(value.dtype), shape)


def _version() -> str:
    from .. import __version__
    return __version__



