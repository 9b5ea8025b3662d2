"""Double backward (create_graph=True) against PyTorch, family by family, on cpu and opencl.

For each op: first-order gradients g_i = d(sum(fn(x) * w))/dx_i are taken with create_graph, then
the gradients of sum_i sum(g_i * v_i) + sum(g_i ** 2) with respect to every input are compared
with PyTorch's (w, v fixed random weightings): that is the second derivative contracted with v and
with g itself, which exercises every path through the recorded backward.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml.autograd import gradgradcheck
from tests.oracle.oracle import (DTYPES, REQUIRE_OPENCL, _device_has_float64, _make_input, _to_axonml, _to_torch,
                                 assert_close)


def check_double(fn, inputs, *, torch_fn=None, device="cpu", dtypes=DTYPES, noncontiguous=(False, True),
                 grad_inputs=None, seed=0):
    """Compare first- and second-order gradients of fn with torch's (see the module docstring)."""
    try:
        _check_double(fn, inputs, torch_fn or fn, device, dtypes, noncontiguous, grad_inputs, seed)
    except NotImplementedError as error:
        if device == "cpu" or REQUIRE_OPENCL:
            raise
        pytest.skip(f"not supported on {device}: {error}")


def _second_loss(grads, weights):
    loss = None
    for g, v in zip(grads, weights):
        if g is None or not g.requires_grad:
            continue
        term = (g * v).sum() + (g * g).sum()
        loss = term if loss is None else loss + term
    return loss


def _check_double(fn, inputs, torch_fn, device, dtypes, noncontiguous, grad_inputs, seed):
    for dtype in dtypes:
        if device != "cpu" and dtype == "float64" and not _device_has_float64(device):
            continue
        for strided in noncontiguous:
            rng = np.random.default_rng(seed)
            arrays = [_make_input(spec, dtype, rng, strided) for spec in inputs]
            differentiable = [a.dtype.kind == "f" and (grad_inputs is None or i in grad_inputs)
                              for i, a in enumerate(arrays)]
            ax_in = [_to_axonml(a, device, d) for a, d in zip(arrays, differentiable)]
            th_in = [_to_torch(a, d) for a, d in zip(arrays, differentiable)]
            ax_wrt = [t for t, d in zip(ax_in, differentiable) if d]
            th_wrt = [t for t, d in zip(th_in, differentiable) if d]
            where = f"[{dtype}{', strided' if strided else ''}, {device}]"
            ax_out = fn(*ax_in)
            th_out = torch_fn(*th_in)
            ax_out = ax_out if isinstance(ax_out, tuple) else (ax_out,)
            th_out = th_out if isinstance(th_out, tuple) else (th_out,)
            out_weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in th_out]
            in_weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in th_wrt]
            th_loss = sum((t * torch.from_numpy(w)).sum() for t, w in zip(th_out, out_weights) if t.requires_grad)
            if not isinstance(th_loss, torch.Tensor):
                continue  # no output is differentiable
            ax_loss = sum((a * _to_axonml(w, device, False)).sum() for a, w in zip(ax_out, out_weights)
                          if a.requires_grad)
            th_grads = torch.autograd.grad(th_loss, th_wrt, create_graph=True, allow_unused=True)
            ax_grads = axonml.autograd.grad(ax_loss, ax_wrt, create_graph=True, allow_unused=True)
            for i, (a, t) in enumerate(zip(ax_grads, th_grads)):
                if t is None:
                    continue
                assert a is not None, f"input {i} got no first-order gradient {where}"
                assert_close(a, t, dtype, f"first-order grad of input {i} {where}")
            th_second = _second_loss(th_grads, [torch.from_numpy(v) for v in in_weights])
            if th_second is None:
                continue
            th_result = torch.autograd.grad(th_second, th_wrt, allow_unused=True)
            ax_second = _second_loss(ax_grads, [_to_axonml(v, device, False) for v in in_weights])
            if ax_second is None:  # piecewise linear: axonml records no second-order edge, PyTorch a zero one
                assert all(t is None or not t.any() for t in th_result), \
                    f"axonml's first-order gradients carry no graph {where}"
                continue
            ax_result = axonml.autograd.grad(ax_second, ax_wrt, allow_unused=True)
            for i, (a, t) in enumerate(zip(ax_result, th_result)):
                if t is None or a is None:  # no path on one side: the other's must be zero
                    assert (a is None or not np.any(np.asarray(a.detach().cpu()))) and (t is None or not t.any()), \
                        f"second-order grad of input {i}: {'axonml' if a is None else 'torch'} has none, the other " \
                        f"is non-zero {where}"
                    continue
                assert_close(a, t, dtype, f"second-order grad of input {i} {where}")


