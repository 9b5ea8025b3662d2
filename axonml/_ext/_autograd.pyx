"""The autograd core: the tensor's fields, graph nodes, Function.apply and the backward sweep.

Everything here runs once per op (apply) or once per graph node (the sweep), so it is
Cython: attribute access on the cdef classes below is a C field read. The sweep reads
like micrograd's: count each node's consumers, then walk the graph from the roots,
calling a node's backward once all its consumers have handed it their gradients.
"""
import traceback
import warnings

import ml_dtypes
import numpy as np
from cpython.weakref cimport PyWeakref_NewRef

cdef object ndarray = np.ndarray

# --- grad mode: one flag, read by apply ---------------------------------------------

cdef bint grad_enabled = True


def is_grad_enabled():
    return grad_enabled


def set_grad_enabled_flag(bint mode):
    """Set the grad-mode flag and return the previous value."""
    global grad_enabled
    cdef bint previous = grad_enabled
    grad_enabled = mode
    return previous


cdef bint inference_enabled = False


def is_inference_mode_enabled():
    return inference_enabled


def set_inference_mode_flag(bint mode):
    """Set the inference-mode flag (tensors made while it is on are inference tensors); return the previous value."""
    global inference_enabled
    cdef bint previous = inference_enabled
    inference_enabled = mode
    return previous


# --- anomaly mode: read once per recorded node and once per node in the sweep --------

cdef bint anomaly_enabled = False
cdef bint anomaly_check_nan = True


def is_anomaly_enabled():
    return anomaly_enabled


def is_anomaly_check_nan_enabled():
    return anomaly_check_nan


def set_anomaly_flags(bint mode, bint check_nan=True):
    """Set anomaly mode (nodes record their forward stack; the sweep checks for NaN gradients)."""
    global anomaly_enabled, anomaly_check_nan
    anomaly_enabled = mode
    anomaly_check_nan = check_nan


# --- the profiler: one object, read once per op and once per node in the sweep ---------

cdef object profiler = None  # the recorder of an active axonml.profiler.profile, or None


def set_profiler(recorder):
    """Install the recorder whose begin_op/end_op see every op and backward node; return the previous one."""
    global profiler, observed
    previous = profiler
    profiler = recorder
    observed = profiler is not None or tracer is not None
    return previous


def get_profiler():
    """The active recorder, or None."""
    return profiler


# --- the tracer (axonml.jit): sees each op's Function class, arguments and result ----------

cdef object tracer = None    # the recorder of an active axonml.jit.trace, or None
cdef bint observed = False   # a profiler or a tracer is installed: apply's one test


def set_tracer(recorder):
    """Install the recorder whose begin_op(fn_cls, args)/end_op(token, out) see every op; return the previous one."""
    global tracer, observed
    previous = tracer
    tracer = recorder
    observed = profiler is not None or tracer is not None
    return previous


def get_tracer():
    """The active tracer, or None."""
    return tracer


# --- tensors ---------------------------------------------------------------------------

cdef class VersionCounter:
    """Counts in-place writes to a tensor's memory; shared by a tensor and its views."""
    cdef public long value


cdef class TensorBase:
    """The fields of axonml.Tensor; its methods live in Python (axonml/tensor.py)."""
    cdef public object _data            # a backend array (numpy.ndarray on the CPU)
    cdef public bint _requires_grad
    cdef public object grad
    cdef public Node _node              # grad_fn, for tensors produced by a differentiable op
    cdef public int _output_nr          # which output of _node this tensor is
    cdef public VersionCounter _vc
    cdef public Node _accumulator       # AccumulateGrad node of a leaf, made on first use
    cdef public object _base            # the tensor this one is a view of, or None
    cdef public list _leaf_hooks        # hooks registered on a leaf tensor
    cdef public list _post_accumulate_hooks  # hook(tensor) after a gradient is summed into a leaf's .grad
    cdef public bint _is_inference      # made inside inference_mode: never saved for backward
    cdef object __weakref__


cdef object _tensor_cls = None
cdef object _cpu_backend = None
# bfloat16 arrays (ml_dtypes) are computed on through float32: apply converts an op's bfloat16 inputs
# and rounds its float32 outputs back, so no kernel needs a bfloat16 variant
cdef object _bfloat16 = np.dtype(ml_dtypes.bfloat16)
cdef object _float32 = np.dtype(np.float32)
# The other ml_dtypes arrays (NumPy user-defined types, numbered from 256: float8, float4 and the
# sub-byte integers; float8_e5m2 even has NumPy kind 'f') are storage types, as in
# PyTorch: only views, casts, copies and the ops marked _storage_native (those PyTorch has float8
# kernels for: cat, where, eq, indexing ...) take them; any other op is refused


