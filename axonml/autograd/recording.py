"""create_graph=True: each op's backward, unchanged, run as recorded differentiable ops.

An op's backward is written once against ``ctx.xp``. For a higher-order gradient the sweep
(``run_backward`` in axonml/_ext/_autograd.pyx) hands a node to ``graph_backward``, which runs
that same ``backward`` with ``ctx.xp`` replaced by a :class:`RecordingBackend`: a stand-in whose
primitives take and return :class:`GraphArray` (a tensor seen as a backend array) and are
themselves ops (Functions), so every primitive call records a graph node. The saved arrays of the
ctx are handed back as tensors joined to the graph: a saved input is a tensor on that input's edge,
a saved output a tensor whose grad_fn is the node itself (made here, for the length of the call:
the node never holds its outputs). The gradients that come out carry a graph, and differentiating
them again differentiates the backward's own math.

Primitives that are public ops map to those ops' Functions (mul -> Mul, sum -> Sum, gemm -> Gemm,
getitem -> Slice/AdvancedIndex, ...); in-place primitives on a fresh array (setitem, index_add,
put_along_axis ...) rebind the GraphArray to the out-of-place op (IndexPut, IndexAdd, Scatter);
backward kernels are either composed from differentiable primitives (softmax_backward,
layer_norm_backward, cross_entropy_backward ...) or their own Functions in
axonml/autograd/backward_kernels.py (conv, pooling, embedding). Comparisons, creation and other
primitives whose result has no gradient run on the arrays directly. A primitive with no
differentiable form raises NotImplementedError naming it, the op and the device.
"""
from __future__ import annotations

import math

import numpy as np

from .._ext import _autograd
from .._ext._autograd import apply
from ..backends.base import PRIMITIVES
from ..ops import conv as _conv
from ..ops import elementwise as _elementwise
from ..ops import indexing as _indexing
from ..ops import linalg as _linalg
from ..ops import nn as _nn
from ..ops import pool as _pool
from ..ops import reduce as _reduce
from ..ops import shape as _shape
from ..ops import special as _special
from . import backward_kernels as _kernels
from .function import RecomputedSaved

__all__ = ["GraphArray", "RecordingBackend", "graph_backward"]


class GraphArray:
    """A tensor seen as a backend array by an op's backward (shape, dtype, ndim and size as arrays have them).

    It is a box: an in-place primitive on it (setitem ...) rebinds ``tensor`` to the out-of-place op's result.
    A view of another box (basic indexing, reshape, transpose) remembers it (``view_of``: the base and a
    function giving the base's new tensor from the view's), so that a write through the view is written back
    into the base, as it would be through a backend's view.
    """

    __slots__ = ("tensor", "view_of")

    def __init__(self, tensor, view_of=None):
        self.tensor = tensor
        self.view_of = view_of

    @property
    def shape(self) -> tuple:
        return self.tensor._data.shape

    @property
    def dtype(self):
        return self.tensor._data.dtype

    @property
    def ndim(self) -> int:
        return self.tensor._data.ndim

    @property
    def size(self) -> int:
        return self.tensor._data.size

    def __getattr__(self, name):
        raise NotImplementedError(f"create_graph=True: an op's backward reads '.{name}' of an array, which a "
                                  "recorded backward does not have, so its gradient cannot be differentiated again")

    def __repr__(self) -> str:
        return f"GraphArray({self.tensor!r})"


def _tensor(x):
    return x.tensor if type(x) is GraphArray else x


def _array(x):
    """The backend array behind x (its value, no graph), for the primitives that have no gradient."""
    if type(x) is GraphArray:
        return x.tensor._data
    if type(x) in (tuple, list):
        return type(x)(_array(item) for item in x)
    return x


def _in_graph(args) -> bool:
    for a in args:
        if type(a) is GraphArray or (type(a) in (tuple, list) and _in_graph(a)):
            return True
    return False