def _constant(values, like, dtype=None):
    """values as a tensor of like's framework, on like's device."""
    if isinstance(like, torch.Tensor):
        return torch.tensor(values, dtype=dtype)
    t = axonml.tensor(values, dtype=dtype)
    return t if like.device.type == "cpu" else t.to(like.device)


# --- elementwise and activations -------------------------------------------------------------------------

ELEMENTWISE = {
    "mul": (lambda a, b: a * b, [(3, 4), (4,)]),
    "div": (lambda a, b: a / (b * b + 1), [(3, 4), (3, 1)]),
    "add_sub": (lambda a, b: (a + b) * (a - b), [(2, 3), (3,)]),
    "exp_log": (lambda a: (a.exp() + 1).log() * a, [(3, 4)]),
    "tanh_sigmoid": (lambda a: a.tanh() * a.sigmoid(), [(3, 4)]),
    "pow": (lambda a: (a * a + 1) ** 1.5, [(3, 4)]),
    "pow_tensor": (lambda a, b: (a * a + 1) ** b, [(3, 4), (4,)]),
    "sqrt_rsqrt": (lambda a: (a * a + 1).sqrt() + (a * a + 2).rsqrt(), [(5,)]),
    "sin_cos": (lambda a: a.sin() * a.cos(), [(3, 4)]),
    "reciprocal": (lambda a: (a * a + 1).reciprocal(), [(6,)]),
    "where": (lambda a, b: axonml.where(a > 0, a * b, b * b) if isinstance(a, axonml.Tensor)
              else torch.where(a > 0, a * b, b * b), [(3, 4), (3, 4)]),
    "maximum": (lambda a, b: (a * a).maximum(b * b), [(3, 4), (3, 4)]),
    "clamp": (lambda a: (a * a).clamp(0.1, 1.5) * a, [(3, 4)]),
    "abs": (lambda a: a.abs() * a, [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise(name, device):
    fn, inputs = ELEMENTWISE[name]
    check_double(fn, inputs, device=device)


ACTIVATIONS = {
    "relu": (F.relu, TF.relu),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    "silu": (F.silu, TF.silu),
    "elu": (F.elu, TF.elu),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "softplus": (F.softplus, TF.softplus),
    "mish": (F.mish, TF.mish),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "selu": (F.selu, TF.selu),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation(name, device):
    fn, torch_fn = ACTIVATIONS[name]
    # the square makes the second derivative of piecewise-linear activations non-zero
    check_double(lambda x: fn(x) * x, [(4, 5)], torch_fn=lambda x: torch_fn(x) * x, device=device)


@pytest.mark.parametrize("dim", [0, -1])
def test_softmax(dim, device):
    check_double(lambda x: F.softmax(x, dim), [(3, 5)], torch_fn=lambda x: TF.softmax(x, dim), device=device)


@pytest.mark.parametrize("dim", [0, -1])
def test_log_softmax(dim, device):
    check_double(lambda x: F.log_softmax(x, dim), [(3, 5)], torch_fn=lambda x: TF.log_softmax(x, dim),
                 device=device)


# --- reductions ------------------------------------------------------------------------------------------

REDUCTIONS = {
    "sum": lambda x: (x * x).sum(1),
    "sum_all": lambda x: (x * x).sum() * x,
    "mean": lambda x: (x * x).mean(0, keepdim=True) * x,
    "prod": lambda x: x.prod(1),
    "logsumexp": lambda x: x.logsumexp(1),
    "var": lambda x: x.var(1),
    "std": lambda x: x.std(0),
    "norm": lambda x: x.norm(dim=1),
    "amax": lambda x: x.amax(1) * x.sum(1),
    "max_dim": lambda x: x.max(1)[0] ** 2,
    "cumsum": lambda x: (x * x).cumsum(1),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction(name, device):
    check_double(REDUCTIONS[name], [(3, 4)], device=device)


# --- matmul family and linear ------------------------------------------------------------------------------

MATMULS = {
    "matmul": (lambda a, b: (a @ b).tanh(), [(3, 4), (4, 5)]),
    "matmul_batched": (lambda a, b: (a @ b).tanh(), [(2, 3, 4), (4, 5)]),
    "matmul_broadcast": (lambda a, b: (a @ b).tanh(), [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul_vector": (lambda a, b: (a @ b).tanh(), [(3, 4), (4,)]),
    "bmm": (lambda a, b: a.bmm(b).sigmoid(), [(2, 3, 4), (2, 4, 2)]),
    "mm_self": (lambda a: (a @ a.t()).sigmoid(), [(3, 4)]),
    "addmm": (lambda c, a, b: (axonml.addmm(c, a, b) if isinstance(a, axonml.Tensor)
                               else torch.addmm(c, a, b)).tanh(), [(3, 5), (3, 4), (4, 5)]),
    "outer": (lambda a, b: (a.outer(b)).sin(), [(3,), (4,)]),
}


@pytest.mark.parametrize("name", sorted(MATMULS))
def test_matmul(name, device):
    fn, inputs = MATMULS[name]
    check_double(fn, inputs, device=device)


def test_linear(device):
    check_double(lambda x, w, b: F.linear(x, w, b).tanh(), [(4, 3), (5, 3), (5,)],
                 torch_fn=lambda x, w, b: TF.linear(x, w, b).tanh(), device=device)


def test_linear_batched_no_bias(device):
    check_double(lambda x, w: F.linear(x, w).sigmoid(), [(2, 4, 3), (5, 3)],
                 torch_fn=lambda x, w: TF.linear(x, w).sigmoid(), device=device)


# --- shape and indexing ---------------------------------------------------------------------------------------

SHAPES = {
    "reshape": lambda x: (x.reshape(4, 3) * x.reshape(4, 3)).tanh(),
    "transpose": lambda x: (x.t() @ x).sin(),
    "permute": lambda x: x.unsqueeze(0).permute(2, 0, 1).tanh() * 2,
    "expand": lambda x: x[:, :1].expand(3, 4) * x,
    "narrow": lambda x: x.narrow(1, 1, 2).exp() * x[:, :2],
    "getitem_basic": lambda x: x[1:, ::2] ** 3,
    "getitem_advanced": lambda x: x[[0, 2, 2]] ** 3,
    "flip": lambda x: x.flip(1) * x,
    "squeeze": lambda x: x.unsqueeze(1).squeeze(1) ** 3,
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape(name, device):
    check_double(SHAPES[name], [(3, 4)], device=device)


def test_cat_stack(device):
    def fn(a, b):
        ns = axonml if isinstance(a, axonml.Tensor) else torch
        return ns.cat([a * b, a], 0).tanh() + ns.stack([b, a * a], 1).sum(1).repeat(2, 1)
    check_double(fn, [(2, 3), (2, 3)], device=device)


def test_split(device):
    def fn(x):
        first, second = x.split([1, 3], 1)
        return first * second
    check_double(fn, [(3, 4)], device=device)


def test_gather_index_select(device):
    index = np.array([[0, 2], [1, 1], [3, 0]])

    def fn(x):
        gathered = x.gather(1, _constant(index, x))
        selected = x.index_select(0, _constant([2, 0], x))
        return gathered ** 3, selected.sin()
    check_double(fn, [(3, 4)], device=device)


MORE_NN = {
    "pad": (lambda x, f: f.pad(x, (1, 2, 0, 1)) ** 3, [(2, 3, 4)]),
    "prelu": (lambda x, w, f: f.prelu(x, w) * x, [(2, 3, 4), (3,)]),
    "glu": (lambda x, f: f.glu(x, -1), [(3, 4)]),
    "normalize": (lambda x, f: f.normalize(x, dim=1), [(3, 4)]),
    "cosine_similarity": (lambda x, y, f: f.cosine_similarity(x, y), [(3, 4), (3, 4)]),
    "hardswish": (lambda x, f: f.hardswish(x) * x, [(3, 4)]),
    "unfold": (lambda x, f: f.unfold(x, 2, stride=1) ** 3, [(1, 2, 3, 4)]),
}


@pytest.mark.parametrize("name", sorted(MORE_NN))
def test_nn_functional(name, device):
    fn, inputs = MORE_NN[name]
    check_double(lambda *xs: fn(*xs, F), inputs, torch_fn=lambda *xs: fn(*xs, TF), device=device)


def test_fused_attention_refuses_create_graph(device):
    """The fused attention kernel keeps its output and logsumexp outside save_for_backward: its backward
    cannot be differentiated again, and says so instead of returning a wrong second derivative."""
    q, k, v = (axonml.randn(2, 3, 4, requires_grad=True) for _ in range(3))
    if device != "cpu":
        q, k, v = (t.detach().to(device).requires_grad_(True) for t in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)
    with pytest.raises(NotImplementedError, match="ScaledDotProductAttention"):
        axonml.autograd.grad(out.sum(), q, create_graph=True)


def test_scatter_masked_fill_setitem(device):
    index = np.array([[0, 1, 0, 2]])

    def fn(x, src):
        ns = axonml if isinstance(x, axonml.Tensor) else torch
        scattered = (x * x).scatter_add(0, _constant(index, x), src * src)
        filled = x.masked_fill(_constant([[True, False, False, True]], x), 0.5) * x
        written = x.clone()
        written[1] = src[0] * src[0]
        return scattered, filled, ns.lerp(x, written, 0.3) * x
    check_double(fn, [(3, 4), (1, 4)], device=device)


# --- norms ------------------------------------------------------------------------------------------------

def test_layer_norm(device):
    check_double(lambda x, w, b: F.layer_norm(x, (4,), w, b).tanh(), [(3, 4), (4,), (4,)],
                 torch_fn=lambda x, w, b: TF.layer_norm(x, (4,), w, b).tanh(), device=device)


def test_layer_norm_no_affine_2d(device):
    check_double(lambda x: F.layer_norm(x, (3, 4)) ** 3, [(2, 3, 4)],
                 torch_fn=lambda x: TF.layer_norm(x, (3, 4)) ** 3, device=device)


def test_batch_norm_training(device):
    check_double(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True).tanh(), [(4, 3, 2), (3,), (3,)],
                 torch_fn=lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True).tanh(), device=device)


def test_batch_norm_eval(device):
    mean, var = np.array([0.1, -0.2, 0.3]), np.array([1.5, 0.5, 2.0])

    def fn(x, w):
        functional = F if isinstance(x, axonml.Tensor) else TF
        m, v = _constant(mean, x, x.dtype), _constant(var, x, x.dtype)
        return functional.batch_norm(x, m, v, w, None, training=False).tanh()
    check_double(fn, [(4, 3), (3,)], device=device)


def test_group_norm(device):
    check_double(lambda x: F.group_norm(x, 2).tanh(), [(2, 4, 3)], torch_fn=lambda x: TF.group_norm(x, 2).tanh(),
                 device=device)


# --- losses -------------------------------------------------------------------------------------------------

def _target(rows, classes, seed=3):
    return np.random.default_rng(seed).integers(0, classes, rows)


LOSSES = {
    "mse": (lambda x, y, f: f.mse_loss(x.tanh(), y), [(4, 3), (4, 3)]),
    "l1": (lambda x, y, f: f.l1_loss(x * x, y), [(4, 3), (4, 3)]),
    "smooth_l1": (lambda x, y, f: f.smooth_l1_loss(x * x, y), [(4, 3), (4, 3)]),
    "huber": (lambda x, y, f: f.huber_loss(x * x, y, delta=0.5), [(4, 3), (4, 3)]),
    "bce": (lambda x, y, f: f.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(4, 3), (4, 3)]),
    "bce_with_logits": (lambda x, y, f: f.binary_cross_entropy_with_logits(x, y.sigmoid()), [(4, 3), (4, 3)]),
    "kl_div": (lambda x, y, f: f.kl_div(f.log_softmax(x, 1), f.softmax(y, 1), reduction="batchmean"),
               [(4, 3), (4, 3)]),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss(name, device):
    fn, inputs = LOSSES[name]
    check_double(lambda x, y: fn(x, y, F), inputs, torch_fn=lambda x, y: fn(x, y, TF), device=device,
                 grad_inputs=(0,))


TARGET_LOSSES = {  # the target requires grad too: second derivatives in (input, target)
    "soft_cross_entropy": (lambda x, y, f: f.cross_entropy(x, f.softmax(y, 1), label_smoothing=0.1),
                           [(4, 3), (4, 3)]),
    "kl_div": (lambda x, y, f: f.kl_div(f.log_softmax(x, 1), f.softmax(y, 1), reduction="sum"), [(4, 3), (4, 3)]),
    "kl_div_log_target": (lambda x, y, f: f.kl_div(f.log_softmax(x, 1), f.log_softmax(y, 1), log_target=True),
                          [(4, 3), (4, 3)]),
    "bce_with_logits_pos_weight": (lambda x, y, f: f.binary_cross_entropy_with_logits(
        x, y.sigmoid(), pos_weight=(y[0] * 0 + 2.0).detach()), [(4, 3), (4, 3)]),
    "mse": (lambda x, y, f: f.mse_loss(x * x, y.tanh()), [(4, 3), (4, 3)]),
}


@pytest.mark.parametrize("name", sorted(TARGET_LOSSES))
def test_loss_in_input_and_target(name, device):
    fn, inputs = TARGET_LOSSES[name]
    check_double(lambda x, y: fn(x, y, F), inputs, torch_fn=lambda x, y: fn(x, y, TF), device=device)


def test_full_reductions_saving_their_output(device):
    """A full reduction's output is a NumPy scalar on the CPU: saved for backward, it must still be on the graph."""
    check_double(lambda x: (x * x).sum().sqrt() * x.norm() * x.amax() + x.std(), [(3, 4)], device=device)


def test_einsum(device):
    def fn(a, b):
        ns = axonml if isinstance(a, axonml.Tensor) else torch
        return ns.einsum("ij,jk->ik", a, b).tanh() + ns.einsum("ij,ij->i", a, a).unsqueeze(1)
    check_double(fn, [(3, 4), (4, 2)], device=device)


def test_tanhshrink(device):
    check_double(lambda x: F.tanhshrink(x), [(3, 4)], torch_fn=lambda x: TF.tanhshrink(x), device=device)


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.2}, {"reduction": "sum"}, {"reduction": "none"},
                                     {"ignore_index": 1}, {"weight": True}, {"weight": True, "label_smoothing": 0.1}])
def test_cross_entropy(options, device):
    options = dict(options)
    target = _target(5, 4)
    weight = np.array([0.5, 2.0, 1.0, 1.5]) if options.pop("weight", False) else None

    def fn(x):
        functional = F if isinstance(x, axonml.Tensor) else TF
        w = None if weight is None else _constant(weight, x, x.dtype)
        return functional.cross_entropy(x, _constant(target, x), weight=w, **options)
    check_double(fn, [(5, 4)], device=device)


def test_cross_entropy_spatial(device):
    target = np.random.default_rng(4).integers(0, 3, (2, 4))

    def fn(x):
        functional = F if isinstance(x, axonml.Tensor) else TF
        return functional.cross_entropy(x, _constant(target, x))
    check_double(fn, [(2, 3, 4)], device=device)


def test_nll_loss(device):
    target = _target(4, 3)

    def fn(x):
        functional = F if isinstance(x, axonml.Tensor) else TF
        return functional.nll_loss(functional.log_softmax(x * x, 1), _constant(target, x))
    check_double(fn, [(4, 3)], device=device)


# --- convolution and pooling ---------------------------------------------------------------------------------

CONVS = {
    "conv2d": (dict(), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
    "conv2d_stride_pad": (dict(stride=2, padding=1), [(1, 2, 6, 5), (3, 2, 3, 2), (3,)]),
    "conv2d_dilation_groups": (dict(dilation=2, groups=2, padding=2), [(1, 4, 5, 5), (2, 2, 3, 3), (2,)]),
}


@pytest.mark.parametrize("name", sorted(CONVS))
def test_conv2d(name, device):
    options, inputs = CONVS[name]
    check_double(lambda x, w, b: F.conv2d(x, w, b, **options).tanh(), inputs,
                 torch_fn=lambda x, w, b: TF.conv2d(x, w, b, **options).tanh(), device=device)


def test_conv1d(device):
    check_double(lambda x, w: F.conv1d(x, w, padding=1).sigmoid(), [(2, 2, 7), (3, 2, 3)],
                 torch_fn=lambda x, w: TF.conv1d(x, w, padding=1).sigmoid(), device=device)


def test_conv_transpose2d(device):
    options = dict(stride=2, padding=1, output_padding=1)
    check_double(lambda x, w, b: F.conv_transpose2d(x, w, b, **options).tanh(), [(1, 2, 3, 3), (2, 3, 3, 3), (3,)],
                 torch_fn=lambda x, w, b: TF.conv_transpose2d(x, w, b, **options).tanh(), device=device)


POOLS = {
    "max_pool2d": (lambda x, f: f.max_pool2d(x, 2), [(2, 2, 4, 4)]),
    "max_pool2d_stride": (lambda x, f: f.max_pool2d(x, 3, stride=2, padding=1), [(1, 2, 5, 5)]),
    "max_pool1d": (lambda x, f: f.max_pool1d(x, 2), [(2, 3, 6)]),
    "avg_pool2d": (lambda x, f: f.avg_pool2d(x, 2), [(2, 2, 4, 4)]),
    "avg_pool2d_pad": (lambda x, f: f.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                       [(1, 2, 5, 5)]),
    "adaptive_avg_pool2d": (lambda x, f: f.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    "adaptive_max_pool2d": (lambda x, f: f.adaptive_max_pool2d(x, 2), [(1, 2, 5, 4)]),
}


@pytest.mark.parametrize("name", sorted(POOLS))
def test_pool(name, device):
    fn, inputs = POOLS[name]
    # pooling is piecewise linear: the product with x makes its second derivative non-zero
    check_double(lambda x: fn(x * x, F).tanh(), inputs, torch_fn=lambda x: fn(x * x, TF).tanh(), device=device)


def test_embedding(device):
    indices = np.array([[0, 2, 2], [3, 1, 0]])

    def fn(w):
        functional = F if isinstance(w, axonml.Tensor) else TF
        return functional.embedding(_constant(indices, w), w * w, padding_idx=1).tanh()
    check_double(fn, [(4, 3)], device=device)


# --- gradgradcheck: finite differences of the first-order gradient, float64 ---------------------------------

def _double(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return axonml.tensor(rng.standard_normal(shape), dtype=axonml.float64, requires_grad=True)


GRADGRAD = {
    "elementwise": (lambda a, b: (a * b).exp() / (b * b + 1), ((3,), (3,))),
    "reduction": (lambda a: a.logsumexp(0) * a.var(0), ((4, 2),)),
    "matmul": (lambda a, b: (a @ b).tanh(), ((2, 3), (3, 2))),
    "shape": (lambda a: a.t().reshape(-1)[1:4] ** 3, ((2, 3),)),
    "activation": (lambda a: F.gelu(a) * F.softplus(a), ((5,),)),
    "softmax": (lambda a: F.log_softmax(a, 1) * F.softmax(a, 0), ((2, 3),)),
    "norm": (lambda a, w: F.layer_norm(a, (3,), w), ((2, 3), (3,))),
    "loss": (lambda a: F.cross_entropy(a, axonml.tensor([1, 0]), label_smoothing=0.1), ((2, 3),)),
    "linear": (lambda x, w, b: F.linear(x, w, b).sigmoid(), ((2, 3), (2, 3), (2,))),
    "conv": (lambda x, w: F.conv2d(x, w, padding=1), ((1, 1, 3, 3), (1, 1, 2, 2))),
    "pool": (lambda x: F.avg_pool2d(x * x, 2) + F.max_pool2d(x * x, 2), ((1, 1, 4, 4),)),
}


@pytest.mark.parametrize("name", sorted(GRADGRAD))
def test_gradgradcheck(name):
    fn, shapes = GRADGRAD[name]
    inputs = tuple(_double(*shape, seed=k) for k, shape in enumerate(shapes))
    assert gradgradcheck(fn, inputs)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class WrongSquare(axonml.autograd.Function):
        """x**2 whose backward (2 x g) is computed off the graph: its second derivative is lost."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * x.detach() * 2

    x = _double(3)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradgradcheck(WrongSquare.apply, (x,))
    assert not gradgradcheck(WrongSquare.apply, (x,), raise_exception=False)


@pytest.mark.parametrize("values", [[2.0, 3.0, 4.0], [0.0, 3.0, 4.0], [0.0, 0.0, 4.0], [0.0, 0.0, 0.0]],
                         ids=["no-zero", "one-zero", "two-zeros", "all-zeros"])
@pytest.mark.parametrize("dim", [None, 1])
def test_prod_second_derivative_with_zeros_matches_torch(values, dim, device):
    rows = np.array([values, [1.5, -2.0, 0.5]])
    weights = np.arange(6.0).reshape(2, 3)
    results = []
    for lib, x in ((axonml, axonml.from_numpy(rows.copy()).to(device).requires_grad_()),
                   (torch, torch.from_numpy(rows.copy()).requires_grad_())):
        total = (x.prod() if dim is None else x.prod(dim)).sum()
        grad, = lib.autograd.grad(total, x, create_graph=True)
        weight = axonml.from_numpy(weights).to(device) if lib is axonml else torch.from_numpy(weights)
        second, = lib.autograd.grad((grad * weight).sum(), x)
        results.append((grad.detach(), second))
    for ours, theirs in zip(results[0], results[1]):
        np.testing.assert_allclose(np.asarray(ours.cpu()), theirs.numpy(), rtol=1e-7, atol=1e-9)
