"""Finite-difference checks of analytical gradients (float64)."""
from __future__ import annotations

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "numerical_gradient"]


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, tuple) else (out,)


def numerical_gradient(fn, inputs, eps: float = 1e-6, output_index: int = 0, grad_output=None):
    """Central differences of sum(fn(*inputs)[output_index] * grad_output) w.r.t. each float input."""
    from ..tensor import Tensor
    from ..autograd.grad_mode import no_grad
    results = []
    with no_grad():
        reference = _outputs(fn, inputs)[output_index]
        weights = np.ones(reference.shape) if grad_output is None else np.asarray(grad_output, dtype=np.float64)
        for x in inputs:
            if not isinstance(x, Tensor) or not x.is_floating_point():
                results.append(None)
                continue
            data = x._data
            host = np.asarray(x).astype(np.float64)
            grad = np.zeros_like(host)
            flat = host.reshape(-1)
            for i in range(flat.size):
                saved = flat[i]
                flat[i] = saved + eps
                x._data = _like(data, host)
                plus = np.asarray(_outputs(fn, inputs)[output_index]).astype(np.float64)
                flat[i] = saved - eps
                x._data = _like(data, host)
                minus = np.asarray(_outputs(fn, inputs)[output_index]).astype(np.float64)
                flat[i] = saved
                grad.reshape(-1)[i] = np.sum((plus - minus) * weights) / (2 * eps)
            x._data = data
            results.append(grad)
    return results


def _like(original, host):
    """host's values as an array of original's backend and dtype."""
    if type(original) is np.ndarray:
        return host.astype(original.dtype)
    return original.backend.asarray(host.astype(original.dtype))


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare backward's gradients with central differences for every input that requires grad.

    Every output is checked with a fixed random weighting so that all its elements matter.
    """
    from ..tensor import Tensor
    from .. import autograd
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    differentiable = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not differentiable:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for x in differentiable:
        if x.dtype.name != "float64":
            import warnings
            warnings.warn(f"gradcheck on a {x.dtype} input: finite differences need float64 to be reliable")
    outputs = _outputs(fn, inputs)
    rng = np.random.default_rng(0)
    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor) or not out.requires_grad:
            continue
        weights = rng.standard_normal(out.shape)
        analytical = autograd.grad(out, differentiable, grad_outputs=_from_host(weights, out), retain_graph=True,
                                   allow_unused=True)
        numerical = numerical_gradient(fn, inputs, eps=eps, output_index=k, grad_output=weights)
        numerical = [g for x, g in zip(inputs, numerical) if isinstance(x, Tensor) and x.requires_grad]
        for i, (a, n) in enumerate(zip(analytical, numerical)):
            a = np.zeros_like(n) if a is None else np.asarray(a).astype(np.float64)
            if not np.allclose(a, n, atol=atol, rtol=rtol):
                if raise_exception:
                    worst = np.max(np.abs(a - n))
                    raise RuntimeError(f"Jacobian mismatch for output {k} with respect to input {i}: largest "
                                       f"difference {worst:.3g}\nnumerical:{n}\nanalytical:{a}")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """Check second derivatives: gradcheck of the first-order gradient of func (recorded with create_graph).

    The function checked maps (inputs, grad_outputs) to d(sum(func(inputs) * grad_outputs))/d(inputs), so both
    its dependence on the inputs (the second derivative) and on grad_outputs are compared with central
    differences. Use float64 inputs. The keyword arguments after rtol are accepted for PyTorch's signature.

    Args:
        func: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors; those requiring grad are checked.
        grad_outputs: one tensor per output of func; random (requiring grad) when None.

    Example::

        >>> x = axonml.randn(3, dtype=axonml.float64, requires_grad=True)
        >>> gradgradcheck(axonml.tanh, (x,))
        True
    """
    from ..tensor import Tensor
    from .. import autograd
    from .grad_mode import enable_grad
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outputs = _outputs(func, inputs)
    differentiable_outputs = [out for out in outputs if isinstance(out, Tensor) and out.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = tuple(_from_host(rng.standard_normal(out.shape), out).requires_grad_(True)
                             for out in differentiable_outputs)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    count = len(inputs)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_order(*args):
        xs, seeds = args[:count], args[count:]
        with enable_grad():  # finite differences call this under no_grad
            outs = [out for out in _outputs(func, xs) if isinstance(out, Tensor) and out.requires_grad]
            grads = autograd.grad(outs, [xs[i] for i in differentiable], grad_outputs=list(seeds),
                                  create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _from_host(values, like):
    from ..tensor import _make
    data = values.astype(like._data.dtype)
    if type(like._data) is not np.ndarray:
        data = like._data.backend.asarray(data)
    return _make(data)
