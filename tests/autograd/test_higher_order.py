"""Higher-order autograd in use: backward/grad with create_graph, the functional API, custom Functions,
and the workloads it exists for (WGAN-GP, Hessian-vector products, MAML, physics-informed losses)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml.autograd import functional as AF
from tests.oracle.oracle import assert_close


def _pair(*shape, seed=0, dtype="float64", device="cpu", requires_grad=True):
    """The same seeded values as an axonml tensor (on device) and a torch tensor."""
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    a = axonml.from_numpy(values.copy())
    if device != "cpu":
        a = a.to(device)
    t = torch.from_numpy(values.copy())
    if requires_grad:
        a.requires_grad_(True)
        t.requires_grad_(True)
    return a, t


def _assert_grad(ours, theirs, dtype, what):
    """Compare .grad with torch's; None where torch's is all zeros (a piecewise-linear path records no
    second-order edge in axonml, a zero one in PyTorch)."""
    if ours is None:
        assert theirs is None or not theirs.any(), f"{what}: no gradient, torch's is non-zero"
        return
    assert_close(ours, theirs, dtype, what)


def _dtype(device):
    from tests.oracle.oracle import _device_has_float64
    return "float64" if device == "cpu" or _device_has_float64(device) else "float32"


# --- backward / grad with create_graph -------------------------------------------------------------------

def test_grad_of_grad_of_cube():
    x = axonml.tensor([1.0, 2.0, -3.0], dtype=axonml.float64, requires_grad=True)
    (g,) = axonml.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = axonml.autograd.grad(g.sum(), x, create_graph=True)
    (third,) = axonml.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(np.asarray(g.detach()), 3 * np.array([1.0, 4.0, 9.0]))
    np.testing.assert_allclose(np.asarray(h.detach()), 6 * np.array([1.0, 2.0, -3.0]))
    np.testing.assert_allclose(np.asarray(third), [6.0, 6.0, 6.0])


def test_backward_create_graph_leaves_a_differentiable_grad():
    a, t = _pair(4)
    (a.sin() * a).sum().backward(create_graph=True)
    (t.sin() * t).sum().backward(create_graph=True)
    assert a.grad.requires_grad and a.grad.grad_fn is not None
    second_a, = axonml.autograd.grad((a.grad ** 2).sum(), a)
    second_t, = torch.autograd.grad((t.grad ** 2).sum(), t)
    assert_close(second_a, second_t, "float64")


def test_backward_create_graph_accumulates_with_graph():
    a, t = _pair(3)
    for _ in range(2):
        (a.exp()).sum().backward(create_graph=True)
        (t.exp()).sum().backward(create_graph=True)
    assert_close(a.grad, t.grad, "float64")
    ga, = axonml.autograd.grad(a.grad.sum(), a)
    gt, = torch.autograd.grad(t.grad.sum(), t)
    assert_close(ga, gt, "float64")


def test_create_graph_retains_the_graph_by_default():
    x = axonml.randn(3, requires_grad=True)
    y = (x.tanh() * x).sum()
    axonml.autograd.grad(y, x, create_graph=True)
    axonml.autograd.grad(y, x)  # the graph is still there
    with pytest.raises(RuntimeError, match="second time"):
        axonml.autograd.grad(y, x)


def test_first_order_grads_carry_no_graph():
    x = axonml.randn(3, requires_grad=True)
    (g,) = axonml.autograd.grad((x * x).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_grad_outputs_with_graph_are_differentiated():
    a, t = _pair(3)
    va, vt = _pair(3, seed=1)
    (ga,) = axonml.autograd.grad(a.exp(), a, grad_outputs=va, create_graph=True)
    (gt,) = torch.autograd.grad(t.exp(), t, grad_outputs=vt, create_graph=True)
    da = axonml.autograd.grad((ga * ga).sum(), [a, va])
    dt = torch.autograd.grad((gt * gt).sum(), [t, vt])
    for x, y in zip(da, dt):
        assert_close(x, y, "float64")


def test_hooks_see_graph_gradients():
    x = axonml.randn(3, dtype=axonml.float64, requires_grad=True)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(isinstance(g, axonml.Tensor)) or g * 2)
    (g,) = axonml.autograd.grad(y.sum(), x, create_graph=True)
    assert seen == [True]
    (h,) = axonml.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(np.asarray(h), 4.0)


def test_inputs_argument_with_create_graph():
    a, t = _pair(3)
    b, u = _pair(3, seed=1)
    (a * a * b).sum().backward(create_graph=True, inputs=[a])
    (t * t * u).sum().backward(create_graph=True, inputs=[t])
    assert b.grad is None
    assert_close(a.grad, t.grad, "float64")
    da = axonml.autograd.grad(a.grad.sum(), b)
    dt = torch.autograd.grad(t.grad.sum(), u)
    assert_close(da[0], dt[0], "float64")


def test_unsupported_op_names_itself():
    # an LSTM's fused cell backward has no differentiable form
    lstm = axonml.nn.LSTM(3, 4)
    x = axonml.randn(2, 1, 3, requires_grad=True)
    out, _ = lstm(x)
    with pytest.raises(NotImplementedError, match="create_graph=True: the backward of"):
        axonml.autograd.grad(out.sum(), x, create_graph=True)


# --- custom Functions ---------------------------------------------------------------------------------------

class Cube(axonml.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x * x


class ExpSavingOutput(axonml.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


def test_custom_function_double_backward():
    x = axonml.tensor([0.5, -1.0], dtype=axonml.float64, requires_grad=True)
    (g,) = axonml.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = axonml.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(np.asarray(h), 6 * np.array([0.5, -1.0]))


def test_custom_function_saved_output_is_on_the_graph():
    x = axonml.tensor([0.5, -1.0], dtype=axonml.float64, requires_grad=True)
    (g,) = axonml.autograd.grad(ExpSavingOutput.apply(x).sum(), x, create_graph=True)
    (h,) = axonml.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(np.asarray(h), np.exp([0.5, -1.0]))


class SortWithIndices(axonml.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, indices = x.sort()
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        indices, = ctx.saved_tensors
        grad = axonml.zeros_like(grad_values)
        grad[indices] = grad_values
        return grad


def test_mark_non_differentiable_takes_output_tensors():
    x = axonml.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = SortWithIndices.apply(x)
    assert values.requires_grad
    assert not indices.requires_grad and indices.grad_fn is None
    (values * axonml.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [3.0, 1.0, 2.0])


def test_mark_non_differentiable_float_output():
    class TwoOutputs(axonml.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            doubled, mask = x * 2, (x > 0).float()
            ctx.mark_non_differentiable(mask)
            return doubled, mask

        @staticmethod
        def backward(ctx, grad_doubled, grad_mask):
            return grad_doubled * 2

    x = axonml.randn(4, requires_grad=True)
    doubled, mask = TwoOutputs.apply(x)
    assert doubled.requires_grad and not mask.requires_grad


# --- the functional API against torch.autograd.functional -------------------------------------------------------

def _f_single(x):
    ns = torch if isinstance(x, torch.Tensor) else axonml
    return (x.exp() * x.sin()).sum() + ns.tanh(x).prod()


def _f_vector(x):
    return x.exp() * x.sum()


def _f_pair(x, y):
    return (x * y).tanh().sum() + (x * x).sum() * y.sum()


def _f_two_outputs(x, y):
    return x * y.sum(), (x.sin() @ y)


def test_jacobian(device):
    dtype = _dtype(device)
    a, t = _pair(3, device=device, dtype=dtype)
    _compare_tree_dtype(AF.jacobian(_f_vector, a), torch.autograd.functional.jacobian(_f_vector, t), dtype)
    b, u = _pair(3, 2, seed=1, device=device, dtype=dtype)
    c, v = _pair(2, seed=2, device=device, dtype=dtype)
    _compare_tree_dtype(AF.jacobian(_f_two_outputs, (b, c)),
                        torch.autograd.functional.jacobian(_f_two_outputs, (u, v)), dtype)


def _compare_tree_dtype(ours, theirs, dtype):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, t in zip(ours, theirs):
            _compare_tree_dtype(a, t, dtype)
        return
    assert_close(ours, theirs, dtype)


def test_hessian(device):
    dtype = _dtype(device)
    a, t = _pair(4, device=device, dtype=dtype)
    _compare_tree_dtype(AF.hessian(_f_single, a), torch.autograd.functional.hessian(_f_single, t), dtype)
    b, u = _pair(3, seed=1, device=device, dtype=dtype)
    c, v = _pair(2, seed=2, device=device, dtype=dtype)
    _compare_tree_dtype(AF.hessian(lambda x, y: (x * x).sum() * y.exp().sum(), (b, c)),
                        torch.autograd.functional.hessian(lambda x, y: (x * x).sum() * y.exp().sum(), (u, v)), dtype)


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
def test_products(name, device):
    dtype = _dtype(device)
    ours, theirs = getattr(AF, name), getattr(torch.autograd.functional, name)
    a, t = _pair(3, device=device, dtype=dtype)
    va, vt = _pair(3, seed=5, device=device, dtype=dtype, requires_grad=False)
    fn = _f_vector if name in ("vjp", "jvp") else _f_single
    _compare_tree_dtype(ours(fn, a, va), theirs(fn, t, vt), dtype)
    b, u = _pair(3, seed=1, device=device, dtype=dtype)
    c, w = _pair(3, seed=2, device=device, dtype=dtype)
    vb, vu = _pair(3, seed=3, device=device, dtype=dtype, requires_grad=False)
    vc, vw = _pair(3, seed=4, device=device, dtype=dtype, requires_grad=False)
    if name == "vjp":
        _compare_tree_dtype(ours(_f_two_outputs, (b, c), (vb, vc.sum())),
                            theirs(_f_two_outputs, (u, w), (vu, vw.sum())), dtype)
    else:
        _compare_tree_dtype(ours(_f_pair, (b, c), (vb, vc)), theirs(_f_pair, (u, w), (vu, vw)), dtype)


def test_functional_create_graph_and_strict():
    a, t = _pair(3)
    _, product = AF.hvp(lambda x: (x ** 4).sum(), a, axonml.ones_like(a), create_graph=True)
    _, product_t = torch.autograd.functional.hvp(lambda x: (x ** 4).sum(), t, torch.ones_like(t), create_graph=True)
    assert product.requires_grad
    assert_close(axonml.autograd.grad(product.sum(), a)[0], torch.autograd.grad(product_t.sum(), t)[0], "float64")
    with pytest.raises(RuntimeError, match="independent of input"):
        AF.jacobian(lambda x, y: x * 2, (a, axonml.randn(2)), strict=True)
    jac = AF.jacobian(lambda x, y: x * 2, (a, axonml.randn(2, dtype=axonml.float64)))
    assert not np.any(np.asarray(jac[1]))


def test_functional_errors_match_torch():
    a, t = _pair(3)
    for ours, theirs in ((AF.vjp, torch.autograd.functional.vjp), (AF.jvp, torch.autograd.functional.jvp)):
        with pytest.raises(RuntimeError):
            theirs(_f_vector, t)
        with pytest.raises(RuntimeError, match="v can only be None"):
            ours(_f_vector, a)
    with pytest.raises(TypeError):
        torch.autograd.functional.jacobian(_f_vector, [t, 1.0])
    with pytest.raises(TypeError, match="tuple of Tensors"):
        AF.jacobian(_f_vector, [a, 1.0])
    with pytest.raises(RuntimeError, match="invalid size"):
        AF.vjp(_f_vector, a, axonml.ones(4, dtype=axonml.float64))


# --- workloads ---------------------------------------------------------------------------------------------------

def _mlp_pair(sizes, seed, device, dtype):
    ours, theirs = [], []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        w, tw = _pair(fan_out, fan_in, seed=seed + 2 * k, device=device, dtype=dtype)
        b, tb = _pair(fan_out, seed=seed + 2 * k + 1, device=device, dtype=dtype)
        ours.append((w, b))
        theirs.append((tw, tb))
    return ours, theirs


def _mlp(params, x, functional):
    for k, (w, b) in enumerate(params):
        x = functional.linear(x, w * 0.5, b)
        if k < len(params) - 1:
            x = functional.leaky_relu(x, 0.2) if k % 2 else x.tanh()
    return x


def test_wgan_gp_gradient_penalty(device):
    dtype = _dtype(device)
    ours, theirs = _mlp_pair([5, 8, 8, 1], 0, device, dtype)
    real, treal = _pair(6, 5, seed=10, device=device, dtype=dtype, requires_grad=False)
    fake, tfake = _pair(6, 5, seed=11, device=device, dtype=dtype, requires_grad=False)
    alpha, talpha = _pair(6, 1, seed=12, device=device, dtype=dtype, requires_grad=False)
    alpha, talpha = alpha.sigmoid(), talpha.sigmoid()

    def penalty(params, real, fake, alpha, functional, grad):
        mixed = (alpha * real + (1 - alpha) * fake)
        mixed.requires_grad_(True)
        scores = _mlp(params, mixed, functional)
        (g,) = grad(scores.sum(), mixed, create_graph=True)
        norms = ((g * g).sum(1) + 1e-12).sqrt()
        return ((norms - 1) ** 2).mean()

    loss = penalty(ours, real, fake, alpha, F, axonml.autograd.grad)
    tloss = penalty(theirs, treal, tfake, talpha, TF, torch.autograd.grad)
    assert_close(loss, tloss, dtype)
    loss.backward()
    tloss.backward()
    for (w, b), (tw, tb) in zip(ours, theirs):
        _assert_grad(w.grad, tw.grad, dtype, "weight grad")
        _assert_grad(b.grad, tb.grad, dtype, "bias grad")


def test_hessian_vector_product_of_a_network_loss(device):
    dtype = _dtype(device)
    ours, theirs = _mlp_pair([4, 6, 3], 20, device, dtype)
    x, tx = _pair(5, 4, seed=30, device=device, dtype=dtype, requires_grad=False)
    target = np.array([0, 2, 1, 1, 0])
    ty = torch.tensor(target)
    y = axonml.tensor(target)
    if device != "cpu":
        y = y.to(device)
    params = [p for pair in ours for p in pair]
    tparams = [p for pair in theirs for p in pair]
    vectors = [_pair(*p.shape, seed=40 + k, device=device, dtype=dtype, requires_grad=False)
               for k, p in enumerate(tparams)]
    loss = F.cross_entropy(_mlp(ours, x, F), y)
    tloss = TF.cross_entropy(_mlp(theirs, tx, TF), ty)
    grads = axonml.autograd.grad(loss, params, create_graph=True)
    tgrads = torch.autograd.grad(tloss, tparams, create_graph=True)
    dot = sum((g * v[0]).sum() for g, v in zip(grads, vectors))
    tdot = sum((g * v[1]).sum() for g, v in zip(tgrads, vectors))
    hv = axonml.autograd.grad(dot, params)
    thv = torch.autograd.grad(tdot, tparams)
    for a, t in zip(hv, thv):
        assert_close(a, t, dtype, "Hessian-vector product")


def test_maml_inner_step(device):
    """One MAML step: adapt the parameters on a support batch with a differentiable SGD step, evaluate on
    a query batch, and backpropagate the query loss through the adaptation to the initial parameters."""
    dtype = _dtype(device)
    ours, theirs = _mlp_pair([3, 8, 1], 50, device, dtype)
    xs, txs = _pair(6, 3, seed=60, device=device, dtype=dtype, requires_grad=False)
    ys, tys = _pair(6, 1, seed=61, device=device, dtype=dtype, requires_grad=False)
    xq, txq = _pair(6, 3, seed=62, device=device, dtype=dtype, requires_grad=False)
    yq, tyq = _pair(6, 1, seed=63, device=device, dtype=dtype, requires_grad=False)

    def meta_loss(params, functional, grad):
        flat = [p for pair in params for p in pair]
        support = functional.mse_loss(_mlp(params, xs if functional is F else txs, functional),
                                      ys if functional is F else tys)
        grads = grad(support, flat, create_graph=True)
        adapted = [p - 0.1 * g for p, g in zip(flat, grads)]
        adapted = list(zip(adapted[::2], adapted[1::2]))
        return functional.mse_loss(_mlp(adapted, xq if functional is F else txq, functional),
                                   yq if functional is F else tyq)

    loss = meta_loss(ours, F, axonml.autograd.grad)
    tloss = meta_loss(theirs, TF, torch.autograd.grad)
    assert_close(loss, tloss, dtype)
    loss.backward()
    tloss.backward()
    for (w, b), (tw, tb) in zip(ours, theirs):
        _assert_grad(w.grad, tw.grad, dtype, "meta-gradient of a weight")
        _assert_grad(b.grad, tb.grad, dtype, "meta-gradient of a bias")


def test_physics_informed_loss(device):
    """u(x) a small network; the loss is the residual of u'' = -sin(x) plus boundary terms, trained through
    d2u/dx2 taken with two create_graph gradients."""
    dtype = _dtype(device)
    ours, theirs = _mlp_pair([1, 10, 10, 1], 70, device, dtype)
    grid = np.linspace(0, np.pi, 9).reshape(-1, 1).astype(dtype)

    def residual_loss(params, functional, ns, grad, x):
        x.requires_grad_(True)
        u = _mlp(params, x, functional)
        (du,) = grad(u.sum(), x, create_graph=True)
        (d2u,) = grad(du.sum(), x, create_graph=True)
        return ((d2u + ns.sin(x)) ** 2).mean() + (u[0] ** 2).sum() + (u[-1] ** 2).sum()

    x = axonml.from_numpy(grid.copy())
    if device != "cpu":
        x = x.to(device)
    loss = residual_loss(ours, F, axonml, axonml.autograd.grad, x)
    tloss = residual_loss(theirs, TF, torch, torch.autograd.grad, torch.from_numpy(grid.copy()))
    assert_close(loss, tloss, dtype)
    loss.backward()
    tloss.backward()
    for (w, b), (tw, tb) in zip(ours, theirs):
        _assert_grad(w.grad, tw.grad, dtype, "weight grad")
        _assert_grad(b.grad, tb.grad, dtype, "bias grad")


def test_physics_informed_training_reduces_the_residual():
    axonml.manual_seed(0)
    model = axonml.nn.Sequential(axonml.nn.Linear(1, 16), axonml.nn.Tanh(), axonml.nn.Linear(16, 16),
                                 axonml.nn.Tanh(), axonml.nn.Linear(16, 1))
    optimizer = axonml.optim.Adam(model.parameters(), lr=1e-2)
    x = axonml.linspace(0, np.pi, 32).reshape(-1, 1)
    losses = []
    for _ in range(150):
        x.requires_grad_(True)
        u = model(x)
        (du,) = axonml.autograd.grad(u.sum(), x, create_graph=True)
        (d2u,) = axonml.autograd.grad(du.sum(), x, create_graph=True)
        loss = ((d2u + x.sin()) ** 2).mean() + (u[0] ** 2).sum() + (u[-1] ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    with axonml.no_grad():
        error = np.abs(np.asarray(model(x)).ravel() - np.sin(np.asarray(x).ravel())).max()
    assert error < 0.2  # u = sin(x) solves u'' = -sin(x), u(0) = u(pi) = 0


def test_third_order_through_linear_and_conv(device):
    dtype = _dtype(device)
    x, tx = _pair(1, 2, 5, 5, seed=80, device=device, dtype=dtype)
    w, tw = _pair(3, 2, 3, 3, seed=81, device=device, dtype=dtype)
    v, tv = _pair(4, 27, seed=82, device=device, dtype=dtype)

    def third(x, w, v, functional, grad):
        h = functional.conv2d(x, w * 0.3).tanh().reshape(1, -1)
        out = functional.linear(h, v).sin().sum()
        (g1,) = grad(out, x, create_graph=True)
        (g2,) = grad((g1 * g1).sum(), w, create_graph=True)
        return grad((g2 ** 3).sum(), [x, w, v])

    for a, t in zip(third(x, w, v, F, axonml.autograd.grad), third(tx, tw, tv, TF, torch.autograd.grad)):
        assert_close(a, t, dtype, "third-order gradient")