# primitive -> the op Function whose forward takes exactly the primitive's arguments
_SAME_ARGUMENTS = {
    "add": _elementwise.Add, "sub": _elementwise.Sub, "mul": _elementwise.Mul, "div": _elementwise.Div,
    "neg": _elementwise.Neg, "pow": _elementwise.Pow, "abs": _elementwise.Abs, "exp": _elementwise.Exp,
    "log": _elementwise.Log, "log2": _elementwise.Log2, "log10": _elementwise.Log10, "log1p": _elementwise.Log1p,
    "expm1": _elementwise.Expm1, "sqrt": _elementwise.Sqrt, "rsqrt": _elementwise.Rsqrt,
    "reciprocal": _elementwise.Reciprocal, "sin": _elementwise.Sin, "cos": _elementwise.Cos,
    "tan": _elementwise.Tan, "tanh": _elementwise.Tanh, "sigmoid": _elementwise.Sigmoid, "erf": _elementwise.Erf,
    "asin": _elementwise.Asin, "acos": _elementwise.Acos, "atan": _elementwise.Atan, "sinh": _elementwise.Sinh,
    "cosh": _elementwise.Cosh, "asinh": _elementwise.Asinh, "acosh": _elementwise.Acosh,
    "atanh": _elementwise.Atanh, "atan2": _elementwise.Atan2, "hypot": _elementwise.Hypot,
    "fmod": _elementwise.Fmod, "remainder": _elementwise.Remainder,
    "where": _elementwise.Where, "clip": _elementwise.Clamp,
    "prod": _reduce.Prod, "cumsum": _reduce.CumSum, "cumprod": _reduce.CumProd,
    "broadcast_to": _shape.Expand,
    "tril": _shape.Tril, "triu": _shape.Triu, "copy": _shape.Clone, "ascontiguousarray": _shape.Clone,
    "take_along_axis": _indexing.Gather,
    "matmul": _linalg.Matmul,
    "softmax": _nn.Softmax, "log_softmax": _nn.LogSoftmax,
    "conv_nd": _conv.ConvNd, "im2col": _conv.Unfold, "col2im": _conv.Fold,
    "max_pool_nd": _pool.MaxPool, "avg_pool_nd": _pool.AvgPool, "adaptive_avg_pool_nd": _pool.AdaptiveAvgPool,
    "adaptive_max_pool_nd": _pool.AdaptiveMaxPool,
    "max_pool_nd_backward": _kernels.MaxPoolBackward, "avg_pool_nd_backward": _kernels.AvgPoolBackward,
    "adaptive_avg_pool_nd_backward": _kernels.AdaptiveAvgPoolBackward,
    "embedding_backward": _kernels.EmbeddingBackward,
    "special": _special.SpecialPrimitive,
}

# primitives whose result has no gradient (or a zero one): run on the arrays
_NO_GRADIENT = {
    "asarray", "to_numpy", "arange", "linspace", "is_contiguous", "view_index", "nonzero", "searchsorted",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite",
    "sign", "floor", "ceil", "round", "trunc", "floor_divide", "argmax", "argmin", "any", "all",
    "uniform", "normal", "randint", "randperm", "bernoulli",
}

# creation primitives: a constant the backward may write into, so a GraphArray (setitem rebinds it)
_CREATION = {"empty", "zeros", "ones", "full", "eye"}


