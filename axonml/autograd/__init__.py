"""Reverse-mode automatic differentiation: backward, grad, grad modes, Function, gradcheck."""
from __future__ import annotations

from .._ext import _autograd
from .anomaly_mode import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled,
                           set_detect_anomaly)
from .function import ArrayFunction, Function, FunctionCtx
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck, numerical_gradient

__all__ = ["backward", "grad", "Function", "FunctionCtx", "ArrayFunction", "no_grad", "enable_grad",
           "inference_mode", "set_grad_enabled", "is_grad_enabled", "is_inference_mode_enabled", "gradcheck",
           "gradgradcheck", "numerical_gradient", "functional", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def _as_tuple(x):
    if x is None:
        return None
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _initial_grads(outputs, grad_outputs):
    from ..tensor import Tensor
    from ..backends import cpu
    grads = []
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs: got {len(grad_outputs)} "
                           f"gradients for {len(outputs)} outputs")
    for out, g in zip(outputs, grad_outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected a Tensor, got {type(out).__name__}")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind == "c":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs")
            backend = out.device
            from ..backends import get_backend
            grads.append(get_backend(backend).ones(out._data.shape, out._data.dtype))
        else:
            data = g._data if isinstance(g, Tensor) else cpu.asarray(g, out._data.dtype)
            if tuple(data.shape) != tuple(out._data.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {list(data.shape)} and "
                                   f"output[0] has a shape of {list(out._data.shape)}.")
            grads.append(data)
    return grads


def _graph_grads(grads, grad_outputs):
    """create_graph: the seed gradients as tensors, the user's own where given (their graph is kept)."""
    from ..tensor import Tensor, _make
    given = _as_tuple(grad_outputs) or (None,) * len(grads)
    return [g if isinstance(g, Tensor) else _make(data) for g, data in zip(given, grads)]


def _run(outputs, grads, grad_outputs, retain_graph, create_graph, inputs=None, accumulate=True):
    tracer = _autograd.get_tracer()
    if tracer is not None:
        tracer.untraceable("backward() or autograd.grad() ran inside the traced function (compile the model or its "
                           "loss, and call backward outside it)")
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        from . import recording  # noqa: F401  (registers the recording backward with the sweep)
        grads = _graph_grads(grads, grad_outputs)
    return _autograd.run_backward(outputs, grads, bool(retain_graph), inputs=inputs, accumulate=accumulate,
                                  create_graph=bool(create_graph))


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate the gradients of tensors (seeded with grad_tensors) into the leaves' .grad.

    Args:
        tensors: the tensors to differentiate (scalars, or with grad_tensors given).
        grad_tensors: the gradient of some loss with respect to each of tensors (None for a scalar).
        retain_graph: keep the graph's saved tensors for another backward; defaults to create_graph.
        create_graph: record the backward pass itself, so that the accumulated ``.grad`` carries a graph and
            can be differentiated again (higher-order gradients).
        inputs: accumulate only into these tensors' ``.grad``.
    """
    tensors = _as_tuple(tensors)
    grads = _initial_grads(tensors, grad_tensors)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        captured = _run(tensors, grads, grad_tensors, retain_graph, create_graph, inputs=inputs, accumulate=False)
        for leaf, g in zip(inputs, captured):
            if g is not None:
                _accumulate(leaf, g, create_graph)
        return
    _run(tensors, grads, grad_tensors, retain_graph, create_graph)


def _accumulate(t, g, create_graph):
    from ..tensor import Tensor, _make
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _make(g.copy() if hasattr(g, "copy") else g)
    else:
        t.grad = t.grad + _make(g)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, materialize_grads: bool = False):
    """The gradients of outputs with respect to inputs, returned rather than accumulated into .grad.

    Args:
        outputs: the tensors to differentiate.
        inputs: the tensors to differentiate with respect to.
        grad_outputs: the gradient of some loss with respect to each output (None for a scalar output).
        retain_graph: keep the graph's saved tensors for another backward; defaults to create_graph.
        create_graph: record the backward pass, so that the returned gradients carry a graph and can be
            differentiated again (Hessian-vector products, gradient penalties, MAML ...).
        allow_unused: return None for an input the outputs do not depend on, instead of raising.
        materialize_grads: return zeros instead of None for such inputs.

    Example::

        >>> x = axonml.tensor([1.0, 2.0], requires_grad=True)
        >>> (g,) = axonml.autograd.grad((x ** 3).sum(), x, create_graph=True)   # 3 x**2
        >>> axonml.autograd.grad(g.sum(), x)                                   # 6 x
        (tensor([ 6., 12.]),)
    """
    from ..tensor import Tensor, _backend_of
    from .. import creation
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _initial_grads(outputs, grad_outputs)
    captured = _run(outputs, grads, grad_outputs, retain_graph, create_graph, inputs=inputs, accumulate=False)
    result = []
    for t, g in zip(inputs, captured):
        if g is None:
            if materialize_grads:
                result.append(creation.zeros_like(t))
                continue
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            # a backward can hand back a NumPy scalar for a 0-d input: wrap coerces it onto t's backend
            result.append(g if isinstance(g, Tensor) else _autograd.wrap_array(g, _backend_of(t._data)))
    return tuple(result)


def __getattr__(name):
    # functional (jacobian, hessian, ...) builds on the ops, which import this package: load it on first use
    if name == "functional":
        import importlib
        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