cdef _refuse_storage_type(object fn_cls, object dt):
    from .._dtype import from_numpy_dtype
    raise NotImplementedError(f'"{fn_cls.__name__}" not implemented for '
                              f"'{from_numpy_dtype(dt).scalar_name}': it is a storage type; convert it with "
                              f".to() (e.g. to float32) first")


def register(tensor_cls, cpu_backend):
    """Called once by axonml.tensor: the class apply wraps results in, and the CPU backend."""
    global _tensor_cls, _cpu_backend
    _tensor_cls = tensor_cls
    _cpu_backend = cpu_backend


cdef inline object backend_of(object array):
    if type(array) is ndarray:
        return _cpu_backend
    return array.backend


cdef TensorBase wrap(object array, object xp):
    """A new tensor (no graph) holding array."""
    cdef TensorBase t = _tensor_cls.__new__(_tensor_cls)
    if type(array) is not ndarray and getattr(array, "backend", None) is None:
        array = xp.coerce(array)  # a NumPy scalar, or a Python number from a reduction
    t._data = array
    t._vc = VersionCounter()
    t._is_inference = inference_enabled
    return t


def wrap_array(array, xp=None):
    """Wrap a backend array in a new tensor with no graph."""
    return wrap(array, _cpu_backend if xp is None else xp)


# --- graph nodes -----------------------------------------------------------------------

cdef class Node:
    """One recorded op: its Function instance (the ctx) and edges to its inputs' nodes."""
    cdef public object fn
    cdef public tuple next_edges          # per forward input: (Node, output_nr) or None
    cdef public int num_outputs
    cdef public tuple output_meta         # (shape, dtype) per output, to fill missing grads with zeros
    cdef public dict hooks                # output_nr -> hooks registered on the non-leaf output tensors
    cdef public long long sequence_nr     # creation order of recorded nodes (from 1; 0 for AccumulateGrad)
    cdef public object forward_trace      # anomaly mode only: the stack where the forward ran, formatted
    # sweep state, valid only during one backward call
    cdef int dependencies
    cdef list buffer

    def name(self):
        return type(self.fn).__name__ + "Backward0"

    @property
    def next_functions(self):
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in self.next_edges)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


cdef class AccumulateGrad(Node):
    """The sink of a leaf tensor: sums the gradients that reach it into tensor.grad."""
    cdef public TensorBase variable

    def name(self):
        return "AccumulateGrad"


cdef class FunctionBase:
    """The fields every Function instance (the ctx) carries; see axonml.autograd.Function."""
    cdef public object xp
    cdef public tuple needs_input_grad
    cdef public object _saved            # a tuple, or a RecomputedSaved (utils.checkpoint)
    cdef public list _saved_versions
    cdef public bint _released
    cdef public object _non_differentiable
    cdef public tuple _saved_sources     # per saved item: input position i >= 0, output j as -1 - j, or None
    cdef public bint _through_float32    # ran on float32 copies of bfloat16 inputs: backward sees float32


cdef Node accumulator_of(TensorBase leaf):
    cdef AccumulateGrad node
    if leaf._accumulator is None:
        node = AccumulateGrad()
        node.variable = leaf
        node.next_edges = ()
        node.num_outputs = 1
        leaf._accumulator = node
    return leaf._accumulator


cdef inline object edge_of(TensorBase t):
    if not t._requires_grad:
        return None
    if t._node is not None:
        return (t._node, t._output_nr)
    return (accumulator_of(t), 0)


def gradient_edge(TensorBase t):
    """The (node, output_nr) a gradient for t flows into, or None."""
    return edge_of(t)


cdef tuple _NO_GRADS = ()


cdef inline bint is_cpu_scalar(TensorBase t):
    """A 0-dim CPU tensor that needs no grad: PyTorch lets it join an op on any device, as a scalar."""
    return type(t._data) is ndarray and t._data.ndim == 0 and not t._requires_grad