class RecordingBackend:
    """A stand-in for a backend's namespace whose primitives record differentiable ops on tensors."""

    def __init__(self, backend):
        self._backend = backend
        self.device = backend.device
        self.array_type = (GraphArray, backend.array_type)
        self.op = None  # the Function whose backward is running, for error messages

    def __repr__(self) -> str:
        return f"<RecordingBackend {self.device}>"

    def __getattr__(self, name):
        backend = self.__dict__["_backend"]
        if name in _SAME_ARGUMENTS:
            fn_cls = _SAME_ARGUMENTS[name]
            real = getattr(backend, name)

            def primitive(*args):
                if not _in_graph(args):
                    return real(*args)
                return _record(fn_cls, *args)
        elif name in _NO_GRADIENT:
            real = getattr(backend, name)

            def primitive(*args, **kwargs):
                return real(*_array(args), **kwargs)
        elif name in _CREATION:
            real = getattr(backend, name)

            def primitive(*args):
                return GraphArray(_autograd.wrap_array(real(*args), backend))
        elif name in PRIMITIVES:
            def primitive(*args, **kwargs):
                op = type(self.op).__name__ if self.op is not None else "an op"
                raise NotImplementedError(
                    f"create_graph=True: the backward of {op} calls the primitive '{name}', which has no "
                    f"differentiable form, so its gradient cannot be differentiated again (device {self.device})")
        else:
            raise AttributeError(f"'RecordingBackend' object has no attribute '{name}'")
        primitive.__name__ = name
        self.__dict__[name] = primitive  # looked up once per recorder
        return primitive

    # --- primitives that need more than their op ------------------------------------------------------

    def astype(self, a, dtype):
        if a.dtype == dtype:
            return a
        if not _in_graph((a,)):
            return self._backend.astype(a, dtype)
        return _record(_elementwise.Cast, a, np.dtype(dtype))

    def owned_copy(self, a):
        return self.copy(a)

    def sum(self, a, axis, keepdims, dtype=None):
        if not _in_graph((a,)):
            return self._backend.sum(a, axis, keepdims, dtype)
        if isinstance(axis, int):
            axis = (axis,)
        return _record(_reduce.Sum, a, axis, keepdims, dtype)

    def maximum(self, a, b):
        return self._extreme("maximum", _elementwise.Maximum, a, b, lower=True)

    def minimum(self, a, b):
        return self._extreme("minimum", _elementwise.Minimum, a, b, lower=False)

    def _extreme(self, name, fn_cls, a, b, lower):
        if not _in_graph((a, b)):
            return getattr(self._backend, name)(a, b)
        if hasattr(a, "shape") and hasattr(b, "shape"):
            return _record(fn_cls, a, b)
        array, bound = (a, b) if hasattr(a, "shape") else (b, a)
        return _record(_elementwise.Clamp, array, bound, None) if lower else \
            _record(_elementwise.Clamp, array, None, bound)

    def gemm(self, a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None, tile=0):
        if not _in_graph((a, b, c)):
            return self._backend.gemm(a, b, trans_a, trans_b, alpha, beta, c, tile)
        return _record(_kernels.Gemm, a, b, bool(trans_a), bool(trans_b), alpha, beta, c)

    def sum_to(self, a, shape):
        shape = tuple(shape)
        if tuple(a.shape) == shape:
            return a
        if not _in_graph((a,)):
            return self._backend.sum_to(a, shape)
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
        return self.reshape(self.sum(a, axes, True), shape)

    def einsum(self, equation, *arrays):
        if not _in_graph(arrays):
            return self._backend.einsum(equation, *arrays)
        return _record(_kernels.EinsumPrimitive, equation, *arrays)

    def concatenate(self, arrays, axis):
        if not _in_graph(arrays):
            return self._backend.concatenate(arrays, axis)
        return _record(_shape.Cat, axis, *arrays)

    def stack(self, arrays, axis):
        if not _in_graph(arrays):
            return self._backend.stack(arrays, axis)
        return _record(_shape.Stack, axis, *arrays)

    def getitem(self, a, index):
        index = _array(index)
        if not _in_graph((a,)):
            return self._backend.getitem(a, index)
        parts = index if type(index) is tuple else (index,)
        if any(hasattr(part, "shape") for part in parts):
            return _record(_indexing.AdvancedIndex, a, index)
        view = _record(_shape.Slice, a, index)
        if type(a) is GraphArray:
            view.view_of = (a, lambda written: apply(_indexing.IndexPut, a.tensor, written, index, False))
        return view

    def reshape(self, a, shape):
        if not _in_graph((a,)):
            return self._backend.reshape(a, shape)
        view = _record(_shape.Reshape, a, shape)
        view.view_of = (a, lambda written: apply(_shape.Reshape, written, a.shape))
        return view

    def view(self, a, shape):
        return self.reshape(a, shape)

    def transpose(self, a, axes):
        if not _in_graph((a,)):
            return self._backend.transpose(a, axes)
        inverse = tuple(sorted(range(len(axes)), key=tuple(axes).__getitem__))
        view = _record(_shape.Permute, a, tuple(axes))
        view.view_of = (a, lambda written: apply(_shape.Permute, written, inverse))
        return view

    # in-place primitives: the backward writes into an array it made; the box takes the out-of-place result

    def setitem(self, a, index, value):
        self._rebind("setitem", a, lambda: _record(_indexing.IndexPut, a, value, _array(index), False),
                     (a, index, value))

    def setitem_add(self, a, index, value):
        self._rebind("setitem_add", a, lambda: _record(_indexing.IndexPut, a, value, _array(index), True),
                     (a, index, value))

    def put_along_axis(self, dst, index, src, axis):
        self._rebind("put_along_axis", dst,
                     lambda: _record(_indexing.Scatter, dst, src, _array(index), axis, False), (dst, index, src, axis))

    def put_along_axis_add(self, dst, index, src, axis):
        self._rebind("put_along_axis_add", dst,
                     lambda: _record(_indexing.Scatter, dst, src, _array(index), axis, True), (dst, index, src, axis))

    def index_add(self, dst, axis, index, src):
        self._rebind("index_add", dst, lambda: _record(_indexing.IndexAdd, dst, axis, _array(index), src),
                     (dst, axis, index, src))

    def _rebind(self, name, dst, out_of_place, args):
        if type(dst) is GraphArray:
            dst.tensor = out_of_place().tensor
            written = dst
            while written.view_of is not None:  # written through a view: its base sees the write
                base, write_back = written.view_of
                base.tensor = write_back(written.tensor)
                written = base
        elif _in_graph(args):
            raise NotImplementedError(f"create_graph=True: '{name}' into an array that is not a tensor, in the "
                                      f"backward of {type(self.op).__name__} (device {self.device})")
        else:
            getattr(self._backend, name)(*args)

    # --- backward kernels composed from differentiable primitives ----------------------------------------

    def softmax_backward(self, grad, y, axis):
        return self.mul(y, self.sub(grad, self.sum(self.mul(grad, y), axis, True)))

    def log_softmax_backward(self, grad, y, axis):
        return self.sub(grad, self.mul(self.exp(y), self.sum(grad, axis, True)))

    def _normalized(self, x, axes, count, rstd, stats_shape):
        """(x - mean, rstd) as functions of x, equal in value to the saved statistics.

        rstd = 1 / sqrt(var + eps) is rebuilt as 1 / sqrt(var - var.detach() + 1 / rstd**2): its value is the
        saved rstd exactly and its derivatives are those of the formula, without knowing eps.
        """
        mean = self.div(self.sum(x, axes, True), count)
        centered = self.sub(x, mean)
        var = self.div(self.sum(self.mul(centered, centered), axes, True), count)
        saved = self._backend.reshape(_array(rstd), stats_shape)
        shift = self._backend.reciprocal(self._backend.mul(saved, saved))
        return centered, self.rsqrt(self.add(self.sub(var, _array(var)), shift))

    def _normalized_grad(self, grad_scaled, x_hat, rstd, axes, count):
        """d(loss)/dx of x_hat = (x - mean(x)) * rstd(x), given d(loss)/d(x_hat) = grad_scaled."""
        mean_grad = self.div(self.sum(grad_scaled, axes, True), count)
        mean_projection = self.div(self.sum(self.mul(grad_scaled, x_hat), axes, True), count)
        return self.mul(rstd, self.sub(self.sub(grad_scaled, mean_grad), self.mul(x_hat, mean_projection)))

    def layer_norm_backward(self, grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine):
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        count = math.prod(x.shape[x.ndim - normalized_ndim:])
        stats_shape = tuple(x.shape[:x.ndim - normalized_ndim]) + (1,) * normalized_ndim
        centered, rstd = self._normalized(x, axes, count, rstd, stats_shape)
        x_hat = self.mul(centered, rstd)
        dx = dweight = dbias = None
        if needs_input:
            grad_scaled = grad if weight is None else self.mul(grad, weight)
            dx = self._normalized_grad(grad_scaled, x_hat, rstd, axes, count)
        if needs_affine and weight is not None:
            batch = tuple(range(x.ndim - normalized_ndim))
            dweight = self.sum(self.mul(grad, x_hat), batch, False)
            dbias = self.sum(grad, batch, False)
        return dx, dweight, dbias

    def batch_norm_backward(self, grad, x, mean, rstd, weight, training):
        axes = (0,) + tuple(range(2, x.ndim))
        count = x.size // x.shape[1]
        stats_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        grad_scaled = grad if weight is None else self.mul(grad, self.reshape(weight, stats_shape))
        if training:
            centered, rstd = self._normalized(x, axes, count, rstd, stats_shape)
            x_hat = self.mul(centered, rstd)
            dx = self._normalized_grad(grad_scaled, x_hat, rstd, axes, count)
        else:
            saved_rstd = self._backend.reshape(_array(rstd), stats_shape)
            x_hat = self.mul(self.sub(x, self._backend.reshape(_array(mean), stats_shape)), saved_rstd)
            dx = self.mul(grad_scaled, saved_rstd)
        return dx, self.sum(self.mul(grad, x_hat), axes, False), self.sum(grad, axes, False)

    def cross_entropy_backward(self, grad, x, lse, target, weight, ignore_index, label_smoothing):
        """grad[:, None] * (softmax(x) * total - wanted): wanted is the (weighted, smoothed) target
        distribution of each row, total its sum, both constants; softmax(x) carries the graph."""
        xp = self._backend
        rows, classes = x.shape
        target, weight = _array(target), _array(weight)
        dtype = x.dtype
        counted = xp.ne(target, ignore_index)
        safe_target = xp.where(counted, target, 0)
        one_hot = xp.astype(xp.eq(xp.reshape(safe_target, (-1, 1)), xp.arange(0, classes, 1, np.int64)), dtype)
        counted = xp.reshape(xp.astype(counted, dtype), (-1, 1))
        target_weight = counted if weight is None else \
            xp.mul(xp.reshape(xp.getitem(xp.astype(weight, dtype), safe_target), (-1, 1)), counted)
        wanted = xp.mul(one_hot, xp.mul(target_weight, dtype.type(1 - label_smoothing)))
        if label_smoothing:
            spread = counted if weight is None else xp.mul(xp.reshape(xp.astype(weight, dtype), (1, -1)), counted)
            wanted = xp.add(wanted, xp.mul(spread, dtype.type(label_smoothing / classes)))
        total = xp.sum(wanted, 1, True)
        probabilities = self.softmax(x, 1)
        return self.mul(self.reshape(grad, (-1, 1)), self.sub(self.mul(probabilities, total), wanted))

    def conv_nd_backward(self, grad, x, weight, stride, padding, dilation, groups, needs_input, needs_weight):
        if not _in_graph((grad, x, weight)):
            return self._backend.conv_nd_backward(grad, x, weight, stride, padding, dilation, groups, needs_input,
                                                  needs_weight)
        grad_x = grad_weight = None
        if needs_input:
            grad_x = _record(_kernels.ConvInputGrad, grad, weight, tuple(x.shape), stride, padding, dilation, groups)
        if needs_weight:
            grad_weight = _record(_kernels.ConvWeightGrad, grad, x, tuple(weight.shape), stride, padding, dilation,
                                  groups)
        return grad_x, grad_weight


