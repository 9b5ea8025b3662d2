"""bfloat16: storage, casts (round to nearest even), promotion, arithmetic through float32 and autograd,
against torch's bfloat16 on cpu and opencl."""
import os

import ml_dtypes
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F

# bfloat16 keeps 8 significant bits: one rounding of a float32 result is within 2**-8 relative
TOLERANCE = dict(rtol=2 ** -7, atol=1e-2)
VALUES = np.array([1.0, -2.5, 3.14159, 1e-30, 65504.0, 1.00390625, 1.01171875, -0.0, 300.7], dtype=np.float32)


def _pair(shape, seed=0, scale=1.0):
    values = (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)
    return values, torch.from_numpy(values).bfloat16()


def _ours(values, device):
    return axonml.from_numpy(values).to(device).bfloat16()


def _close(ours, theirs, **tolerance):
    np.testing.assert_allclose(ours.detach().cpu().float().numpy(), theirs.detach().float().numpy(),
                               **(tolerance or TOLERANCE))


def test_the_dtype():
    assert axonml.bfloat16.is_floating_point and axonml.bfloat16.itemsize == 2
    assert repr(axonml.bfloat16) == "axonml.bfloat16"
    assert axonml.finfo(axonml.bfloat16).eps == torch.finfo(torch.bfloat16).eps
    assert axonml.zeros(3, dtype=axonml.bfloat16).numpy().dtype == np.dtype(ml_dtypes.bfloat16)


def test_casts_round_to_nearest_even_as_torch(device):
    ours = axonml.from_numpy(VALUES).to(device).bfloat16()
    theirs = torch.from_numpy(VALUES).bfloat16()
    np.testing.assert_array_equal(ours.float().cpu().numpy(), theirs.float().numpy())
    for name in ("float64", "float16", "int64", "int32", "bool"):
        converted = ours.to(getattr(axonml, name)).cpu().numpy()
        expected = theirs.to(getattr(torch, name)).numpy()
        np.testing.assert_array_equal(converted, expected, err_msg=name)
    small = ours.abs().clamp(max=255)  # out of range, a cast to uint8 is undefined in C
    np.testing.assert_array_equal(small.to(axonml.uint8).cpu().numpy(),
                                  theirs.abs().clamp(max=255).to(torch.uint8).numpy())
    ints = np.array([0, 1, -7, 300, 257], dtype=np.int64)
    np.testing.assert_array_equal(axonml.from_numpy(ints).to(device).bfloat16().float().cpu().numpy(),
                                  torch.from_numpy(ints).bfloat16().float().numpy())


def test_nan_and_infinity_survive_a_cast(device):
    values = np.array([np.nan, np.inf, -np.inf], dtype=np.float32)
    back = axonml.from_numpy(values).to(device).bfloat16().float().cpu().numpy()
    assert np.isnan(back[0]) and back[1] == np.inf and back[2] == -np.inf


def test_promotion_matches_torch():
    b = axonml.ones(2, dtype=axonml.bfloat16)
    tb = torch.ones(2, dtype=torch.bfloat16)
    for other, t_other in [(axonml.ones(2, dtype=axonml.float16), torch.ones(2, dtype=torch.float16)),
                           (axonml.ones(2), torch.ones(2)), (axonml.ones(2, dtype=axonml.int64), torch.ones(2).long()),
                           (2.5, 2.5), (3, 3), (axonml.tensor(2.0), torch.tensor(2.0))]:
        assert str((b + other).dtype).split(".")[-1] == str((tb + t_other).dtype).split(".")[-1], other
    assert axonml.promote_types(axonml.bfloat16, axonml.float16) is axonml.float32


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "neg", "abs", "reciprocal"])
def test_elementwise_is_one_rounding_of_the_float32_result(name, device):
    values, theirs = _pair((4, 5))
    values = np.abs(values) + 0.1
    theirs = torch.from_numpy(values).bfloat16()
    ours = getattr(_ours(values, device), name)()
    assert ours.dtype is axonml.bfloat16
    np.testing.assert_array_equal(ours.float().cpu().numpy(), getattr(theirs, name)().float().numpy())


def test_binary_ops_and_reductions(device):
    a, ta = _pair((6, 7), 1)
    b, tb = _pair((6, 7), 2)
    x, y = _ours(a, device), _ours(b, device)
    for op in (lambda p, q: p + q, lambda p, q: p * q, lambda p, q: p / (q.abs() + 1), lambda p, q: p.maximum(q)):
        np.testing.assert_array_equal(op(x, y).float().cpu().numpy(), op(ta, tb).float().numpy())
    _close(x.sum(), ta.sum())
    _close(x.mean(1), ta.mean(1))
    _close(x.amax(0), ta.amax(0))
    _close(x.var(1), ta.var(1))