cdef tuple _gather_across_devices(tuple args, list inputs, bint array_io):
    """apply's slow path for inputs on different backends: move CPU scalars over or raise.

    Returns the op's backend and whether any input requires grad; fills inputs as apply's loop does.
    """
    cdef TensorBase t
    cdef object xp = None
    cdef object first_xp = None
    cdef bint any_requires_grad = False
    cdef Py_ssize_t i
    for a in args:
        if isinstance(a, TensorBase):
            if first_xp is None:
                first_xp = backend_of((<TensorBase>a)._data)
            if not is_cpu_scalar(<TensorBase>a):
                xp = backend_of((<TensorBase>a)._data)
                break
    if xp is None:
        xp = first_xp
    for i in range(len(args)):
        a = args[i]
        if not isinstance(a, TensorBase):
            continue
        t = <TensorBase>a
        data = t._data
        other_xp = backend_of(data)
        if other_xp is not xp:
            if not is_cpu_scalar(t):
                raise RuntimeError(
                    f"Expected all tensors to be on the same device, but found at least two devices, "
                    f"{first_xp.device if first_xp is not other_xp else xp.device} and {other_xp.device}!")
            data = xp.asarray(data)
            if not array_io:
                inputs[i] = wrap(data, xp)
        if t._requires_grad:
            any_requires_grad = True
        if array_io:
            inputs[i] = data
    return xp, any_requires_grad


def apply(fn_cls, *args):
    """Run fn_cls's forward on the inputs' arrays and record a graph node if any input needs grad.

    Functions with _array_io set see backend arrays (the ops in axonml/ops); others see tensors,
    as user-defined torch.autograd.Function subclasses do.
    """
    if not observed:
        return _apply(fn_cls, args)
    if tracer is None:
        return _apply_profiled(fn_cls, args)
    trace_token = tracer.begin_op(fn_cls, args)
    try:
        out = _apply_profiled(fn_cls, args) if profiler is not None else _apply(fn_cls, args)
    except BaseException:
        tracer.end_op(trace_token, None)
        raise
    tracer.end_op(trace_token, out)
    return out


cdef object _apply_profiled(object fn_cls, tuple args):
    token = profiler.begin_op(fn_cls.__name__, args)
    try:
        out = _apply(fn_cls, args)
    except BaseException:
        profiler.end_op(token, None)
        raise
    profiler.end_op(token, out)
    return out


cdef object _apply(object fn_cls, tuple args):
    cdef Py_ssize_t i, n = len(args)
    cdef bint any_requires_grad = False
    cdef bint array_io = fn_cls._array_io
    cdef list inputs = list(args)
    cdef TensorBase t
    cdef object xp = None
    cdef object other_xp
    cdef bint through_float32 = False
    for i in range(n):
        a = inputs[i]
        if isinstance(a, TensorBase):
            t = <TensorBase>a
            other_xp = backend_of(t._data)
            if xp is None:
                xp = other_xp
            elif other_xp is not xp:
                xp, any_requires_grad = _gather_across_devices(args, inputs, array_io)
                break
            if t._requires_grad:
                any_requires_grad = True
            if array_io:
                data = t._data
                dt = data.dtype
                if dt is not _float32 and dt.num >= 256 and not (fn_cls._is_view or fn_cls._bfloat16_native):
                    if dt is _bfloat16:
                        data = other_xp.astype(data, _float32)
                        through_float32 = True
                    elif not fn_cls._storage_native:
                        _refuse_storage_type(fn_cls, dt)
                inputs[i] = data
    if xp is None:
        xp = _cpu_backend
    cdef bint record = any_requires_grad and grad_enabled
    cdef FunctionBase fn = fn_cls.__new__(fn_cls)
    fn.xp = xp
    if record:
        fn.needs_input_grad = tuple([isinstance(a, TensorBase) and (<TensorBase>a)._requires_grad for a in args])
    else:
        fn.needs_input_grad = (False,) * n
    global grad_enabled
    cdef bint previous
    if array_io:
        out = fn_cls.forward(fn, *inputs)
    else:
        previous = grad_enabled
        grad_enabled = False
        try:
            out = fn_cls.forward(fn, *inputs)
        finally:
            grad_enabled = previous
    cdef bint multiple = type(out) is tuple
    cdef tuple outs = out if multiple else (out,)
    if through_float32:
        fn._through_float32 = True
        outs = tuple([xp.astype(o, _bfloat16) if getattr(o, "dtype", None) is _float32 else o for o in outs])
    if not array_io and fn._non_differentiable is not None:
        # a custom Function marks output tensors (as PyTorch does): turn them into positions
        marked = fn._non_differentiable
        fn._non_differentiable = {j for j in range(len(outs)) if any(outs[j] is m for m in marked)}
    cdef list results = []
    cdef TensorBase r
    cdef TensorBase view_source = None
    if fn_cls._is_view and n and isinstance(args[0], TensorBase):
        view_source = <TensorBase>args[0]
    for o in outs:
        if isinstance(o, TensorBase):
            o = (<TensorBase>o)._data
        r = wrap(o, xp)
        if r._data is not o and fn._saved is not None:
            # a NumPy scalar (a full reduction) became a 0-d array: a saved output is known by that array
            fn._saved = tuple([r._data if s is o else s for s in fn._saved])
        if view_source is not None:
            r._vc = view_source._vc
            r._base = view_source._base if view_source._base is not None else view_source
            r._is_inference = view_source._is_inference
        results.append(r)
    if record:
        _record(fn, args, results)
    if multiple:
        return tuple(results)
    return results[0]


