"""Run the same layer in axonml and PyTorch: load torch's state_dict, compare outputs and gradients.

    check_module(nn.Linear(3, 4), torch.nn.Linear(3, 4), [(2, 3)])

The axonml module gets the torch module's state_dict (tensor by tensor through NumPy), so the
key names must match; then both run on the same inputs, outputs are compared, a fixed random
weighting of every float output is backpropagated, and the gradients of every parameter and
float input are compared with the oracle's per-dtype tolerances. With device="opencl" the
axonml module, its inputs and tensor keyword arguments move there first and the comparison
uses float32's tolerance whatever the dtype (device kernels may reassociate sums).
"""
from __future__ import annotations

import numpy as np
import torch

import axonml
from tests.oracle.oracle import assert_close


def to_axonml(x):
    if isinstance(x, torch.Tensor):
        return axonml.from_numpy(x.detach().numpy().copy())
    if isinstance(x, (tuple, list)):
        return type(x)(to_axonml(v) for v in x)
    return x


def load_torch_state(ax_module, th_module):
    """Copy th_module's state into ax_module; the key lists must be identical, in order."""
    th_state = th_module.state_dict()
    assert list(ax_module.state_dict()) == list(th_state), \
        f"state_dict keys differ:\naxonml {list(ax_module.state_dict())}\ntorch  {list(th_state)}"
    result = ax_module.load_state_dict({k: to_axonml(v) for k, v in th_state.items()})
    assert not result.missing_keys and not result.unexpected_keys


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flatten(item)]
    return [out]


def _make(spec, dtype, rng):
    if isinstance(spec, tuple):
        return rng.standard_normal(spec).astype(dtype)
    array = np.asarray(spec)
    return array.astype(dtype) if array.dtype.kind == "f" else array


def _on(x, device):
    """x (an axonml tensor, or a tuple/list of them) on device."""
    if isinstance(x, axonml.Tensor):
        return x if device == "cpu" else x.to(device)
    if isinstance(x, (tuple, list)):
        return type(x)(_on(v, device) for v in x)
    return x


def check_module(ax_module, th_module, inputs, *, dtype="float32", train=True, grad=True, seed=0, kwargs=None,
                 load=True, device="cpu"):
    """Compare ax_module(*inputs) with th_module(*inputs): outputs, parameter and input gradients, buffers."""
    rng = np.random.default_rng(seed)
    if dtype == "float64":
        th_module.double()
        ax_module.double()
    if load:
        load_torch_state(ax_module, th_module)
    if device != "cpu":
        ax_module.to(device)
    tolerance = dtype if device == "cpu" else "float32"
    th_module.train(train)
    ax_module.train(train)
    arrays = [_make(spec, dtype, rng) for spec in inputs]
    th_in = [torch.from_numpy(a.copy()).requires_grad_(grad and a.dtype.kind == "f") for a in arrays]
    ax_in = [_on(axonml.from_numpy(a.copy()), device).requires_grad_(grad and a.dtype.kind == "f") for a in arrays]
    kwargs = kwargs or {}
    th_out = _flatten(th_module(*th_in, **{k: v for k, v in kwargs.items()}))
    ax_out = _flatten(ax_module(*ax_in, **{k: _on(to_axonml(v), device) for k, v in kwargs.items()}))
    assert len(ax_out) == len(th_out), "different number of outputs"
    for k, (a, t) in enumerate(zip(ax_out, th_out)):
        if t is None:
            assert a is None, f"output {k}: torch returns None"
            continue
        assert_close(a, t, tolerance, f"output {k}")
    for name, t in th_module.named_buffers():
        assert_close(ax_module.get_buffer(name), t, tolerance, f"buffer {name}")
    if not grad:
        return
    weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) if t is not None else None for t in th_out]
    th_terms = [(t * torch.from_numpy(w)).sum() for t, w in zip(th_out, weights) if t is not None and t.requires_grad]
    ax_terms = [(a * _on(axonml.from_numpy(w), device)).sum() for a, w in zip(ax_out, weights)
                if a is not None and a.requires_grad]
    assert len(th_terms) == len(ax_terms), "outputs requiring grad differ"
    if not th_terms:
        return
    sum(th_terms).backward()
    sum(ax_terms[1:], ax_terms[0]).backward()
    ax_params = dict(ax_module.named_parameters())
    for name, p in th_module.named_parameters():
        if p.grad is None:
            assert ax_params[name].grad is None or not np.any(np.asarray(ax_params[name].grad.cpu())), name
            continue
        assert ax_params[name].grad is not None, f"parameter {name} got no gradient"
        assert_close(ax_params[name].grad, p.grad, tolerance, f"grad of {name}")
    for i, (a, t) in enumerate(zip(ax_in, th_in)):
        if t.grad is not None:
            assert_close(a.grad, t.grad, tolerance, f"grad of input {i}")
