"""Softmax family, dropout, embedding, one_hot and pad against PyTorch (attention: test_attention.py)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml.autograd import gradcheck
from tests.oracle.oracle import assert_close, check, check_raises


def both(name, *args, **kwargs):
    """The same functional call in axonml and torch: (axonml_fn, torch_fn)."""
    return (lambda *xs: getattr(F, name)(*xs, *args, **kwargs),
            lambda *xs: getattr(TF, name)(*xs, *args, **kwargs))


def f64(shape, seed=0, requires_grad=True):
    return axonml.from_numpy(np.random.default_rng(seed).standard_normal(shape)).requires_grad_(requires_grad)


# --- softmax family ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape,dim", [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((6,), 0),
                                       ((2, 1, 3, 4), 2), ((3, 0), 1)])
def test_softmax_family(name, shape, dim, device):
    ax, th = both(name, dim)
    check(ax, [shape], torch_fn=th, device=device)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_tensor_method_and_dtype(name, device):
    check(lambda x: getattr(x, name)(-1), [(4, 7)], device=device)
    check(lambda x: getattr(x, name)(1, dtype=axonml.float64), [(4, 7)], dtypes=("float32",),
          torch_fn=lambda x: getattr(x, name)(1, dtype=torch.float64), device=device)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_extreme_values(name):
    values = np.array([[1000.0, 0.0, -1000.0], [-np.inf, 0.0, 1.0], [5.0, 5.0, 5.0]])
    ax, th = both(name, 1)
    check(ax, [values], torch_fn=th, grad=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_scalar(name):
    check(lambda x: getattr(F, name)(x, 0), [()], torch_fn=lambda x: getattr(TF, name)(x, 0))


def test_softmax_implicit_dim_matches_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning):
        ours = F.softmax(axonml.from_numpy(x))
    with pytest.warns(UserWarning):
        theirs = TF.softmax(torch.from_numpy(x))
    assert_close(ours, theirs)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_errors(name):
    check_raises(lambda x: getattr(F, name)(x, 2), [(2, 3)], torch_fn=lambda x: getattr(TF, name)(x, 2))
    check_raises(lambda x: getattr(F, name)(x, 0), [np.array([1, 2])],
                 torch_fn=lambda x: getattr(TF, name)(x, 0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_gradcheck(name, dim):
    assert gradcheck(lambda x: getattr(F, name)(x, dim), [f64((3, 4))])


# --- wide rows: the vectorized float32 row loops (blocks of 16 elements, then a tail) ----------------

@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape,dim", [((4, 1000), 1), ((3, 37), -1), ((37, 3), 0), ((2, 16, 5), 1)])
def test_softmax_family_wide_rows(name, shape, dim, device):
    values = np.random.default_rng(3).standard_normal(shape) * 8
    ax, th = both(name, dim)
    check(ax, [values], torch_fn=th, device=device)


def test_softmax_float32_exp_is_accurate_over_the_normal_range():
    # softmax(x)[j] / softmax(x)[max] is exp(x[j] - max(x)); here it spans 1 down to exp(-87)
    row = np.linspace(-87.0, 0.0, 1001).astype(np.float32)
    probabilities = np.asarray(F.softmax(axonml.from_numpy(np.stack([row, row[::-1]])), 1)).astype(np.float64)
    expected = np.exp(row.astype(np.float64))
    np.testing.assert_allclose(probabilities[0] / probabilities[0, -1], expected, rtol=1e-6, atol=0)
    np.testing.assert_allclose(probabilities[1, ::-1] / probabilities[1, 0], expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("width", [4, 40])
def test_softmax_rows_with_infinities_and_nan(name, width):
    rows = np.random.default_rng(4).standard_normal((7, width))
    rows[0, :] = -np.inf
    rows[1, 1] = np.inf
    rows[2, 2] = np.nan
    rows[3, :2] = (np.inf, np.nan)
    rows[4, ::2] = -np.inf
    rows[5, :] = np.nan
    rows[6, 3] = -np.inf
    ax, th = both(name, 1)
    check(ax, [rows], torch_fn=th, grad=False)


# --- dropout ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    x = axonml.ones(200, 500)
    out = np.asarray(F.dropout(x, p))
    zeroed = np.mean(out == 0)
    assert abs(zeroed - p) < 0.01
    assert np.allclose(out[out != 0], 1 / (1 - p))


def test_dropout_backward_uses_the_same_mask():
    x = axonml.randn(50, 40, requires_grad=True)
    out = F.dropout(x, 0.3)
    out.backward(axonml.ones_like(out))
    kept = np.asarray(out.detach()) != 0
    np.testing.assert_allclose(np.asarray(x.grad), np.where(kept, 1 / 0.7, 0.0), rtol=1e-6)


def test_dropout_reproducible_with_manual_seed():
    x = axonml.randn(30, 30)
    axonml.manual_seed(7)
    first = np.asarray(F.dropout(x, 0.5))
    axonml.manual_seed(7)
    second = np.asarray(F.dropout(x, 0.5))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, np.asarray(F.dropout(x, 0.5)))


@pytest.mark.parametrize("name", ["dropout", "dropout2d", "alpha_dropout", "feature_alpha_dropout"])
def test_dropout_eval_is_identity(name):
    x = axonml.randn(4, 3, 5, 5, requires_grad=True)
    assert getattr(F, name)(x, 0.5, training=False) is x
    assert getattr(F, name)(x, 0.0, training=True) is x


def test_dropout_p_one_zeroes_everything():
    x = axonml.randn(10, 10, requires_grad=True)
    out = F.dropout(x, 1.0)
    out.sum().backward()
    assert not np.any(np.asarray(out.detach()))
    assert not np.any(np.asarray(x.grad))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_errors(p):
    check_raises(lambda x: F.dropout(x, p), [(3,)], torch_fn=lambda x: TF.dropout(x, p))


@pytest.mark.filterwarnings("ignore:dropout2d")
@pytest.mark.parametrize("name,shape", [("dropout1d", (8, 16, 30)), ("dropout2d", (8, 16, 5, 6)),
                                        ("dropout3d", (4, 16, 3, 4, 5)), ("dropout2d", (16, 5, 6))])
def test_feature_dropout_zeroes_whole_channels(name, shape):
    out = np.asarray(getattr(F, name)(axonml.ones(*shape), 0.5))
    channels = out.reshape(out.shape[:2] + (-1,))  # a 3-D input to dropout2d is (N, C, L), as in PyTorch
    per_channel = np.unique(channels, axis=-1)
    assert per_channel.shape[-1] == 1, "a channel was partly dropped"
    assert set(np.unique(channels)) <= {0.0, 2.0}
    assert 0.3 < np.mean(channels == 0) < 0.7


def test_feature_dropout_errors():
    check_raises(lambda x: F.dropout1d(x), [(2, 3, 4, 5)], torch_fn=lambda x: TF.dropout1d(x))


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_keeps_selu_statistics(name):
    x = axonml.randn(400, 100, 4)
    out = np.asarray(getattr(F, name)(x, 0.2, training=True))
    assert abs(out.mean()) < 0.05 and abs(out.std() - 1) < 0.05
    # every dropped unit has the same value: alpha' a (p - 1)... scaled, as in PyTorch
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    dropped = -1.7580993408473766 * a + 1.7580993408473766 * a * 0.2
    assert 0.15 < np.mean(np.isclose(out, dropped, atol=1e-6)) < 0.25


def test_alpha_dropout_backward():
    x = axonml.randn(20, 30, requires_grad=True)
    out = F.alpha_dropout(x, 0.3, training=True)
    out.backward(axonml.ones_like(out))
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7)
    grad = np.asarray(x.grad)
    assert np.all(np.isclose(grad, 0.0) | np.isclose(grad, a))
    assert 0.2 < np.mean(grad == 0) < 0.4


# --- embedding -----------------------------------------------------------------------------------

INDICES = np.array([[1, 3, 0], [3, 3, 9]])


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                    {"padding_idx": 0, "scale_grad_by_freq": True}])
def test_embedding(kwargs, device):
    ax, th = both("embedding", **kwargs)
    check(ax, [INDICES, (10, 4)], torch_fn=th, device=device)


def test_embedding_int32_indices_and_1d():
    ax, th = both("embedding")
    check(ax, [INDICES.astype(np.int32), (10, 4)], torch_fn=th)
    check(ax, [np.array([2, 2, 5]), (6, 3)], torch_fn=th)


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm_renormalises_rows_in_place(norm_type):
    weight = np.random.default_rng(0).standard_normal((10, 4)) * 3
    ours, theirs = axonml.from_numpy(weight.copy()), torch.from_numpy(weight.copy())
    out = F.embedding(axonml.from_numpy(INDICES), ours, max_norm=1.5, norm_type=norm_type)
    expected = TF.embedding(torch.from_numpy(INDICES), theirs, max_norm=1.5, norm_type=norm_type)
    assert_close(out, expected, "float64")
    assert_close(ours, theirs, "float64", what="renormalised weight")


def test_embedding_errors():
    ax, th = both("embedding")
    check_raises(ax, [np.array([1, 7]), (4, 3)], torch_fn=th)
    check_raises(ax, [np.array([1, -1]), (4, 3)], torch_fn=th)
    check_raises(ax, [np.array([1.0, 2.0]), (4, 3)], torch_fn=th)
    check_raises(ax, [np.array([1, 2]), (4,)], torch_fn=th)
    ax, th = both("embedding", padding_idx=5)
    check_raises(ax, [np.array([1, 2]), (4, 3)], torch_fn=th)


def test_embedding_gradcheck():
    # padding_idx and scale_grad_by_freq change the gradient on purpose, so only the plain lookup is a derivative
    indices = axonml.tensor([[0, 2, 2], [5, 1, 0]])
    assert gradcheck(lambda w: F.embedding(indices, w), [f64((6, 3))])


# --- one_hot ------------------------------------------------------------------------------------

@pytest.mark.parametrize("values,num_classes", [([0, 2, 1], -1), ([[0, 3], [1, 1]], 5), ([], 3), (4, 6)])
def test_one_hot(values, num_classes):
    data = np.array(values, dtype=np.int64)
    ours = F.one_hot(axonml.from_numpy(data), num_classes)
    theirs = TF.one_hot(torch.from_numpy(data), num_classes)
    assert ours.dtype == axonml.int64
    assert_close(ours, theirs)


@pytest.mark.parametrize("data,num_classes", [(np.array([-1, 2]), -1), (np.array([1, 2]), 2),
                                             (np.array([1.0, 2.0]), -1), (np.array([1, 2], np.int32), -1),
                                             (np.zeros(0, np.int64), -1)])
def test_one_hot_errors(data, num_classes):
    check_raises(lambda t: F.one_hot(t, num_classes), [data], torch_fn=lambda t: TF.one_hot(t, num_classes))


# --- pad ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,pads,value", [((3, 4), (1, 2), None), ((2, 3, 4), (1, 0, 2, 3), 1.5),
                                              ((2, 3, 4), (-1, 1, 0, 0, 1, 1), None), ((3, 4), (-2, -1), 2.0),
                                              ((4,), (0, 0), None)])
def test_pad_constant(shape, pads, value, device):
    ax, th = both("pad", pads, value=value)
    check(ax, [shape], torch_fn=th, device=device)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pads", [((2, 5), (2, 3)), ((2, 3, 5), (1, 2)), ((2, 4, 5), (2, 1, 3, 0)),
                                        ((1, 2, 4, 5), (1, 2, 3, 1)), ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
                                        # negative pads crop before the padding wraps or reflects
                                        ((2, 3, 5), (2, -1)), ((2, 3, 5), (-1, 3)), ((1, 2, 4, 5), (2, -1, -1, 2)),
                                        ((1, 2, 4, 5), (-2, 3, 1, -1)), ((1, 2, 3, 4, 5), (1, -2, -1, 2, 2, -1)),
                                        ((1, 2, 3, 4, 5), (-1, 0, 0, -2, 1, 2)), ((1, 2, 4, 5), (0, -2, 1, 1, 0, 0))])
def test_pad_index_modes(mode, shape, pads, device):
    ax, th = both("pad", pads, mode=mode)
    check(ax, [shape], torch_fn=th, device=device)


@pytest.mark.parametrize("shape,pads,mode", [((2, 3), (1, 2, 3), "constant"), ((2, 3), (1,) * 6, "constant"),
                                             ((1, 2, 3), (3, 3), "reflect"), ((3,), (1, 1), "reflect"),
                                             ((3,), (1, 1), "foo"), ((3, 4), (-3, -2), "constant"),
                                             ((2, 5), (6, 0), "circular"), ((1, 2, 4, 5), (1, 1, -2, -3), "circular"),
                                             ((2, 5), (-3, -2), "replicate"), ((2, 5), (-3, -3), "reflect")])
def test_pad_errors(shape, pads, mode):
    ax, th = both("pad", pads, mode=mode)
    check_raises(ax, [shape], torch_fn=th)


def test_pad_gradcheck():
    assert gradcheck(lambda x: F.pad(x, (2, 1, 1, 1), mode="reflect"), [f64((1, 3, 4))])
    assert gradcheck(lambda x: F.pad(x, (1, -1, 2, 0), value=3.0), [f64((2, 3, 4))])


# --- normalize, cosine_similarity -------------------------------------------------------------------

@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize(p, dim, device):
    ax, th = both("normalize", p=p, dim=dim)
    check(ax, [(4, 5)], torch_fn=th, device=device)


@pytest.mark.parametrize("shapes,dim", [([(4, 5), (4, 5)], 1), ([(3, 4, 5), (1, 4, 5)], -1), ([(6,), (6,)], 0)])
def test_cosine_similarity(shapes, dim, device):
    ax, th = both("cosine_similarity", dim=dim)
    check(ax, shapes, torch_fn=th, device=device)