cdef long long _next_sequence_nr = 1


def next_sequence_nr():
    """The sequence_nr the next recorded node will get (utils.checkpoint finds the nodes a call made)."""
    return _next_sequence_nr


cdef _record(FunctionBase fn, tuple args, list results):
    global _next_sequence_nr
    cdef Node node = Node()
    cdef TensorBase r
    cdef Py_ssize_t j
    node.sequence_nr = _next_sequence_nr
    _next_sequence_nr += 1
    node.fn = fn
    if anomaly_enabled:
        node.forward_trace = "".join(traceback.format_stack())
    node.next_edges = tuple([edge_of(<TensorBase>a) if isinstance(a, TensorBase) else None for a in args])
    node.num_outputs = len(results)
    if node.num_outputs > 1:
        node.output_meta = tuple([((<TensorBase>r)._data.shape, (<TensorBase>r)._data.dtype) for r in results])
    non_diff = fn._non_differentiable
    for j in range(len(results)):
        r = results[j]
        if non_diff is not None and j in non_diff:
            continue
        if not r._data.dtype.kind in "fVc":
            continue
        r._requires_grad = True
        r._node = node
        r._output_nr = j
    if fn._saved is not None:
        _remember_versions(fn, args, results)


cdef _remember_versions(FunctionBase fn, tuple args, list results):
    """Note the version of every input/output whose memory the op saved for backward, and where
    each saved item came from (fn._saved_sources, read by a create_graph backward).

    The tensor itself is held by a weak reference (only for the error message): a strong one from
    a node to its own output would make a reference cycle, and the graph's memory would wait for
    the garbage collector instead of being freed when the last tensor dies.
    """
    cdef list versions = []
    cdef list sources = []
    cdef TensorBase t
    cdef Py_ssize_t i, j, k = -1
    for saved in fn._saved:
        sources.append(None)
        k += 1
        if saved is None:
            continue
        for i in range(len(args)):
            a = args[i]
            if isinstance(a, TensorBase) and ((<TensorBase>a)._data is saved or a is saved):
                t = <TensorBase>a
                sources[k] = i
                if t._is_inference:
                    raise RuntimeError(
                        "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
                        "inference mode in computation tracked by autograd. To work around this, you can make a "
                        "clone to get a normal tensor and use it in autograd, or use `axonml.no_grad()` instead "
                        "of `axonml.inference_mode()`.")
                versions.append((t._vc, t._vc.value, PyWeakref_NewRef(t, None)))
                break
        else:
            if isinstance(saved, TensorBase):  # a custom Function saves the tensors it returned
                saved = (<TensorBase>saved)._data
            for j in range(len(results)):
                t = <TensorBase>results[j]
                if t._data is saved:
                    sources[k] = -1 - j
                    versions.append((t._vc, t._vc.value, PyWeakref_NewRef(t, None)))
                    break
    fn._saved_sources = tuple(sources)
    if versions:
        fn._saved_versions = versions


# --- the backward sweep ----------------------------------------------------------------

cdef object _graph_backward = None


def register_graph_backward(fn):
    """Called once by axonml.autograd.recording: fn(node, grads) runs node's backward as recorded ops."""
    global _graph_backward
    _graph_backward = fn


cdef object _add(object xp, object a, object b, bint create_graph):
    """a + b for two gradients: arrays, or (create_graph) tensors summed by a recorded add."""
    if a is None:
        return b
    if create_graph:
        return a + b
    return xp.add(a, b)


