"""Reverse-mode automatic differentiation: backward, grad, grad modes, Function, gradcheck."""
from __future__ import annotations

from .._ext import _autograd
from .function import ArrayFunction, Function, FunctionCtx
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import gradcheck, numerical_gradient

__all__ = ["backward", "grad", "Function", "FunctionCtx", "ArrayFunction", "no_grad", "enable_grad",
           "inference_mode", "set_grad_enabled", "is_grad_enabled", "is_inference_mode_enabled", "gradcheck",
           "numerical_gradient"]


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


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate the gradients of tensors (seeded with grad_tensors) into the leaves' .grad."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported by axonml yet")
    tensors = _as_tuple(tensors)
    grads = _initial_grads(tensors, grad_tensors)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        captured = _autograd.run_backward(tensors, grads, bool(retain_graph), inputs=inputs, accumulate=False)
        for leaf, g in zip(inputs, captured):
            if g is not None:
                _accumulate(leaf, g)
        return
    _autograd.run_backward(tensors, grads, bool(retain_graph))


def _accumulate(t, g):
    from ..tensor import _make
    if t.grad is None:
        t.grad = _make(g.copy() if hasattr(g, "copy") else g)
    else:
        t.grad = t.grad + _make(g)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, materialize_grads: bool = False):
    """The gradients of outputs with respect to inputs, returned rather than accumulated into .grad."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported by axonml yet")
    from ..tensor import _make
    from .. import creation
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _initial_grads(outputs, grad_outputs)
    captured = _autograd.run_backward(outputs, grads, bool(retain_graph), inputs=inputs, accumulate=False)
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
            result.append(_make(g))
    return tuple(result)
