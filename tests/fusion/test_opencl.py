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


def _reductions(x, y, mask, w, b, t):
    return (axonml.nn.functional.softmax(x * 0.5 + mask, -1), axonml.nn.functional.log_softmax(x - y, -1),
            axonml.nn.functional.layer_norm(x + y, (65,), w, b), axonml.nn.functional.cross_entropy(x * 2.0, t),
            axonml.nn.functional.mse_loss(x.exp(), y), (x * y).sum())


def test_fused_reductions_on_device_match_cpu(device):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((33, 65), (33, 65), (65,), (65,), (65,))]
    arrays.append(rng.integers(0, 65, 33))
    cpu = [axonml.tensor(a) for a in arrays]
    on_device = [axonml.tensor(a, device=device, requires_grad=a.dtype == np.float32) for a in arrays]
    compiled = jit.compile(_reductions)
    compiled(*on_device)
    outs = compiled(*on_device)
    names = [node.op for node in compiled.graphs()[0].nodes]
    assert sum(name.startswith("FusedReduction[") for name in names) == 6, names
    for got, want in zip(outs, _reductions(*cpu)):
        np.testing.assert_allclose(got.detach().cpu().numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
    sum((out * (k + 1.0)).sum() for k, out in enumerate(outs)).backward()
    reference = [axonml.tensor(a, requires_grad=a.dtype == np.float32) for a in arrays]
    sum((out * (k + 1.0)).sum() for k, out in enumerate(_reductions(*reference))).backward()
    for got, want in zip(on_device[:5], reference[:5]):
        np.testing.assert_allclose(got.grad.cpu().numpy(), want.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_conv_epilogue_on_device_matches_cpu(device):
    axonml.manual_seed(0)
    conv = axonml.nn.Conv2d(3, 5, 3, padding=1)
    f = lambda x: axonml.nn.functional.silu(conv(x)) * 2.0  # noqa: E731
    x = axonml.randn(2, 3, 7, 7)
    want = f(x)
    conv.to(device)
    compiled = jit.compile(f)
    on_device = axonml.tensor(x.numpy(), device=device, requires_grad=True)
    compiled(on_device)
    out = compiled(on_device)
    assert [node.op for node in compiled.graphs()[0].nodes] == ["FusedConv[ConvNd+Silu+Mul]"]
    np.testing.assert_allclose(out.detach().cpu().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    out.sum().backward()
    reference = axonml.tensor(x.numpy(), requires_grad=True)
    conv.to("cpu")
    conv.zero_grad()
    f(reference).sum().backward()
    np.testing.assert_allclose(on_device.grad.cpu().numpy(), reference.grad.numpy(), rtol=1e-4, atol=1e-5)