cdef int _count_dependencies(list roots) except -1:
    """Set each reachable node's dependency count: how many edges point at it."""
    cdef list stack = []
    cdef Node node, child
    cdef set seen = set()
    for node in roots:
        if node not in seen:
            seen.add(node)
            node.dependencies = 0
            node.buffer = None
            stack.append(node)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None:
                continue
            child = <Node>edge[0]
            if child not in seen:
                seen.add(child)
                child.dependencies = 0
                child.buffer = None
                stack.append(child)
            child.dependencies += 1
    return 0


cdef _check_versions(FunctionBase fn, Node node):
    cdef VersionCounter vc
    for vc, expected, tensor_ref in fn._saved_versions:
        if vc.value != expected:
            tensor = tensor_ref()
            what, where = "a tensor", ""
            if tensor is not None:
                what = f"[{tensor.type()} {list(tensor.shape)}]"
                producer = (<TensorBase>tensor)._node
                if producer is not None:
                    where = f", which is output {(<TensorBase>tensor)._output_nr} of " \
                            f"{producer.name()[:-len('Backward0')]},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: {what}{where} is at version {vc.value}; expected version {expected} instead.")


cdef tuple _call_backward(Node node, list grads, bint create_graph):
    cdef FunctionBase fn = node.fn
    cdef object fn_cls = type(fn)
    if fn._released:
        raise RuntimeError(
            "Trying to backward through the graph a second time (or directly access saved tensors after "
            "they have already been freed). Saved intermediate values of the graph are freed when you call "
            ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
            "graph a second time or if you need to access saved tensors after calling backward.")
    if fn._saved_versions is not None:
        _check_versions(fn, node)
    cdef Py_ssize_t k
    for k in range(node.num_outputs):
        if grads[k] is None:
            shape, dtype = node.output_meta[k]
            grads[k] = fn.xp.zeros(shape, dtype)
            if create_graph:
                grads[k] = wrap(grads[k], fn.xp)
        if fn._through_float32 and not create_graph and grads[k].dtype is _bfloat16:
            grads[k] = fn.xp.astype(grads[k], _float32)
    if create_graph:
        result = _graph_backward(node, grads)
    elif fn_cls._array_io:
        result = fn_cls.backward(fn, *grads)
    else:
        result = fn_cls.backward(fn, *[wrap(g, fn.xp) for g in grads])
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(node.next_edges):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(node.next_edges)}, got {len(result)})")
    if not fn_cls._array_io and not create_graph:
        result = tuple([(<TensorBase>g)._data if isinstance(g, TensorBase) else g for g in result])
    return result


cdef tuple _call_backward_checked(Node node, list grads, bint create_graph):
    """Anomaly mode: a backward that fails or returns NaN is named, with the stack of its forward."""
    try:
        result = _call_backward(node, grads, create_graph)
        if anomaly_check_nan:
            for k, g in enumerate(result):
                if g is not None and _has_nan(g):
                    raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th output.")
    except Exception:
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                      f"{node.forward_trace or ''}", UserWarning)
        raise
    return result


cdef bint _has_nan(object grad):
    if isinstance(grad, TensorBase):
        grad = (<TensorBase>grad)._data
    if grad.dtype.kind not in "fcV":
        return False
    if not hasattr(grad, "backend"):  # a NumPy array or scalar
        return bool(np.isnan(grad).any())
    xp = grad.backend
    return bool(xp.to_numpy(xp.any(xp.isnan(grad), None, False)))


cdef _run_hooks(list hooks, object grad, object xp, bint create_graph):
    """Each hook sees the gradient as a tensor; one it returns replaces it."""
    for hook in hooks:
        new = hook(grad if create_graph else wrap(grad, xp))
        if new is not None:
            if create_graph:
                grad = new if isinstance(new, TensorBase) else wrap(new, xp)
            else:
                grad = (<TensorBase>new)._data if isinstance(new, TensorBase) else new
    return grad


cdef _accumulate_into_leaf(AccumulateGrad node, object grad, bint create_graph):
    cdef TensorBase leaf = node.variable
    cdef TensorBase g
    xp = backend_of(leaf._data)
    shape = leaf._data.shape
    if grad.shape != shape:
        raise RuntimeError(f"gradient of shape {tuple(grad.shape)} does not match the leaf tensor's shape "
                           f"{tuple(shape)}")
    if create_graph:
        # as PyTorch: the gradient keeps its graph, and a second one is added out of place
        if grad.dtype != leaf.dtype:
            grad = grad.to(leaf.dtype)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    if grad.dtype != leaf._data.dtype:
        grad = xp.astype(grad, leaf._data.dtype)
    if leaf.grad is None:
        leaf.grad = wrap(xp.owned_copy(grad), xp)
    else:
        g = leaf.grad
        xp.add_into(g._data, grad)
        g._vc.value += 1


