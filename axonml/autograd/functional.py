"""Higher-order autograd on functions: vjp, jvp, jacobian, hessian, vhp, hvp (torch.autograd.functional).

Each takes ``func`` and its ``inputs`` (a tensor or a tuple of tensors) and differentiates func at
inputs with reverse-mode sweeps; products with a second derivative record the first sweep
(``create_graph=True``). ``vectorize`` is accepted for PyTorch's signature; the rows of a Jacobian
are computed one sweep each.
"""
from __future__ import annotations

from typing import Callable

from ..tensor import Tensor
from . import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x, name: str, fn_name: str) -> tuple[bool, tuple]:
    """(was it a tuple, x as a tuple), checking that every element is a Tensor."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"The {name} given to {fn_name} must be either a Tensor or a tuple of Tensors"
            raise TypeError(f"{where} but the value at index {i} has type {type(item).__name__}.")
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs to differentiate: detached copies, or (create_graph) views that keep the caller's graph."""
    prepared = []
    for x in inputs:
        if create_graph and x.requires_grad:
            prepared.append(x.view_as(x))
        else:
            prepared.append(x.detach().requires_grad_(True))
    return tuple(prepared)


def _finish(values, create_graph: bool):
    """Results as PyTorch returns them: detached unless the caller asked for a graph."""
    if isinstance(values, tuple):
        return tuple(_finish(v, create_graph) for v in values)
    if values is None or create_graph:
        return values
    return values.detach()


def _untuple(is_tuple: bool, values: tuple):
    return values if is_tuple else values[0]


def _check_v(v, outputs: tuple, fn_name: str) -> tuple:
    _, v = _as_tuple(v, "v", fn_name)
    if len(v) != len(outputs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outputs)} but got {len(v)}.")
    for i, (vi, out) in enumerate(zip(v, outputs)):
        if tuple(vi.shape) != tuple(out.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {list(out.shape)} but got "
                               f"{list(vi.shape)}.")
    return v