def _record(fn_cls, *args):
    out = apply(fn_cls, *[_tensor(a) for a in args])
    if type(out) is tuple:
        return tuple(GraphArray(o) for o in out)
    return GraphArray(out)


_recorders: dict = {}


def _recorder(backend) -> RecordingBackend:
    recorder = _recorders.get(id(backend))
    if recorder is None or recorder._backend is not backend:
        recorder = _recorders[id(backend)] = RecordingBackend(backend)
    return recorder


def _joined(node, fn, saved):
    """fn's saved items as tensors on the graph: inputs on their edges, outputs on node itself."""
    sources = fn._saved_sources
    array_io = type(fn)._array_io
    joined = []
    for k, item in enumerate(saved):
        source = sources[k] if sources is not None and k < len(sources) else None
        if item is None or source is None:
            if array_io and hasattr(item, "shape"):
                _check_constant(fn, f"saved tensor {k}", item, _CONSTANT_SAVED.get((type(fn).__name__, k)))
                item = GraphArray(_autograd.wrap_array(item, fn.xp))
            joined.append(item)
            continue
        if source >= 0:
            if not array_io:  # a custom Function saved the input tensor itself, already on the graph
                joined.append(item)
                continue
            edge = node.next_edges[source]
        else:
            edge = (node, -1 - source)
        tensor = _autograd.wrap_array(item._data if not array_io else item, fn.xp)
        if edge is not None:
            tensor._requires_grad = True
            tensor._node, tensor._output_nr = edge
        joined.append(GraphArray(tensor) if array_io else tensor)
    return tuple(joined)