def run_backward(tensors, grad_tensors, bint retain_graph, inputs=None, bint accumulate=True,
                 bint create_graph=False):
    """Propagate grad_tensors from tensors back through the graph.

    accumulate=True sums into leaves' .grad (Tensor.backward); with inputs given and
    accumulate=False, returns the gradients reaching those inputs (autograd.grad).
    create_graph=True (grad_tensors are then tensors) runs every backward as recorded ops, so
    that the gradients are tensors with a graph of their own, differentiable again.
    """
    cdef list roots = []
    cdef Node node, child
    cdef TensorBase t
    cdef Py_ssize_t k
    global grad_enabled
    for t, g in zip(tensors, grad_tensors):
        edge = edge_of(t)
        if edge is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        roots.append(edge[0])
    _count_dependencies(roots)
    for t, g in zip(tensors, grad_tensors):
        node, k = edge_of(t)
        if node.buffer is None:
            node.buffer = [None] * node.num_outputs
        node.buffer[k] = _add(backend_of(t._data), node.buffer[k], g, create_graph)
    # what autograd.grad wants: (node, output_nr) -> position in its result
    cdef dict captures = None
    cdef list captured = None
    if inputs is not None:
        captures = {}
        captured = [None] * len(inputs)
        for k, t in enumerate(inputs):
            edge = edge_of(t)
            if edge is None:
                raise RuntimeError(f"One of the differentiated Tensors does not require grad")
            captures.setdefault(edge, []).append(k)
    cdef list ready = [n for n in dict.fromkeys(roots) if (<Node>n).dependencies == 0]
    previous = grad_enabled
    grad_enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = node.buffer
            node.buffer = None
            if grads is None:
                grads = [None] * node.num_outputs
            if node.hooks:
                for k, hooks in node.hooks.items():
                    if grads[k] is not None:
                        grads[k] = _run_hooks(hooks, grads[k], node.fn.xp, create_graph)
            if isinstance(node, AccumulateGrad) and grads[0] is not None:
                leaf = (<AccumulateGrad>node).variable
                if leaf._leaf_hooks:  # before capturing, so autograd.grad sees them too
                    grads[0] = _run_hooks(leaf._leaf_hooks, grads[0], backend_of(leaf._data), create_graph)
            if captures is not None:
                for k in range(node.num_outputs):
                    positions = captures.get((node, k))
                    if positions is not None:
                        for p in positions:
                            captured[p] = grads[k]
            if isinstance(node, AccumulateGrad):
                if accumulate and grads[0] is not None:
                    _accumulate_into_leaf(<AccumulateGrad>node, grads[0], create_graph)
                    leaf = (<AccumulateGrad>node).variable
                    if leaf._post_accumulate_hooks:
                        for hook in leaf._post_accumulate_hooks:
                            hook(leaf)
                continue
            has_grad = False
            for g in grads:
                if g is not None:
                    has_grad = True
                    break
            if has_grad:
                if profiler is not None:
                    token = profiler.begin_op(node.name(), grads)
                    try:
                        input_grads = _call_backward_checked(node, grads, create_graph) if anomaly_enabled else \
                            _call_backward(node, grads, create_graph)
                    except BaseException:
                        profiler.end_op(token, None)
                        raise
                    profiler.end_op(token, input_grads)
                elif anomaly_enabled:
                    input_grads = _call_backward_checked(node, grads, create_graph)
                else:
                    input_grads = _call_backward(node, grads, create_graph)
                if not retain_graph and (<FunctionBase>node.fn)._saved is not None:
                    # as in PyTorch, only a node that saved tensors refuses a second backward
                    (<FunctionBase>node.fn)._saved = None
                    (<FunctionBase>node.fn)._released = True
            else:
                input_grads = (None,) * len(node.next_edges)
            for edge, g in zip(node.next_edges, input_grads):
                if edge is None:
                    continue
                child = <Node>edge[0]
                if g is not None:
                    if child.buffer is None:
                        child.buffer = [None] * child.num_outputs
                    k = edge[1]
                    child.buffer[k] = _add(node.fn.xp, child.buffer[k], g, create_graph)
                child.dependencies -= 1
                if child.dependencies == 0:
                    ready.append(child)
    finally:
        grad_enabled = previous
    return captured