def _gradients(outputs: tuple, inputs: tuple, grad_outputs, create_graph: bool, strict: bool, what: str) -> tuple:
    """d(outputs . grad_outputs)/d(inputs); zeros (or, strict, an error) for inputs the outputs ignore."""
    differentiable = [(k, out) for k, out in enumerate(outputs) if out.requires_grad]
    if not differentiable:
        if strict:
            raise RuntimeError(f"The output of the user-provided function is independent of input 0. This is not "
                               f"allowed in strict mode{what}.")
        return tuple(x.new_zeros(x.shape) for x in inputs)
    outs = [out for _, out in differentiable]
    seeds = None if grad_outputs is None else [grad_outputs[k] for k, _ in differentiable]
    grads = _grad(outs, inputs, grad_outputs=seeds, create_graph=create_graph, retain_graph=True, allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                                   f"not allowed in strict mode{what}.")
            g = x.new_zeros(x.shape)
        result.append(g)
    return tuple(result)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The vector-Jacobian product v^T J of func at inputs.

    Args:
        func: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: the vector (one tensor per output, shaped like it); may be None for a single-element output.
        create_graph: record the computation, so that the result can be differentiated again.
        strict: raise when an output does not depend on an input, instead of returning zeros.

    Returns:
        (func_output, vjp): vjp is shaped like inputs.

    Example::

        >>> out, v_jac = vjp(lambda x: x ** 2, axonml.tensor([1.0, 2.0]), axonml.ones(2))   # 2 x
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    with_grad = _prepare(inputs, create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        outputs_tuple, outputs = _as_tuple(func(*with_grad), "outputs of the user-provided function", "vjp")
        if v is None:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            seeds = None
        else:
            seeds = _check_v(v, outputs, "vjp")
        grads = _gradients(outputs, with_grad, seeds, create_graph, strict, "")
    return (_untuple(outputs_tuple, _finish(outputs, create_graph)),
            _untuple(inputs_tuple, _finish(grads, create_graph)))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The Jacobian-vector product J v of func at inputs, by the double-vjp trick (as PyTorch).

    J v is the gradient, with respect to u, of (u^T J) v: one sweep records u^T J, a second
    differentiates it with respect to u.

    Args:
        func, inputs, create_graph, strict: as for :func:`vjp`.
        v: the vector (one tensor per input, shaped like it); may be None for a single-element input.

    Returns:
        (func_output, jvp): jvp is shaped like func's output.
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                               "Tensor with a single element.")
        v = (inputs[0].new_ones(inputs[0].shape),)
    else:
        v = _check_v(v, inputs, "jvp")
    with_grad = _prepare(inputs, create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        outputs_tuple, outputs = _as_tuple(func(*with_grad), "outputs of the user-provided function", "jvp")
        dummies = tuple(out.new_zeros(out.shape).requires_grad_(True) for out in outputs)
        grads = _gradients(outputs, with_grad, dummies, True, strict, "")
        pairs = [(g, vi) for g, vi in zip(grads, v) if g.requires_grad]
        if pairs:
            result = _grad([g for g, _ in pairs], dummies, grad_outputs=[vi for _, vi in pairs],
                           create_graph=create_graph, retain_graph=True, allow_unused=True)
            result = tuple(r if r is not None else d.new_zeros(d.shape) for r, d in zip(result, dummies))
        else:
            result = tuple(d.new_zeros(d.shape) for d in dummies)
    return (_untuple(outputs_tuple, _finish(outputs, create_graph)),
            _untuple(outputs_tuple, _finish(result, create_graph)))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of func at inputs: for output i and input j, a tensor of shape out_i.shape + in_j.shape.

    Args:
        func, inputs, create_graph, strict: as for :func:`vjp`.
        vectorize: accepted for PyTorch's signature; each row is one backward sweep.
        strategy: "reverse-mode" (the only one axonml has).

    Returns:
        a tensor when inputs and output are single tensors, a tuple over whichever of them is a tuple,
        and a tuple (outputs) of tuples (inputs) when both are.

    Example::

        >>> jacobian(lambda x: x.exp(), axonml.tensor([0.0, 1.0]))   # diag(exp(x))
    """
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: strategy={strategy!r}; axonml computes Jacobians in reverse mode only")
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    with_grad = _prepare(inputs, create_graph)
    from .. import stack
    from .grad_mode import enable_grad
    with enable_grad():
        outputs_tuple, outputs = _as_tuple(func(*with_grad), "outputs of the user-provided function", "jacobian")
        jacobians = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for k in range(flat.numel()):
                row = _gradients((flat[k],), with_grad, None, create_graph, strict,
                                 " (the Jacobian's output " + str(i) + ")")
                for j, g in enumerate(row):
                    rows[j].append(g)
            per_input = []
            for j, x in enumerate(inputs):
                if rows[j]:
                    block = stack(rows[j], 0).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    block = x.new_zeros(tuple(out.shape) + tuple(x.shape))
                per_input.append(_finish(block, create_graph))
            jacobians.append(_untuple(inputs_tuple, tuple(per_input)))
    return _untuple(outputs_tuple, tuple(jacobians))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar func at inputs: for inputs j and k, a tensor of shape in_j.shape + in_k.shape.

    Args:
        func: a function of the inputs returning a single-element tensor.
        inputs, create_graph, strict, vectorize: as for :func:`jacobian`.

    Returns:
        a tensor for a single input; a tuple of tuples for a tuple of inputs.
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return _gradients(outs, xs, None, True, strict, " (the Hessian's gradient)")

    result = jacobian(gradient, inputs if inputs_tuple else inputs[0], create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return result if inputs_tuple else result[0]  # gradient returns a tuple, so jacobian's result is one


def _scalar_output(func, with_grad, fn_name):
    _, outputs = _as_tuple(func(*with_grad), "outputs of the user-provided function", fn_name)
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor with a single element")
    return outputs[0]


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The vector-Hessian product v^T H of a scalar func at inputs.

    Args:
        func: a function of the inputs returning a single-element tensor.
        inputs, create_graph, strict: as for :func:`vjp`.
        v: the vector, shaped like inputs; may be None for a single-element input.

    Returns:
        (func_output, vhp): vhp is shaped like inputs.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The Hessian-vector product H v of a scalar func at inputs (by the double-backward trick, as PyTorch).

    Args:
        func, inputs, v, create_graph, strict: as for :func:`vhp`.

    Returns:
        (func_output, hvp): hvp is shaped like inputs.

    Example::

        >>> hvp(lambda x: (x ** 3).sum(), axonml.tensor([1.0, 2.0]), axonml.ones(2))   # (.., 6 x)
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn_name):
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                               "Tensor with a single element.")
        v = (inputs[0].new_ones(inputs[0].shape),)
    else:
        v = _check_v(v, inputs, fn_name)
    with_grad = _prepare(inputs, create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        output = _scalar_output(func, with_grad, fn_name)
        grads = _gradients((output,), with_grad, None, True, strict, "")
        if fn_name == "vhp":
            product = _second(grads, with_grad, v, create_graph, strict)
        else:
            # H v = d/du of (d/dx (u . grad)) . v, with u a dummy: the same double-vjp trick as jvp
            dummies = tuple(g.new_zeros(g.shape).requires_grad_(True) for g in grads)
            transposed = _second(grads, with_grad, dummies, True, strict)
            product = _second(transposed, dummies, v, create_graph, strict)
    return output if create_graph else output.detach(), _untuple(inputs_tuple, _finish(product, create_graph))


def _second(grads, wrt, v, create_graph, strict):
    """d(grads . v)/d(wrt), zeros where grads do not depend on wrt (or, strict, an error)."""
    pairs = [(g, vi) for g, vi in zip(grads, v) if g.requires_grad]
    if not pairs:
        if strict:
            raise RuntimeError("The jacobian of the user-provided function is independent of input 0. This is not "
                               "allowed in strict mode when create_graph=True.")
        return tuple(x.new_zeros(x.shape) for x in wrt)
    result = _grad([g for g, _ in pairs], wrt, grad_outputs=[vi for _, vi in pairs], create_graph=create_graph,
                   retain_graph=True, allow_unused=True)
    out = []
    for i, (r, x) in enumerate(zip(result, wrt)):
        if r is None:
            if strict:
                raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. This "
                                   "is not allowed in strict mode when create_graph=True.")
            r = x.new_zeros(x.shape)
        out.append(r)
    return tuple(out)
