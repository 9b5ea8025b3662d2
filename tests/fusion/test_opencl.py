"""Fused chains on OpenCL (PoCL on the CPU in CI): generated kernels against the CPU, and their gradients."""
import numpy as np

import axonml
from axonml import jit
from axonml.fusion import fused_elementwise


def _chain(x, y, b):
    return ((x * 1.5 + y).relu() - 0.25).sigmoid() * y / (x.abs() + 1.0) + b


def test_chain_on_device_matches_cpu(device):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((33, 65), (33, 65), (65,))]
    cpu = [axonml.tensor(a) for a in arrays]
    on_device = [axonml.tensor(a, device=device, requires_grad=True) for a in arrays]
    out = fused_elementwise(_chain, *on_device)
    assert str(out.device).startswith(device)
    np.testing.assert_allclose(out.detach().cpu().numpy(), _chain(*cpu).numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    reference = [axonml.tensor(a, requires_grad=True) for a in arrays]
    _chain(*reference).sum().backward()
    for got, want in zip(on_device, reference):
        np.testing.assert_allclose(got.grad.cpu().numpy(), want.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_compiled_function_fuses_on_device(device):
    compiled = jit.compile(_chain)
    inputs = [axonml.randn(100, device=device), axonml.randn(100, device=device), axonml.randn(100, device=device)]
    compiled(*inputs)
    out = compiled(*inputs)
    assert [node.kind for node in compiled.graphs()[0].nodes] == ["fused"]
    np.testing.assert_allclose(out.cpu().numpy(), _chain(*inputs).cpu().numpy(), rtol=1e-5, atol=1e-6)