# ctx attributes holding float arrays outside save_for_backward, and the forward inputs they are functions of:
# on the graph they are constants, right only while those inputs need no grad. () marks what the composed
# kernels above recompute from the inputs (statistics, logsumexp) or what is an input without gradient.
_CONSTANT_ATTRIBUTES = {
    ("LayerNorm", "mean"): (), ("LayerNorm", "rstd"): (), ("BatchNorm", "mean"): (), ("BatchNorm", "rstd"): (),
    ("CrossEntropy", "lse"): (), ("CrossEntropy", "weight"): (2,), ("NLLLoss", "target_weight"): (2,),
    ("BinaryCrossEntropyWithLogits", "weight"): (2,),
    ("BinaryCrossEntropyWithLogits", "pos_weight"): (3,), ("BinaryCrossEntropy", "weight"): (2,),
}


# saved items (op, position) that are neither an input nor an output, and the inputs they are functions of
_CONSTANT_SAVED = {("ProbabilityCrossEntropy", 2): (2,)}  # the class weights


def _check_attributes(fn, backend):
    for name, value in vars(fn).items():
        values = value if type(value) in (tuple, list) else (value,)
        for item in values:
            if isinstance(item, backend.array_type):
                _check_constant(fn, f"ctx.{name}", item, _CONSTANT_ATTRIBUTES.get((type(fn).__name__, name)))