def test_nn_ops_against_torch(device):
    x, tx = _pair((4, 3, 8, 8), 3)
    w, tw = _pair((5, 3, 3, 3), 4, 0.3)
    _close(F.conv2d(_ours(x, device), _ours(w, device), padding=1), TF.conv2d(tx, tw, padding=1), rtol=0.02,
           atol=0.05)
    m, tm = _pair((6, 16), 5)
    k, tk = _pair((16, 10), 6)
    _close(_ours(m, device) @ _ours(k, device), tm @ tk, rtol=0.02, atol=0.05)
    _close(F.softmax(_ours(m, device), -1), TF.softmax(tm, -1))
    _close(F.layer_norm(_ours(m, device), (16,)), TF.layer_norm(tm, (16,)), rtol=0.02, atol=0.03)
    target = np.array([1, 0, 3, 9, 2, 2])
    _close(F.cross_entropy(_ours(m[:, :10].copy(), device), axonml.from_numpy(target).to(device)),
           TF.cross_entropy(tm[:, :10], torch.from_numpy(target)))


def test_autograd_gives_bfloat16_gradients_close_to_torch(device):
    x, tx = _pair((5, 8), 7)
    w, tw = _pair((8, 3), 8)
    ours_x, ours_w = _ours(x, device).requires_grad_(), _ours(w, device).requires_grad_()
    tx.requires_grad_(), tw.requires_grad_()
    (ours_x @ ours_w).tanh().sum().backward()
    (tx @ tw).tanh().sum().backward()
    assert ours_x.grad.dtype is axonml.bfloat16 and ours_w.grad.dtype is axonml.bfloat16
    _close(ours_x.grad, tx.grad, rtol=0.03, atol=0.05)
    _close(ours_w.grad, tw.grad, rtol=0.03, atol=0.05)


def test_views_share_bfloat16_storage(device):
    x = axonml.zeros(4, 4, dtype=axonml.bfloat16).to(device)
    row = x[1]
    assert row.dtype is axonml.bfloat16
    row.fill_(2.5)
    x.t()[0, 3] = 7.0
    expected = np.zeros((4, 4), dtype=np.float32)
    expected[1] = 2.5
    expected[3, 0] = 7.0
    np.testing.assert_array_equal(x.float().cpu().numpy(), expected)


def test_repr_matches_torch():
    values, theirs = _pair((2, 3), 9)
    assert repr(_ours(values, "cpu")).replace("axonml", "torch") == repr(theirs)


def test_numpy_interop_and_creation(device):
    array = np.arange(6, dtype=np.float32).astype(ml_dtypes.bfloat16).reshape(2, 3)
    t = axonml.from_numpy(array)
    assert t.dtype is axonml.bfloat16 and axonml.equal(t.float(), axonml.arange(6.0).reshape(2, 3))
    for make in (lambda: axonml.randn(3, 4, dtype=axonml.bfloat16, device=device),
                 lambda: axonml.full((2,), 1.5, dtype=axonml.bfloat16, device=device),
                 lambda: axonml.arange(5, dtype=axonml.bfloat16, device=device),
                 lambda: axonml.tensor([1.0, 2.0], dtype=axonml.bfloat16, device=device)):
        assert make().dtype is axonml.bfloat16


def test_save_and_load_keep_bfloat16(tmp_path):
    values, _ = _pair((3, 4), 10)
    state = {"weight": _ours(values, "cpu")}
    path = os.path.join(tmp_path, "model.safetensors")
    axonml.save(state, path)
    loaded = axonml.load(path)["weight"]
    assert loaded.dtype is axonml.bfloat16 and axonml.equal(loaded, state["weight"])


@pytest.mark.parametrize("name", ["bfloat16", "float16"])
def test_alpha_scales_in_the_promoted_type_as_torch(name, device):
    values, _ = _pair((7,), 11)
    ours = axonml.ones(7).to(device)
    theirs = torch.ones(7)
    ours.add_(axonml.from_numpy(values).to(device).to(getattr(axonml, name)), alpha=0.1)
    theirs.add_(torch.from_numpy(values).to(getattr(torch, name)), alpha=0.1)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    np.testing.assert_array_equal(
        axonml.sub(axonml.ones(7).to(device), axonml.from_numpy(values).to(device).to(getattr(axonml, name)),
                   alpha=3).cpu().numpy(),
        torch.sub(torch.ones(7), torch.from_numpy(values).to(getattr(torch, name)), alpha=3).numpy())