def _check_constant(fn, what, value, depends_on):
    """Refuse a float array the backward reads that is neither an input nor an output (an intermediate of
    forward) unless it is known not to depend on an input needing grad: on the graph it is a constant, and
    the second derivative through it would be silently wrong."""
    if value.dtype.kind not in "fV":
        return
    if depends_on is None or any(fn.needs_input_grad[i] for i in depends_on if i < len(fn.needs_input_grad)):
        raise NotImplementedError(
            f"create_graph=True: the backward of {type(fn).__name__} reads {what}, an array computed in its "
            f"forward (not an input or output), so its gradient cannot be differentiated again "
            f"(device {fn.xp.device})")


def graph_backward(node, grads):
    """Run node's backward on tensors (grads), recording it; returns one tensor or None per input."""
    fn = node.fn
    fn_cls = type(fn)
    if fn_cls._array_io:
        _check_attributes(fn, fn.xp)
    saved = fn._saved
    if type(saved) is RecomputedSaved:
        saved = saved.recompute(fn)
    if saved is not None:
        fn._saved = _joined(node, fn, saved)
    try:
        if not fn_cls._array_io:  # a custom Function: its backward already works on tensors
            result = fn_cls.backward(fn, *grads)
            return result if type(result) is tuple else (result,)
        backend = fn.xp
        recorder = _recorder(backend)
        previous_op, recorder.op = recorder.op, fn
        fn.xp = recorder
        try:
            result = fn_cls.backward(fn, *[GraphArray(g) for g in grads])
        finally:
            fn.xp = backend
            recorder.op = previous_op
    finally:
        if saved is not None:
            fn._saved = saved
    if type(result) is not tuple:
        result = (result,)
    return tuple(_as_tensor(g, backend) for g in result)


def _as_tensor(g, backend):
    if g is None:
        return None
    if type(g) is GraphArray:
        return g.tensor
    if hasattr(g, "shape"):
        return _autograd.wrap_array(g, backend)
    return g


_autograd.register_graph_backward(graph_backward)
